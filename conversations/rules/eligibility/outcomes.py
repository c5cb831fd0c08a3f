"""What `decide` can conclude, and why: the outcomes and the reasons (template keys)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["UNCERTAIN_REASONS", "Decision", "Outcome", "Reason"]


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
class Decision:
    """Outcome of `decide`, with the reasons (template keys) and the rules version used."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    rules_version: str
