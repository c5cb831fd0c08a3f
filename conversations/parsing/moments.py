"""A day and an hour written in a sentence ("on se voit jeudi à 14h ?", "3/12 à 14h30",
"Thursday 2pm"), read conservatively: a moment is found only when a day and an hour are
written close together, the hour is a waking one and not a duration ("2h de cours"), and
the sentence names one moment only ("jeudi 14h ou vendredi 10h" names none).

Day and month names are babel's (CLDR) in every locale of `phrases.LOCALES`, the words for
today and tomorrow those of the locale files; accents and case do not matter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from conversations.parsing import phrases
from conversations.parsing.dates import month_numbers
from conversations.parsing.text import has_non_ascii_numeral, normalise

__all__ = ["EARLIEST", "LATEST", "find_moment"]

# meetings are proposed in waking hours: "lundi 2h" is more likely a duration than 2 a.m.
EARLIEST = time(7, 0)
LATEST = time(22, 0)
# a day and an hour this far apart (characters) are not one moment
_NEAR = 30
# how much of a long message is read (a moment is written early, and regexes stay cheap)
_READ = 2000

_HOUR_FR = re.compile(r"\b([01]?[0-9]|2[0-3]) ?h(?:eures?)?(?: ?([0-5][0-9]))?\b")
_HOUR_COLON = re.compile(r"\b([01]?[0-9]|2[0-3]):([0-5][0-9])\b")
_HOUR_AMPM = re.compile(r"\b(1[0-2]|0?[1-9])(?:[:.]([0-5][0-9]))? ?([ap])\.? ?m\b")
_NOON = re.compile(r"\b(?:midi|noon)\b")
# "2h de cours", "8h de route": a duration, not a time of day
_DURATION_AFTER = re.compile(r" ?(?:de|d|du|des|of) ")
_DURATION_BEFORE = re.compile(r"(?:pendant|durant|en|for|during) $")
_NUMERIC_DATE = re.compile(r"\b([0-3]?[0-9])/([01]?[0-9])(?:/([0-9]{4}|[0-9]{2}))?\b")
_AFTER_TOMORROW = re.compile(r"\b(?:apres[ -]demain|day after tomorrow)\b")


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int


@dataclass(frozen=True)
class _Day(_Mention):
    # an explicit date, or a weekday (0 Monday) / a number of days from today
    day: date | None = None
    weekday: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class _Hour(_Mention):
    at: time


@functools.cache
def _weekdays() -> dict[str, int]:
    names: dict[str, int] = {}
    for locale in phrases.LOCALES:
        for number, name in get_day_names("wide", "format", locale=locale).items():
            names[normalise(name)] = int(number)
    return names


@functools.cache
def _day_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    weekdays = "|".join(sorted(map(re.escape, _weekdays()), key=len, reverse=True))
    # month names of three letters or more ("mars", "dec", "december"), longest first
    months = "|".join(
        sorted((re.escape(m) for m in month_numbers() if len(m) >= 3), key=len, reverse=True)
    )
    relative = sorted(phrases.words("dates", "today") | phrases.words("dates", "tomorrow"), key=len)
    return (
        re.compile(rf"\b({weekdays})\b"),
        re.compile(rf"\b([0-3]?[0-9])(?: ?(?:er|st|nd|rd|th))? ({months})\b\.?(?: ([0-9]{{4}}))?"),
        re.compile(rf"\b({months})\.? ([0-3]?[0-9])(?:st|nd|rd|th)?\b(?:,? ([0-9]{{4}}))?"),
        re.compile(r"\b(" + "|".join(re.escape(w) for w in reversed(relative)) + r")\b"),
    )


def _explicit(day: int, month: int, year: str | None, today: date) -> date | None:
    try:
        if year:
            full = int(year) if len(year) == 4 else 2000 + int(year)
            return date(full, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _days(text: str, today: date) -> Iterator[_Day]:
    weekday, day_month, month_day, relative = _day_patterns()
    months = month_numbers()
    for found in weekday.finditer(text):
        yield _Day(found.start(), found.end(), weekday=_weekdays()[found.group(1)])
    for found in _NUMERIC_DATE.finditer(text):
        month = int(found.group(2))
        if 1 <= month <= 12 and (
            day := _explicit(int(found.group(1)), month, found.group(3), today)
        ):
            yield _Day(found.start(), found.end(), day=day)
    for found in day_month.finditer(text):
        explicit = _explicit(int(found.group(1)), months[found.group(2)], found.group(3), today)
        if explicit is not None:
            yield _Day(found.start(), found.end(), day=explicit)
    for found in month_day.finditer(text):
        explicit = _explicit(int(found.group(2)), months[found.group(1)], found.group(3), today)
        if explicit is not None:
            yield _Day(found.start(), found.end(), day=explicit)
    after_tomorrow = [(m.start(), m.end()) for m in _AFTER_TOMORROW.finditer(text)]
    for start, end in after_tomorrow:
        yield _Day(start, end, offset=2)
    tomorrow = phrases.words("dates", "tomorrow")
    for found in relative.finditer(text):
        if any(start <= found.start() < end for start, end in after_tomorrow):
            continue
        yield _Day(found.start(), found.end(), offset=1 if found.group(1) in tomorrow else 0)


def _hours(text: str) -> Iterator[_Hour]:
    for pattern in (_HOUR_FR, _HOUR_COLON):
        for found in pattern.finditer(text):
            if _DURATION_AFTER.match(text, found.end()) or _DURATION_BEFORE.search(
                text, 0, found.start()
            ):
                continue
            yield _Hour(
                found.start(), found.end(), time(int(found.group(1)), int(found.group(2) or 0))
            )
    for found in _HOUR_AMPM.finditer(text):
        hour = int(found.group(1)) % 12 + (12 if found.group(3) == "p" else 0)
        yield _Hour(found.start(), found.end(), time(hour, int(found.group(2) or 0)))
    for found in _NOON.finditer(text):
        yield _Hour(found.start(), found.end(), time(12, 0))


def _near(a: _Mention, b: _Mention) -> bool:
    gap = b.start - a.end if a.end <= b.start else a.start - b.end
    return -1 < gap <= _NEAR


def _resolve(day: _Day, at: time, now: datetime, zone: ZoneInfo) -> datetime:
    local_now = now.astimezone(zone)
    today = local_now.date()
    if day.day is not None:
        found = day.day
    elif day.offset is not None:
        found = today + timedelta(days=day.offset)
    else:
        weekday = day.weekday if day.weekday is not None else today.weekday()
        found = today + timedelta(days=(weekday - today.weekday()) % 7)
        if found == today and at <= local_now.time():
            found += timedelta(days=7)
    return datetime.combine(found, at, tzinfo=zone)


def _merged(days: list[_Day]) -> list[_Day] | None:
    """A weekday written before its date ("jeudi 3 décembre") is one day; None when they
    disagree ("lundi 3 décembre" when the 3rd is a Thursday)."""
    explicit = [d for d in days if d.day is not None]
    kept: list[_Day] = []
    for day in days:
        if day.weekday is None:
            kept.append(day)
            continue
        dated = next((d for d in explicit if 0 <= d.start - day.end <= 4), None)
        if dated is None:
            kept.append(day)
        elif dated.day is not None and dated.day.weekday() != day.weekday:
            return None
    return kept


def find_moment(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The one future moment `text` names (a day and an hour close together, read in
    `zone`), as an aware datetime; None when it names none, several, or one in the past."""
    if has_non_ascii_numeral(text):
        return None
    # "aujourd'hui" as the locale files write it: "aujourd hui"
    words = normalise(text[:_READ]).replace("'", " ")
    today = now.astimezone(zone).date()
    days = _merged(sorted(_days(words, today), key=lambda d: d.start))
    if not days:
        return None
    hours = [h for h in _hours(words) if EARLIEST <= h.at <= LATEST]
    found: set[datetime] = set()
    for day in days:
        for hour in hours:
            if _near(day, hour):
                found.add(_resolve(day, hour.at, now, zone))
    if len(found) != 1:
        return None
    (moment,) = found
    return moment if moment > now else None
