"""Bulk enrolment benchmark: one `ember invite participant --csv` of N participants (two
sessions each, on the reference protocol) as a coordinator runs it, and `ember --help`.

    python bench/cohort.py                 # 300 participants on a scratch SQLite file
    python bench/cohort.py -n 1000
    python bench/cohort.py --postgres postgresql+asyncpg://postgres@127.0.0.1/test

Prints the wall time of the whole command (start-up, checking the file, one transaction,
the deep links written) and the enrolment time it reports. Target: 300 in under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMBER = [sys.executable, "-m", "bot.cli"]


def ember(env: dict[str, str], *args: str, cwd: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*EMBER, *args], env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"ember {' '.join(args)} failed:\n{done.stderr}")
    return done


@contextlib.contextmanager
def scratch_postgres(server: str) -> Iterator[str]:
    """A fresh database on the server of ``server`` (dropped afterwards), as its URL."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(server)
    name = f"ember_bench_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="participants in the cohort")
    parser.add_argument(
        "--postgres",
        help="a PostgreSQL server's URL: the benchmark makes a scratch database there and "
        "drops it afterwards",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from storage.crypto import generate_key

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        database = f"sqlite+aiosqlite:///{tmp}/ember.db"
        if args.postgres:
            database = stack.enter_context(scratch_postgres(args.postgres))
        clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
        env = {
            **clean,
            "PYTHONPATH": str(ROOT),
            "EMBER_ENCRYPTION_KEY": generate_key(),
            "EMBER_DATABASE_URL": database,
        }
        ember(env, "db", "upgrade", cwd=tmp)
        ember(env, "protocol", "load", str(ROOT / "prompts" / "mdma-integration.yaml"), cwd=tmp)
        for therapist in ("T-01", "T-02"):
            ember(env, "invite", "therapist", therapist, cwd=tmp)
        path = Path(tmp) / "cohort.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["code", "therapist", "timezone", "language", "protocol", "sessions"])
            for i in range(args.n):
                writer.writerow(
                    [
                        f"P-{i:05d}",
                        f"T-0{i % 2 + 1}",
                        "Europe/Berlin",
                        "en",
                        "mdma-integration",
                        "dosing=2026-12-10T09:00;integration=2026-12-11T10:00",
                    ]
                )
        started = time.perf_counter()
        done = ember(
            env, "invite", "participant", "--csv", str(path), "--out", "links.csv", cwd=tmp
        )
        wall = time.perf_counter() - started
        links = len((Path(tmp) / "links.csv").read_text(encoding="utf-8").splitlines()) - 1
        started = time.perf_counter()
        ember(env, "--help", cwd=tmp)
        helped = time.perf_counter() - started
    print(done.stderr.strip().splitlines()[-1])
    print(f"cohort of {args.n}: {wall:.2f} s for the whole command; {links} deep links written")
    print(f"ember --help: {helped:.2f} s")


if __name__ == "__main__":
    main()
