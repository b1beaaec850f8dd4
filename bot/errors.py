"""Ember's exceptions, raised by services and domain code and turned into kind words at the edges.

::

    EmberError
    ├── ConfigError              a setting is missing or malformed (start-up stops, one line)
    ├── DatabaseBehind           the schema is older than the code (`ember db upgrade`)
    ├── DecryptionFailed         stored text cannot be opened with any configured key
    ├── StorageMisuse            a unit of work used outside `async with`, or re-entered
    ├── NotAllowed               the caller's role or assignment does not permit this
    ├── NotFound                 a participant, staff member, session or flag does not exist
    ├── AlreadyExists            a code or key that must be unique is taken
    └── InvitationError          /start with a code that cannot be used
        ├── InvitationUnknown    no invitation has this code
        ├── InvitationUsed       the code was used already
        ├── InvitationExpired    the code is past its expiry
        ├── InvitationRevoked    a coordinator revoked the code
        └── AccountHasRole       this Telegram account is already enrolled with a role
"""

from __future__ import annotations


class EmberError(Exception):
    """Base of every error Ember raises on purpose."""


class ConfigError(EmberError):
    """A setting is missing or malformed; the message is one line naming the variable."""


class DatabaseBehind(EmberError):
    """The database schema is older than this version of Ember."""


class DecryptionFailed(EmberError):
    """Stored ciphertext cannot be opened with any of the configured keys."""


class StorageMisuse(EmberError):
    """A unit of work was used outside its ``async with`` block, or entered twice (a bug)."""


class NotAllowed(EmberError):
    """The caller's role or assignment does not allow this action."""


class NotFound(EmberError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class AlreadyExists(EmberError):
    """Something that must be unique (a participant code, say) is already taken."""


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
