"""The modest-background answer typed by the youth: a criterion of the rules, none, or unknown.

The criteria are configurable (`bot/rules/eligibility.toml`), so a typed answer is matched
against the labels and codes of the criteria the rules define, and against the phrases of the
locale files (`social.criteria`: "boursière", "j'étais boursier", "I was on a grant") for the
codes among them. Conservative: "none" may lead to a refusal, so a named criterion with a
negation ("je n'étais pas boursier") is asked again with the buttons, never read as "none".
"""

from __future__ import annotations

from collections.abc import Sequence

from conversations.parsing import phrases
from conversations.parsing.choices import is_dont_know, parse_tristate
from conversations.parsing.text import contains_phrase, has_markup, plain_words
from conversations.rules.eligibility import (
    SOCIAL_NONE,
    SOCIAL_UNKNOWN,
    SocialCriterion,
    Tristate,
)

__all__ = ["parse_social"]

_CRITERION_PHRASES = phrases.table("social", "criteria")
_ASK_AGAIN = phrases.words("social", "ask_again")
_NONE_EXACT = phrases.words("social", "none")


def parse_social(text: str, criteria: Sequence[SocialCriterion]) -> str | None:
    """The code of the criterion among `criteria` the answer names, `SOCIAL_NONE`,
    `SOCIAL_UNKNOWN`, or None (not understood: ask again with the buttons).

    A label or a code typed as the whole answer always counts; a phrase of the locale files
    counts anywhere in the answer, unless a negation comes with it. When the answer names
    several criteria, the first in the rules' order is kept (any one is enough).
    """
    if has_markup(text):
        return None
    words = plain_words(text)
    if not words:
        return None
    for criterion in criteria:
        if words == plain_words(criterion.code) or any(
            words == plain_words(label) for label in criterion.labels.values()
        ):
            return criterion.code
    if is_dont_know(text, words):
        return SOCIAL_UNKNOWN
    named = [criterion.code for criterion in criteria if _names(words, criterion.code)]
    if named:
        return None if contains_phrase(words, _ASK_AGAIN) else named[0]
    said = parse_tristate(text)
    if said is Tristate.NO or words in _NONE_EXACT:
        return SOCIAL_NONE
    if said is Tristate.UNKNOWN:
        return SOCIAL_UNKNOWN
    return None


def _names(words: str, code: str) -> bool:
    return contains_phrase(
        words, (phrase for phrase, target in _CRITERION_PHRASES.items() if target == code)
    )
