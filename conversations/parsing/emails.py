"""E-mail addresses typed by the youth: basic validation only (the real check is the
confirmation message sent to the address), "I'd rather not give one", and a suggestion for a
misspelt common provider ("gmial.com" -> "gmail.com")."""

from __future__ import annotations

from enum import Enum

from rapidfuzz.distance import OSA

from conversations.parsing import phrases
from conversations.parsing.text import contains_phrase, has_markup, plain_words

__all__ = [
    "COMMON_PROVIDERS",
    "NoEmail",
    "parse_email",
    "parse_email_answer",
    "suggest_email_domain",
]

_MAX_EMAIL = 254
# RFC 5322 "atext" without the braces and the other markup-ish characters we never want to echo.
_LOCAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_|~-"
)


class NoEmail(Enum):
    """The youth would rather not give an e-mail address ("pas d'email", "I'd rather not")."""

    DECLINED = "declined"


def parse_email(text: str) -> str | None:
    """A plausible e-mail address (trimmed, domain lowercased), or None.

    Basic validation only: the real check is the confirmation message sent to it.
    """
    address = text.strip()
    if not address or len(address) > _MAX_EMAIL or address.count("@") != 1:
        return None
    local, domain = address.split("@")
    if not _valid_local(local):
        return None
    domain = domain.lower()
    if not _valid_domain(domain):
        return None
    return f"{local}@{domain}"


def _valid_local(local: str) -> bool:
    if not local or len(local) > 64:  # RFC 5321 limit
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return all(char in _LOCAL_CHARS for char in local)


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2:  # a dot is required
        return False
    for label in labels:
        if not label or len(label) > 63 or label[0] == "-" or label[-1] == "-":
            return False
        # letters of any script ("café.fr"), but digits in ASCII only: "²" is no digit
        if not all(char.isalpha() or char in _ASCII_DIGITS or char == "-" for char in label):
            return False
    tld = labels[-1]
    return len(tld) >= 2 and not tld.isdigit()


_ASCII_DIGITS = frozenset("0123456789")

# --- "I'd rather not" -------------------------------------------------------------------------

_DECLINED = phrases.words("email", "declined")
_DECLINED_EXACT = phrases.words("email", "declined_exact")
# "pas d'email, vraiment pas" is short; a long text is not a refusal to read for keywords
_MAX_DECLINED = 200


def parse_email_answer(text: str) -> str | NoEmail | None:
    """The answer to the optional e-mail question: an address (as `parse_email`),
    `NoEmail.DECLINED` for "pas d'email", "je n'ai pas d'adresse", "no email", "I'd rather not",
    "non"..., or None (neither: ask again).

    Anything with an "@" is an attempt at an address, never a refusal
    ("pas.de.mail@example.org" is an address).
    """
    address = parse_email(text)
    if address is not None:
        return address
    if "@" in text or has_markup(text) or len(text) > _MAX_DECLINED:
        return None
    words = plain_words(text)
    if words in _DECLINED_EXACT or contains_phrase(words, _DECLINED):
        return NoEmail.DECLINED
    return None


# --- misspelt providers -----------------------------------------------------------------------

# The providers most youths use; a domain one typo away from one of them is suggested.
COMMON_PROVIDERS: tuple[str, ...] = (
    "gmail.com",
    "hotmail.fr",
    "hotmail.com",
    "outlook.fr",
    "outlook.com",
    "yahoo.fr",
    "yahoo.com",
    "orange.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "icloud.com",
    "live.fr",
)
# Shorter provider names are only corrected in their ending: "free" is one letter away from
# "tree" or "fred", real domains of their own.
_MIN_FUZZY_NAME = 5


def suggest_email_domain(email: str) -> str | None:
    """`email` with its domain corrected to a common provider ("x@gmial.com" -> "x@gmail.com"),
    or None when the domain is a provider, or not close to exactly one.

    One typo in the name ("gmial", "hotmial", "yaho", "outlok") and/or one in the ending
    ("gmail.con", "orange.fe"); a real ending of the same provider is left alone
    ("hotmail.be", "yahoo.es", "hotmail.co.uk" are no typos). Uses rapidfuzz's optimal string
    alignment distance, so two swapped letters count as one typo.
    """
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return None
    domain = domain.lower()
    if domain in COMMON_PROVIDERS or domain.count(".") != 1:
        return None
    name, _dot, ending = domain.partition(".")
    best: list[tuple[int, str]] = []
    for provider in COMMON_PROVIDERS:
        provider_name, _dot, provider_ending = provider.partition(".")
        name_typos = OSA.distance(name, provider_name, score_cutoff=1)
        ending_typos = OSA.distance(ending, provider_ending, score_cutoff=1)
        if name_typos > 1 or ending_typos > 1:
            continue
        if name_typos and len(provider_name) < _MIN_FUZZY_NAME:
            continue
        best.append((name_typos + ending_typos, provider))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None  # as close to two providers: no guess
    return f"{local}@{best[0][1]}"
