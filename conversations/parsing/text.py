"""Text normalisation shared by the parsers, and whole-word phrase matching.

Phrases in the locale files (`locales/*.toml`) are written as these functions render text:
lowercase, no accents, apostrophes and punctuation as spaces ("J'ai trouvé !" -> "j ai trouve").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Typographic apostrophes and quotes phones insert instead of "'".
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'"})
# Markup or template syntax is never part of a genuine answer: refuse it outright rather than
# let it match a keyword hidden inside it.
_MARKUP = frozenset("<>{}")
_NON_WORD = re.compile(r"[^0-9a-z+]+")


def normalise(text: str) -> str:
    """Casefold, strip accents, unify apostrophes, collapse whitespace, strip end punctuation."""
    folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    unaccented = "".join(c for c in folded if not unicodedata.combining(c))
    collapsed = " ".join(unaccented.split())
    start, end = 0, len(collapsed)
    while start < end and _is_end_junk(collapsed[start]):
        start += 1
    while end > start and _is_end_junk(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


def _is_end_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def plain_words(text: str) -> str:
    """Normalised text reduced to ASCII letters, digits and "+", single-space separated."""
    return _NON_WORD.sub(" ", normalise(text)).strip()


def has_markup(text: str) -> bool:
    return any(char in _MARKUP for char in text)


def contains_phrase(words: str, phrases: Iterable[str]) -> bool:
    """Whether `words` (from `plain_words`) contains one of `phrases` as whole words."""
    padded = f" {words} "
    return any(f" {phrase} " in padded for phrase in phrases)


def starts_with_phrase(words: str, phrase: str) -> bool:
    return words == phrase or words.startswith(phrase + " ")


def padded_words(text: str) -> str:
    """The normalised words of `text`, space-separated with a space at both ends, so that
    `has_phrase` matches whole words only ("cdi" in " un cdi ", not in " cdiscount ")."""
    return " " + " ".join(normalise(text).replace("'", " ").split()) + " "


def has_phrase(words: str, phrases: frozenset[str]) -> bool:
    """Whether `words` (from `padded_words`) contains one of `phrases` as whole words."""
    return any(f" {phrase} " in words for phrase in phrases)
