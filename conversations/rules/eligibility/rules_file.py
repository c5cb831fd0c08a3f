"""The programme rules as staff write them (`bot/rules/eligibility.toml`), and their loader.

The rules (diploma minimum, age limit, social criteria...) live in a TOML file edited by staff
because the programme has changed them over the years; `load_rules` refuses a file with a
missing, unknown or wrong key, naming the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from conversations.rules.eligibility.answers import SOCIAL_NONE, SOCIAL_UNKNOWN, Diploma
from conversations.rules.eligibility.outcomes import UNCERTAIN_REASONS, Reason
from conversations.rules.toml_file import read_toml

__all__ = ["DEFAULT_RULES_PATH", "EligibilityRules", "RulesError", "SocialCriterion", "load_rules"]

# The default rules shipped with the bot (package data of `bot`, a sibling package).
DEFAULT_RULES_PATH = Path(__file__).resolve().parents[3] / "bot" / "rules" / "eligibility.toml"


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


class RulesError(ValueError):
    """The rules file is missing or wrong; the message names the file and the key."""


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
    _raw, data = read_toml(path, "rules file", RulesError)

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
