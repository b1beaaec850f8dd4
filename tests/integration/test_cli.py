"""The `ember` command as a user runs it: clear one-line failures, invitations, keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.crypto import generate_key

EMBER = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def ember(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [*EMBER, *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = ember("run", cwd=tmp_path)
    assert result.returncode == 78  # EX_CONFIG: a supervisor should not restart this
    assert result.stderr.strip().count("\n") == 0
    assert "EMBER_TELEGRAM_TOKEN" in result.stderr and "@BotFather" in result.stderr


def test_run_with_a_bad_database_url_names_the_variable(tmp_path: Path) -> None:
    result = ember(
        "run",
        cwd=tmp_path,
        EMBER_TELEGRAM_TOKEN="123:abc",
        EMBER_DATABASE_URL="mysql://root@localhost/x",
    )
    assert result.returncode == 78
    assert result.stderr.startswith("ember: EMBER_DATABASE_URL")
    assert result.stderr.strip().count("\n") == 0


def test_run_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    result = ember(
        "run",
        cwd=tmp_path,
        EMBER_TELEGRAM_TOKEN="123:abc",
        EMBER_ENCRYPTION_KEY=generate_key(),
        EMBER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/new.db",
    )
    assert result.returncode == 1
    assert "ember db upgrade" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_keygen_prints_a_usable_key(tmp_path: Path) -> None:
    from storage.crypto import Cipher

    key = ember("keygen", cwd=tmp_path).stdout.strip()
    assert Cipher([key.encode()]).open(Cipher([key.encode()]).seal("x")) == "x"


def test_invite_prints_a_deep_link(tmp_path: Path) -> None:
    env = {
        "EMBER_ENCRYPTION_KEY": generate_key(),
        "EMBER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e.db",
    }
    assert ember("db", "upgrade", cwd=tmp_path, **env).returncode == 0
    out = ember("invite", "therapist", "T-01", "--name", "Dr. A", cwd=tmp_path, **env)
    assert out.returncode == 0, out.stderr
    assert "https://t.me/" in out.stdout and "?start=" in out.stdout
    bad = ember("invite", "participant", "P-1", "--therapist", "T-99", cwd=tmp_path, **env)
    assert bad.returncode == 1 and "T-99" in bad.stderr


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["invite", "--help"]])
def test_help_is_helpful(tmp_path: Path, args: list[str]) -> None:
    result = ember(*args, cwd=tmp_path)
    assert result.returncode == 0 and "Usage" in result.stdout


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("sqlite+aiosqlite:////nonexistent/folder/ember.db", 78),  # the setting is wrong
        ("postgresql+asyncpg://postgres@127.0.0.1:1/ember", 1),  # a server that may come back
    ],
)
def test_run_with_an_unreachable_database_says_so_in_one_line(
    tmp_path: Path, url: str, code: int
) -> None:
    result = ember(
        "run",
        cwd=tmp_path,
        EMBER_TELEGRAM_TOKEN="123:abc",
        EMBER_ENCRYPTION_KEY=generate_key(),
        EMBER_DATABASE_URL=url,
    )
    assert result.returncode == code
    assert result.stderr.startswith("ember: EMBER_DATABASE_URL"), result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_webhook_mode_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    result = ember(
        "run",
        "--webhook",
        cwd=tmp_path,
        EMBER_TELEGRAM_TOKEN="123:abc",
        EMBER_ENCRYPTION_KEY=generate_key(),
        EMBER_WEBHOOK_URL="https://ember.example.org/telegram",
    )
    assert result.returncode == 78
    assert result.stderr.startswith("ember: EMBER_WEBHOOK_SECRET is not set")
    assert result.stderr.strip().count("\n") == 0


def test_a_plain_http_webhook_url_to_another_machine_is_refused(tmp_path: Path) -> None:
    result = ember(
        "run",
        "--webhook",
        cwd=tmp_path,
        EMBER_TELEGRAM_TOKEN="123:abc",
        EMBER_ENCRYPTION_KEY=generate_key(),
        EMBER_WEBHOOK_URL="http://ember.example.org/telegram",
        EMBER_WEBHOOK_SECRET="s3cret-token",
    )
    assert result.returncode == 78
    assert result.stderr.startswith("ember: EMBER_WEBHOOK_URL must be an https:// URL")
    assert result.stderr.strip().count("\n") == 0


def test_screen_reads_the_start_up_cache_and_never_fills_it(tmp_path: Path) -> None:
    """`ember screen` gives the same verdict whether `ember run` filled the cache or not,
    and keeps nothing itself (a rule just edited costs no more than before)."""
    import json

    from prompts.screening_cache import keep_for_next_start

    cache = tmp_path / "cache"
    text = "I've saved up my pills and tonight is the night"
    built = ember("screen", text, "--lang", "en", cwd=tmp_path, EMBER_CACHE_DIR=str(cache))
    assert built.returncode == 0, built.stderr
    assert not list(cache.glob("screener-*.pickle"))
    assert keep_for_next_start(cache)  # as `ember run` does after a start that found none
    cached = ember("screen", text, "--lang", "en", cwd=tmp_path, EMBER_CACHE_DIR=str(cache))
    assert cached.returncode == 0, cached.stderr
    assert json.loads(cached.stdout) == json.loads(built.stdout)
    assert json.loads(built.stdout)["tier"] == "crisis"


def test_screen_jsonl_gives_every_verdict_in_order_and_stops_at_a_bad_line(
    tmp_path: Path,
) -> None:
    """A journal history re-screened with `ember screen --jsonl`: one verdict per entry,
    in the entries' order, as the screener gives it; a malformed line stops the run with
    its line number, after every verdict before it has been written."""
    import json

    from prompts.screening_loader import default_screener

    entries = [
        ("I've saved up my pills and tonight is the night", "en"),
        ("Lovely walk by the river with my sister today", "en"),
        ("ya no quiero seguir viviendo", None),
        ("Je me sens un peu seul ce soir", "fr"),
    ] * 150  # more lines than are written at a time
    lines = [
        json.dumps({"id": f"e{i}", "text": text, **({"lang": lang} if lang else {})})
        for i, (text, lang) in enumerate(entries)
    ]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    result = subprocess.run(
        [*EMBER, "screen", "--jsonl"],
        input="\n".join([*lines, "not json"]) + "\n",
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), "EMBER_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"ember: stdin line {len(lines) + 1}: not a")
    screener = default_screener()
    expected = [
        screener.screen(text, lang).as_json(f"e{i}") for i, (text, lang) in enumerate(entries)
    ]
    assert [json.loads(line) for line in result.stdout.splitlines()] == expected
    assert expected[0]["tier"] == "crisis" and expected[1]["tier"] == "none"
