"""What staff do with a case: take it ("I'll take it"), resolve it, list the open ones
(answering the person is `case_answers`). Staff only: the Slack buttons reach here through
the staff router (the engine refuses everyone else) and the command line through
`mentorbot cases`.

Each change is audit-logged (never a text) and the person who asked is told on their
channel, through the outbox, once per case and change, after any answer still on its way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Channel
from conversations.pairs.cases import open_case
from storage import audit, cases, outbox, people, support
from storage.models import Case, CaseKind, CaseState, Pairing, Person, Priority

__all__ = [
    "CaseChange",
    "CaseLine",
    "Outcome",
    "listing",
    "open_case",
    "open_cases",
    "record",
    "resolve_case",
    "take_case",
]


class Outcome(StrEnum):
    TAKEN = "taken"
    ALREADY_YOURS = "already_yours"
    TAKEN_BY_OTHER = "taken_by_other"
    RESOLVED = "resolved"
    ALREADY_RESOLVED = "already_resolved"
    UNKNOWN = "unknown"
    # answers
    ANSWERED = "answered"
    REOPENED = "reopened"
    NOBODY = "nobody"
    EMPTY = "empty"


@dataclass(frozen=True)
class CaseChange:
    """What a take or resolve did; `case` is None for an unknown id."""

    outcome: Outcome
    case: Case | None


async def take_case(
    session: AsyncSession, *, case_id: int, staff: str, now: datetime
) -> CaseChange:
    """`staff` (a Slack user id) takes the case, unless it is resolved or someone else has
    it; the person who asked is told someone took it."""
    case = await cases.get(session, case_id)
    if case is None:
        return CaseChange(Outcome.UNKNOWN, None)
    if case.state == CaseState.RESOLVED:
        return CaseChange(Outcome.ALREADY_RESOLVED, case)
    if case.state == CaseState.TAKEN:
        same = case.owner == staff
        return CaseChange(Outcome.ALREADY_YOURS if same else Outcome.TAKEN_BY_OTHER, case)
    cases.take(case, owner=staff, now=now)
    await record(session, case, staff, "case_taken", now)
    await _tell(session, case, "taken", now)
    return CaseChange(Outcome.TAKEN, case)


async def resolve_case(
    session: AsyncSession, *, case_id: int, staff: str, now: datetime
) -> CaseChange:
    """The case is resolved by `staff`; the person who asked is told."""
    case = await cases.get(session, case_id)
    if case is None:
        return CaseChange(Outcome.UNKNOWN, None)
    if case.state == CaseState.RESOLVED:
        return CaseChange(Outcome.ALREADY_RESOLVED, case)
    cases.resolve(case, by=staff, now=now)
    if case.person_id is not None and case.kind == "human":
        # the same request as `mentorbot review` lists: handled once, wherever it was
        await support.resolve_open(
            session, person_id=case.person_id, kind="human", by=staff, now=now
        )
    await record(session, case, staff, "case_resolved", now)
    await _tell(session, case, "resolved", now)
    return CaseChange(Outcome.RESOLVED, case)


async def open_cases(session: AsyncSession) -> Sequence[Case]:
    """Cases open or taken, oldest first."""
    return await cases.open_cases(session)


@dataclass(frozen=True)
class CaseLine:
    """An open case as staff see it listed: who it is about, named now."""

    case: Case
    # the person who asked ("#12 Inès"), or for an alert the pair ("pair #5: Claire / Inès")
    person: Person | None
    pairing: Pairing | None
    mentor: str
    mentee: str


async def listing(
    session: AsyncSession, *, owner: str | None = None, unassigned: bool = False
) -> list[CaseLine]:
    """Open cases, oldest first (all, `owner`'s, or nobody's), with the names as they are
    now (an erased person's is empty)."""
    lines: list[CaseLine] = []
    for case in await cases.listing(session, owner=owner, unassigned=unassigned):
        person = await session.get(Person, case.person_id) if case.person_id else None
        pairing = await session.get(Pairing, case.pairing_id) if case.pairing_id else None
        mentor = await session.get(Person, pairing.mentor_id) if pairing is not None else None
        mentee = await session.get(Person, pairing.youth_id) if pairing is not None else None
        lines.append(CaseLine(case, person, pairing, _name(mentor), _name(mentee)))
    return lines


def _name(person: Person | None) -> str:
    if person is None or person.erased_at is not None:
        return ""
    return person.display_name or ""


async def record(
    session: AsyncSession,
    case: Case,
    staff: str,
    action: str,
    now: datetime,
    **detail: str,
) -> None:
    """Audit-log what `staff` did to the case (its id and kind, and `detail`; no text)."""
    await audit.record(
        session,
        actor=f"staff:{staff}",
        action=action,
        now=now,
        subject_person_id=case.person_id,
        detail={"case": case.id, "kind": case.kind, **detail},
    )


async def _tell(session: AsyncSession, case: Case, change: str, now: datetime) -> None:
    """The person who asked hears of the change (nobody to tell for an alert, or once they
    erased their data), after any answer still on its way."""
    if case.person_id is None or case.kind == CaseKind.ALERT:
        return
    identity = await people.first_identity(session, case.person_id)
    if identity is None:
        return
    area = "case" if identity.channel == Channel.SLACK else "human"
    key = f"case:{case.id}:{change}"
    if change == "resolved" and await outbox.is_queued(session, key):
        # resolved again after staff reopened it: said again
        key = f"{key}:{now:%Y%m%dT%H%M%S}"
    await outbox.enqueue(
        session,
        key=key,
        person_id=case.person_id,
        channel=identity.channel,
        template=f"{area}.case_{change}",
        context={"case_id": case.id, "live": True},
        now=now,
        # an answer to the person's own request: not held back by the daily budget
        priority=Priority.URGENT,
        order_key=f"case:{case.id}:to_person",
    )
