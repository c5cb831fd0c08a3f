"""Parsers for typed answers: youths may type instead of pressing a button.

Every parser returns None (or a `DateError`) for text it does not recognise, so the flow can ask
again with the buttons. They are deliberately conservative where a wrong guess would refuse
someone (e.g. "employed at my level"): re-asking is cheap, a wrong refusal is not.
All parsers are linear in the input size (inputs may be up to a few thousand characters).

The parsers live in one module per kind of answer (`text`, `dates`, `diploma`, `choices`,
`social`, `regions`, `emails`); their words and phrases in `locales/<locale>.toml`
(`phrases`). This module keeps the names importable from `conversations.parsing.answers`.
"""

from __future__ import annotations

from conversations.parsing.choices import parse_situation, parse_tristate
from conversations.parsing.dates import DateError, parse_birth_date
from conversations.parsing.diploma import parse_diploma
from conversations.parsing.emails import (
    NoEmail,
    parse_email,
    parse_email_answer,
    suggest_email_domain,
)
from conversations.parsing.regions import parse_region
from conversations.parsing.social import parse_social
from conversations.parsing.text import has_phrase, normalise, padded_words

__all__ = [
    "DateError",
    "NoEmail",
    "has_phrase",
    "normalise",
    "padded_words",
    "parse_birth_date",
    "parse_diploma",
    "parse_email",
    "parse_email_answer",
    "parse_region",
    "parse_situation",
    "parse_social",
    "parse_tristate",
    "suggest_email_domain",
]
