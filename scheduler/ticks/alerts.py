"""Staff alerts the ticks raise: one urgent Slack message to the staff channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.access import STAFF_DESTINATION
from storage import outbox
from storage.models import Priority

__all__ = ["alert_staff"]


async def alert_staff(
    session: AsyncSession,
    config: ProgrammeConfig,
    *,
    key: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
) -> None:
    """Queue an alert for staff under the outbox idempotency `key` (once per key)."""
    await outbox.enqueue(
        session,
        key=key,
        destination=STAFF_DESTINATION,
        channel=Channel.SLACK,
        template=template,
        context={**context, "locale": config.default_locale},
        now=now,
        priority=Priority.URGENT,
    )
