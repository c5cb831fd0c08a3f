"""The contact log: a mentor says what contact they had with their mentee.

The questions are data (`contact_form`), answered at once in a form (a Slack modal), then
validated by the pure `parse_contact` and stored by `record_contact` as one interaction.
The same form answers a monthly check-in's "yes". Asking for staff help opens a case. The
first meeting is logged with one tap (`first_meeting`).

A concern has its own form (`concern`); its names, and what the mentor's forms share
(`interactions`), are importable from here too, where the mentor router finds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Choice, FieldKind, Form, FormField
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import NotAllowed, PairSummary, Result
from conversations.mentor.concern import CONCERN_FORM, concern_form, parse_concern, report_concern
from conversations.mentor.interactions import (
    MAX_NOTE,
    MODAL_NOTE,
    Answers,
    How,
    Kind,
    chosen_pair,
    local_noon,
    options,
    pair_field,
)
from conversations.pairs import access
from conversations.pairs.agreement import check_disagreement
from conversations.pairs.cases import open_case
from storage import audit, mentoring
from storage.models import CaseKind, Checkin, CheckinAnswer, Person

__all__ = [
    "CONCERN_FORM",
    "FORM",
    "ContactReport",
    "How",
    "Progress",
    "Topic",
    "concern_form",
    "contact_form",
    "first_meeting",
    "parse_concern",
    "parse_contact",
    "record_contact",
    "report_concern",
]

FORM = "contact"
E = TypeVar("E", bound=StrEnum)


class Topic(StrEnum):
    CV = "cv"
    APPLICATIONS = "applications"
    INTERVIEW = "interview"
    NETWORK = "network"
    MORALE = "morale"
    OTHER = "other"


class Progress(StrEnum):
    GOOD = "good"
    SLOW = "slow"
    HARD = "hard"


def contact_form(
    locale: str,
    *,
    pairing_id: int | None,
    checkin_id: int | None,
    pairs: list[PairSummary],
    today: date,
) -> Form:
    """The contact form; with no `pairing_id` the mentor picks one of `pairs`."""
    fields: list[FormField] = []
    if pairing_id is None:
        fields.append(pair_field(pairs, "form.contact_pair"))
    if checkin_id is None:
        fields.append(FormField("occurred_on", FieldKind.DATE, "form.contact_date", initial=today))
    fields += [
        FormField("how", FieldKind.SINGLE, "form.contact_how", options("how", How)),
        FormField("topics", FieldKind.MULTI, "form.contact_topics", options("topic", Topic), False),
        FormField(
            "progress", FieldKind.SINGLE, "form.contact_progress", options("progress", Progress)
        ),
        FormField(
            "note", FieldKind.TEXT, "form.contact_note", required=False, max_length=MODAL_NOTE
        ),
        FormField(
            "needs_staff",
            FieldKind.FLAG,
            "form.contact_needs_staff",
            (Choice("choice.needs_staff", "yes"),),
            required=False,
        ),
    ]
    metadata: dict[str, int] = {}
    if pairing_id is not None:
        metadata["pairing"] = pairing_id
    if checkin_id is not None:
        metadata["checkin"] = checkin_id
    return Form(
        name=FORM,
        title_key="form.contact_title",
        submit_key="form.submit",
        fields=tuple(fields),
        locale=locale,
        metadata=metadata,
    )


@dataclass(frozen=True)
class ContactReport:
    """A validated contact form."""

    how: How
    topics: tuple[Topic, ...]
    progress: Progress
    note: str | None
    needs_staff: bool
    occurred_on: date | None = None
    pairing_id: int | None = None


def parse_contact(
    values: Answers, *, today: date, with_date: bool, with_pairing: bool
) -> ContactReport | dict[str, str]:
    """The report, or the error template key of each wrong field."""
    errors: dict[str, str] = {}
    how = _one(values.get("how"), How, "how", errors)
    progress = _one(values.get("progress"), Progress, "progress", errors)
    raw_topics = values.get("topics") or []
    topics: list[Topic] = []
    if not isinstance(raw_topics, list | tuple):
        errors["topics"] = "form.invalid_choice"
    else:
        for topic in raw_topics:
            if topic not in {t.value for t in Topic}:
                errors["topics"] = "form.invalid_choice"
                break
            topics.append(Topic(topic))
    note = values.get("note")
    cleaned: str | None = None
    if note is not None:
        if not isinstance(note, str):
            errors["note"] = "form.invalid_choice"
        elif len(note.strip()) > MAX_NOTE:
            errors["note"] = "form.note_too_long"
        else:
            cleaned = note.strip() or None
    occurred_on: date | None = None
    if with_date:
        when = values.get("occurred_on")
        if not isinstance(when, date):
            errors["occurred_on"] = "form.required"
        elif when > today:
            errors["occurred_on"] = "form.date_future"
        else:
            occurred_on = when
    pairing_id = chosen_pair(values, errors) if with_pairing else None
    if errors or how is None or progress is None:
        return errors
    return ContactReport(
        how=how,
        topics=tuple(topics),
        progress=progress,
        note=cleaned,
        needs_staff=bool(values.get("needs_staff")),
        occurred_on=occurred_on,
        pairing_id=pairing_id,
    )


def _one(value: object, enum: type[E], name: str, errors: dict[str, str]) -> E | None:
    if value in (None, ""):
        errors[name] = "form.required"
        return None
    try:
        return enum(str(value))
    except ValueError:
        errors[name] = "form.invalid_choice"
        return None


async def record_contact(
    session: AsyncSession,
    *,
    mentor: Person,
    pairing_id: int,
    checkin_id: int | None,
    report: ContactReport,
    source_event_id: str,
    channel: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """Store a contact (once per source event), answer the check-in, alert staff if asked."""
    result = Result()
    if await mentoring.interaction_by_source(session, source_event_id) is not None:
        result.say("mentor.already_recorded", mentor.locale)
        return result
    pairing = await access.own_open_pairing(session, mentor, pairing_id, now=now)
    checkin: Checkin | None = None
    if checkin_id is not None:
        checkin = await session.get(Checkin, checkin_id)
        if checkin is None or checkin.pairing_id != pairing.id:
            # a form whose ids do not belong together was not made by us: refuse and keep a
            # trace, like every other refusal
            await audit.record(
                session,
                actor=f"mentor:{mentor.id}",
                action="foreign_checkin_refused",
                now=now,
                detail={"pairing": pairing.id, "checkin": checkin_id},
            )
            raise NotAllowed("mentor.not_your_pair")
        if checkin.answered_at is not None and checkin.answer == CheckinAnswer.YES:
            result.say("mentor.already_recorded", mentor.locale)
            return result
    if report.occurred_on is not None:
        started = pairing.started_at.astimezone(config.zone).date() if pairing.started_at else None
        if started is not None and report.occurred_on < started:
            # shown under the date, the form still open with everything typed
            return Result(form_errors={"occurred_on": "form.date_before_start"})
    occurred_at = local_noon(report.occurred_on, config) if report.occurred_on else now
    mentoring.add_interaction(
        session,
        pairing_id=pairing.id,
        kind=Kind.CONTACT,
        occurred_at=occurred_at,
        logged_at=now,
        logged_by=mentor.id,
        channel=channel,
        source_event_id=source_event_id,
        how=report.how,
        topics=[t.value for t in report.topics],
        progress=report.progress,
        note=report.note,
        needs_staff=report.needs_staff,
    )
    await session.flush()
    if pairing.last_contact_at is None or occurred_at > pairing.last_contact_at:
        pairing.last_contact_at = occurred_at
    if checkin is not None:
        checkin.answer, checkin.answered_at, checkin.remind_at = CheckinAnswer.YES, now, None
        checkin.how, checkin.topics = report.how, [t.value for t in report.topics]
        checkin.progress, checkin.note = report.progress, report.note
        checkin.needs_staff = report.needs_staff
        # the mentor's "yes" may be the answer that completes a disagreement with the youth
        await check_disagreement(
            session,
            pairing=pairing,
            period=checkin.period,
            now=now,
            config=config,
            actor=f"mentor:{mentor.id}",
        )
    mentee = await access.mentee_name(session, pairing)
    result.say("mentor.contact_logged", mentor.locale, mentee=mentee)
    if report.needs_staff:
        # a case (kind help): staff answer the mentor in its thread
        await open_case(
            session,
            kind=CaseKind.HELP,
            person_id=mentor.id,
            pairing_id=pairing.id,
            text=report.note,
            now=now,
            config=config,
        )
        result.say("mentor.staff_will_answer", mentor.locale, days=config.review_delay_days)
    result.refresh_home = True
    return result


async def first_meeting(
    session: AsyncSession,
    *,
    mentor: Person,
    pairing_id: int,
    source_event_id: str,
    channel: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """One tap: the first meeting was held today."""
    result = Result()
    pairing = await access.own_open_pairing(session, mentor, pairing_id, now=now)
    if pairing.first_meeting_at is not None:
        result.say("mentor.first_meeting_already", mentor.locale, when=pairing.first_meeting_at)
        return result
    if await mentoring.interaction_by_source(session, source_event_id) is not None:
        return result
    mentoring.add_interaction(
        session,
        pairing_id=pairing.id,
        kind=Kind.FIRST_MEETING,
        occurred_at=now,
        logged_at=now,
        logged_by=mentor.id,
        channel=channel,
        source_event_id=source_event_id,
        how=How.MEETING,
        topics=[],
    )
    pairing.first_meeting_at = now
    if pairing.last_contact_at is None or now > pairing.last_contact_at:
        pairing.last_contact_at = now
    result.say(
        "mentor.first_meeting_logged",
        mentor.locale,
        mentee=await access.mentee_name(session, pairing),
        when=now,
    )
    result.refresh_home = True
    return result
