"""Parsers for typed answers: every accepted form, every error kind, hostile input."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.parsing.answers import (
    DateError,
    normalise,
    parse_birth_date,
    parse_diploma,
    parse_email,
    parse_situation,
    parse_tristate,
)
from conversations.rules.eligibility import Diploma, Situation, Tristate

TODAY = date(2026, 5, 1)
MARKUP = [
    "{{ master }}",
    "{{ 5 }}",
    "{% if x %}oui{% endif %}",
    "<b>master</b>",
    "<script>alert('oui')</script>",
    "<a href='x'>bac+5</a>",
]
LONG_INPUTS = [
    "a" * 5000,
    "1" * 5000,
    "12/" * 1666 + "2001",
    " " * 2500 + "x" + " " * 2499,
    "bac+" * 1250,
    "oui " * 1250,
    "1er " * 1250,
    "12 " * 1666 + "mars",
    "é" * 5000,
    "?!" * 2500,
]


# --- normalise --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Bac  +5 ", "bac +5"),
        ("École d’Ingénieur", "ecole d'ingenieur"),
        ("MAÎTRISE", "maitrise"),
        ("Oui !", "oui"),
        ("« non »", "non"),
        ("...je ne sais pas...", "je ne sais pas"),
        ("Straße", "strasse"),
        ("12 févr.", "12 fevr"),
        ("a\t\nb", "a b"),
        ("?", ""),
        ("", ""),
        ("Ｍａｓｔｅｒ", "master"),  # full-width letters from some keyboards
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- diploma ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # bac+5
        ("bac+5", Diploma.BAC5),
        ("Bac +5", Diploma.BAC5),
        ("BAC 5", Diploma.BAC5),
        ("bac5", Diploma.BAC5),
        ("5", Diploma.BAC5),
        ("+5", Diploma.BAC5),
        ("master", Diploma.BAC5),
        ("Master en droit", Diploma.BAC5),
        ("master's degree", Diploma.BAC5),
        ("M2", Diploma.BAC5),
        ("Master 2", Diploma.BAC5),
        ("mastère", Diploma.BAC5),
        ("Mastère spécialisé", Diploma.BAC5),
        ("école d'ingénieur", Diploma.BAC5),
        ("École d’ingénieurs", Diploma.BAC5),
        ("ingénieur", Diploma.BAC5),
        ("école de commerce", Diploma.BAC5),
        ("bac+6", Diploma.BAC5),
        # bac+3
        ("licence", Diploma.BAC3),
        ("Licence pro RH", Diploma.BAC3),
        ("BUT", Diploma.BAC3),
        ("BUT informatique", Diploma.BAC3),
        ("bachelor", Diploma.BAC3),
        ("bac+3", Diploma.BAC3),
        ("Bac+3 (licence, BUT)", Diploma.BAC3),
        ("3", Diploma.BAC3),
        ("L3", Diploma.BAC3),
        # bac+4
        ("M1", Diploma.BAC4),
        ("Master 1", Diploma.BAC4),
        ("bac+4", Diploma.BAC4),
        ("4", Diploma.BAC4),
        ("maîtrise", Diploma.BAC4),
        # bac+8
        ("doctorat", Diploma.BAC8),
        ("PhD", Diploma.BAC8),
        ("Ph.D.", Diploma.BAC8),
        ("thèse", Diploma.BAC8),
        ("bac+8", Diploma.BAC8),
        ("8", Diploma.BAC8),
        # below bac+3
        ("bac", Diploma.BELOW_BAC3),
        ("Bac pro", Diploma.BELOW_BAC3),
        ("bac+2", Diploma.BELOW_BAC3),
        ("BTS", Diploma.BELOW_BAC3),
        ("BTS MUC", Diploma.BELOW_BAC3),
        ("DUT", Diploma.BELOW_BAC3),
        ("DEUG", Diploma.BELOW_BAC3),
        ("2", Diploma.BELOW_BAC3),
        ("0", Diploma.BELOW_BAC3),
        ("CAP", Diploma.BELOW_BAC3),
        ("BEP", Diploma.BELOW_BAC3),
        ("brevet", Diploma.BELOW_BAC3),
        ("L2", Diploma.BELOW_BAC3),
        ("aucun", Diploma.BELOW_BAC3),
        # don't know
        ("je ne sais pas", Diploma.UNKNOWN),
        ("Je sais pas", Diploma.UNKNOWN),
        ("jsp", Diploma.UNKNOWN),
        ("sais pas", Diploma.UNKNOWN),
        ("?", Diploma.UNKNOWN),
        ("???", Diploma.UNKNOWN),
        ("I don't know", Diploma.UNKNOWN),
        ("I don’t know", Diploma.UNKNOWN),
        ("dont know", Diploma.UNKNOWN),
        ("not sure", Diploma.UNKNOWN),
        ("aucune idée", Diploma.UNKNOWN),
    ],
)
def test_parse_diploma(text: str, expected: Diploma) -> None:
    assert parse_diploma(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bonjour",
        "je n'ai pas de master",  # a negation must not read as a master
        "j'ai fait des études",
        "bac+13",
        "13",
        "9999",
        "masterclass",
        "these are my diplomas",
        "butter",
        *MARKUP,
    ],
)
def test_parse_diploma_unrecognised(text: str) -> None:
    assert parse_diploma(text) is None


# --- yes / no / don't know --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", Tristate.YES),
        ("Oui !", Tristate.YES),
        ("OUI", Tristate.YES),
        ("ouais", Tristate.YES),
        ("o", Tristate.YES),
        ("O", Tristate.YES),
        ("yes", Tristate.YES),
        ("Yes.", Tristate.YES),
        ("y", Tristate.YES),
        ("yep", Tristate.YES),
        ("oui j'habite à Bobigny", Tristate.YES),
        ("bien sûr", Tristate.YES),
        ("non", Tristate.NO),
        ("Non.", Tristate.NO),
        ("no", Tristate.NO),
        ("n", Tristate.NO),
        ("N", Tristate.NO),
        ("nope", Tristate.NO),
        ("nan", Tristate.NO),
        ("non, à Paris 16e", Tristate.NO),
        ("pas du tout", Tristate.NO),
        ("je ne sais pas", Tristate.UNKNOWN),
        ("je sais pas", Tristate.UNKNOWN),
        ("jsp", Tristate.UNKNOWN),
        ("sais pas", Tristate.UNKNOWN),
        ("?", Tristate.UNKNOWN),
        ("I don't know", Tristate.UNKNOWN),
        ("dont know", Tristate.UNKNOWN),
        ("not sure", Tristate.UNKNOWN),
        ("no idea", Tristate.UNKNOWN),  # starts with "no" but is not a no
        ("non je sais pas", Tristate.UNKNOWN),
        ("peut-être", Tristate.UNKNOWN),
        ("maybe", Tristate.UNKNOWN),
        ("pas sûr", Tristate.UNKNOWN),
    ],
)
def test_parse_tristate(text: str, expected: Tristate) -> None:
    assert parse_tristate(text) is expected


@pytest.mark.parametrize(
    "text",
    ["", "bonjour", "oh", "nous", "yesterday", "nonante", "ok", "o k", "ny", *MARKUP],
)
def test_parse_tristate_unrecognised(text: str) -> None:
    assert parse_tristate(text) is None


# --- situation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("demandeur d'emploi", Situation.JOB_SEEKER),
        ("Demandeuse d’emploi", Situation.JOB_SEEKER),
        ("au chômage", Situation.JOB_SEEKER),
        ("je cherche un emploi", Situation.JOB_SEEKER),
        # names the target level, but is a search: must not be read as employed at level
        ("je cherche un emploi à mon niveau", Situation.JOB_SEEKER),
        ("inscrit à France Travail", Situation.JOB_SEEKER),
        ("job seeker", Situation.JOB_SEEKER),
        ("I'm unemployed", Situation.JOB_SEEKER),
        ("étudiant", Situation.STUDENT_FINISHING),
        ("Étudiante en M2", Situation.STUDENT_FINISHING),
        ("en fin d'études", Situation.STUDENT_FINISHING),
        ("student", Situation.STUDENT_FINISHING),
        ("CDI à mon niveau", Situation.EMPLOYED_AT_LEVEL),
        ("employed at my level", Situation.EMPLOYED_AT_LEVEL),
        ("job alimentaire", Situation.EMPLOYED_BELOW_LEVEL),
        ("en dessous de mon niveau", Situation.EMPLOYED_BELOW_LEVEL),
        ("CDI mais pas à mon niveau", Situation.EMPLOYED_BELOW_LEVEL),
        ("below my level", Situation.EMPLOYED_BELOW_LEVEL),
        ("CDD", Situation.EMPLOYED_BELOW_LEVEL),
        ("en CDD de 6 mois", Situation.EMPLOYED_BELOW_LEVEL),
        ("autre", Situation.OTHER),
        ("Autre.", Situation.OTHER),
        ("other", Situation.OTHER),
    ],
)
def test_parse_situation(text: str, expected: Situation) -> None:
    assert parse_situation(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bonjour",
        "CDI",  # at my level or not? ask again with the buttons
        "je ne suis pas en CDI à mon niveau",  # a negated refusal is never guessed
        "not employed at my level",
        "autre chose",
        *MARKUP,
    ],
)
def test_parse_situation_unrecognised(text: str) -> None:
    assert parse_situation(text) is None


# --- e-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jeanne.dupont@example.org", "jeanne.dupont@example.org"),
        ("  Jeanne.Dupont@Example.ORG \n", "Jeanne.Dupont@example.org"),  # local part kept
        ("a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk"),
        ("o'neil@example.fr", "o'neil@example.fr"),
        ("x@café.fr", "x@café.fr"),
        ("a" * 64 + "@" + "b" * 63 + ".fr", "a" * 64 + "@" + "b" * 63 + ".fr"),
        ("a@" + "b." * 125 + "fr", "a@" + "b." * 125 + "fr"),  # 254 characters: the limit
    ],
)
def test_parse_email(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jeanne",
        "jeanne@",
        "@example.org",
        "jeanne@example",
        "jeanne@@example.org",
        "jeanne@a@example.org",
        "jeanne dupont@example.org",
        "jeanne@exam ple.org",
        "jeanne@example.org x",
        "jeanne@.example.org",
        "jeanne@example..org",
        "jeanne@example.org.",
        "jeanne@-example.org",
        "jeanne@example.c",
        "jeanne@127.0.0.1",
        ".jeanne@example.org",
        "jeanne.@example.org",
        "jea..nne@example.org",
        "a" * 65 + "@example.org",
        "a" * 64 + "@" + "b" * 64 + ".fr",  # a domain label over 63
        "ab@" + "b." * 125 + "fr",  # 255 characters
        '"jeanne"@example.org',
        "{{ email }}@example.org",
        "<jeanne@example.org>",
        "jeanne@<b>example</b>.org",
        "a" * 5000,
        "a@" + "b" * 4998,
    ],
)
def test_parse_email_rejects(text: str) -> None:
    assert parse_email(text) is None


# --- birth date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2001", date(2001, 3, 12)),
        ("12-03-2001", date(2001, 3, 12)),
        ("12.03.2001", date(2001, 3, 12)),
        ("12 03 2001", date(2001, 3, 12)),
        ("12/3/2001", date(2001, 3, 12)),
        ("2/3/2001", date(2001, 3, 2)),
        ("  12/03/2001  ", date(2001, 3, 12)),
        ("12 / 03 / 2001", date(2001, 3, 12)),
        ("2001-03-12", date(2001, 3, 12)),
        ("12032001", date(2001, 3, 12)),
        ("12/03/01", date(2001, 3, 12)),
        ("12/03/99", date(1999, 3, 12)),
        ("12/03/26", date(2026, 3, 12)),  # 2026 is this year: the latest not in the future
        ("12/03/27", date(1927, 3, 12)),
        ("12 mars 2001", date(2001, 3, 12)),
        ("le 12 mars 2001", date(2001, 3, 12)),
        ("1er mars 2001", date(2001, 3, 1)),
        ("1 er mars 2001", date(2001, 3, 1)),
        ("12 MARS 2001", date(2001, 3, 12)),
        ("12 fév 2001", date(2001, 2, 12)),
        ("12 févr. 2001", date(2001, 2, 12)),
        ("12 fevrier 2001", date(2001, 2, 12)),
        ("3 août 1999", date(1999, 8, 3)),
        ("25 décembre 2000", date(2000, 12, 25)),
        ("12 March 2001", date(2001, 3, 12)),
        ("March 12, 2001", date(2001, 3, 12)),
        ("March 12 2001", date(2001, 3, 12)),
        ("12th March 2001", date(2001, 3, 12)),
        ("1st May 2000", date(2000, 5, 1)),
        ("May 2nd, 2000", date(2000, 5, 2)),
        ("12 sept 2001", date(2001, 9, 12)),
        ("29/02/2000", date(2000, 2, 29)),
        ("01/05/2026", TODAY),  # today is not the future
    ],
)
def test_parse_birth_date(text: str, expected: date) -> None:
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/02/2001", DateError.IMPOSSIBLE),
        ("29/02/2001", DateError.IMPOSSIBLE),
        ("00/01/2001", DateError.IMPOSSIBLE),
        ("12/13/2001", DateError.IMPOSSIBLE),
        ("12/00/2001", DateError.IMPOSSIBLE),
        ("32 mars 2001", DateError.IMPOSSIBLE),
        ("31 avril 2001", DateError.IMPOSSIBLE),
        ("2001-02-30", DateError.IMPOSSIBLE),
        ("12/03/0000", DateError.IMPOSSIBLE),
        ("02/05/2026", DateError.FUTURE),  # tomorrow
        ("12/03/2030", DateError.FUTURE),
        ("12 août 2026", DateError.FUTURE),
        ("12/08/26", DateError.FUTURE),  # 2026, not 1926: the flow asks again
        ("demain", DateError.NOT_A_DATE),
        ("hier", DateError.NOT_A_DATE),
        ("", DateError.NOT_A_DATE),
        ("   ", DateError.NOT_A_DATE),
        ("abc", DateError.NOT_A_DATE),
        ("2001", DateError.NOT_A_DATE),
        ("12/03", DateError.NOT_A_DATE),
        ("12 mars", DateError.NOT_A_DATE),
        ("mars 2001", DateError.NOT_A_DATE),
        ("12/03/201", DateError.NOT_A_DATE),
        ("12/03/20011", DateError.NOT_A_DATE),
        ("123/03/2001", DateError.NOT_A_DATE),
        ("12 truc 2001", DateError.NOT_A_DATE),
        ("1203201", DateError.NOT_A_DATE),
        ("12/03/2001 et 13/03/2001", DateError.NOT_A_DATE),
        ("-12/03/2001", date(2001, 3, 12)),  # leading punctuation is stripped
        *((text, DateError.NOT_A_DATE) for text in MARKUP),
        ("{{ 12/03/2001 }}", DateError.NOT_A_DATE),
    ],
)
def test_parse_birth_date_errors(text: str, expected: date | DateError) -> None:
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize("text", LONG_INPUTS)
def test_long_input_is_rejected(text: str) -> None:
    assert len(text) >= 4999
    assert parse_birth_date(text, TODAY) is DateError.NOT_A_DATE
    assert parse_diploma(text) is None
    assert parse_tristate(text) is (Tristate.YES if text.startswith("oui") else None)
    assert parse_situation(text) is None
    assert parse_email(text) is None


def test_long_date_padded_with_spaces_is_still_read() -> None:
    # phones sometimes send trailing whitespace; it must not count against the length limit
    assert parse_birth_date(" " * 2500 + "12/03/2001" + " " * 2490, TODAY) == date(2001, 3, 12)
