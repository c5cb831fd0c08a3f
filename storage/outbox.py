"""The outbox: proactive messages are written as delivery rows, then dispatched.

A row is written in the same transaction as the change that caused it, under a unique
idempotency key, so a message is never lost and never queued twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryStatus


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    person_id: int,
    channel: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
) -> Delivery | None:
    """Queue a message once per key; returns None if that key was already queued."""
    existing = await session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key))
    if existing is not None:
        return None
    delivery = Delivery(
        idempotency_key=key,
        person_id=person_id,
        channel=channel,
        template=template,
        context=context,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=not_before or now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery


async def claim_due(
    session: AsyncSession, now: datetime, *, limit: int = 100, channel: str | None = None
) -> Sequence[Delivery]:
    """Mark up to `limit` due rows as `sending` and return them.

    On PostgreSQL rows locked by another dispatcher are skipped (FOR UPDATE SKIP LOCKED).
    """
    query = (
        select(Delivery)
        .where(
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            Delivery.next_attempt_at <= now,
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    rows = (await session.execute(query)).scalars().all()
    for row in rows:
        row.status = DeliveryStatus.SENDING
        row.attempts += 1
    await session.flush()
    return rows


def mark_sent(delivery: Delivery, now: datetime) -> None:
    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None


def mark_failed(delivery: Delivery, now: datetime, error: str, retry_in: timedelta) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.last_error = error[:2000]
    delivery.next_attempt_at = now + retry_in


def mark_undeliverable(delivery: Delivery, error: str) -> None:
    delivery.status, delivery.last_error = DeliveryStatus.UNDELIVERABLE, error[:2000]


def mark_in_doubt(delivery: Delivery, error: str) -> None:
    delivery.status, delivery.last_error = DeliveryStatus.IN_DOUBT, error[:2000]


async def release_stuck(session: AsyncSession) -> int:
    """Rows left `sending` by a crash may or may not have been sent: mark them in doubt."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.SENDING)
        .values(status=DeliveryStatus.IN_DOUBT, last_error="dispatcher stopped while sending")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
