"""Cases: open one, take it, resolve it, reopen it, list the open ones; the rows the case
machinery reads around them (the staff's daily digest posts, the answers relayed to the
person, the person's direct-message thread)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseState, Delivery, DeliveryStatus, Thread
from storage.models.cases import MAX_CASE_TEXT

__all__ = [
    "alert_since",
    "answered",
    "append_to_pending",
    "first_part",
    "get",
    "latest_part",
    "listing",
    "open_case",
    "open_cases",
    "open_of_person",
    "person_thread",
    "raised_again",
    "reopen",
    "resolve",
    "take",
    "thread_order_key",
    "unresolved_of_person",
]


def thread_order_key(case_id: int) -> str:
    """The outbox order key of what goes to a case's thread in the staff channel: posted
    in the order queued; a person's erasure blanks those not sent yet."""
    return f"case:{case_id}:to_staff"


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    person_id: int | None,
    pairing_id: int | None,
    text: str | None,
    now: datetime,
    topic: str | None = None,
    raise_again_at: datetime | None = None,
) -> Case:
    """A new open case, flushed (it has its id)."""
    case = Case(
        kind=kind,
        person_id=person_id,
        pairing_id=pairing_id,
        text=text[:MAX_CASE_TEXT] if text else None,
        state=CaseState.OPEN,
        opened_at=now,
        topic=topic[:32] if topic else None,
        raise_again_at=raise_again_at,
    )
    session.add(case)
    await session.flush()
    return case


async def get(session: AsyncSession, case_id: int) -> Case | None:
    """The case with that id, if any."""
    return await session.get(Case, case_id)


def take(case: Case, *, owner: str, now: datetime) -> None:
    """`owner` (a staff member's Slack id) takes the case; it is not raised again."""
    case.state, case.owner, case.taken_at = CaseState.TAKEN, owner, now
    case.raise_again_at = None


def resolve(case: Case, *, by: str, now: datetime) -> None:
    """The case is resolved (by `by`, who owns it from then on if nobody did)."""
    case.state, case.resolved_at = CaseState.RESOLVED, now
    case.raise_again_at = None
    if case.owner is None:
        case.owner = by


def reopen(case: Case, *, by: str, now: datetime) -> None:
    """A resolved case is open again, taken by `by` (who wrote in it)."""
    case.state, case.owner, case.taken_at, case.resolved_at = CaseState.TAKEN, by, now, None


def raised_again(case: Case, *, now: datetime) -> None:
    """The case was raised again (once: it is not due any more)."""
    case.raised_again_at, case.raise_again_at = now, None


async def open_cases(session: AsyncSession) -> Sequence[Case]:
    """Cases not yet resolved (open or taken), oldest first."""
    return await listing(session)


async def listing(
    session: AsyncSession, *, owner: str | None = None, unassigned: bool = False
) -> Sequence[Case]:
    """Cases not yet resolved, oldest first: all of them, those `owner` has, or (with
    `unassigned`) those nobody has taken."""
    query = select(Case).where(Case.state != CaseState.RESOLVED)
    if owner is not None:
        query = query.where(Case.owner == owner)
    if unassigned:
        query = query.where(Case.state == CaseState.OPEN)
    return (await session.scalars(query.order_by(Case.opened_at, Case.id))).all()


async def open_of_person(session: AsyncSession, person_id: int, kind: str) -> Sequence[Case]:
    """The person's cases of `kind` not yet resolved."""
    return (
        await session.scalars(
            select(Case).where(
                Case.person_id == person_id, Case.kind == kind, Case.state != CaseState.RESOLVED
            )
        )
    ).all()


async def unresolved_of_person(session: AsyncSession, person_id: int) -> Sequence[Case]:
    """The person's cases not yet resolved, newest first."""
    return (
        await session.scalars(
            select(Case)
            .where(Case.person_id == person_id, Case.state != CaseState.RESOLVED)
            .order_by(Case.id.desc())
        )
    ).all()


async def answered(session: AsyncSession, case_id: int, templates: Sequence[str]) -> bool:
    """Whether staff have answered the case: a message of one of `templates` was queued to
    the person under the case's order key (`case:<id>:to_person`)."""
    found = await session.scalar(
        select(Delivery.id)
        .where(Delivery.order_key == f"case:{case_id}:to_person")
        .where(Delivery.template.in_(list(templates)))
        .limit(1)
    )
    return found is not None


async def person_thread(session: AsyncSession, case: Case) -> Thread | None:
    """The case's thread in the person's direct messages (the first answer staff sent a
    mentor), as opposed to its post in the staff channel."""
    query = select(Thread).where(Thread.case_id == case.id)
    if case.staff_channel_ts is not None:
        query = query.where(Thread.ts != case.staff_channel_ts)
    found: Thread | None = await session.scalar(query.order_by(Thread.id).limit(1))
    return found


async def alert_since(
    session: AsyncSession, *, pairing_id: int, topic: str, since: datetime
) -> Case | None:
    """A case about that pair and topic opened at or after `since` (whatever its state):
    the alert it stands for was raised already."""
    found: Case | None = await session.scalar(
        select(Case)
        .where(Case.pairing_id == pairing_id, Case.topic == topic, Case.opened_at >= since)
        .limit(1)
    )
    return found


async def latest_part(session: AsyncSession, key: str) -> tuple[Delivery | None, int]:
    """A digest's posts are `key`, `key:2`, `key:3`...: the last one queued and how many
    there are."""
    rows = (
        await session.scalars(
            select(Delivery)
            .where(or_(Delivery.idempotency_key == key, Delivery.idempotency_key.like(f"{key}:%")))
            .order_by(Delivery.id)
        )
    ).all()
    return (rows[-1] if rows else None), len(rows)


async def first_part(session: AsyncSession, key: str) -> Delivery | None:
    """A digest's first post (its thread holds the later ones)."""
    found: Delivery | None = await session.scalar(
        select(Delivery).where(Delivery.idempotency_key == key)
    )
    return found


async def append_to_pending(
    session: AsyncSession, delivery: Delivery, context: dict[str, object], now: datetime
) -> bool:
    """Replace the context of a post no dispatcher has taken yet; False when it is being
    sent or was sent (then the caller queues another one). One conditional UPDATE, so a
    dispatcher claiming the row meanwhile wins and nothing is lost."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == DeliveryStatus.PENDING,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
        )
        .values(context=context)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.refresh(delivery, ["context"])
    return True
