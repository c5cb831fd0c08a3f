"""The eligibility decision: pure functions of the rules and the answers given so far.

`decide` is called after every answer, on partial answers, so the flow can stop as soon as the
outcome is known and never asks a question no rule needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from conversations.rules.eligibility.answers import (
    SOCIAL_NONE,
    SOCIAL_UNKNOWN,
    Answers,
    Diploma,
    Situation,
    Tristate,
)
from conversations.rules.eligibility.outcomes import Decision, Outcome, Reason
from conversations.rules.eligibility.rules_file import EligibilityRules

__all__ = ["age_on", "decide", "needs_social_question"]

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
