"""Eligibility rules of the mentoring programme: pure functions, no I/O but reading the rules file.

The rules themselves (diploma minimum, age limit, social criteria...) live in a TOML file edited
by staff (`bot/rules/eligibility.toml`), because the programme has changed them over the years.
`decide` is called after every answer, on partial answers, so the flow can stop as soon as the
outcome is known and never asks a question no rule needs.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "DEFAULT_RULES_PATH",
    "SOCIAL_NONE",
    "SOCIAL_UNKNOWN",
    "UNCERTAIN_REASONS",
    "Answers",
    "Decision",
    "Diploma",
    "EligibilityRules",
    "Outcome",
    "Reason",
    "RulesError",
    "Situation",
    "SocialCriterion",
    "Tristate",
    "age_on",
    "decide",
    "load_rules",
    "needs_social_question",
]

# The default rules shipped with the bot (package data of `bot`, a sibling package).
DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "bot" / "rules" / "eligibility.toml"

# Values of `Answers.social` that are not criterion codes.
SOCIAL_NONE = "none"
SOCIAL_UNKNOWN = "unknown"


class Diploma(StrEnum):
    """Highest diploma, as the levels offered on the buttons."""

    BELOW_BAC3 = "below_bac3"
    BAC3 = "bac3"
    BAC4 = "bac4"
    BAC5 = "bac5"
    BAC8 = "bac8"
    UNKNOWN = "unknown"


# UNKNOWN deliberately has no rank: it is never compared, see `decide`.
_DIPLOMA_RANK: Mapping[Diploma, int] = MappingProxyType(
    {
        Diploma.BELOW_BAC3: 0,
        Diploma.BAC3: 3,
        Diploma.BAC4: 4,
        Diploma.BAC5: 5,
        Diploma.BAC8: 8,
    }
)


class Tristate(StrEnum):
    """A yes/no answer where "I don't know" is a legitimate answer."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Situation(StrEnum):
    """Current professional situation."""

    JOB_SEEKER = "job_seeker"
    EMPLOYED_BELOW_LEVEL = "employed_below_level"
    EMPLOYED_AT_LEVEL = "employed_at_level"
    STUDENT_FINISHING = "student_finishing"
    OTHER = "other"


