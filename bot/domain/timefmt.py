"""Dates and times as a reader sees them: in their own time zone, formatted for their
language (Babel's CLDR data), through one helper so no message shows UTC by accident.

Pure: no clock, no I/O. Every date or time put into a message goes through here; stored
times are aware UTC and become local only at this edge.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton

from bot.clock import require_aware
from bot.domain.schedule import as_zone

FALLBACK = "en"


@lru_cache(maxsize=64)
def _locale(lang: str | None) -> Locale:
    try:
        return Locale.parse((lang or FALLBACK).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


def _local(at: datetime, tz: str | ZoneInfo) -> datetime:
    return require_aware(at).astimezone(as_zone(tz))


def _clock(locale: Locale) -> str:
    """The locale's hours: "hm" where it counts twelve (en), "Hm" where twenty-four."""
    short = locale.time_formats["short"].pattern
    return "hm" if "h" in short else "Hm"


def _date_and_time(local: datetime, date_skeleton: str, locale: Locale) -> str:
    date = format_skeleton(date_skeleton, local, locale=locale)
    clock = format_skeleton(_clock(locale), local, locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", date).replace("{0}", clock)


def when(at: datetime, tz: str | ZoneInfo, lang: str | None) -> str:
    """Date and time of day: "Dec 4, 2026, 6:55 PM" (en), "4. Dez. 2026, 18:55" (de)."""
    return _date_and_time(_local(at, tz), "yMMMd", _locale(lang))


def when_zoned(at: datetime, tz: str | ZoneInfo, lang: str | None) -> str:
    """Date and time with the zone's abbreviation, for staff who work across zones (alerts,
    acknowledgements): "Dec 4, 2026, 6:55 PM CET" (en), "4. Dez. 2026, 18:55 CET" (de)."""
    local = _local(at, tz)
    return f"{_date_and_time(local, 'yMMMd', _locale(lang))} {local:%Z}"


def when_short(at: datetime, tz: str | ZoneInfo, lang: str | None) -> str:
    """Weekday, day and time, for lists within a few weeks: "Fri, Dec 4, 6:55 PM"."""
    return _date_and_time(_local(at, tz), "MMMEd", _locale(lang))


def day(at: datetime, tz: str | ZoneInfo, lang: str | None) -> str:
    """The local date alone: "Dec 4, 2026" (en), "4. Dez. 2026" (de)."""
    return format_skeleton("yMMMd", _local(at, tz), locale=_locale(lang))


def long_day(at: datetime, tz: str | ZoneInfo, lang: str | None) -> str:
    """Weekday and date: "Friday, December 4, 2026" (en), "Freitag, 4. Dezember 2026" (de)."""
    return format_date(_local(at, tz).date(), "full", locale=_locale(lang))


def time_of_day(at: datetime, tz: str | ZoneInfo, lang: str | None) -> str:
    """The local time of day alone: "6:55 PM" (en), "18:55" (de)."""
    locale = _locale(lang)
    return format_skeleton(_clock(locale), _local(at, tz), locale=locale)


def tick(at: datetime, lang: str | None) -> str:
    """A chart's date tick (``at`` already local): "Dec 4" (en), "4. Dez." (de)."""
    return format_skeleton("MMMd", at, locale=_locale(lang))
