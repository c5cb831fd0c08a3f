"""Parsers for typed answers: youths may type instead of pressing a button.

Every parser returns None (or a `DateError`) for text it does not recognise, so the flow can ask
again with the buttons. They are deliberately conservative where a wrong guess would refuse
someone (e.g. "employed at my level"): re-asking is cheap, a wrong refusal is not.
All parsers are linear in the input size (inputs may be up to a few thousand characters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from conversations.rules.eligibility import Diploma, Situation, Tristate

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

# Typographic apostrophes and quotes phones insert instead of "'".
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'"})
# Markup or template syntax is never part of a genuine answer: refuse it outright rather than
# let it match a keyword hidden inside it.
_MARKUP = frozenset("<>{}")


def normalise(text: str) -> str:
    """Casefold, strip accents, unify apostrophes, collapse whitespace, strip end punctuation."""
    folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    unaccented = "".join(c for c in folded if not unicodedata.combining(c))
    collapsed = " ".join(unaccented.split())
    start, end = 0, len(collapsed)
    while start < end and _is_end_junk(collapsed[start]):
        start += 1
    while end > start and _is_end_junk(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


def _is_end_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


_NON_WORD = re.compile(r"[^0-9a-z+]+")


def _words(text: str) -> str:
    """Normalised text reduced to ASCII letters, digits and "+", single-space separated."""
    return _NON_WORD.sub(" ", normalise(text)).strip()


def _has_markup(text: str) -> bool:
    return any(char in _MARKUP for char in text)


def _contains_phrase(words: str, phrases: frozenset[str]) -> bool:
    padded = f" {words} "
    return any(f" {phrase} " in padded for phrase in phrases)


def _starts_with_phrase(words: str, phrase: str) -> bool:
    return words == phrase or words.startswith(phrase + " ")


# "I don't know" in French and English, as `_words` renders them ("don't" -> "don t").
_DONT_KNOW_PHRASES = frozenset(
    {
        "je ne sais pas",
        "je sais pas",
        "ne sais pas",
        "sais pas",
        "sait pas",
        "jsais pas",
        "chais pas",
        "jsp",
        "nsp",
        "aucune idee",
        "pas sur",
        "pas sure",
        "pas certain",
        "pas certaine",
        "i don t know",
        "i dont know",
        "don t know",
        "dont know",
        "idk",
        "no idea",
        "not sure",
        "unsure",
        "unknown",
        "inconnu",
    }
)


def _is_dont_know(text: str, words: str) -> bool:
    stripped = text.strip()
    if stripped and all(char == "?" for char in stripped):
        return True
    return _contains_phrase(words, _DONT_KNOW_PHRASES)


# --- diploma ----------------------------------------------------------------------------------

# "bac+5", "bac +5", "bac 5", "bac5": the number of years after the baccalauréat.
_BAC_PLUS = re.compile(r"bac ?\+? ?([0-9]{1,2})(?: |$)")
_BARE_YEARS = re.compile(r"\+? ?([0-9]{1,2})")


def _diploma_from_years(years: int) -> Diploma | None:
    if years <= 2:
        return Diploma.BELOW_BAC3
    if years == 3:
        return Diploma.BAC3
    if years == 4:
        return Diploma.BAC4
    if years <= 7:  # bac+6/7 (a second master, a specialised master): not a doctorate yet
        return Diploma.BAC5
    if years <= 12:
        return Diploma.BAC8
    return None


# Matched at the start of the answer ("master en droit", "licence pro RH"); the longest alias
# wins, so "master 1" beats "master". Not matched anywhere in the text: "je n'ai pas de master"
# must not read as a master.
_DIPLOMA_PREFIXES: Mapping[str, Diploma] = MappingProxyType(
    {
        # below bac+3
        "bac": Diploma.BELOW_BAC3,
        "bac pro": Diploma.BELOW_BAC3,
        "baccalaureat": Diploma.BELOW_BAC3,
        "bts": Diploma.BELOW_BAC3,
        "dut": Diploma.BELOW_BAC3,
        "deug": Diploma.BELOW_BAC3,
        "deust": Diploma.BELOW_BAC3,
        "cap": Diploma.BELOW_BAC3,
        "bep": Diploma.BELOW_BAC3,
        "brevet": Diploma.BELOW_BAC3,
        "l1": Diploma.BELOW_BAC3,
        "l2": Diploma.BELOW_BAC3,
        "aucun diplome": Diploma.BELOW_BAC3,
        "pas de diplome": Diploma.BELOW_BAC3,
        "sans diplome": Diploma.BELOW_BAC3,
        "no diploma": Diploma.BELOW_BAC3,
        "high school": Diploma.BELOW_BAC3,
        # bac+3
        "licence": Diploma.BAC3,
        "license": Diploma.BAC3,
        "licence pro": Diploma.BAC3,
        "licence professionnelle": Diploma.BAC3,
        "but": Diploma.BAC3,
        "bachelor": Diploma.BAC3,
        "bachelors": Diploma.BAC3,
        "l3": Diploma.BAC3,
        # bac+4
        "m1": Diploma.BAC4,
        "master 1": Diploma.BAC4,
        "master1": Diploma.BAC4,
        "maitrise": Diploma.BAC4,
        # bac+5
        "master": Diploma.BAC5,
        "masters": Diploma.BAC5,
        "master 2": Diploma.BAC5,
        "master2": Diploma.BAC5,
        "m2": Diploma.BAC5,
        "mastere": Diploma.BAC5,
        "mastere specialise": Diploma.BAC5,
        "msc": Diploma.BAC5,
        "mba": Diploma.BAC5,
        "dea": Diploma.BAC5,
        "dess": Diploma.BAC5,
        "ingenieur": Diploma.BAC5,
        "diplome d ingenieur": Diploma.BAC5,
        "ecole d ingenieur": Diploma.BAC5,
        "ecole d ingenieurs": Diploma.BAC5,
        "ecole dingenieur": Diploma.BAC5,
        "ecole d inge": Diploma.BAC5,
        "ecole de commerce": Diploma.BAC5,
        "business school": Diploma.BAC5,
        "grande ecole": Diploma.BAC5,
        # bac+8
        "doctorat": Diploma.BAC8,
        "doctorate": Diploma.BAC8,
        "docteur": Diploma.BAC8,
        "phd": Diploma.BAC8,
        "ph d": Diploma.BAC8,
        "these de doctorat": Diploma.BAC8,
    }
)
_DIPLOMA_PREFIX_ORDER = tuple(sorted(_DIPLOMA_PREFIXES, key=len, reverse=True))
# Words too common elsewhere to be matched as a prefix ("these are...", "none of them").
_DIPLOMA_EXACT: Mapping[str, Diploma] = MappingProxyType(
    {
        "these": Diploma.BAC8,
        "aucun": Diploma.BELOW_BAC3,
        "rien": Diploma.BELOW_BAC3,
        "none": Diploma.BELOW_BAC3,
    }
)


def parse_diploma(text: str) -> Diploma | None:
    """The diploma level typed by the youth ("bac+5", "master", "BTS", "jsp"...), or None."""
    if _has_markup(text):
        return None
    words = _words(text)
    if _is_dont_know(text, words):
        return Diploma.UNKNOWN
    if not words:
        return None
    bac_plus = _BAC_PLUS.match(words)
    if bac_plus:
        return _diploma_from_years(int(bac_plus.group(1)))
    bare = _BARE_YEARS.fullmatch(words)
    if bare:
        return _diploma_from_years(int(bare.group(1)))
    if words in _DIPLOMA_EXACT:
        return _DIPLOMA_EXACT[words]
    for alias in _DIPLOMA_PREFIX_ORDER:
        if _starts_with_phrase(words, alias):
            return _DIPLOMA_PREFIXES[alias]
    return None


# --- yes / no / don't know --------------------------------------------------------------------

# Decided by the first word ("oui j'habite à Bobigny"), after "don't know" phrases.
_YES_WORDS = frozenset({"oui", "ouais", "ouai", "ouep", "si", "yes", "yep", "yeah", "yup"})
_NO_WORDS = frozenset({"non", "nan", "nope", "no", "nah"})
# Single letters only count alone: "o" or "n" at the start of a sentence may be anything.
_YES_EXACT = frozenset({"o", "y", "bien sur", "tout a fait", "absolument", "of course"})
_NO_EXACT = frozenset({"n", "pas du tout", "not at all"})
_MAYBE_PHRASES = frozenset({"peut etre", "peutetre", "maybe", "perhaps", "possible"})


def parse_tristate(text: str) -> Tristate | None:
    """Yes / no / don't know in French or English, or None."""
    if _has_markup(text):
        return None
    words = _words(text)
    if _is_dont_know(text, words) or _contains_phrase(words, _MAYBE_PHRASES):
        return Tristate.UNKNOWN
    if words in _YES_EXACT:
        return Tristate.YES
    if words in _NO_EXACT:
        return Tristate.NO
    first = words.split(" ", 1)[0]
    if first in _YES_WORDS:
        return Tristate.YES
    if first in _NO_WORDS:
        return Tristate.NO
    return None


