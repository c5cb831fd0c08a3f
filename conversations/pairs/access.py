"""What every mentor action shares: who the mentor is, which pairs are theirs, the result
of an action, and where staff alerts go.

A mentor sees and logs only their own pairs: `own_pairing` is the one gate, and a refusal is
audit-logged. Staff alerts are queued by `conversations.pairs.alerts` only, to the outbox
destination `STAFF_DESTINATION`, which the Slack adapter maps to the staff channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.response import NotAllowed, PairSummary
from storage import applications, audit, mentoring, pairings
from storage.models import Pairing, PairingStatus, Person, Role

# where staff alerts go (queued by `conversations.pairs.alerts` only); the Slack sender maps
# it to SLACK_STAFF_CHANNEL
STAFF_DESTINATION = "staff"


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
    found = await pairings.of_mentor_with_youth(session, mentor_id)
    with_outcome = await mentoring.pairings_with_outcome(
        session, [pairing.id for pairing, _ in found]
    )
    summaries = []
    for pairing, youth in found:
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
                has_outcome=pairing.id in with_outcome,
                erased=youth.erased_at is not None,
            )
        )
    return summaries


async def mentee_name(session: AsyncSession, pairing: Pairing) -> str:
    youth = await session.get(Person, pairing.youth_id)
    return (youth.display_name if youth else None) or ""
