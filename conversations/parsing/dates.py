"""Birth dates (and, through them, other dates) typed day first, numeric or with a month name.

Month names are babel's (CLDR) wide and abbreviated names in every locale of `phrases.LOCALES`,
plus the few extra spellings of the locale files ("fev"); accents, case and dots do not matter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from babel.dates import get_month_names

from conversations.parsing import phrases
from conversations.parsing.text import has_markup, has_non_ascii_numeral, normalise

__all__ = ["DateError", "month_numbers", "parse_birth_date"]


class DateError(StrEnum):
    """Why a typed birth date was not accepted."""

    NOT_A_DATE = "not_a_date"
    IMPOSSIBLE = "impossible"
    FUTURE = "future"


# Longer than any way of writing a date ("1er septembre 2001" is 18): refuse before any regex.
_MAX_DATE_LENGTH = 40

# After `_date_words` every separator is one space. Each pattern is anchored, has no nested
# quantifier and bounded repetitions only: matching is linear.
_ISO = re.compile(r"([0-9]{4}) ([0-9]{1,2}) ([0-9]{1,2})")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2}) ([0-9]{1,2}) ([0-9]{2}|[0-9]{4})")
_COMPACT = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2}|[0-9]{4})")
_DAY_NAME_YEAR = re.compile(r"([0-9]{1,2}) ?(?:er|st|nd|rd|th)? ([a-z]+) ([0-9]{2}|[0-9]{4})")
_NAME_DAY_YEAR = re.compile(r"([a-z]+) ([0-9]{1,2}) ?(?:st|nd|rd|th)? ([0-9]{4})")
_DATE_SEPARATORS = re.compile(r"[\s/.,\-]+")
# babel's month name widths and contexts accepted ("juillet", "juil.", "July", "Jul")
_MONTH_WIDTHS: tuple[Literal["wide", "abbreviated"], ...] = ("wide", "abbreviated")
_MONTH_CONTEXTS: tuple[Literal["format", "stand-alone"], ...] = ("format", "stand-alone")


def _date_text(text: str) -> str:
    return _DATE_SEPARATORS.sub(" ", normalise(text)).strip()


@functools.cache
def _leading_words() -> tuple[str, ...]:
    return tuple(f"{word} " for word in sorted(phrases.words("dates", "leading")))


def _date_words(text: str) -> str:
    words = _date_text(text)
    leading = _leading_words()
    stripped = True
    while stripped:  # "le 12 mars", "on the 12th"; short text only (see `_MAX_DATE_LENGTH`)
        stripped = False
        for word in leading:
            if words.startswith(word):
                words = words[len(word) :]
                stripped = True
    return words


@functools.cache
def month_numbers() -> Mapping[str, int]:
    """Every accepted month name, as `_date_words` renders it ("fevr", "aout"), -> 1 to 12."""
    numbers: dict[str, int] = {}

    def add(name: str, month: int, source: str) -> None:
        key = _date_text(name)
        if numbers.get(key, month) != month:
            raise phrases.PhraseError(
                f"month name {key!r} ({source}) is month {month} and {numbers[key]}"
            )
        numbers[key] = month

    for locale in phrases.LOCALES:
        for width in _MONTH_WIDTHS:
            for context in _MONTH_CONTEXTS:
                names = get_month_names(width, context, locale=locale)
                for month, name in names.items():
                    add(name, int(month), f"babel {locale} {width}")
    for name, month in phrases.table("dates", "extra_months").items():
        if isinstance(month, str) or not 1 <= month <= 12:
            raise phrases.PhraseError(f"dates.extra_months: {name!r} must be 1 to 12")
        add(name, month, "dates.extra_months")
    return MappingProxyType(numbers)


def _full_year(digits: str, today: date) -> int:
    """A 4-digit year as is; a 2-digit year is the latest year ending so, not after this year."""
    year = int(digits)
    if len(digits) == 4:
        return year
    candidate = today.year - today.year % 100 + year
    return candidate if candidate <= today.year else candidate - 100


def parse_birth_date(text: str, today: date) -> date | DateError:
    """A birth date typed day first (French order), numeric or with a month name.

    A date after `today` is FUTURE; a day or month that does not exist is IMPOSSIBLE; anything
    else unrecognised (no year, "demain", free text, digits other than ASCII 0-9) is NOT_A_DATE.
    """
    if has_markup(text) or len(text.strip()) > _MAX_DATE_LENGTH or has_non_ascii_numeral(text):
        return DateError.NOT_A_DATE
    words = _date_words(text)
    if len(words) > _MAX_DATE_LENGTH:
        return DateError.NOT_A_DATE

    months = month_numbers()
    parts: tuple[int, int, str] | None = None
    if match := _ISO.fullmatch(words):
        parts = (int(match.group(3)), int(match.group(2)), match.group(1))
    elif (match := _DAY_MONTH_YEAR.fullmatch(words)) or (match := _COMPACT.fullmatch(words)):
        parts = (int(match.group(1)), int(match.group(2)), match.group(3))
    elif match := _DAY_NAME_YEAR.fullmatch(words):
        month = months.get(match.group(2))
        if month is not None:
            parts = (int(match.group(1)), month, match.group(3))
    elif match := _NAME_DAY_YEAR.fullmatch(words):
        month = months.get(match.group(1))
        if month is not None:
            parts = (int(match.group(2)), month, match.group(3))
    if parts is None:
        return DateError.NOT_A_DATE

    day, month, year_digits = parts
    try:
        born = date(_full_year(year_digits, today), month, day)
    except ValueError:
        return DateError.IMPOSSIBLE
    if born > today:
        return DateError.FUTURE
    return born