# --- situation --------------------------------------------------------------------------------

# Checked in this order; the first category with a phrase anywhere in the answer wins.
# "Employed at my level" is a refusal, so it comes last and only without a negation: a job
# seeker writing "je cherche un emploi à mon niveau" must not be refused.
_SITUATION_PHRASES: tuple[tuple[Situation, frozenset[str]], ...] = (
    (
        Situation.EMPLOYED_BELOW_LEVEL,
        frozenset(
            {
                "job alimentaire",
                "boulot alimentaire",
                "petit boulot",
                "petits boulots",
                "en dessous de mon niveau",
                "en dessous de mes competences",
                "en dessous de mon diplome",
                "sous mon niveau",
                "pas a mon niveau",
                "pas au niveau",
                "below my level",
                "under my level",
                "not at my level",
                "underemployed",
                "cdd",
                "interim",
                "temps partiel",
                "part time",
            }
        ),
    ),
    (
        Situation.JOB_SEEKER,
        frozenset(
            {
                "demandeur d emploi",
                "demandeuse d emploi",
                "demandeur euse d emploi",
                "chomage",
                "chomeur",
                "chomeuse",
                "je cherche",
                "je recherche",
                "en recherche",
                "recherche d emploi",
                "sans emploi",
                "france travail",
                "pole emploi",
                "job seeker",
                "jobseeker",
                "job seeking",
                "job hunting",
                "unemployed",
                "looking for",
            }
        ),
    ),
    (
        Situation.STUDENT_FINISHING,
        frozenset(
            {
                "etudiant",
                "etudiante",
                "etudiant e",
                "en fin d etudes",
                "fin d etudes",
                "fin de mes etudes",
                "student",
                "studying",
                "graduating",
            }
        ),
    ),
    (
        Situation.EMPLOYED_AT_LEVEL,
        frozenset(
            {
                "cdi a mon niveau",
                "a mon niveau",
                "au niveau de mon diplome",
                "employed at my level",
                "at my level",
                "job at my level",
            }
        ),
    ),
)
_NEGATIONS = frozenset({"pas", "ne", "n", "non", "jamais", "not", "no", "never", "don t", "dont"})
_OTHER_EXACT = frozenset({"autre", "autres", "autre situation", "other", "something else"})