class Outcome(StrEnum):
    """Result of `decide`."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    REVIEW = "review"
    INCOMPLETE = "incomplete"


class Reason(StrEnum):
    """Why a case is refused or sent to review; values are template keys `eligibility.reason.*`."""

    DIPLOMA_TOO_LOW = "diploma_too_low"
    DIPLOMA_UNKNOWN = "diploma_unknown"
    TOO_OLD = "too_old"
    TOO_YOUNG = "too_young"
    NO_SOCIAL_CRITERION = "no_social_criterion"
    QPV_UNKNOWN = "qpv_unknown"
    SOCIAL_UNKNOWN = "social_unknown"
    EMPLOYED_AT_LEVEL = "employed_at_level"
    SITUATION_OTHER = "situation_other"


# The reasons that come from an uncertain answer: the only ones allowed in `review_when`.
UNCERTAIN_REASONS: frozenset[Reason] = frozenset(
    {Reason.DIPLOMA_UNKNOWN, Reason.QPV_UNKNOWN, Reason.SOCIAL_UNKNOWN, Reason.SITUATION_OTHER}
)


@dataclass(frozen=True)
class SocialCriterion:
    """A modest-background criterion other than living in a QPV (e.g. scholarship holder)."""

    code: str
    labels: Mapping[str, str]

    def label(self, locale: str) -> str:
        """Short button label in `locale`, falling back to French, then to any label, then code."""
        if locale in self.labels:
            return self.labels[locale]
        if "fr" in self.labels:
            return self.labels["fr"]
        return next(iter(self.labels.values()), self.code)


@dataclass(frozen=True)
class EligibilityRules:
    """The programme rules, as loaded from the rules file by `load_rules`."""

    version: str
    diploma_minimum: Diploma = Diploma.BAC3
    age_limit: int = 30
    # False: must be under `age_limit` at registration (the current programme rule)
    age_limit_inclusive: bool = False
    minimum_age: int = 15
    maximum_age: int = 100
    social_criteria: tuple[SocialCriterion, ...] = ()
    review_when: frozenset[Reason] = field(default=UNCERTAIN_REASONS)

    def criterion(self, code: str) -> SocialCriterion | None:
        """The social criterion with this code, or None."""
        for criterion in self.social_criteria:
            if criterion.code == code:
                return criterion
        return None


@dataclass(frozen=True)
class Answers:
    """What the youth answered so far; None means "not asked yet"."""

    diploma: Diploma | None = None
    birth_date: date | None = None
    qpv: Tristate | None = None
    # a SocialCriterion.code, SOCIAL_NONE or SOCIAL_UNKNOWN
    social: str | None = None
    situation: Situation | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Answers:
        """Answers from a stored dict (JSON): string values, birth_date as ISO "YYYY-MM-DD".

        Unknown keys are ignored. A value that is not a string or no longer parses (e.g. an enum
        value renamed since it was stored) is dropped, so the flow simply asks that question again
        instead of failing on every message of that conversation.
        """
        return cls(
            diploma=_enum_or_none(Diploma, data.get("diploma")),
            birth_date=_iso_date_or_none(data.get("birth_date")),
            qpv=_enum_or_none(Tristate, data.get("qpv")),
            social=_string_or_none(data.get("social")),
            situation=_enum_or_none(Situation, data.get("situation")),
        )

    def to_mapping(self) -> dict[str, str]:
        """The answers given so far as a JSON-ready dict, the inverse of `from_mapping`."""
        result: dict[str, str] = {}
        if self.diploma is not None:
            result["diploma"] = self.diploma.value
        if self.birth_date is not None:
            result["birth_date"] = self.birth_date.isoformat()
        if self.qpv is not None:
            result["qpv"] = self.qpv.value
        if self.social is not None:
            result["social"] = self.social
        if self.situation is not None:
            result["situation"] = self.situation.value
        return result


_E = TypeVar("_E", bound=StrEnum)


def _enum_or_none(enum: type[_E], value: object) -> _E | None:
    if not isinstance(value, str):
        return None
    try:
        return enum(value)
    except ValueError:
        return None


def _iso_date_or_none(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _string_or_none(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    return None


@dataclass(frozen=True)
class Decision:
    """Outcome of `decide`, with the reasons (template keys) and the rules version used."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    rules_version: str


class RulesError(ValueError):
    """The rules file is missing or wrong; the message names the file and the key."""


def age_on(birth: date, day: date) -> int:
    """Completed years on `day` (negative if `day` is before `birth`).

    Someone born on 29 February has their birthday on 1 March in non-leap years: comparing
    (month, day) pairs gives exactly that, since (2, 28) < (2, 29) <= (3, 1).
    """
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def needs_social_question(answers: Answers) -> bool:
    """Whether to ask about the social background: not when the youth lives in a QPV.

    Data minimisation: living in a QPV already satisfies the background rule, so no rule needs
    the answer.
    """
    return answers.qpv is not Tristate.YES


