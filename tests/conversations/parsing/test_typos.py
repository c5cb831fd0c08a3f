"""Small typos in long words: corrected against the words the parsers know, never guessed."""

from __future__ import annotations

import pytest

from conversations.parsing.answers import parse_diploma, parse_situation, parse_tristate
from conversations.parsing.text import TYPO_MIN_LENGTH, correct_typos, typo_vocabulary
from conversations.rules.eligibility import Diploma, Situation, Tristate

VOCABULARY = typo_vocabulary(["master", "mastere", "licence", "license", "looking for"], ["non"])

# --- the helper -------------------------------------------------------------------------------


def test_vocabulary_keeps_long_words_of_letters_only() -> None:
    assert sorted(VOCABULARY) == ["licence", "license", "looking", "master", "mastere"]
    assert all(len(word) >= TYPO_MIN_LENGTH for word in VOCABULARY)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mastr", "master"),  # a letter missing
        ("masterr", "master"),  # a letter added
        ("maxter", "master"),  # a letter wrong
        ("amster", "master"),  # two letters swapped
        ("mastre", "mastere"),  # one typo from both: the one sharing more letters wins
        ("lookin for", "looking for"),
        ("licnce pro", "licence pro"),
        ("lisence", "licence"),
        # left alone
        ("lissence", "lissence"),  # as close to "licence" and "license"
        ("master", "master"),
        ("mstre", "mstre"),  # two typos
        ("matser2", "matser2"),  # not only letters
        ("mast", "mast"),  # under five letters
        ("nom", "nom"),
        ("", ""),
    ],
)
def test_correct_typos(words: str, expected: str) -> None:
    assert correct_typos(words, VOCABULARY) == expected


def test_short_words_are_never_corrected_to() -> None:
    assert correct_typos("nonn", frozenset({"non"})) == "nonn"
    assert correct_typos("butte", frozenset({"but"})) == "butte"


def test_very_long_words_are_not_compared() -> None:
    assert correct_typos("a" * 5000, VOCABULARY) == "a" * 5000
    assert correct_typos("", frozenset()) == ""


# --- in the parsers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lookin for a job", Situation.JOB_SEEKER),
        ("Lookign for a job", Situation.JOB_SEEKER),
        ("recherche d'emploie", Situation.JOB_SEEKER),
        ("en recherhce d'emploi", Situation.JOB_SEEKER),
        ("demandeur d'empoi", Situation.JOB_SEEKER),
        ("au chommage", Situation.JOB_SEEKER),
        ("unemploed", Situation.JOB_SEEKER),
        ("étudiante en fin d'étude", Situation.STUDENT_FINISHING),
        ("etudinat", Situation.STUDENT_FINISHING),
        ("job alimentiare", Situation.EMPLOYED_BELOW_LEVEL),
        ("CDI à mon niveaux", Situation.EMPLOYED_AT_LEVEL),
    ],
)
def test_situation_with_typos(text: str, expected: Situation) -> None:
    assert parse_situation(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        # a negation with a typo is still a negation: never read as employed at level
        "je ne suis jamai en CDI à mon niveau",
        "not employd at my level",
        # real words next to a known one are not "corrected" into it
        "au dessus de mon niveau",
        "cooking for my family",
    ],
)
def test_situation_typos_never_create_a_refusal(text: str) -> None:
    assert parse_situation(text) is not Situation.EMPLOYED_AT_LEVEL
    assert parse_situation(text) in (None, Situation.JOB_SEEKER, Situation.EMPLOYED_BELOW_LEVEL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mastre", Diploma.BAC5),
        ("Mastr en droit", Diploma.BAC5),
        ("matser", Diploma.BAC5),
        ("licence pro", Diploma.BAC3),
        ("licnce pro", Diploma.BAC3),
        ("licence porfessionnelle", Diploma.BAC3),
        ("lisence", Diploma.BAC3),
        ("bachelr", Diploma.BAC3),
        ("doctorta", Diploma.BAC8),
        ("ingénieru", Diploma.BAC5),
        ("école de comerce", Diploma.BAC5),
        ("maitrsie", Diploma.BAC4),
        ("baccalauréat", Diploma.BELOW_BAC3),
        ("baccalaureta", Diploma.BELOW_BAC3),
    ],
)
def test_diploma_with_typos(text: str, expected: Diploma) -> None:
    assert parse_diploma(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ouaiis", Tristate.YES),
        ("ouaiss j'habite à Bobigny", Tristate.YES),
        ("absolumen", Tristate.YES),
        ("of cours", Tristate.YES),
        ("maybee", Tristate.UNKNOWN),
        ("peutêtre", Tristate.UNKNOWN),
        ("inconu", Tristate.UNKNOWN),
        ("aucune idéé", Tristate.UNKNOWN),
    ],
)
def test_tristate_with_typos(text: str, expected: Tristate) -> None:
    assert parse_tristate(text) is expected


@pytest.mark.parametrize("text", ["impossible", "c'est impossible", "bonjour", "nonnn"])
def test_tristate_typos_are_not_guessed(text: str) -> None:
    assert parse_tristate(text) is None