def parse_situation(text: str) -> Situation | None:
    """The professional situation described in French or English keywords, or None."""
    if _has_markup(text):
        return None
    words = _words(text)
    for situation, phrases in _SITUATION_PHRASES:
        if not _contains_phrase(words, phrases):
            continue
        if situation is Situation.EMPLOYED_AT_LEVEL and _contains_phrase(words, _NEGATIONS):
            return None  # "je ne suis pas en CDI à mon niveau": ask again with the buttons
        return situation
    if words in _OTHER_EXACT:
        return Situation.OTHER
    return None


# --- e-mail -----------------------------------------------------------------------------------

_MAX_EMAIL = 254
# RFC 5322 "atext" without the braces and the other markup-ish characters we never want to echo.
_LOCAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_|~-"
)


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
        # str.isalnum accepts internationalised domain names ("café.fr")
        if not all(char.isalnum() or char == "-" for char in label):
            return False
    tld = labels[-1]
    return len(tld) >= 2 and not tld.isdigit()


# --- birth date -------------------------------------------------------------------------------


class DateError(StrEnum):
    """Why a typed birth date was not accepted."""

    NOT_A_DATE = "not_a_date"
    IMPOSSIBLE = "impossible"
    FUTURE = "future"


# Longer than any way of writing a date ("1er septembre 2001" is 18): refuse before any regex.
_MAX_DATE_LENGTH = 40

