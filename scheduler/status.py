"""What staff and operators see of the scheduler: the queue, doubts, unreachable people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs.followup import waiting_days
from scheduler.ticks import unpaired_query
from storage import outbox
from storage.models import Delivery, DeliveryStatus, Person

__all__ = ["Status", "gather"]


@dataclass
class Status:
    """The lines of `mentorbot status`, by section."""

    queue: list[tuple[str, int]] = field(default_factory=list)
    in_doubt: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    unpaired: list[str] = field(default_factory=list)


async def gather(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> Status:
    """Everything `mentorbot status` shows (ids, never message contents)."""
    counts = await outbox.counts(session, now)
    local_midnight = now.astimezone(config.zone).replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.status == DeliveryStatus.SENT, Delivery.sent_at >= local_midnight)
    )
    status = Status(
        queue=[
            ("due now", counts["due"]),
            ("pending (later: sending hours, budget, pauses)", counts[DeliveryStatus.PENDING]),
            ("sending", counts[DeliveryStatus.SENDING]),
            ("sent today", int(sent_today or 0)),
            ("failed, will retry", counts[DeliveryStatus.FAILED]),
            ("in doubt", counts[DeliveryStatus.IN_DOUBT]),
            ("undeliverable", counts[DeliveryStatus.UNDELIVERABLE]),
        ]
    )
    doubts = await session.scalars(
        select(Delivery)
        .where(Delivery.status == DeliveryStatus.IN_DOUBT)
        .order_by(Delivery.sending_at)
        .limit(50)
    )
    for row in doubts:
        to = f"person {row.person_id}" if row.person_id else (row.destination or "?")
        since = f"{row.sending_at:%Y-%m-%d %H:%M}" if row.sending_at else "-"
        status.in_doubt.append(
            (str(row.id), f"{to} ({row.channel})", row.template, since, row.last_error or "")
        )
    people = await session.scalars(
        select(Person)
        .where(Person.unreachable_at.is_not(None), Person.erased_at.is_(None))
        .order_by(Person.unreachable_at)
        .limit(200)
    )
    status.unreachable = [
        f"{p.role} {p.id} {p.display_name or ''} since {p.unreachable_at:%Y-%m-%d}"
        for p in people
        if p.unreachable_at is not None
    ]
    waiting = await session.execute(unpaired_query(now, config.nudges.unpaired_days))
    status.unpaired = [
        f"youth {person.id} {person.display_name or ''} ({application.region or '-'}), "
        f"eligible for {waiting_days(application.decided_at, now)} days"
        for application, person in waiting.all()
    ]
    return status
