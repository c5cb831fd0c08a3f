"""Text normalisation shared by the parsers, and whole-word phrase matching.

Phrases in the locale files (`locales/*.toml`) are written as these functions render text:
lowercase, no accents, apostrophes and punctuation as spaces ("J'ai trouvé !" -> "j ai trouve").
Small typos in long words are corrected against the words the parsers know (`correct_typos`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

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


def has_non_ascii_numeral(text: str) -> bool:
    """Whether `text` has a numeral other than the ASCII digits 0-9 ("²", "٣", "５", "½").

    `normalise` would turn some of them into ASCII digits ("²" -> "2") and drop the others, so
    a parser reading a number refuses such text instead of reading a number nobody typed.
    """
    return any(char.isnumeric() and not char.isascii() for char in text)


# Typos are corrected only in words this long: in shorter ones one letter is too much of the
# word ("non" / "bon", "but" / "bus") for a guess to be safe.
TYPO_MIN_LENGTH = 5
# One edit: a letter missing, added, wrong, or two neighbours swapped ("mastre" -> "master").
# Enough for the typos people make on a phone, and no existing phrase changes meaning with it.
_TYPO_MAX_EDITS = 1


def typo_vocabulary(*phrase_sets: Iterable[str]) -> frozenset[str]:
    """The words of `TYPO_MIN_LENGTH`+ letters in these phrases: what `correct_typos` corrects
    to. Pass real words that must never be "corrected" along with the phrases (e.g. "dessus",
    one letter away from "dessous")."""
    return frozenset(
        word
        for phrases in phrase_sets
        for phrase in phrases
        for word in phrase.split()
        if len(word) >= TYPO_MIN_LENGTH and word.isalpha()
    )


def correct_typos(words: str, vocabulary: frozenset[str]) -> str:
    """`words` (from `plain_words`) with each word of `TYPO_MIN_LENGTH`+ letters that is not in
    `vocabulary` but one typo away from one of its words replaced by that word.

    Distance is rapidfuzz's optimal string alignment (a swap of two neighbours is one edit);
    between two known words one typo away, the one sharing more letters in order wins
    ("mastre": "mastere" over "master"), and a word still as close to two ("lissence":
    "licence" or "license") is left as it is. A word far longer than any known word is not
    even compared.
    """
    if not vocabulary:
        return words
    longest = max(map(len, vocabulary)) + _TYPO_MAX_EDITS
    seen: dict[str, str] = {}  # a long answer repeating a word compares it once
    corrected = []
    for word in words.split(" "):
        if TYPO_MIN_LENGTH <= len(word) <= longest and word.isalpha() and word not in vocabulary:
            if word not in seen:
                seen[word] = _closest(word, vocabulary) or word
            word = seen[word]
        corrected.append(word)
    return " ".join(corrected)


def _closest(word: str, vocabulary: frozenset[str]) -> str | None:
    candidates = [
        candidate
        for candidate, _distance, _key in process.extract(
            word, vocabulary, scorer=OSA.distance, score_cutoff=_TYPO_MAX_EDITS, limit=None
        )
        if len(candidate) >= TYPO_MIN_LENGTH
    ]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    ranked = sorted((fuzz.ratio(word, candidate), candidate) for candidate in candidates)
    (second, _), (best, candidate) = ranked[-2], ranked[-1]
    return candidate if best > second else None