_MONTHS: Mapping[str, int] = MappingProxyType(
    {
        # French (accents already stripped by `normalise`)
        "janvier": 1,
        "janv": 1,
        "fevrier": 2,
        "fevr": 2,
        "fev": 2,
        "mars": 3,
        "avril": 4,
        "avr": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7,
        "juil": 7,
        "aout": 8,
        "septembre": 9,
        "octobre": 10,
        "novembre": 11,
        "decembre": 12,
        # English
        "january": 1,
        "jan": 1,
        "february": 2,
        "feb": 2,
        "march": 3,
        "mar": 3,
        "april": 4,
        "apr": 4,
        "may": 5,
        "june": 6,
        "jun": 6,
        "july": 7,
        "jul": 7,
        "august": 8,
        "aug": 8,
        "september": 9,
        "sept": 9,
        "sep": 9,
        "october": 10,
        "oct": 10,
        "november": 11,
        "nov": 11,
        "december": 12,
        "dec": 12,
    }
)

# After `_date_words` every separator is one space. Each pattern is anchored, has no nested
# quantifier and bounded repetitions only: matching is linear.
_ISO = re.compile(r"([0-9]{4}) ([0-9]{1,2}) ([0-9]{1,2})")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2}) ([0-9]{1,2}) ([0-9]{2}|[0-9]{4})")
_COMPACT = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2}|[0-9]{4})")
_DAY_NAME_YEAR = re.compile(r"([0-9]{1,2}) ?(?:er|st|nd|rd|th)? ([a-z]+) ([0-9]{2}|[0-9]{4})")
_NAME_DAY_YEAR = re.compile(r"([a-z]+) ([0-9]{1,2}) ?(?:st|nd|rd|th)? ([0-9]{4})")
_DATE_SEPARATORS = re.compile(r"[\s/.,\-]+")
_LEADING_WORDS = ("le ", "the ", "on ")


def _date_words(text: str) -> str:
    words = _DATE_SEPARATORS.sub(" ", normalise(text)).strip()
    for leading in _LEADING_WORDS:
        if words.startswith(leading):
            words = words[len(leading) :]
    return words


def _full_year(digits: str, today: date) -> int:
    """A 4-digit year as is; a 2-digit year is the latest year ending so, not after this year."""
    year = int(digits)
    if len(digits) == 4:
        return year
    candidate = today.year - today.year % 100 + year
    return candidate if candidate <= today.year else candidate - 100


def parse_birth_date(text: str, today: date) -> date | DateError:
    """A birth date typed day first (French order), numeric or with a month name.

    A date after `today` is FUTURE; a day or month that does not exist is IMPOSSIBLE; anything
    else unrecognised (no year, "demain", free text) is NOT_A_DATE.
    """
    if _has_markup(text) or len(text.strip()) > _MAX_DATE_LENGTH:
        return DateError.NOT_A_DATE
    words = _date_words(text)
    if len(words) > _MAX_DATE_LENGTH:
        return DateError.NOT_A_DATE

    parts: tuple[int, int, str] | None = None
    if match := _ISO.fullmatch(words):
        parts = (int(match.group(3)), int(match.group(2)), match.group(1))
    elif (match := _DAY_MONTH_YEAR.fullmatch(words)) or (match := _COMPACT.fullmatch(words)):
        parts = (int(match.group(1)), int(match.group(2)), match.group(3))
    elif match := _DAY_NAME_YEAR.fullmatch(words):
        month = _MONTHS.get(match.group(2))
        if month is not None:
            parts = (int(match.group(1)), month, match.group(3))
    elif match := _NAME_DAY_YEAR.fullmatch(words):
        month = _MONTHS.get(match.group(1))
        if month is not None:
            parts = (int(match.group(2)), month, match.group(3))
    if parts is None:
        return DateError.NOT_A_DATE

    day, month, year_digits = parts
    try:
        born = date(_full_year(year_digits, today), month, day)
    except ValueError:
        return DateError.IMPOSSIBLE
    if born > today:
        return DateError.FUTURE
    return born


def padded_words(text: str) -> str:
    """The normalised words of `text`, space-separated with a space at both ends, so that
    `has_phrase` matches whole words only ("cdi" in " un cdi ", not in " cdiscount ")."""
    return " " + " ".join(normalise(text).replace("'", " ").split()) + " "


def has_phrase(words: str, phrases: frozenset[str]) -> bool:
    """Whether `words` (from `padded_words`) contains one of `phrases` as whole words."""
    return any(f" {phrase} " in words for phrase in phrases)
