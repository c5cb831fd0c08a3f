"""The e-mail question beyond the address: "I'd rather not", and misspelt providers."""

from __future__ import annotations

import pytest

from conversations.parsing.emails import (
    COMMON_PROVIDERS,
    NoEmail,
    parse_email,
    parse_email_answer,
    suggest_email_domain,
)

# --- "I'd rather not" -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "pas d'email",
        "Pas d’e-mail",
        "pas de mail",
        "pas de mail, désolé",
        "je n'ai pas d'adresse",
        "je n’ai pas d’adresse mail",
        "je préfère ne pas la donner",
        "non merci",
        "non",
        "Non.",
        "aucune",
        "passer",
        "no email",
        "No e-mail",
        "I'd rather not",
        "I don't have one",
        "I'd prefer not to",
        "no thanks",
        "no",
        "none",
        "skip",
    ],
)
def test_declined(text: str) -> None:
    assert parse_email_answer(text) is NoEmail.DECLINED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jeanne.dupont@example.org", "jeanne.dupont@example.org"),
        ("  Jeanne@Example.ORG ", "Jeanne@example.org"),
        # an address that happens to spell a refusal is an address
        ("pas.de.mail@example.org", "pas.de.mail@example.org"),
        ("no-email@example.org", "no-email@example.org"),
    ],
)
def test_an_address_is_an_address(text: str, expected: str) -> None:
    assert parse_email_answer(text) == expected
    assert parse_email_answer(text) == parse_email(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bonjour",
        "jeanne",
        "oui",
        "pas de mail@",  # an attempt at an address, not a refusal
        "non @ merci",
        "jeanne@example",
        "{{ pas de mail }}",
        "<b>non</b>",
        "pas de mail " * 500,
    ],
)
def test_neither_address_nor_refusal(text: str) -> None:
    assert parse_email_answer(text) is None


# --- digits in domains --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["x@gmail.co²", "x@exa²mple.org", "x@example٣.org", "x@１２.fr"])
def test_domain_digits_are_ascii(text: str) -> None:
    assert parse_email(text) is None


def test_ascii_digits_and_letters_of_any_script_stay_valid() -> None:
    assert parse_email("x@web2.example.fr") == "x@web2.example.fr"
    assert parse_email("x@café.fr") == "x@café.fr"


# --- misspelt providers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jeanne@gmial.com", "jeanne@gmail.com"),
        ("jeanne@gmai.com", "jeanne@gmail.com"),
        ("jeanne@gmaill.com", "jeanne@gmail.com"),
        ("jeanne@gmail.con", "jeanne@gmail.com"),
        ("jeanne@gmail.co", "jeanne@gmail.com"),
        ("Jeanne.Dupont@hotmial.fr", "Jeanne.Dupont@hotmail.fr"),
        ("jeanne@hotmail.fe", "jeanne@hotmail.fr"),
        ("jeanne@hotmal.con", "jeanne@hotmail.com"),
        ("jeanne@yaho.fr", "jeanne@yahoo.fr"),
        ("jeanne@outlok.com", "jeanne@outlook.com"),
        ("jeanne@outlook.cm", "jeanne@outlook.com"),
        ("jeanne@orage.fr", "jeanne@orange.fr"),
        ("jeanne@free.fe", "jeanne@free.fr"),
        ("jeanne@laposte.ne", "jeanne@laposte.net"),
        ("jeanne@iclould.com", "jeanne@icloud.com"),
        ("jeanne@GMIAL.COM", "jeanne@gmail.com"),
    ],
)
def test_suggest_email_domain(email: str, expected: str) -> None:
    assert suggest_email_domain(email) == expected


@pytest.mark.parametrize(
    "email",
    [
        *(f"jeanne@{provider}" for provider in COMMON_PROVIDERS),  # already right
        "jeanne@example.org",
        "jeanne@univ-lyon2.fr",
        # real domains of the same providers, or near a short name: no typos
        "jeanne@hotmail.be",
        "jeanne@hotmail.de",
        "jeanne@yahoo.es",
        "jeanne@hotmail.co.uk",
        "jeanne@orange.com",
        "jeanne@tree.fr",
        "jeanne@fre.fr",
        "jeanne@sfa.fr",
        "jeanne@gmail.fr",  # two endings away from gmail.com: no guess
        "jeanne@gmx.fr",
        "jeanne",
        "@gmial.com",
        "",
    ],
)
def test_no_suggestion(email: str) -> None:
    assert suggest_email_domain(email) is None
