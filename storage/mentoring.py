"""Mentoring data access that has no better home: messages to a place rather than a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import Priority

__all__ = ["enqueue_to"]


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
    priority: Priority = Priority.URGENT,
) -> int | None:
    """Queue a message for a destination that is not a person (e.g. the staff channel),
    once per key; the locale travels in the context, where the dispatcher reads it."""
    return await outbox.enqueue(
        session,
        key=key,
        destination=destination,
        channel=channel,
        template=template,
        context={**context, "locale": locale},
        now=now,
        priority=priority,
    )
