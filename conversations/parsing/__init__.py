"""Typed answers read kindly: dates, diplomas, yes/no, situations, emails."""

from conversations.parsing.answers import (
    DateError,
    has_phrase,
    normalise,
    padded_words,
    parse_birth_date,
    parse_diploma,
    parse_email,
    parse_situation,
    parse_tristate,
)

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
]
