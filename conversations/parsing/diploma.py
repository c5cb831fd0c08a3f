"""The highest diploma typed by the youth: "bac+5", "master", "BTS", "jsp"..."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from conversations.parsing import phrases
from conversations.parsing.choices import is_dont_know
from conversations.parsing.text import (
    correct_typos,
    has_markup,
    has_non_ascii_numeral,
    plain_words,
    starts_with_phrase,
    typo_vocabulary,
)
from conversations.rules.eligibility import Diploma

__all__ = ["parse_diploma"]

# "bac+5", "bac +5", "bac 5", "bac5": the number of years after the baccalauréat.
_BAC_PLUS = re.compile(r"bac ?\+? ?([0-9]{1,2})(?: |$)")
_BARE_YEARS = re.compile(r"\+? ?([0-9]{1,2})")


def _diploma_from_years(years: int) -> Diploma | None:
    if years <= 2:
        return Diploma.BELOW_BAC3
    if years == 3:
        return Diploma.BAC3
    if years == 4:
        return Diploma.BAC4
    if years <= 7:  # bac+6/7 (a second master, a specialised master): not a doctorate yet
        return Diploma.BAC5
    if years <= 12:
        return Diploma.BAC8
    return None


_LEVELS = frozenset(diploma.value for diploma in Diploma if diploma is not Diploma.UNKNOWN)


def _levels(key: str) -> Mapping[str, Diploma]:
    """A phrase -> diploma table of the locale files ("bac pro" = "below_bac3")."""
    levels: dict[str, Diploma] = {}
    for phrase, level in phrases.table("diploma", key).items():
        if not isinstance(level, str) or level not in _LEVELS:
            raise phrases.PhraseError(f"diploma.{key}: {phrase!r}: unknown level {level!r}")
        levels[phrase] = Diploma(level)
    return MappingProxyType(levels)


# Matched at the start of the answer ("master en droit", "licence pro RH"); the longest alias
# wins, so "master 1" beats "master". Not matched anywhere in the text: "je n'ai pas de master"
# must not read as a master.
_DIPLOMA_PREFIXES = _levels("prefixes")
_DIPLOMA_PREFIX_ORDER = tuple(sorted(_DIPLOMA_PREFIXES, key=lambda alias: (-len(alias), alias)))
# Words too common elsewhere to be matched as a prefix ("these are...", "none of them").
_DIPLOMA_EXACT = _levels("exact")
_DIPLOMA_VOCABULARY = typo_vocabulary(
    _DIPLOMA_PREFIXES,
    _DIPLOMA_EXACT,
    phrases.words("answers", "dont_know"),
    phrases.words("typos", "not_typos"),
)


def parse_diploma(text: str) -> Diploma | None:
    """The diploma level typed by the youth ("bac+5", "master", "BTS", "jsp"...), or None.

    A number is read in ASCII digits only: "bac+²" or "bac+٣" is None, never a guess.
    """
    if has_markup(text) or has_non_ascii_numeral(text):
        return None
    words = correct_typos(plain_words(text), _DIPLOMA_VOCABULARY)
    if is_dont_know(text, words):
        return Diploma.UNKNOWN
    if not words:
        return None
    bac_plus = _BAC_PLUS.match(words)
    if bac_plus:
        return _diploma_from_years(int(bac_plus.group(1)))
    bare = _BARE_YEARS.fullmatch(words)
    if bare:
        return _diploma_from_years(int(bare.group(1)))
    if words in _DIPLOMA_EXACT:
        return _DIPLOMA_EXACT[words]
    for alias in _DIPLOMA_PREFIX_ORDER:
        if starts_with_phrase(words, alias):
            return _DIPLOMA_PREFIXES[alias]
    return None
