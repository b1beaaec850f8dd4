"""Trend charts as PNG images: each participant's mood answers (0–10) and questionnaire
scores (as a share of each instrument's range) over time, sessions as dashed lines, flags
as triangles. Drawn with matplotlib's Agg canvas (no display, no pyplot state).

Pure in effect: values in, PNG bytes out, no I/O. The image has a fixed width and a height
that depends only on the number of panels, so its size is known before it is drawn.
matplotlib is imported on first use, since the command line never needs it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.questionnaires import Instrument
from bot.domain.safety import Tier
from bot.domain.timefmt import tick
from bot.domain.trends import Trend, share_of_range

DPI = 100
WIDTH_IN = 8.0
PANEL_IN = 2.2  # inches per participant
TITLE_IN = 0.5
MOOD_MAX = 10
TIER_COLOURS = {
    Tier.LOW: "#9e9e9e",
    Tier.MODERATE: "#f0a202",
    Tier.HIGH: "#e4572e",
    Tier.CRISIS: "#a4161a",
}
EPOCH = datetime(1970, 1, 1)
_drawing = threading.Lock()  # matplotlib's text and font caches are not made for threads


@dataclass(frozen=True)
class ChartLabels:
    """The words on a chart, in the reader's language (from the message catalogue)."""

    title: str
    mood: str  # left axis
    mood_line: str  # legend: the mood answers
    scores: str  # right axis
    session: str  # legend: a session
    flag: str  # legend: a flag
    no_data: str  # a panel with nothing to draw


def size_of(panels: int) -> tuple[int, int]:
    """The image's width and height in pixels for ``panels`` participants."""
    return round(WIDTH_IN * DPI), round((TITLE_IN + PANEL_IN * max(panels, 1)) * DPI)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height written in a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def render(
    trends: Sequence[Trend],
    instruments: Mapping[str, Instrument],
    *,
    zone: ZoneInfo,
    lang: str,
    labels: ChartLabels,
) -> bytes:
    """One PNG with a panel per trend, in the reader's time zone and language."""
    with _drawing:
        return _render(trends, instruments, zone=zone, lang=lang, labels=labels)


def _render(
    trends: Sequence[Trend],
    instruments: Mapping[str, Instrument],
    *,
    zone: ZoneInfo,
    lang: str,
    labels: ChartLabels,
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    width, height = size_of(len(trends))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(labels.title, fontsize=11, y=1 - 0.18 / (height / DPI))
    top = 1 - TITLE_IN / (height / DPI)
    figure.subplots_adjust(left=0.08, right=0.86, bottom=0.35 / (height / DPI), top=top,
                           hspace=0.55)
    # one shared time axis, its dates under the last panel only: tick labels are most of
    # the drawing time, and a digest draws a chart for every therapist
    axes = figure.subplots(max(len(trends), 1), 1, squeeze=False, sharex=True)[:, 0]

    def local(at: datetime) -> datetime:
        return at.astimezone(zone).replace(tzinfo=None)

    # matplotlib counts days since 1970-01-01 (its default epoch) on a date axis
    dates = FuncFormatter(lambda x, _pos: tick(EPOCH + timedelta(days=float(x)), lang))
    for ax, trend in zip(axes, trends, strict=False):
        ax.set_title(trend.code, fontsize=9, loc="left", y=1.0)  # placed, not measured
        margin = (trend.until - trend.since) / 40  # so the newest answer is not cut in half
        ax.set_xlim(local(trend.since), local(trend.until + margin))
        ax.set_ylim(-0.5, MOOD_MAX + 1.2)
        ax.set_ylabel(labels.mood, fontsize=7)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(7))
        ax.xaxis.set_major_formatter(dates)
        ax.yaxis.set_major_locator(FixedLocator([0, 5, 10]))
        ax.grid(axis="y", alpha=0.25)
        scores = ax.twinx()
        scores.set_ylim(-5, 112)
        scores.yaxis.set_major_locator(FixedLocator([0, 50, 100]))
        scores.set_ylabel(labels.scores, fontsize=7)
        scores.tick_params(labelsize=7)
        if trend.mood:
            ax.plot(
                [local(p.at) for p in trend.mood],
                [p.value for p in trend.mood],
                marker="o", markersize=3, linewidth=1.4, color="#1f77b4", label=labels.mood_line,
            )
        for n, instrument_id in enumerate(sorted({p.instrument_id for p in trend.scores})):
            instrument = instruments.get(instrument_id)
            if instrument is None:
                continue
            mine = [p for p in trend.scores if p.instrument_id == instrument_id]
            scores.plot(
                [local(p.at) for p in mine],
                [share_of_range(p, instrument) for p in mine],
                marker="s", markersize=3, linewidth=1.0, linestyle="--",
                color=f"C{n + 1}", label=instrument.short_name,
            )
        for n, session in enumerate(s for s in trend.sessions if not s.cancelled):
            ax.axvline(
                local(session.starts_at), color="#555555", linestyle=":", linewidth=1.0,
                label=labels.session if n == 0 else None,
            )
        for n, flag in enumerate(trend.flags):
            ax.plot(
                [local(flag.created_at)], [MOOD_MAX + 0.6], marker="v", markersize=6,
                linestyle="none", color=TIER_COLOURS.get(flag.tier, "#e4572e"),
                label=labels.flag if n == 0 else None,
            )
        if trend.empty:
            ax.text(0.5, 0.5, labels.no_data, transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="#777777")
        handles, names = ax.get_legend_handles_labels()
        more, more_names = scores.get_legend_handles_labels()
        if handles or more:
            ax.legend(handles + more, names + more_names, fontsize=6, loc="upper left",
                      bbox_to_anchor=(1.07, 1.0), frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
