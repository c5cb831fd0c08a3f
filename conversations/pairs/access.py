"""What every mentor action shares: who the mentor is, which pairs are theirs, the result
of an action, and alerts to staff.

A mentor sees and logs only their own pairs: `own_pairing` is the one gate, and a refusal is
audit-logged. Staff alerts go through the outbox to the destination "staff", which the Slack
adapter maps to the staff channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import NotAllowed, PairSummary
from storage import applications, audit, mentoring
from storage.models import (
    Identity,
    Interaction,
    Pairing,
    PairingStatus,
    Person,
    Role,
)

# where staff alerts go; the Slack sender maps it to SLACK_STAFF_CHANNEL
STAFF_DESTINATION = "staff"
# how much of a note a staff alert or the App Home shows (the whole note is stored)
NOTE_PREVIEW = 500


def preview(note: str | None) -> str:
    """The start of a note, for places with little room."""
    if not note:
        return ""
    return note if len(note) <= NOTE_PREVIEW else note[:NOTE_PREVIEW].rstrip() + "…"


def is_mentor(person: Person | None) -> bool:
    return person is not None and person.role == Role.MENTOR and person.erased_at is None


async def own_pairing(
    session: AsyncSession, mentor: Person, pairing_id: int, *, now: datetime
) -> Pairing:
    """The mentor's pairing `pairing_id`; refuses (and audit-logs) anyone else's."""
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None or pairing.mentor_id != mentor.id:
        await audit.record(
            session,
            actor=f"mentor:{mentor.id}",
            action="foreign_pair_refused",
            now=now,
            detail={"pairing": pairing_id},
        )
        raise NotAllowed("mentor.not_your_pair")
    return pairing


def require_open(pairing: Pairing) -> None:
    if pairing.status == PairingStatus.CLOSED:
        raise NotAllowed("mentor.pair_closed", pairing=pairing.id)


async def own_open_pairing(
    session: AsyncSession, mentor: Person, pairing_id: int, *, now: datetime
) -> Pairing:
    """The mentor's pairing, still open: what every log, concern or outcome needs."""
    pairing = await own_pairing(session, mentor, pairing_id, now=now)
    require_open(pairing)
    return pairing


async def pairs_of(session: AsyncSession, mentor_id: int) -> list[PairSummary]:
    """The mentor's open pairs, then their closed ones, newest first."""
    rows = await session.execute(
        select(Pairing, Person)
        .join(Person, Person.id == Pairing.youth_id)
        .where(Pairing.mentor_id == mentor_id)
        .order_by(Pairing.status == PairingStatus.CLOSED, Pairing.id.desc())
    )
    summaries = []
    for pairing, youth in rows.all():
        application = await applications.latest(session, youth.id)
        project = str(application.answers.get("field") or "") if application else ""
        summaries.append(
            PairSummary(
                pairing_id=pairing.id,
                status=pairing.status,
                mentee=youth.display_name or "",
                project=project,
                started_at=pairing.started_at,
                first_meeting_at=pairing.first_meeting_at,
                last_contact_at=pairing.last_contact_at,
                next_checkin_due_at=pairing.next_checkin_due_at,
            )
        )
    return summaries


async def mentee_name(session: AsyncSession, pairing: Pairing) -> str:
    youth = await session.get(Person, pairing.youth_id)
    return (youth.display_name if youth else None) or ""


async def alert_staff(
    session: AsyncSession,
    *,
    pairing: Pairing,
    mentor: Person,
    interaction: Interaction,
    kind: str,
    note: str | None,
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    """Queue an alert for the staff channel about a pair (a concern, a call for help)."""
    mentor_slack = next(
        (i.external_id for i in mentor.identities if i.channel == Channel.SLACK), None
    )
    await mentoring.enqueue_to(
        session,
        key=f"alert:interaction:{interaction.id}",
        destination=STAFF_DESTINATION,
        channel=Channel.SLACK,
        template="staff.alert",
        locale=config.default_locale,
        context={
            "kind": kind,
            "pairing": pairing.id,
            "mentor": mentor.display_name or "",
            "mentor_slack": mentor_slack,
            "mentee": await mentee_name(session, pairing),
            "note": preview(note),
            "choices": [["choice.staff.view_pair", codec.encode("sp", pairing.id)]],
        },
        now=now,
    )
    await audit.record(
        session,
        actor=f"mentor:{mentor.id}",
        action="staff_alerted",
        now=now,
        subject_person_id=pairing.youth_id,
        detail={"pairing": pairing.id, "kind": kind, "interaction": interaction.id},
    )


async def interaction_by_source(session: AsyncSession, source_event_id: str) -> Interaction | None:
    return await session.scalar(
        select(Interaction).where(Interaction.source_event_id == source_event_id)
    )


async def count_interactions(session: AsyncSession, pairing_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count(Interaction.id)).where(Interaction.pairing_id == pairing_id)
        )
        or 0
    )


async def alert_staff_about(
    session: AsyncSession,
    *,
    pairing: Pairing,
    kind: str,
    key: str,
    actor: str,
    now: datetime,
    config: ProgrammeConfig,
    note: str | None = None,
) -> bool:
    """Queue a staff alert about a pair that no logged interaction caused (a check-in left
    unanswered, a mentor pausing or stopping), once per `key`; audit-logged when queued."""
    mentor = await session.get(Person, pairing.mentor_id)
    mentor_slack = await session.scalar(
        select(Identity.external_id).where(
            Identity.person_id == pairing.mentor_id, Identity.channel == Channel.SLACK
        )
    )
    queued = await mentoring.enqueue_to(
        session,
        key=key,
        destination=STAFF_DESTINATION,
        channel=Channel.SLACK,
        template="staff.alert",
        locale=config.default_locale,
        context={
            "kind": kind,
            "pairing": pairing.id,
            "mentor": (mentor.display_name if mentor else None) or "",
            "mentor_slack": mentor_slack,
            "mentee": await mentee_name(session, pairing),
            "note": preview(note),
            "choices": [["choice.staff.view_pair", codec.encode("sp", pairing.id)]],
        },
        now=now,
    )
    if queued is None:
        return False
    await audit.record(
        session,
        actor=actor,
        action="staff_alerted",
        now=now,
        subject_person_id=pairing.youth_id,
        detail={"pairing": pairing.id, "kind": kind},
    )
    return True