def decide(rules: EligibilityRules, answers: Answers, today: date) -> Decision:
    """Decide eligibility from the answers given so far (possibly partial).

    Order: too young (review, staff told) > any hard failure (not eligible, listing every failure
    known so far) > a needed answer missing (incomplete) > uncertain answers (review) > eligible.
    """

    def decision(outcome: Outcome, reasons: tuple[Reason, ...] = ()) -> Decision:
        return Decision(outcome=outcome, reasons=reasons, rules_version=rules.version)

    age = age_on(answers.birth_date, today) if answers.birth_date is not None else None
    # Too young to register: staff decide (a child may have written by mistake or need another
    # programme); we stop asking questions at once.
    if age is not None and age < rules.minimum_age:
        return decision(Outcome.REVIEW, (Reason.TOO_YOUNG,))

    failures: list[Reason] = []
    uncertain: list[Reason] = []
    # Reasons are collected in the order the questions are asked: diploma, birth date,
    # QPV/social background, situation.

    if answers.diploma is Diploma.UNKNOWN:
        if Reason.DIPLOMA_UNKNOWN in rules.review_when:
            uncertain.append(Reason.DIPLOMA_UNKNOWN)
        else:
            # review_when switched off: an unknown diploma counts as too low
            failures.append(Reason.DIPLOMA_TOO_LOW)
    elif (
        answers.diploma is not None
        and _DIPLOMA_RANK[answers.diploma] < _DIPLOMA_RANK[rules.diploma_minimum]
    ):
        failures.append(Reason.DIPLOMA_TOO_LOW)

    # "under 30 at registration": programme rule, see age_limit_inclusive in the rules file
    if age is not None and (
        age > rules.age_limit if rules.age_limit_inclusive else age >= rules.age_limit
    ):
        failures.append(Reason.TOO_OLD)

    background_failed, background_uncertain = _background(rules, answers)
    if background_failed:
        failures.append(Reason.NO_SOCIAL_CRITERION)
    uncertain.extend(background_uncertain)

    if answers.situation is Situation.EMPLOYED_AT_LEVEL:
        # the programme targets a first qualified job
        failures.append(Reason.EMPLOYED_AT_LEVEL)
    elif answers.situation is Situation.OTHER and Reason.SITUATION_OTHER in rules.review_when:
        uncertain.append(Reason.SITUATION_OTHER)

    if failures:
        return decision(Outcome.NOT_ELIGIBLE, tuple(failures))

    missing = (
        answers.diploma is None
        or answers.birth_date is None
        or answers.qpv is None
        or (needs_social_question(answers) and answers.social is None)
        or answers.situation is None
    )
    if missing:
        return decision(Outcome.INCOMPLETE)
    if uncertain:
        return decision(Outcome.REVIEW, tuple(uncertain))
    return decision(Outcome.ELIGIBLE)


def _background(rules: EligibilityRules, answers: Answers) -> tuple[bool, tuple[Reason, ...]]:
    """The background rule (QPV or a social criterion): (failed, uncertain reasons).

    (False, ()) means satisfied or not answered yet; `decide` tells them apart by what is missing.
    """
    qpv = answers.qpv
    if qpv is Tristate.UNKNOWN and Reason.QPV_UNKNOWN not in rules.review_when:
        qpv = Tristate.NO  # review_when switched off: an unknown QPV counts as "no"
    if qpv is Tristate.YES:
        return False, ()

    social = answers.social
    if social is not None and social != SOCIAL_NONE and rules.criterion(social) is None:
        # "unknown", or a code the rules no longer define (rules changed since it was stored)
        social = SOCIAL_UNKNOWN
    if social == SOCIAL_UNKNOWN and Reason.SOCIAL_UNKNOWN not in rules.review_when:
        social = SOCIAL_NONE  # review_when switched off: counts as no criterion
    if social is None or qpv is None:
        return False, ()
    if social not in (SOCIAL_NONE, SOCIAL_UNKNOWN):
        return False, ()  # a criterion is met: the QPV answer no longer matters

    if qpv is Tristate.NO and social == SOCIAL_NONE:
        return True, ()
    reasons: list[Reason] = []
    if qpv is Tristate.UNKNOWN:
        reasons.append(Reason.QPV_UNKNOWN)
    if social == SOCIAL_UNKNOWN:
        reasons.append(Reason.SOCIAL_UNKNOWN)
    return False, tuple(reasons)


# --- loading the rules file -------------------------------------------------------------------

_REQUIRED_KEYS = (
    "version",
    "diploma_minimum",
    "age_limit",
    "age_limit_inclusive",
    "minimum_age",
    "maximum_age",
    "social_criteria",
    "review_when",
)
_RESERVED_CODES = frozenset({SOCIAL_NONE, SOCIAL_UNKNOWN})
# Codes travel in button callback data (Telegram allows 64 bytes) and are stored with answers.
_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


