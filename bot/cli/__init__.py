"""The ``ember`` command line: everything a coordinator does, scriptable (typer).

``common`` holds the typer app and shared helpers; the commands live in ``core`` (run,
db, invite), ``ops`` (doctor), ``schedules`` (protocols, sessions, prompts), ``safety``
(screen, therapist settings, on-call), ``upkeep`` (encryption keys, the queues' status),
``erasure`` (erase), ``clinic`` (stats, audit, the research export), ``bulk``
(a cohort's invitations and sessions from CSV files) and ``demo`` (Ember in a browser,
against the Telegram simulator).
"""

from __future__ import annotations

import sys

from bot.cli import (  # noqa: F401  (registers)
    bulk,
    checklists,
    clinic,
    core,
    couples,
    demo,
    erasure,
    ops,
    safety,
    schedules,
    upkeep,
)
from bot.cli.common import app
from bot.errors import EmberError


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except EmberError as exc:
        # A malformed rule file, bad settings, a refused file: one plain answer naming
        # what to fix (file:line: reason, or the variable), never a traceback.
        print(f"ember: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
