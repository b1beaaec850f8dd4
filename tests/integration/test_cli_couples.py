"""`ember couple`, `ember invite --partner`, `ember session add --couple`, `session dose`,
`session list` and `ember checklist` as a coordinator runs them."""

from __future__ import annotations

from pathlib import Path

from storage.crypto import generate_key
from tests.integration.test_cli import ember


def test_a_couple_is_linked_shares_a_session_and_its_doses_are_listed(tmp_path: Path) -> None:
    env = {
        "EMBER_ENCRYPTION_KEY": generate_key(),
        "EMBER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e.db",
        "EMBER_TIMEZONE": "Europe/Berlin",
    }

    def run(*args: str) -> str:
        result = ember(*args, cwd=tmp_path, **env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("db", "upgrade")
    run("invite", "therapist", "T-01", "--name", "Dr. A")
    run("invite", "participant", "P-0142", "--therapist", "T-01")
    run("invite", "participant", "P-0143", "--therapist", "T-01", "--partner", "P-0142")
    run("invite", "participant", "P-0150", "--therapist", "T-01")

    refused = ember("couple", "link", "P-0150", "P-0142", cwd=tmp_path, **env)
    assert refused.returncode == 1 and "P-0142 is already in a couple" in refused.stderr
    assert refused.stderr.count("\n") == 1  # one line, no traceback

    added = run("session", "add", "P-0142", "dosing", "2026-12-01 09:00", "--couple")
    assert "session #1 dosing for P-0142 at 2026-12-01 09:00 CET (shared with P-0143)" in added
    assert "session #2 dosing for P-0143 at 2026-12-01 09:00 CET (shared with P-0142)" in added

    dosed = run("session", "dose", "P-0142", "1", "--initial", "80mg@09:00",
                "--supplemental", "40mg@10:30")
    assert "initial 80mg@09:00; supplemental 40mg@10:30" in dosed
    bad = ember("session", "dose", "P-0142", "1", "--initial", "80@9", cwd=tmp_path, **env)
    assert bad.returncode == 1 and "80mg@09:00" in bad.stderr

    listed = run("session", "list", "P-0142")
    assert "#1  2026-12-01 09:00 CET  dosing  scheduled  shared with P-0143" in listed
    assert "doses: initial 80mg@09:00; supplemental 40mg@10:30" in listed

    run("session", "cancel", "P-0143", "2")
    assert "cancelled  shared with P-0143" in run("session", "list", "P-0142")

    assert "P-0143 and P-0142 are no longer a couple" in run("couple", "unlink", "P-0143")
    assert "couple #" in run("couple", "link", "P-0150", "P-0142")
    listed = run("couple", "list")
    assert "P-0142 (invited)  P-0150 (invited)" in listed and "P-0143" not in listed


def test_checklist_validate_and_check(tmp_path: Path) -> None:
    shipped = str(Path(__file__).resolve().parents[2] / "prompts/checklists/pre-session.yaml")
    ok = ember("checklist", "validate", shipped, cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(": ok")
    found = ember("checklist", "check", shipped, "Ich nehme Sertralin", cwd=tmp_path)
    assert '"contraindicated": true' in found.stdout and '"ssri"' in found.stdout
    clean = ember("checklist", "check", shipped, "nothing new, no alcohol", cwd=tmp_path)
    assert '"contraindicated": false' in clean.stdout
