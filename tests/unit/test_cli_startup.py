"""`ember --help` and the help of every command start without the heavy modules: those load
only inside the commands that use them (start-up time is in the README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("telegram", "sqlalchemy", "bot.domain.screening", "matplotlib", "cryptography",
         "alembic", "rich", "bot.services", "storage")

PROBE = """
import json, sys
sys.argv = ["ember", *json.loads(sys.argv[1])]
import bot.cli
try:
    bot.cli.main()
except SystemExit:
    pass
found = {m for m in sys.modules for h in HEAVY if m == h or m.startswith(h + ".")}
print(json.dumps(sorted(found)))
"""


@pytest.mark.parametrize("args", [["--help"], ["invite", "--help"], ["export", "--help"],
                                  ["session", "import", "--help"], ["audit", "--help"]])
def test_help_loads_none_of_the_heavy_modules(args: list[str]) -> None:
    probe = PROBE.replace("HEAVY", repr(HEAVY))
    done = subprocess.run([sys.executable, "-c", probe, json.dumps(args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    *_, loaded = done.stdout.strip().splitlines()
    assert json.loads(loaded) == []
    assert "Usage" in done.stdout


def test_a_malformed_rule_file_is_one_line_naming_file_and_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.cli
    from bot.domain.screening.model import ScreeningRuleError

    def broken() -> None:
        raise ScreeningRuleError("prompts/screening/en.yaml:315: patterns must be a text value")

    monkeypatch.setattr(bot.cli, "app", broken)
    with pytest.raises(SystemExit) as stopped:
        bot.cli.main()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err == "ember: prompts/screening/en.yaml:315: patterns must be a text value\n"
    assert "Traceback" not in err
