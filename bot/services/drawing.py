"""Where charts are drawn: in a child process, so that matplotlib, which holds Python's
global lock while it draws, never slows the event loop that answers participants.

Measured with ``bench/digests.py`` (40 therapists, two busy cores): drawn in a thread of
the bot's own process, a small write made meanwhile (as a crisis reply makes) waited up to
388 ms; drawn in a child process, up to 85 ms (44 ms with no chart drawn at all). The child
starts on first use (the ``spawn`` method: nothing of the parent's threads or connections
is copied), draws one chart at a time, and stops with Ember. Tests and tools may draw in
a thread instead (``processes=False``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from zoneinfo import ZoneInfo

from bot.domain import chart
from bot.domain.questionnaires import Instrument
from bot.domain.trends import Trend

log = logging.getLogger(__name__)


class ChartDrawer:
    """Draws trend charts away from the event loop."""

    def __init__(self, *, processes: bool = True) -> None:
        self._processes = processes
        self._pool: Executor | None = None

    async def draw(
        self,
        trends: Sequence[Trend],
        instruments: Mapping[str, Instrument],
        *,
        zone: ZoneInfo,
        lang: str,
        labels: chart.ChartLabels,
    ) -> bytes:
        """The chart of ``trends`` as PNG bytes."""
        drawn = {p.instrument_id for t in trends for p in t.scores}
        work = partial(
            chart.render,
            tuple(trends),
            {i: instruments[i] for i in drawn if i in instruments},  # only what is drawn
            zone=zone,
            lang=lang,
            labels=labels,
        )
        if self._processes:
            try:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        max_workers=1, mp_context=multiprocessing.get_context("spawn")
                    )
                return await asyncio.get_running_loop().run_in_executor(self._pool, work)
            except (BrokenProcessPool, OSError, RuntimeError):
                # no child process here (a script without a __main__ guard, a sandbox that
                # forbids it): a chart drawn in a thread is slower for others, not lost
                log.warning("charts are drawn in a thread: no child process could be started")
                self.close()
                self._processes = False
        return await asyncio.to_thread(work)

    def close(self) -> None:
        """Stop the child process, if one was started (drawings in progress are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
