"""The ``ember`` command line: everything a coordinator does, scriptable (typer).

``common`` holds the typer app and shared helpers; the commands live in ``core`` (run,
db, keygen, invite), ``schedules`` (protocols, sessions, prompts), ``safety`` (screen,
therapist settings, on-call) and ``erasure`` (erase).
"""

from __future__ import annotations

import sys

from bot.cli import core, erasure, safety, schedules  # noqa: F401  (registers the commands)
from bot.cli.common import app


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
