"""What a youth answers to the eligibility questions: the answer types and their storage form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

__all__ = ["SOCIAL_NONE", "SOCIAL_UNKNOWN", "Answers", "Diploma", "Situation", "Tristate"]

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
