"""Typed answers read kindly: dates, diplomas, yes/no, situations, emails.

`phrases` gives the words and phrases of every locale (`locales/*.toml`) to other modules
matching typed answers with `padded_words` and `has_phrase`.
"""

from conversations.parsing import phrases
from conversations.parsing.choices import parse_situation, parse_tristate
from conversations.parsing.dates import DateError, parse_birth_date
from conversations.parsing.diploma import parse_diploma
from conversations.parsing.emails import parse_email
from conversations.parsing.text import has_phrase, normalise, padded_words

__all__ = [
    "DateError",
    "has_phrase",
    "normalise",
    "padded_words",
    "parse_birth_date",
    "parse_diploma",
    "parse_email",
    "parse_situation",
    "parse_tristate",
    "phrases",
]
