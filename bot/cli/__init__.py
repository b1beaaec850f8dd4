"""The ``ember`` command line: everything a coordinator does, scriptable (typer).

``common`` holds the typer app and shared helpers; the commands live in ``core`` (run,
db, invite), ``ops`` (doctor), ``schedules`` (protocols, sessions, prompts), ``safety``
(screen, therapist settings, on-call), ``upkeep`` (encryption keys, the queues' status),
``erasure`` (erase) and ``demo`` (Ember in a browser, against the Telegram simulator).
"""

from __future__ import annotations

import sys

from bot.cli import core, demo, erasure, ops, safety, schedules, upkeep  # noqa: F401  (registers)
from bot.cli.common import app


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
