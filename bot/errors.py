"""Ember's exceptions: every error Ember raises on purpose is an :class:`EmberError`.

::

    EmberError
    ├── ConfigError              a setting is missing or malformed (start-up stops, one line)
    │   └── TokenRefused         Telegram answered getMe with 401/404: the token is wrong
    ├── StartupInterrupted       SIGTERM/SIGINT came while start-up waited for Telegram
    ├── DatabaseBehind           the schema is older than the code (`ember db upgrade`)
    ├── DecryptionFailed         stored text cannot be opened with any configured key
    ├── StorageMisuse            a unit of work used outside `async with`, or re-entered
    ├── NotAllowed               the caller's role or assignment does not permit this
    │   └── ErasureRefused       `ember erase` without an open request, or while the
    │                            retention policy still keeps the records (--force overrides)
    ├── NotFound                 a participant, staff member, session or flag does not exist
    │   └── UnknownParticipant   no participant by that code that the caller may act on
    ├── AlreadyExists            a code or key that must be unique is taken
    ├── InvalidValue             a value (typed by a person or written in a file) is malformed;
    │   │                        also a ValueError, so parsers may catch either
    │   ├── InvalidAnswer        a questionnaire answer no option offers
    │   └── CaseFileError        a line of a labelled case file (`ember screen --eval`)
    ├── ContentFileError         a content file in prompts/ is invalid: every problem, with
    │   │                        file and line (also a ValueError)
    │   ├── ProtocolFileError    a protocol
    │   ├── QuestionnaireFileError  a questionnaire instrument
    │   ├── ChecklistFileError   a pre-session safety checklist
    │   ├── CatalogueError       the message catalogue or the crisis resources
    │   ├── ScreeningRuleError   the screener's rule files, lexicons, table or learned layer
    │   │                        (bot/domain/screening/model.py)
    │   └── CohortFileError      a cohort or session CSV file (`ember invite participant
    │                            --csv`, `ember session import`); nothing was created
    ├── DeliveryError            Telegram refused or failed a send (bot/delivery/retry.py)
    └── InvitationError          /start with a code that cannot be used
        ├── InvitationUnknown    no invitation has this code
        ├── InvitationUsed       the code was used already
        ├── InvitationExpired    the code is past its expiry
        ├── InvitationRevoked    a coordinator revoked the code
        └── AccountHasRole       this Telegram account is already enrolled with a role

People never read an exception's text. Each error names a message in the catalogue
(``key``, with ``values`` to fill it in); handlers show that message, in the reader's
language. ``str(error)`` is for logs and the command line only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self


class EmberError(Exception):
    """Base of every error Ember raises on purpose.

    ``key`` names the catalogue message that explains it to a person; ``values`` fill it.
    """

    key = "problem.unexpected"

    def __init__(self, message: str = "", /, *, key: str | None = None, **values: object) -> None:
        super().__init__(message or type(self).__name__)
        if key is not None:
            self.key = key
        self.values = values


class ConfigError(EmberError):
    """A setting is missing or malformed; the message is one line naming the variable."""


class TokenRefused(ConfigError):
    """Telegram refused the bot token at start-up (getMe answered 401 or 404); retrying
    would not help, so start-up stops with one line."""


class StartupInterrupted(EmberError):
    """A stop signal arrived while start-up was still waiting for Telegram to answer."""


class DatabaseBehind(EmberError):
    """The database schema is older than this version of Ember."""


class DecryptionFailed(EmberError):
    """Stored ciphertext cannot be opened with any of the configured keys."""


class StorageMisuse(EmberError):
    """A unit of work was used outside its ``async with`` block, or entered twice (a bug)."""


class NotAllowed(EmberError):
    """The caller's role or assignment does not allow this action."""

    key = "problem.not_allowed"


class ErasureRefused(NotAllowed):
    """A participant's data may not be erased yet: they have not asked (no open request), or
    the clinic's retention policy keeps their records for a while longer. ``--force``
    overrides either, and the audit log says so."""


class NotFound(EmberError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    key = "problem.not_found"


class UnknownParticipant(NotFound):
    """No participant by that code that the caller may act on (the same either way)."""


class AlreadyExists(EmberError):
    """Something that must be unique (a participant code, say) is already taken."""

    key = "problem.already_exists"


class InvalidValue(EmberError, ValueError):
    """A value is malformed: a code, a time zone, a date, a duration, a field in a file."""

    key = "problem.invalid"


class InvalidAnswer(InvalidValue):
    """A questionnaire answer names an unknown item or a value no option offers."""


@dataclass(frozen=True)
class Problem:
    """One problem in a content file: which file, which line (None: not known), and why."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"

    @property
    def source(self) -> str:
        return self.file

    @property
    def message(self) -> str:
        return self.reason


class ContentFileError(EmberError, ValueError):
    """A content file (protocol, questionnaire, catalogue, crisis resources) is invalid.

    ``problems`` holds every problem found, each with its file, line and reason; the
    message lists them all, one per line, so a reviewer fixes a file in one pass.
    """

    key = "problem.content_file"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return self.problems

    @classmethod
    def at(cls, file: object, line: int | None, reason: str) -> Self:
        """The error of a single problem."""
        return cls([Problem(str(file), line, reason)])


class CohortFileError(ContentFileError):
    """A cohort or session CSV file is wrong somewhere (every problem listed, each with its
    line); nothing in it was created."""


class ProtocolFileError(ContentFileError):
    """A protocol file is invalid (every problem listed)."""


class QuestionnaireFileError(ContentFileError):
    """A questionnaire instrument file is invalid (every problem listed)."""


class ChecklistFileError(ContentFileError):
    """A pre-session safety checklist file is invalid (every problem listed)."""


class CatalogueError(ContentFileError):
    """The message catalogue or the crisis resources are invalid."""


class InvitationError(EmberError):
    """An invitation code cannot be used; subclasses say why."""


class InvitationUnknown(InvitationError):
    """No invitation has this code."""


class InvitationUsed(InvitationError):
    """The invitation was already used."""


class InvitationExpired(InvitationError):
    """The invitation is past its expiry."""


class InvitationRevoked(InvitationError):
    """The invitation was revoked by a coordinator."""


class AccountHasRole(InvitationError):
    """This Telegram account is already enrolled (one account, one role)."""
