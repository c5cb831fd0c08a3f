"""The locale phrase files and the month names: both languages load, match, and are read."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import pytest
from babel.dates import get_month_names

from conversations.parsing import phrases
from conversations.parsing.dates import month_numbers, parse_birth_date
from conversations.parsing.text import TYPO_MIN_LENGTH, padded_words, plain_words
from conversations.rules.eligibility import DEFAULT_RULES_PATH, load_rules

TODAY = date(2026, 5, 1)
BOTH = ("fr", "en")
WIDTHS: tuple[Literal["wide", "abbreviated"], ...] = ("wide", "abbreviated")
CONTEXTS: tuple[Literal["format", "stand-alone"], ...] = ("format", "stand-alone")


def _shape(locale: str) -> dict[tuple[str, str], str]:
    """Each (section, entry) of a locale file, with whether it is a list or a table."""
    return {
        (section, key): "list" if isinstance(entry, frozenset) else "table"
        for section, entries in phrases.load(locale).items()
        for key, entry in entries.items()
    }


def _all_phrases(locale: str) -> list[str]:
    found: list[str] = []
    for entries in phrases.load(locale).values():
        for entry in entries.values():
            found.extend(entry)  # a list's phrases, or a table's keys
    return found


# --- the files --------------------------------------------------------------------------------


def test_both_locales_are_read() -> None:
    assert set(BOTH) <= set(phrases.LOCALES)


@pytest.mark.parametrize("locale", BOTH)
def test_locale_file_loads(locale: str) -> None:
    loaded = phrases.load(locale)
    assert loaded
    assert all(entries for entries in loaded.values())
    assert _all_phrases(locale)


def test_locale_files_have_the_same_entries() -> None:
    shapes = {locale: _shape(locale) for locale in phrases.LOCALES}
    reference = shapes[BOTH[0]]
    for locale, shape in shapes.items():
        assert shape == reference, locale


def test_every_locale_file_is_read() -> None:
    # a file dropped next to the others but not in LOCALES would be silently ignored
    directory = resources.files("conversations.parsing") / "locales"
    names = {item.name for item in directory.iterdir() if item.name.endswith(".toml")}
    assert names == {f"{locale}.toml" for locale in phrases.LOCALES}


@pytest.mark.parametrize("locale", BOTH)
def test_phrases_are_written_normalised(locale: str) -> None:
    # as both matchers render text, or they could never match
    for phrase in _all_phrases(locale):
        assert plain_words(phrase) == phrase
        assert padded_words(phrase) == f" {phrase} "


def test_entries_merge_the_locales() -> None:
    assert {"oui", "yes"} <= phrases.words("answers", "yes")
    assert {"demain", "tomorrow"} <= phrases.words("dates", "tomorrow")
    prefixes = phrases.table("diploma", "prefixes")
    assert prefixes["licence"] == prefixes["license"] == "bac3"


def test_data_files_are_package_data() -> None:
    # `pip install .` (not editable) ships only what pyproject.toml declares
    root = Path(__file__).resolve().parents[3]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["conversations.parsing"]
    package = root / "conversations" / "parsing"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    for locale in phrases.LOCALES:
        assert package / "locales" / f"{locale}.toml" in shipped


# --- the loader refuses mistakes --------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        ["Août"],  # accents and case are normalised away before matching
        ["j'ai trouvé"],
        ["  oui"],
        [""],
        [3],
        "oui",
        {"bac": True},
        {"bac": ["bac3"]},
    ],
)
def test_malformed_entry_is_refused(value: object) -> None:
    with pytest.raises(phrases.PhraseError):
        phrases._entry("test", value)


def _fake_locales(monkeypatch: pytest.MonkeyPatch, files: Mapping[str, phrases.Locale]) -> None:
    monkeypatch.setattr(phrases, "LOCALES", tuple(files))
    monkeypatch.setattr(phrases, "load", files.__getitem__)


def test_conflicting_tables_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_locales(
        monkeypatch,
        {
            "fr": {"diploma": {"exact": {"none": "bac8"}}},
            "en": {"diploma": {"exact": {"none": "bac3"}}},
        },
    )
    with pytest.raises(phrases.PhraseError, match="none"):
        phrases.table.__wrapped__("diploma", "exact")


def test_missing_entry_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_locales(monkeypatch, {"fr": {"dates": {"today": frozenset({"aujourd hui"})}}, "en": {}})
    with pytest.raises(phrases.PhraseError, match=r"en\.toml.*dates\.today"):
        phrases.words.__wrapped__("dates", "today")


def test_missing_locale_file_is_refused() -> None:
    with pytest.raises(phrases.PhraseError, match="not found"):
        phrases.load.__wrapped__("xx")


# --- month names ------------------------------------------------------------------------------


def _babel_months(locale: str) -> list[tuple[int, str]]:
    return sorted(
        {
            (int(month), name)
            for width in WIDTHS
            for context in CONTEXTS
            for month, name in get_month_names(width, context, locale=locale).items()
        }
    )


@pytest.mark.parametrize("locale", BOTH)
def test_every_babel_month_name_is_read(locale: str) -> None:
    months = _babel_months(locale)
    assert {month for month, _name in months} == set(range(1, 13))
    assert len(months) > 12  # abbreviated names besides the wide ones
    for month, name in months:
        assert parse_birth_date(f"12 {name} 2001", TODAY) == date(2001, month, 12), name
        assert parse_birth_date(f"le 3 {name.upper()} 1999", TODAY) == date(1999, month, 3), name
        assert parse_birth_date(f"{name} 12, 2001", TODAY) == date(2001, month, 12), name


def test_month_names_are_single_words() -> None:
    # the date patterns read a month name as one run of letters
    assert all(name.isascii() and name.isalpha() for name in month_numbers())
    assert set(month_numbers().values()) == set(range(1, 13))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # spellings accepted before the names came from babel
        ("14 juillet 2001", date(2001, 7, 14)),
        ("14 juil. 2001", date(2001, 7, 14)),
        ("14 juil 2001", date(2001, 7, 14)),
        ("12 fevrier 2001", date(2001, 2, 12)),
        ("12 février 2001", date(2001, 2, 12)),
        ("12 fevr 2001", date(2001, 2, 12)),
        ("12 fev 2001", date(2001, 2, 12)),
        ("12 janv 2001", date(2001, 1, 12)),
        ("12 avr. 2001", date(2001, 4, 12)),
        ("3 aout 1999", date(1999, 8, 3)),
        ("12 sept 2001", date(2001, 9, 12)),
        ("12 Sept. 2001", date(2001, 9, 12)),
        ("Sept 12, 2001", date(2001, 9, 12)),
        ("12 sep 2001", date(2001, 9, 12)),
        ("12 decembre 2001", date(2001, 12, 12)),
        ("12 dec 2001", date(2001, 12, 12)),
        ("12 mar 2001", date(2001, 3, 12)),
        ("12 mai 2001", date(2001, 5, 12)),
        ("May 2nd, 2000", date(2000, 5, 2)),
        # leading words, in either language, in any order
        ("the 12th March 2001", date(2001, 3, 12)),
        ("on March 12, 2001", date(2001, 3, 12)),
        ("on the 12th March 2001", date(2001, 3, 12)),
    ],
)
def test_month_spellings(text: str, expected: date) -> None:
    assert parse_birth_date(text, TODAY) == expected


# --- entries checked against other data -------------------------------------------------------


def test_social_phrases_name_criteria_of_the_default_rules() -> None:
    # a misspelt code in the locale files would silently never match
    codes = {c.code for c in load_rules(DEFAULT_RULES_PATH).social_criteria}
    assert set(phrases.table("social", "criteria").values()) <= codes


def test_not_typos_are_single_long_words() -> None:
    # only words of 5+ letters are ever corrected, so only those need protecting
    for word in phrases.words("typos", "not_typos"):
        assert word.isalpha()
        assert len(word) >= TYPO_MIN_LENGTH
