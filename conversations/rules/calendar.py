"""When a proactive message may go out: working days, inside configured hours, in the
recipient's time zone, never on a French public holiday (from the `holidays` package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from conversations.rules.regions import REGION_HOLIDAY_SUBDIVISIONS, REGION_TIMEZONES


@dataclass(frozen=True)
class SendingWindow:
    """Programme settings: the hours and days nudges may be sent (local time)."""

    opens: time = time(9, 0)
    closes: time = time(19, 0)
    # Monday is 0: weekdays only by default
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    skip_public_holidays: bool = True

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError("the sending window must open before it closes")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError("the sending window needs at least one weekday among 0-6")


@dataclass(frozen=True)
class Place:
    """Where a person lives, as far as the calendar cares."""

    zone: ZoneInfo
    holiday_subdivision: str | None = None

    @classmethod
    def of_region(cls, region: str | None, default_zone: ZoneInfo) -> Place:
        if region is None or region not in REGION_TIMEZONES:
            return cls(default_zone)
        return cls(ZoneInfo(REGION_TIMEZONES[region]), REGION_HOLIDAY_SUBDIVISIONS.get(region))


@lru_cache(maxsize=64)
def _holidays(year: int, subdivision: str | None) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", subdiv=subdivision, years=year))


def is_holiday(day: date, subdivision: str | None = None) -> bool:
    """A French public holiday (with the overseas ones where they apply)."""
    return day in _holidays(day.year, subdivision)


def _working_day(day: date, window: SendingWindow, place: Place) -> bool:
    if day.weekday() not in window.weekdays:
        return False
    return not (window.skip_public_holidays and is_holiday(day, place.holiday_subdivision))


def is_open(when: datetime, window: SendingWindow, place: Place) -> bool:
    """May a message be sent at `when` (aware) to someone in `place`?"""
    local = when.astimezone(place.zone)
    if not _working_day(local.date(), window, place):
        return False
    return window.opens <= local.time() < window.closes


def next_open(when: datetime, window: SendingWindow, place: Place) -> datetime:
    """`when` itself if the window is open then, else the next time it opens (UTC)."""
    if is_open(when, window, place):
        return when.astimezone(UTC)
    local = when.astimezone(place.zone)
    day = local.date()
    if _working_day(day, window, place) and local.time() < window.opens:
        return datetime.combine(day, window.opens, tzinfo=place.zone).astimezone(UTC)
    for _ in range(370):
        day += timedelta(days=1)
        if _working_day(day, window, place):
            return datetime.combine(day, window.opens, tzinfo=place.zone).astimezone(UTC)
    raise ValueError("no working day within a year: check the sending window settings")
