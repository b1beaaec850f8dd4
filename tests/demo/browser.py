"""Finding a browser for the demo page's tests: the system Chromium, driven by Playwright.

Nothing is downloaded: Playwright is told where the system's Chromium is
(``executable_path``). Where there is none, the tests skip with a reason that says how to
get one (CI installs Debian's ``chromium``; see .ci/run).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The system Chromium (or Chrome): $EMBER_TEST_CHROMIUM, else the first on PATH."""
    named = os.environ.get("EMBER_TEST_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def why_no_browser() -> str | None:
    """None when the browser tests can run; otherwise the reason, loud and actionable."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "NO BROWSER TESTS: playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return (
            "NO BROWSER TESTS: no system Chromium found (apt-get install chromium, or set "
            "EMBER_TEST_CHROMIUM to a Chromium or Chrome binary)"
        )
    return None
