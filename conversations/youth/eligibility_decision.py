"""The eligibility decision once the answers are in: recorded on the application, told to
the youth (also by /status), and, under the minimum age, handed to a person on the staff."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.core.turn import Turn
from conversations.pairs import cases
from conversations.rules.eligibility import Decision, EligibilityRules, Outcome, Reason, age_on
from storage import people, support
from storage.models import Application, ApplicationStatus, CaseKind

__all__ = ["age_of", "finish", "rules_context", "tell"]


def rules_context(rules: EligibilityRules) -> dict[str, Any]:
    """The rules' figures the questions and decisions quote."""
    return {
        "age_limit": rules.age_limit,
        "age_limit_inclusive": rules.age_limit_inclusive,
        "diploma_minimum": rules.diploma_minimum.value,
        "minimum_age": rules.minimum_age,
    }


async def finish(turn: Turn, application: Application, decision: Decision) -> None:
    application.status = ApplicationStatus.DECIDED
    application.decision = decision.outcome.value
    application.reasons = [reason.value for reason in decision.reasons]
    application.rules_version = decision.rules_version
    application.decided_at = turn.now
    application.region = application.answers.get("region")
    if application.region:
        # the region gives the time zone and holidays the scheduler respects
        turn.person.region = application.region
    await people.clear_state(turn.session, turn.person.id)
    turn.state = None
    tell(turn, application)
    if Reason.TOO_YOUNG in decision.reasons:
        # Programme rule: nobody under the minimum age is asked more; a person looks at it.
        support.add_request(
            turn.session,
            person_id=turn.person.id,
            kind="under_minimum_age",
            message=None,
            now=turn.now,
        )
        await cases.open_case(
            turn.session,
            kind=CaseKind.HELP,
            person_id=turn.person.id,
            pairing_id=None,
            text=None,
            now=turn.now,
            config=turn.config,
            topic="under_minimum_age",
        )


def age_of(given: dict[str, Any], today: date) -> int | None:
    """The age on `today` from the answered birth date, if any."""
    raw = given.get("birth_date")
    try:
        return age_on(date.fromisoformat(raw), today) if isinstance(raw, str) else None
    except ValueError:
        return None


def tell(turn: Turn, application: Application) -> None:
    """Say what the decision on an application is (also used by /status)."""
    reasons = list(application.reasons)
    common: dict[str, Any] = {
        "name": turn.person.display_name,
        # which other help fits depends on the age (the Mission Locale is for under 26s)
        "age": age_of(application.answers, turn.today),
        "reasons": reasons,
        "rules": rules_context(turn.rules),
        "review_delay_days": turn.config.review_delay_days,
        "pairing_delay_weeks": turn.config.pairing_delay_weeks,
    }
    if application.decision == Outcome.ELIGIBLE:
        turn.say("eligibility.decision_eligible", **common)
    elif application.decision == Outcome.NOT_ELIGIBLE:
        turn.say("eligibility.decision_not_eligible", **common)
    elif Reason.TOO_YOUNG in reasons:
        turn.say("eligibility.decision_too_young", **common)
    else:
        turn.say("eligibility.decision_review", **common)
