"""What staff do with a case: take it ("I'll take it"), resolve it. Staff only: the Slack
buttons reach here through the staff router (the engine refuses everyone else) and the
command line through `mentorbot cases`.

Each change is audit-logged and the person who asked is told on their channel, through the
outbox, once per case and change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.pairs.cases import open_case
from storage import audit, cases, outbox, people, support
from storage.models import Case, CaseState, Priority

__all__ = ["CaseChange", "Outcome", "open_case", "open_cases", "resolve_case", "take_case"]


class Outcome(StrEnum):
    TAKEN = "taken"
    ALREADY_YOURS = "already_yours"
    TAKEN_BY_OTHER = "taken_by_other"
    RESOLVED = "resolved"
    ALREADY_RESOLVED = "already_resolved"
    UNKNOWN = "unknown"


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
    await _record(session, case, staff, "case_taken", now)
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
    await _record(session, case, staff, "case_resolved", now)
    await _tell(session, case, "resolved", now)
    return CaseChange(Outcome.RESOLVED, case)


async def open_cases(session: AsyncSession) -> Sequence[Case]:
    """Cases open or taken, oldest first."""
    return await cases.open_cases(session)


async def _record(
    session: AsyncSession, case: Case, staff: str, action: str, now: datetime
) -> None:
    await audit.record(
        session,
        actor=f"staff:{staff}",
        action=action,
        now=now,
        subject_person_id=case.person_id,
        detail={"case": case.id, "kind": case.kind},
    )


async def _tell(session: AsyncSession, case: Case, change: str, now: datetime) -> None:
    """The person who asked hears of the change (nobody to tell once they erased their data)."""
    if case.person_id is None:
        return
    identity = await people.first_identity(session, case.person_id)
    if identity is None:
        return
    await outbox.enqueue(
        session,
        key=f"case:{case.id}:{change}",
        person_id=case.person_id,
        channel=identity.channel,
        template=f"human.case_{change}",
        context={"case_id": case.id},
        now=now,
        # an answer to the person's own request: not held back by the daily budget
        priority=Priority.URGENT,
    )
