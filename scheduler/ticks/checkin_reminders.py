"""The check-in follow-up ticks: the one reminder of an unanswered check-in, then the staff
escalation. Whether each is still needed is decided in `conversations.mentor.round_batch`,
for the whole batch at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.mentor import round_batch
from scheduler.ticks.batch import DueTick
from storage.models import Checkin

__all__ = ["due_escalations", "due_reminders"]


async def _remind(
    session: AsyncSession, due: Sequence[Checkin], now: datetime, config: ProgrammeConfig
) -> None:
    await round_batch.remind_checkins(session, due, now=now, config=config)


async def _escalate(
    session: AsyncSession, due: Sequence[Checkin], now: datetime, config: ProgrammeConfig
) -> None:
    await round_batch.escalate_checkins(session, due, now=now, config=config)


# one batch of check-ins whose reminder is due; returns how many
due_reminders = DueTick("checkin_reminder", Checkin.remind_at, _remind)
# one batch of check-ins whose staff escalation is due; returns how many
due_escalations = DueTick("checkin_escalation", Checkin.escalate_at, _escalate)
