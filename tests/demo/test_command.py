"""`ember demo` as a visitor runs it: one line with the page's address, the page answering
there, and Ctrl+C ending it cleanly with nothing left behind."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx


async def test_ember_demo_prints_its_address_serves_the_page_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("EMBER_TELEGRAM_TOKEN", None)  # no token is needed
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--no-browser",
        cwd=tmp_path,  # no .env of a real bot here, and nothing may be written here
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        url = None
        async with asyncio.timeout(60):
            while url is None:
                line = (await process.stdout.readline()).decode()
                assert line, "".join(seen)
                seen.append(line)
                found = re.search(r"running at (http://127\.0\.0\.1:\d+/)", line)
                url = found[1] if found else None
        async with httpx.AsyncClient(base_url=url) as client:
            state = (await client.get("/api/state")).json()
        keys = [p["key"] for p in state["panes"]]
        assert keys == ["participant", "partner", "therapist", "coordinator"]
        scratch = [p for p in tmp_path.iterdir() if p.name.startswith("ember-demo-")]
        assert len(scratch) == 1 and (scratch[0] / "demo.db").is_file()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        rest = await asyncio.wait_for(process.stdout.read(), timeout=30)
        code = await process.wait()
    output = "".join(seen) + rest.decode()
    assert code == 0, output
    assert "Traceback" not in output and "Demo stopped." in output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("ember-demo-")]
