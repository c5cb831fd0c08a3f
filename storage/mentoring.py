"""Mentoring data access that has no better home: messages to a place rather than a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryStatus


async def enqueue_to(
    session: AsyncSession,
    *,
    key: str,
    destination: str,
    channel: str,
    template: str,
    context: dict[str, Any],
    locale: str,
    now: datetime,
) -> Delivery | None:
    """Queue a message for a destination that is not a person (e.g. the staff channel).

    Like `outbox.enqueue`, once per key; the destination and locale travel in the context
    (`to`, `locale`), where the dispatcher reads them.
    """
    existing = await session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key))
    if existing is not None:
        return None
    delivery = Delivery(
        idempotency_key=key,
        person_id=None,
        channel=channel,
        template=template,
        context={**context, "to": destination, "locale": locale},
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery
