"""The social-background answer typed instead of pressed: criteria, none, unknown, negations."""

from __future__ import annotations

import pytest

from conversations.parsing.social import parse_social
from conversations.rules.eligibility import (
    DEFAULT_RULES_PATH,
    SOCIAL_NONE,
    SOCIAL_UNKNOWN,
    SocialCriterion,
    load_rules,
)

CRITERIA = load_rules(DEFAULT_RULES_PATH).social_criteria


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the scholarship, however it is said
        ("boursiere", "scholarship"),
        ("boursière", "scholarship"),
        ("Boursier", "scholarship"),
        ("boursier·e", "scholarship"),
        ("j'étais boursier", "scholarship"),
        ("J’étais boursière", "scholarship"),
        ("ancienne boursière", "scholarship"),
        ("oui, boursière du CROUS", "scholarship"),
        ("j'avais une bourse sur critères sociaux", "scholarship"),
        ("I was on a grant/scholarship", "scholarship"),
        ("I was on a grant", "scholarship"),
        ("scholarship holder", "scholarship"),
        # the other default criteria
        ("RSA", "family_minimum_benefits"),
        ("mes parents sont au RSA", "family_minimum_benefits"),
        ("my family is on benefits", "family_minimum_benefits"),
        ("première génération à faire des études", "first_generation"),
        ("first in my family to go to university", "first_generation"),
        ("ASE", "child_welfare"),
        ("j'ai grandi en famille d'accueil", "child_welfare"),
        ("foster care", "child_welfare"),
        # several criteria: the first in the rules' order (any one is enough)
        ("boursier et première génération", "scholarship"),
        # labels and codes, as before
        ("Boursier·e pendant mes études", "scholarship"),
        ("Famille au RSA / minima sociaux", "family_minimum_benefits"),
        ("scholarship", "scholarship"),
        ("family_minimum_benefits", "family_minimum_benefits"),
        ("Ward of the State / child welfare", "child_welfare"),
        # none / unknown
        ("non", SOCIAL_NONE),
        ("Non.", SOCIAL_NONE),
        ("no", SOCIAL_NONE),
        ("aucun", SOCIAL_NONE),
        ("Aucune", SOCIAL_NONE),
        ("rien", SOCIAL_NONE),
        ("none", SOCIAL_NONE),
        ("none of them", SOCIAL_NONE),
        ("nothing", SOCIAL_NONE),
        ("je ne sais pas", SOCIAL_UNKNOWN),
        ("jsp", SOCIAL_UNKNOWN),
        ("I don't know", SOCIAL_UNKNOWN),
        ("peut-être", SOCIAL_UNKNOWN),
        ("je sais pas si j'étais boursier", SOCIAL_UNKNOWN),
    ],
)
def test_parse_social(text: str, expected: str) -> None:
    assert parse_social(text, CRITERIA) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bonjour",
        "oui",  # which one? ask with the buttons
        # a negated criterion is neither that criterion nor "none": another may be met
        "je n'étais pas boursier",
        "non boursier",
        "pas de bourse",
        "I was not on a grant",
        "ni boursier ni RSA",
        # a grant that is not means-tested
        "j'ai eu une bourse Erasmus",
        "boursier·e}",
        "{{ boursier }}",
        "<b>boursier</b>",
        "a" * 5000,
        "é" * 5000,
    ],
)
def test_parse_social_unrecognised(text: str) -> None:
    assert parse_social(text, CRITERIA) is None


def test_only_the_criteria_of_the_rules_are_returned() -> None:
    # the phrases know "scholarship"; rules without that criterion never get it back
    others = tuple(c for c in CRITERIA if c.code != "scholarship")
    assert parse_social("j'étais boursière", others) is None
    assert parse_social("j'étais boursière", ()) is None
    assert parse_social("non", ()) == SOCIAL_NONE


def test_a_criterion_added_by_staff_is_understood_by_its_label() -> None:
    refugee = SocialCriterion("refugee", {"fr": "Réfugié·e statutaire", "en": "Refugee"})
    assert parse_social("réfugié·e statutaire", (*CRITERIA, refugee)) == "refugee"
    assert parse_social("Refugee", (*CRITERIA, refugee)) == "refugee"
    assert parse_social("refugee", (*CRITERIA, refugee)) == "refugee"
