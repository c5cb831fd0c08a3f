"""Typed answers read kindly: dates, diplomas, yes/no, situations, social criteria, regions,
emails.

`phrases` gives the words and phrases of every locale (`locales/*.toml`) to other modules
matching typed answers with `padded_words` and `has_phrase`.
"""

from conversations.parsing import phrases
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
    "phrases",
    "suggest_email_domain",
]
