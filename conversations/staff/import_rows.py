"""One row of an imported spreadsheet, cell by cell: what each documented column accepts.

Every reader takes the cell's text (already trimmed, inner whitespace collapsed) and returns
the value to store or raises `CellError` with a reason code; `imports` turns that into a
rejection of the row with its line. Pure: no database, no clock (today is given).

Formula-looking cells (the programme's rule, see `imports`): a cell starting with `=` is
refused (a spreadsheet formula is never data: an export mistake or an injection); one
starting with `+`, `-` or `@` is kept as typed, since nothing here is ever evaluated and
every CSV the product writes neutralises it; a lone `-` means an empty cell.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from conversations import parsing
from conversations.rules.regions import REGION_ALIASES, REGION_NAMES, REGIONS

__all__ = [
    "LIMITS",
    "MAX_CAPACITY",
    "CellError",
    "clean_cell",
    "read_birth_date",
    "read_capacity",
    "read_diploma",
    "read_email",
    "read_languages",
    "read_region",
    "read_slack_id",
    "read_text",
    "read_yes_no",
]

# the most mentees at a time a mentor can take (as `mentorbot mentor add`)
MAX_CAPACITY = 10
# the longest text kept per column (the database columns' sizes)
LIMITS: Mapping[str, int] = {
    "email": 254,
    "first_name": 100,
    "slack_id": 21,
    "company": 200,
    "sector": 100,
    "expertise": 300,
    "region": 80,
    "capacity": 5,
    "languages": 100,
    "remote": 10,
    "birth_date": 40,
    "diploma": 100,
    "field": 200,
    "source": 64,
}
# what "nothing" looks like in a partner's file
_EMPTY = frozenset({"", "-", "--", "n/a", "na", "/"})
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_DAY_FIRST = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
# Excel writes a date cell with its time when the column is formatted so
_MIDNIGHT = re.compile(r"[ T]00:00(:00)?$")
_OLDEST_YEAR = 1900
_YES = frozenset({"oui", "o", "yes", "y", "true", "vrai", "1", "x"})
_NO = frozenset({"non", "n", "no", "false", "faux", "0"})
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
# language names staff type, normalised (lower case, no accents) -> ISO 639-1 code
LANGUAGE_NAMES: Mapping[str, str] = {
    "francais": "fr",
    "french": "fr",
    "anglais": "en",
    "english": "en",
    "arabe": "ar",
    "arabic": "ar",
    "espagnol": "es",
    "spanish": "es",
    "allemand": "de",
    "german": "de",
    "italien": "it",
    "italian": "it",
    "portugais": "pt",
    "portuguese": "pt",
    "chinois": "zh",
    "chinese": "zh",
    "russe": "ru",
    "russian": "ru",
    "turc": "tr",
    "turkish": "tr",
    "wolof": "wo",
    "creole": "ht",
}
_LANGUAGE_SEPARATORS = re.compile(r"[,;/+]| et | and ")


class CellError(Exception):
    """A cell that cannot be used: `reason` is the code the rejection shows."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def clean_cell(raw: str, column: str) -> str | None:
    """The cell as text to read (trimmed, inner whitespace and line breaks collapsed), None
    when empty; raises `CellError` for a control character (a NUL byte...), a formula, or a
    cell longer than the column keeps."""
    text = " ".join(raw.split())
    if text.lower() in _EMPTY:
        return None
    if any(unicodedata.category(character) == "Cc" for character in text):
        raise CellError("control_character")
    if text.startswith("="):
        raise CellError("formula")
    limit = LIMITS.get(column, 200)
    if len(text) > limit:
        raise CellError("too_long", limit=limit)
    return text


def read_text(text: str) -> str:
    return text


def read_email(text: str) -> str:
    """A plausible address, trimmed and lower case (the key and duplicates compare it so)."""
    address = parsing.parse_email(text)
    if address is None:
        raise CellError("bad_email")
    return address.lower()


def read_slack_id(text: str) -> str:
    wanted = text.upper()
    if not _SLACK_ID.match(wanted):
        raise CellError("bad_slack_id")
    return wanted


def read_region(text: str) -> str:
    """A region code from a code, an official name, an alias, a department or a city."""
    wanted = parsing.normalise(text).replace("-", " ")
    known = _region_words().get(wanted)
    if known is not None:
        return known
    found = parsing.parse_region(text)
    if found is None:
        raise CellError("unknown_region")
    return found


@functools.cache
def _region_words() -> Mapping[str, str]:
    """Codes, official names and aliases, normalised as a cell is -> the region code."""
    words = {code: code for code in REGIONS}
    words.update(
        {parsing.normalise(name).replace("-", " "): code for code, name in REGION_NAMES.items()}
    )
    return {**words, **REGION_ALIASES}


def read_capacity(text: str) -> int:
    """Mentees at a time: a whole number from 1 to `MAX_CAPACITY`."""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_CAPACITY:
        raise CellError("bad_capacity", limit=MAX_CAPACITY)
    return int(text)


def read_languages(text: str) -> tuple[str, ...]:
    """ "fr, en", "français / anglais" -> ("fr", "en") (ISO 639-1 codes, in order)."""
    codes: list[str] = []
    for part in _LANGUAGE_SEPARATORS.split(parsing.normalise(f" {text} ")):
        word = part.strip()
        if not word:
            continue
        code = LANGUAGE_NAMES.get(word, word)
        if not _LANGUAGE_CODE.match(code):
            raise CellError("bad_language")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def read_yes_no(text: str) -> bool:
    answer = parsing.normalise(text)
    if answer in _YES:
        return True
    if answer in _NO:
        return False
    raise CellError("bad_yes_no")


def read_birth_date(text: str, today: date) -> str:
    """dd/mm/yyyy (also with - or .) or ISO yyyy-mm-dd, as ISO text (the eligibility
    question's answer); not after today, not before 1900."""
    wanted = _MIDNIGHT.sub("", text)
    day_first = _DAY_FIRST.match(wanted)
    iso = _ISO_DATE.match(wanted)
    if day_first is not None:
        day, month, year = (int(part) for part in day_first.groups())
    elif iso is not None:
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise CellError("bad_date")
    try:
        born = date(year, month, day)
    except ValueError:
        raise CellError("bad_date") from None
    if born > today:
        raise CellError("future_date")
    if born.year < _OLDEST_YEAR:
        raise CellError("bad_date")
    return born.isoformat()


def read_diploma(text: str) -> str:
    """The highest diploma, as the eligibility question's buttons store it ("bac5")."""
    diploma = parsing.parse_diploma(text)
    if diploma is None:
        raise CellError("bad_diploma")
    return diploma.value
