"""The region typed by the youth: a region, a department (name or number), a postcode or one of
the largest cities ("Lyon", "Bobigny 93", "971", "Île-de-France", "Marseille 13").

Region codes, official names and aliases come from `conversations.rules.regions`; department
numbers, department and city names from the locale files (`regions.*`). Conservative: an
unknown place, a name shared by two regions ("Saint-Denis") without a number, or a name and a
number that disagree ("Lyon 75") is None, and the flow shows the region buttons.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType

from conversations.parsing import phrases
from conversations.parsing.text import has_markup, has_non_ascii_numeral, plain_words
from conversations.rules.regions import REGION_ALIASES, REGION_NAMES, REGIONS

__all__ = ["parse_region"]

# Longer than any place name with its postcode ("Saint-Laurent-du-Maroni 97320" is 29).
_MAX_REGION_LENGTH = 80
_POSTCODE = re.compile(r"[0-9]{5}")
# Words around a place that say nothing about it: "j'habite à Lyon", "in Lille", "le 93".
_LEADING = (
    "j habite a",
    "j habite en",
    "j habite dans le",
    "j habite au",
    "j habite",
    "je vis a",
    "je vis en",
    "je suis a",
    "je suis en",
    "i live in",
    "i m in",
    "dans le",
    "a",
    "au",
    "en",
    "in",
    "le",
    "the",
)
_NOISE = frozenset({"departement", "dept", "dpt", "department", "region", "ville", "city"})
# An arrondissement after a city ("Paris 16e", "Lyon 3eme") says nothing more than the city.
_ARRONDISSEMENT = re.compile(r"[0-9]{1,2}(?:e|er|eme|ieme|th|st|nd|rd)")
# Unknown words before a number ("Bobigny 93") are taken for a town; more are likely a street
# address ("12 rue de la paix"), whose numbers say nothing about the department.
_MAX_TOWN_WORDS = 4


@functools.cache
def _departments() -> Mapping[str, str]:
    """Department number ("93", "2a", "971") -> region code."""
    return _checked("departments")


@functools.cache
def _names() -> Mapping[str, str | None]:
    """Every known place name -> region code, or None for a name shared by several regions."""
    names: dict[str, str | None] = {}

    def add(name: str, region: str | None, source: str) -> None:
        key = plain_words(name)
        if key in names and names[key] != region:
            raise phrases.PhraseError(f"{source}: {key!r} is in {region} and {names[key]}")
        names[key] = region

    for code, name in REGION_NAMES.items():
        add(name, code, "rules.regions.REGION_NAMES")
        add(code, code, "rules.regions.REGIONS")
    for alias, code in REGION_ALIASES.items():
        add(alias, code, "rules.regions.REGION_ALIASES")
    for name, code in _checked("names").items():
        add(name, code, "regions.names")
    for name in phrases.words("regions", "ambiguous"):
        if name in names:
            raise phrases.PhraseError(f"regions.ambiguous: {name!r} is also in regions.names")
        names[name] = None
    return MappingProxyType(names)


def _checked(key: str) -> Mapping[str, str]:
    table: dict[str, str] = {}
    for phrase, code in phrases.table("regions", key).items():
        if not isinstance(code, str) or code not in REGIONS:
            raise phrases.PhraseError(f"regions.{key}: {phrase!r}: unknown region {code!r}")
        table[phrase] = code
    return MappingProxyType(table)


def parse_region(text: str) -> str | None:
    """The region code of the place typed ("Lyon" -> "ara", "93" -> "idf"), or None.

    Numbers are read in ASCII digits only. A department number or postcode may come with the
    name of any town ("Bobigny 93", "93000 Bobigny"); a known name with a number of another
    region is None.
    """
    if has_markup(text) or has_non_ascii_numeral(text) or len(text) > _MAX_REGION_LENGTH:
        return None
    words = plain_words(text).replace("+", " ").split()
    if not words:
        return None
    # The whole answer first: "le havre", "la reunion" start with words dropped below.
    found = _region_of(words)
    if found is not None:
        return found
    words = [
        word
        for word in _without_leading(words)
        if word not in _NOISE and not _ARRONDISSEMENT.fullmatch(word)
    ]
    return _region_of(words) if words else None


def _without_leading(words: list[str]) -> list[str]:
    stripped = True
    while stripped and words:
        stripped = False
        for leading in _LEADING:
            size = leading.count(" ") + 1
            if " ".join(words[:size]) == leading and len(words) > size:
                words = words[size:]
                stripped = True
                break
    return words


def _region_of(words: list[str]) -> str | None:
    names = _names()
    whole = " ".join(words)
    if whole in names:
        return names[whole]
    number_regions: set[str | None] = set()
    name_words: list[str] = []
    postcode = False
    for word in words:
        if _is_number(word):
            number_regions.add(_number_region(word))
            postcode = postcode or bool(_POSTCODE.fullmatch(word))
        else:
            name_words.append(word)
    if len(number_regions) != 1:
        return None  # no number, or numbers of different regions ("12 rue ... 75002")
    (region,) = number_regions
    if region is None or not name_words:
        return region
    name = " ".join(name_words)
    if name in names:
        named = names[name]
        # "Saint-Denis 974": the number decides; "Lyon 75": they disagree
        return region if named is None or named == region else None
    # an unknown town: with a postcode anywhere, or a department number after it
    if len(name_words) <= _MAX_TOWN_WORDS and (postcode or _is_number(words[-1])):
        return region
    return None


def _is_number(word: str) -> bool:
    # ASCII digits only (the text has no other numeral, see `parse_region`)
    return (word.isascii() and word.isdigit()) or word in ("2a", "2b")


def _number_region(number: str) -> str | None:
    """The region of a department number or a postcode, or None (no such department)."""
    departments = _departments()
    if _POSTCODE.fullmatch(number):
        if number.startswith("97"):
            return departments.get(number[:3])
        number = number[:2]
    return departments.get(number)
