"""The audit log as staff read it (`ember audit`): what kind of event each action is, and
one event with the people named as staff see them. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# the kinds `ember audit` lists by default, and the actions of each
KINDS: dict[str, tuple[str, ...]] = {
    "read": ("journal.read",),
    "export": ("export", "export.research"),
    "erasure": ("erasure.requested", "erasure"),
    "change": (
        "therapist.set",
        "oncall.set",
        "assign",
        "protocol.load",
        "protocol.assign",
        "session.add",
        "session.move",
        "session.cancel",
    ),
}


def kind_of(action: str) -> str:
    """``read``, ``export``, ``erasure``, ``change``, or ``other``."""
    for kind, actions in KINDS.items():
        if action in actions:
            return kind
    return "other"


def actions_of(kinds: list[str] | None) -> tuple[str, ...] | None:
    """The actions of ``kinds`` (None: every action)."""
    if kinds is None:
        return None
    return tuple(action for kind in kinds for action in KINDS.get(kind, ()))


@dataclass(frozen=True)
class AuditLine:
    """One audit event: who (a staff code and name, "participant", "cli" or "system"),
    what, whose (a participant's code, or a staff code), and never the data itself."""

    at: datetime
    who: str
    action: str
    whom: str | None
    detail: str | None

    @property
    def kind(self) -> str:
        return kind_of(self.action)
