"""The Telegram simulator under its former name: it lives in :mod:`bot.simulator` now.

Importing ``tests.fakes.telegram`` (or one of its former modules, e.g. ``._models``) gives
the very same objects, so older imports keep working until they are switched.
"""

import sys

from bot import simulator
from bot.simulator import *  # noqa: F403
from bot.simulator import (
    _commands,
    _faults,
    _formatting,
    _inspection,
    _methods,
    _models,
    _params,
    _ratelimit,
    _server,
    _updates,
    _users,
    _webhook,
    _world,
)

__all__ = simulator.__all__

for _module in (
    _commands,
    _faults,
    _formatting,
    _inspection,
    _methods,
    _models,
    _params,
    _ratelimit,
    _server,
    _updates,
    _users,
    _webhook,
    _world,
):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[-1]}"] = _module
