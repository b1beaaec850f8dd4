"""Who an instance is, for the claims it stamps on work: ``<host>:<pid>:<random>``.

The outbox dispatcher and intake of one process share one worker id (as does its bid for
the leader lease). A claim is kept fresh by its instance's heartbeat; one nobody refreshes
belonged to an instance that is gone. At start-up an instance can tell at once whether a
claim of an earlier process on its own host is stale: that process no longer exists.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

HEARTBEAT = 3.0  # seconds between refreshes of an instance's claims (outbox and inbox)
STALE_CLAIM = timedelta(seconds=15)  # heartbeats come every few seconds; five missed = gone


def make_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def this_host() -> str:
    """The prefix of the worker ids of processes on this host."""
    return f"{socket.gethostname()}:"


def gone_from_this_host(worker: str, me: str) -> bool:
    """``worker`` (another process on this host) no longer runs."""
    if worker == me or not worker.startswith(this_host()):
        return False
    parts = worker.split(":")
    pid = int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else -1
    return not pid_alive(pid)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
