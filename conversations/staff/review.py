"""Staff review of applications and of requests to talk to a person.

A review decision is stored, audit-logged and told to the youth through the outbox, all in
one transaction: if anything fails, nothing is half done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.rules.eligibility import age_on
from storage import applications, audit, cases, outbox, people, support
from storage.models import (
    Application,
    ApplicationStatus,
    Person,
    Priority,
    SupportRequest,
)


class ReviewError(Exception):
    """A review that cannot be recorded; the message says why, for the staff member."""


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class ReviewItem:
    """One line of the staff review queue (no answers beyond what the decision needs)."""

    application_id: int
    person_id: int
    name: str | None
    decided_at: datetime | None
    reasons: tuple[str, ...]
    answers: dict[str, object]


async def queue(session: AsyncSession) -> list[ReviewItem]:
    """Applications waiting for a staff decision, oldest first."""
    rows = await applications.waiting_for_review_with_person(session)
    return [
        ReviewItem(
            application_id=app.id,
            person_id=person.id,
            name=person.display_name,
            decided_at=app.decided_at,
            reasons=tuple(app.reasons),
            answers=dict(app.answers),
        )
        for app, person in rows
    ]


async def open_requests(session: AsyncSession) -> list[tuple[SupportRequest, Person | None]]:
    """Requests to talk to a person (and staff alerts) not yet resolved, oldest first."""
    return list(await support.unresolved_with_person(session))


async def decide(
    session: AsyncSession,
    *,
    application_id: int,
    verdict: Verdict,
    note: str | None,
    staff: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Application:
    """Record a staff decision on an application under review and queue the youth's message."""
    application = await session.get(Application, application_id)
    if application is None or application.person_id is None:
        raise ReviewError(f"No application {application_id} (or its person erased their data).")
    if application.decision != "review" or application.status != ApplicationStatus.DECIDED:
        raise ReviewError(
            f"Application {application_id} is not waiting for review "
            f"(decision: {application.decision or 'none yet'})."
        )
    if application.reviewed_by is not None:
        raise ReviewError(
            f"Application {application_id} was already reviewed by {application.reviewed_by}."
        )
    if not staff.strip():
        raise ReviewError("Say who you are (--by) so the decision can be audit-logged.")
    cleaned_note = (note or "").strip()[:1000] or None
    application.decision = verdict.value
    application.reviewed_by = staff.strip()[:100]
    application.review_note = cleaned_note
    application.decided_at = now
    await audit.record(
        session,
        actor=f"staff:{application.reviewed_by}",
        action="review_decision",
        now=now,
        subject_person_id=application.person_id,
        detail={"application": application.id, "decision": verdict.value},
    )
    identity = await people.first_identity(session, application.person_id)
    if identity is not None:
        await outbox.enqueue(
            session,
            key=f"review:{application.id}",
            person_id=application.person_id,
            channel=identity.channel,
            template=f"review.decided_{verdict.value}",
            context={
                "note": cleaned_note,
                "pairing_delay_weeks": config.pairing_delay_weeks,
                "age": _age(application.answers, now, config),
            },
            now=now,
            # the answer to the youth's own application: not held back by the daily budget
            priority=Priority.URGENT,
        )
    return application


def _age(answers: dict[str, Any], now: datetime, config: ProgrammeConfig) -> int | None:
    """The youth's age today (which other help fits a refusal depends on it)."""
    raw = answers.get("birth_date")
    try:
        born = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return age_on(born, now.astimezone(config.zone).date()) if born is not None else None


async def resolve_request(
    session: AsyncSession, *, request_id: int, staff: str, now: datetime
) -> None:
    """Mark a request to talk to a person as handled."""
    request = await session.get(SupportRequest, request_id)
    if request is None:
        raise ReviewError(f"No request {request_id}.")
    if request.resolved_at is not None:
        raise ReviewError(f"Request {request_id} was already resolved by {request.resolved_by}.")
    if not staff.strip():
        raise ReviewError("Say who you are (--by) so the action can be audit-logged.")
    request.resolved_at, request.resolved_by = now, staff.strip()[:100]
    if request.person_id is not None and request.kind == "human":
        # the same request as its case in the staff channel: resolved there too, so nobody
        # takes it up again
        for case in await cases.open_of_person(session, request.person_id, "human"):
            cases.resolve(case, by=request.resolved_by, now=now)
    await audit.record(
        session,
        actor=f"staff:{request.resolved_by}",
        action="request_resolved",
        now=now,
        subject_person_id=request.person_id,
        detail={"request": request.id, "kind": request.kind},
    )
