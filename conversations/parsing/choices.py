"""Answers chosen among a few: yes / no / don't know, and the professional situation."""

from __future__ import annotations

from conversations.parsing import phrases
from conversations.parsing.text import (
    contains_phrase,
    correct_typos,
    has_markup,
    plain_words,
    typo_vocabulary,
)
from conversations.rules.eligibility import Situation, Tristate

__all__ = ["is_dont_know", "parse_situation", "parse_tristate"]

# "I don't know" in French and English, as `plain_words` renders them ("don't" -> "don t").
_DONT_KNOW_PHRASES = phrases.words("answers", "dont_know")


def is_dont_know(text: str, words: str) -> bool:
    """Whether `text` (`words` once through `plain_words`) says "I don't know" (or "???")."""
    stripped = text.strip()
    if stripped and all(char == "?" for char in stripped):
        return True
    return contains_phrase(words, _DONT_KNOW_PHRASES)


# --- yes / no / don't know --------------------------------------------------------------------

# Decided by the first word ("oui j'habite à Bobigny"), after "don't know" phrases.
_YES_WORDS = phrases.words("answers", "yes")
_NO_WORDS = phrases.words("answers", "no")
# Single letters only count alone: "o" or "n" at the start of a sentence may be anything.
_YES_EXACT = phrases.words("answers", "yes_exact")
_NO_EXACT = phrases.words("answers", "no_exact")
_MAYBE_PHRASES = phrases.words("answers", "maybe")
# Real words one letter away from a known one, never "corrected" (see the locale files).
_NOT_TYPOS = phrases.words("typos", "not_typos")
_TRISTATE_VOCABULARY = typo_vocabulary(
    _DONT_KNOW_PHRASES,
    _YES_WORDS,
    _NO_WORDS,
    _YES_EXACT,
    _NO_EXACT,
    _MAYBE_PHRASES,
    _NOT_TYPOS,
)


def parse_tristate(text: str) -> Tristate | None:
    """Yes / no / don't know in French or English, or None."""
    if has_markup(text):
        return None
    words = correct_typos(plain_words(text), _TRISTATE_VOCABULARY)
    if is_dont_know(text, words) or contains_phrase(words, _MAYBE_PHRASES):
        return Tristate.UNKNOWN
    if words in _YES_EXACT:
        return Tristate.YES
    if words in _NO_EXACT:
        return Tristate.NO
    first = words.split(" ", 1)[0]
    if first in _YES_WORDS:
        return Tristate.YES
    if first in _NO_WORDS:
        return Tristate.NO
    return None


# --- situation --------------------------------------------------------------------------------

# Checked in this order; the first category with a phrase anywhere in the answer wins.
# "Employed at my level" is a refusal, so it comes last and only without a negation: a job
# seeker writing "je cherche un emploi à mon niveau" must not be refused.
_SITUATION_ORDER = (
    Situation.EMPLOYED_BELOW_LEVEL,
    Situation.JOB_SEEKER,
    Situation.STUDENT_FINISHING,
    Situation.EMPLOYED_AT_LEVEL,
)
_SITUATION_PHRASES: tuple[tuple[Situation, frozenset[str]], ...] = tuple(
    (situation, phrases.words("situation", situation.value)) for situation in _SITUATION_ORDER
)
_NEGATIONS = phrases.words("situation", "negations")
_OTHER_EXACT = phrases.words("situation", "other")
_SITUATION_VOCABULARY = typo_vocabulary(
    *(situation_phrases for _situation, situation_phrases in _SITUATION_PHRASES),
    _NEGATIONS,
    _OTHER_EXACT,
    _NOT_TYPOS,
)


def parse_situation(text: str) -> Situation | None:
    """The professional situation described in French or English keywords, or None."""
    if has_markup(text):
        return None
    words = correct_typos(plain_words(text), _SITUATION_VOCABULARY)
    for situation, situation_phrases in _SITUATION_PHRASES:
        if not contains_phrase(words, situation_phrases):
            continue
        if situation is Situation.EMPLOYED_AT_LEVEL and contains_phrase(words, _NEGATIONS):
            return None  # "je ne suis pas en CDI à mon niveau": ask again with the buttons
        return situation
    if words in _OTHER_EXACT:
        return Situation.OTHER
    return None