def load_rules(path: Path) -> EligibilityRules:
    """Read and validate the rules TOML file; raise RulesError naming the file and the bad key."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path}: rules file is not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc

    def error(key: str, problem: str) -> RulesError:
        return RulesError(f"{path}: key '{key}': {problem}")

    # Staff edit this file by hand: an unknown key is most likely a typo of a real one, and
    # silently ignoring it would apply the wrong rule.
    for key in data:
        if key not in _REQUIRED_KEYS:
            raise error(key, f"unknown key (expected one of: {', '.join(_REQUIRED_KEYS)})")
    for key in _REQUIRED_KEYS:
        if key not in data:
            raise error(key, "missing")

    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        raise error("version", 'must be a non-empty string, e.g. "2026-01"')

    diploma_value = data["diploma_minimum"]
    levels = [d.value for d in Diploma if d is not Diploma.UNKNOWN]
    if not isinstance(diploma_value, str) or diploma_value not in levels:
        raise error("diploma_minimum", f"must be one of {', '.join(levels)}; got {diploma_value!r}")
    diploma_minimum = Diploma(diploma_value)

    def integer(key: str, minimum: int) -> int:
        value = data[key]
        # bool is a subclass of int in Python: `age_limit = true` must not read as 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise error(key, f"must be a whole number; got {value!r}")
        if value < minimum:
            raise error(key, f"must be at least {minimum}; got {value}")
        return value

    age_limit = integer("age_limit", 1)
    minimum_age = integer("minimum_age", 0)
    maximum_age = integer("maximum_age", 1)
    if minimum_age >= age_limit:
        raise error("minimum_age", f"must be below age_limit ({age_limit}); got {minimum_age}")
    if maximum_age < age_limit:
        raise error("maximum_age", f"must be at least age_limit ({age_limit}); got {maximum_age}")

    inclusive = data["age_limit_inclusive"]
    if not isinstance(inclusive, bool):
        raise error("age_limit_inclusive", f"must be true or false; got {inclusive!r}")

    criteria = _load_criteria(data["social_criteria"], error)

    review_raw = data["review_when"]
    allowed = sorted(r.value for r in UNCERTAIN_REASONS)
    if not isinstance(review_raw, list):
        raise error("review_when", f"must be a list of: {', '.join(allowed)}")
    review_when: set[Reason] = set()
    for index, item in enumerate(review_raw):
        if not isinstance(item, str) or item not in allowed:
            raise error(
                f"review_when[{index}]", f"must be one of {', '.join(allowed)}; got {item!r}"
            )
        review_when.add(Reason(item))

    return EligibilityRules(
        version=version.strip(),
        diploma_minimum=diploma_minimum,
        age_limit=age_limit,
        age_limit_inclusive=inclusive,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        social_criteria=criteria,
        review_when=frozenset(review_when),
    )


def _load_criteria(
    raw: object, error: Callable[[str, str], RulesError]
) -> tuple[SocialCriterion, ...]:
    if not isinstance(raw, list):
        raise error("social_criteria", "must be a list of [[social_criteria]] tables")
    criteria: list[SocialCriterion] = []
    seen: set[str] = set()
    for index, table in enumerate(raw):
        where = f"social_criteria[{index}]"
        if not isinstance(table, dict):
            raise error(where, "must be a [[social_criteria]] table")
        for key in table:
            if key not in ("code", "labels"):
                raise error(f"{where}.{key}", "unknown key (expected code and labels)")
        code = table.get("code")
        if not isinstance(code, str) or not code:
            raise error(f"{where}.code", "missing or not a non-empty string")
        if not _CODE_PATTERN.fullmatch(code):
            raise error(
                f"{where}.code",
                f"must be lowercase letters, digits and _ (at most 32); got {code!r}",
            )
        if code in _RESERVED_CODES:
            raise error(f"{where}.code", f"{code!r} is reserved for the answers none/unknown")
        if code in seen:
            raise error(f"{where}.code", f"duplicate code {code!r}")
        seen.add(code)
        labels = table.get("labels")
        if not isinstance(labels, dict):
            raise error(f"{where}.labels", 'missing or not a table of locale = "label"')
        for locale, label in labels.items():
            if not isinstance(label, str) or not label.strip():
                raise error(f"{where}.labels.{locale}", "must be a non-empty string")
        if "fr" not in labels:
            # French first: the fallback label of every criterion
            raise error(f"{where}.labels.fr", "missing (a French label is required)")
        criteria.append(SocialCriterion(code=code, labels=MappingProxyType(dict(labels))))
    return tuple(criteria)
