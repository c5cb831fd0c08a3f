"""The outcome report: the mentee found a job (or went back to studies, created a business).

One form (kind, contract, at the level of the diploma or not, date), validated by the pure
`parse_outcome`; one outcome per pairing. Staff are told, and close the pairing themselves
(the mentoring often goes on through the trial period).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Choice, FieldKind, Form, FormField
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import PairSummary, Result
from conversations.mentor.interactions import (
    Answers,
    Kind,
    alert_key,
    chosen_pair,
    local_noon,
    pair_field,
)
from conversations.pairs import access
from conversations.pairs.alerts import alert_staff
from conversations.pairs.outcomes import Contract, OutcomeKind
from storage import mentoring
from storage.models import Person

FORM = "outcome"


def outcome_form(
    locale: str, pairing_id: int | None, today: date, pairs: Sequence[PairSummary] = ()
) -> Form:
    """The outcome form for one pair, or with "which mentee?" first when `pairing_id` is None
    (a mentor with several mentees picks; the form never guesses)."""
    which = (pair_field(pairs, "form.outcome_pair"),) if pairing_id is None else ()
    return Form(
        name=FORM,
        title_key="form.outcome_title",
        submit_key="form.submit",
        fields=(
            *which,
            FormField(
                "kind",
                FieldKind.SINGLE,
                "form.outcome_kind",
                tuple(Choice(f"choice.outcome.{k.value}", k.value) for k in OutcomeKind),
            ),
            FormField(
                "contract",
                FieldKind.SINGLE,
                "form.outcome_contract",
                tuple(Choice(f"choice.contract.{c.value}", c.value) for c in Contract),
                required=False,
            ),
            FormField(
                "at_level",
                FieldKind.SINGLE,
                "form.outcome_at_level",
                (Choice("choice.at_level.yes", "yes"), Choice("choice.at_level.no", "no")),
                required=False,
            ),
            FormField("occurred_on", FieldKind.DATE, "form.outcome_date", initial=today),
        ),
        locale=locale,
        metadata={"pairing": pairing_id} if pairing_id is not None else {},
    )


@dataclass(frozen=True)
class OutcomeReport:
    kind: OutcomeKind
    contract: Contract | None
    at_diploma_level: bool | None
    occurred_on: date
    # the mentee picked in the form (None when the form was opened for one pair)
    pairing_id: int | None = None


def parse_outcome(
    values: Answers, *, today: date, with_pairing: bool = False
) -> OutcomeReport | dict[str, str]:
    """The report, or the error template key of each wrong field.

    A job needs its contract and whether it is at the level of the diploma (the programme's
    "positive outcome" figure depends on it).
    """
    errors: dict[str, str] = {}
    pairing_id = chosen_pair(values, errors) if with_pairing else None
    kind: OutcomeKind | None = None
    try:
        kind = OutcomeKind(str(values.get("kind") or ""))
    except ValueError:
        errors["kind"] = "form.required"
    contract: Contract | None = None
    raw_contract = values.get("contract")
    if raw_contract:
        try:
            contract = Contract(str(raw_contract))
        except ValueError:
            errors["contract"] = "form.invalid_choice"
    elif kind is OutcomeKind.JOB:
        errors["contract"] = "form.required"
    raw_level = values.get("at_level")
    at_level = {"yes": True, "no": False}.get(str(raw_level)) if raw_level else None
    if raw_level and at_level is None:
        errors["at_level"] = "form.invalid_choice"
    elif at_level is None and kind is OutcomeKind.JOB:
        errors["at_level"] = "form.required"
    when = values.get("occurred_on")
    if not isinstance(when, date):
        errors["occurred_on"] = "form.required"
    elif when > today:
        errors["occurred_on"] = "form.date_future"
    if errors or kind is None or not isinstance(when, date):
        return errors
    return OutcomeReport(kind, contract, at_level, when, pairing_id)


async def report_outcome(
    session: AsyncSession,
    *,
    mentor: Person,
    pairing_id: int,
    report: OutcomeReport,
    source_event_id: str,
    channel: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """Store the outcome of a pairing (once) and tell staff."""
    result = Result()
    pairing = await access.own_open_pairing(session, mentor, pairing_id, now=now)
    existing = await mentoring.outcome_of(session, pairing.id)
    if existing is not None:
        result.say("mentor.outcome_already", mentor.locale, when=existing.occurred_on)
        return result
    mentoring.add_outcome(
        session,
        pairing_id=pairing.id,
        kind=report.kind,
        contract=report.contract,
        at_diploma_level=report.at_diploma_level,
        occurred_on=report.occurred_on,
        reported_by=mentor.id,
        reported_at=now,
    )
    interaction = mentoring.add_interaction(
        session,
        pairing_id=pairing.id,
        kind=Kind.OUTCOME,
        occurred_at=local_noon(report.occurred_on, config),
        logged_at=now,
        logged_by=mentor.id,
        channel=channel,
        source_event_id=source_event_id,
        topics=[],
        needs_staff=False,
    )
    await session.flush()
    await alert_staff(
        session,
        pairing=pairing,
        kind=f"outcome_{report.kind.value}",
        key=alert_key(interaction),
        actor=f"mentor:{mentor.id}",
        now=now,
        config=config,
        audit_detail={"interaction": interaction.id},
    )
    result.say(
        "mentor.outcome_logged",
        mentor.locale,
        mentee=await access.mentee_name(session, pairing),
        kind=report.kind.value,
    )
    result.refresh_home = True
    return result
