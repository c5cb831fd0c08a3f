"""The words and phrases typed answers are matched against, one data file per locale.

`locales/<locale>.toml` (shipped as package data) holds tables of entries, each either

* a list of phrases: ``yes = ["oui", "ouais"]``, read with `words`, or
* a table of phrase -> value: ``"bac pro" = "below_bac3"``, read with `table`.

Every locale file has the same sections and entries (an entry may be empty in a language);
the parsers accept the phrases of all locales at once, since a youth may answer in either.
Phrases are written as the parsers normalise text (`text.plain_words`): lowercase ASCII, no
accents, apostrophes as spaces ("j'ai trouvé" -> "j ai trouve"); a phrase written otherwise
could never match, so loading refuses it.

Files are read once, at first use, through `importlib.resources` (works when installed).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import TypeAlias

from conversations.parsing.text import plain_words

__all__ = ["LOCALES", "Entry", "Locale", "PhraseError", "load", "table", "words"]

# The locales whose phrases are accepted (and whose month names babel provides).
LOCALES: tuple[str, ...] = ("fr", "en")
_PACKAGE = "conversations.parsing"
_DIRECTORY = "locales"

Entry: TypeAlias = frozenset[str] | Mapping[str, str | int]
Locale: TypeAlias = Mapping[str, Mapping[str, Entry]]


class PhraseError(ValueError):
    """A locale file is missing, malformed, or lacks an entry a parser needs."""


@functools.cache
def load(locale: str) -> Locale:
    """The validated entries of `locales/<locale>.toml`, by section then entry name."""
    name = f"{_DIRECTORY}/{locale}.toml"
    resource = resources.files(_PACKAGE) / _DIRECTORY
    try:
        raw = (resource / f"{locale}.toml").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise PhraseError(f"{name}: phrase file not found") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise PhraseError(f"{name}: not valid TOML: {exc}") from exc
    sections: dict[str, Mapping[str, Entry]] = {}
    for section, entries in data.items():
        if not isinstance(entries, dict):
            raise PhraseError(f"{name}: '{section}' must be a table of entries")
        sections[section] = MappingProxyType(
            {key: _entry(f"{name}: '{section}.{key}'", value) for key, value in entries.items()}
        )
    return MappingProxyType(sections)


def _entry(where: str, value: object) -> Entry:
    if isinstance(value, list):
        for phrase in value:
            _check_phrase(where, phrase)
        return frozenset(value)
    if isinstance(value, dict):
        for phrase, target in value.items():
            _check_phrase(where, phrase)
            # bool is a subclass of int: `x = true` is a mistake, not 1
            if isinstance(target, bool) or not isinstance(target, str | int):
                raise PhraseError(f"{where}: value of {phrase!r} must be a string or a number")
        return MappingProxyType(dict(value))
    raise PhraseError(f"{where}: must be a list of phrases or a table of phrase = value")


def _check_phrase(where: str, phrase: object) -> None:
    if not isinstance(phrase, str) or not phrase:
        raise PhraseError(f"{where}: {phrase!r} is not a non-empty string")
    if plain_words(phrase) != phrase:
        raise PhraseError(
            f"{where}: {phrase!r} must be written as answers are normalised"
            f" ({plain_words(phrase)!r})"
        )


def _entries(section: str, key: str) -> list[tuple[str, Entry]]:
    found = []
    for locale in LOCALES:
        entry = load(locale).get(section, {}).get(key)
        if entry is None:
            raise PhraseError(f"{_DIRECTORY}/{locale}.toml: '{section}.{key}' missing")
        found.append((locale, entry))
    return found


@functools.cache
def words(section: str, key: str) -> frozenset[str]:
    """The phrases of the list `section.key`, in every locale."""
    union: set[str] = set()
    for locale, entry in _entries(section, key):
        if not isinstance(entry, frozenset):
            raise PhraseError(f"{_DIRECTORY}/{locale}.toml: '{section}.{key}' must be a list")
        union |= entry
    return frozenset(union)


@functools.cache
def table(section: str, key: str) -> Mapping[str, str | int]:
    """The phrase -> value table `section.key`, in every locale (a phrase present in two
    locales must have the same value in both)."""
    merged: dict[str, str | int] = {}
    for locale, entry in _entries(section, key):
        if isinstance(entry, frozenset):
            raise PhraseError(f"{_DIRECTORY}/{locale}.toml: '{section}.{key}' must be a table")
        for phrase, value in entry.items():
            if merged.get(phrase, value) != value:
                raise PhraseError(
                    f"{_DIRECTORY}/{locale}.toml: '{section}.{key}': {phrase!r} is"
                    f" {value!r} here but {merged[phrase]!r} in another locale"
                )
            merged[phrase] = value
    return MappingProxyType(merged)
