"""What a benchmark that plays Telegram in its own process does before it measures."""

from __future__ import annotations

import gc


def freeze_setup() -> None:
    """Keep what the set-up built out of this process's garbage collector's sight.

    This process is the fake Telegram. A full collection of the set-up (the population,
    the database's and the server's objects) pauses it for tens of milliseconds, and the
    requests that arrive meanwhile are then admitted together, as if sent together: its
    strict window counts 31 in a second that Ember never sent, and the alerts it times
    wait for a pause that is the bench's own. Telegram does not pause for our collector.
    """
    gc.freeze()
