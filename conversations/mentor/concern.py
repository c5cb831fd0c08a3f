"""A mentor's concern about a pair: one question (a Slack modal), validated by the pure
`parse_concern`, stored by `report_concern` as one interaction, and a case opened (kind
concern): staff answer the mentor in its thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import FieldKind, Form, FormField
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import Result
from conversations.mentor.interactions import MAX_NOTE, MODAL_NOTE, Answers, Kind
from conversations.pairs import access
from conversations.pairs.cases import open_case
from storage import mentoring
from storage.models import CaseKind, Person

__all__ = ["CONCERN_FORM", "concern_form", "parse_concern", "report_concern"]

CONCERN_FORM = "concern"


def concern_form(locale: str, pairing_id: int) -> Form:
    """The concern form for one pair: a note, required."""
    return Form(
        name=CONCERN_FORM,
        title_key="form.concern_title",
        submit_key="form.submit",
        fields=(FormField("note", FieldKind.TEXT, "form.concern_note", max_length=MODAL_NOTE),),
        locale=locale,
        metadata={"pairing": pairing_id},
    )


def parse_concern(values: Answers) -> str | dict[str, str]:
    """The concern's note, or the error template key of the note field."""
    note = values.get("note")
    if not isinstance(note, str) or not note.strip():
        return {"note": "form.required"}
    if len(note.strip()) > MAX_NOTE:
        return {"note": "form.note_too_long"}
    return note.strip()


async def report_concern(
    session: AsyncSession,
    *,
    mentor: Person,
    pairing_id: int,
    note: str,
    source_event_id: str,
    channel: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """A concern about a pair: logged (once per source event), and a case opened."""
    result = Result()
    if await mentoring.interaction_by_source(session, source_event_id) is not None:
        result.say("mentor.already_recorded", mentor.locale)
        return result
    pairing = await access.own_open_pairing(session, mentor, pairing_id, now=now)
    mentoring.add_interaction(
        session,
        pairing_id=pairing.id,
        kind=Kind.CONCERN,
        occurred_at=now,
        logged_at=now,
        logged_by=mentor.id,
        channel=channel,
        source_event_id=source_event_id,
        topics=[],
        note=note,
        needs_staff=True,
    )
    await session.flush()
    await open_case(
        session,
        kind=CaseKind.CONCERN,
        person_id=mentor.id,
        pairing_id=pairing.id,
        text=note,
        now=now,
        config=config,
    )
    result.say("mentor.staff_will_answer", mentor.locale, days=config.review_delay_days)
    result.refresh_home = True
    return result
