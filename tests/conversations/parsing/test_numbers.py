"""Numbers are read in ASCII digits only: "²", "٣" or "５" is no number, and never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.parsing.answers import (
    DateError,
    parse_birth_date,
    parse_diploma,
    parse_email,
    parse_email_answer,
    parse_region,
    parse_situation,
    parse_social,
    parse_tristate,
    suggest_email_domain,
)
from conversations.parsing.text import has_non_ascii_numeral
from conversations.rules.eligibility import DEFAULT_RULES_PATH, load_rules

TODAY = date(2026, 5, 1)
CRITERIA = load_rules(DEFAULT_RULES_PATH).social_criteria
# Superscripts, Arabic-Indic, extended Arabic-Indic, Devanagari, full-width, fractions, Roman
OTHER_NUMERALS = "²³¹⁰⁵₂٣٠١٢۵५５０½Ⅻ三"
TYPED = st.text(alphabet=st.sampled_from(f"0123456789{OTHER_NUMERALS} /.-+bacmasterLyon@éx"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", False), ("bac+5", False), ("", False), ("²", True), ("٣", True), ("５", True)],
)
def test_has_non_ascii_numeral(text: str, expected: bool) -> None:
    assert has_non_ascii_numeral(text) is expected


@pytest.mark.parametrize(
    "text",
    ["bac+²", "bac ³", "³", "٣", "bac ٣", "bac+۵", "５", "bac+５", "master ²", "bac+3½", "Ⅴ"],
)
def test_diploma_numbers_are_ascii(text: str) -> None:
    assert parse_diploma(text) is None


@pytest.mark.parametrize(
    "text",
    ["¹²/⁰³/²⁰⁰¹", "١٢/٠٣/٢٠٠١", "12/03/２００１", "12 mars ２００１", "12/03/200١", "१२/०३/२००१"],
)
def test_date_numbers_are_ascii(text: str) -> None:
    assert parse_birth_date(text, TODAY) is DateError.NOT_A_DATE


def test_ascii_numbers_still_read() -> None:
    assert parse_diploma("bac+3") == "bac3"
    assert parse_birth_date("12/03/2001", TODAY) == date(2001, 3, 12)
    assert parse_region("93") == "idf"


@given(TYPED)
def test_number_parsers_never_read_other_numerals(text: str) -> None:
    if has_non_ascii_numeral(text):
        assert parse_diploma(text) is None
        assert parse_birth_date(text, TODAY) is DateError.NOT_A_DATE
        assert parse_region(text) is None


@given(st.one_of(TYPED, st.text()))
def test_no_parser_crashes(text: str) -> None:
    parse_diploma(text)
    parse_birth_date(text, TODAY)
    parse_region(text)
    parse_tristate(text)
    parse_situation(text)
    parse_social(text, CRITERIA)
    parse_email_answer(text)
    address = parse_email(text)
    if address is not None:
        suggest_email_domain(address)
    suggest_email_domain(text)
