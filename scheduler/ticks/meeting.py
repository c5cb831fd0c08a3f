"""The first-meeting tick: the reminder the day before a meeting the youth accepted, and
the mentor's one question after its date ("did it happen?").

Each reads only its indexed due date (`meeting.reminder_due_at`, `meeting.followup_due_at`)
and clears it, so a meeting is reminded and asked about once; whether anything is sent (the
pair still active, the youth still there, the meeting still on) is decided by
`conversations.pairs.meeting_schedule`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs.meeting_schedule import ask_if_held, send_reminder
from scheduler.ticks.batch import locked
from storage import meetings

__all__ = ["due_meeting_followups", "due_meeting_reminders"]


async def due_meeting_reminders(
    session: AsyncSession, now: datetime, config: ProgrammeConfig
) -> int:
    """One batch of meetings whose reminder is due; returns how many."""
    due = await locked(session, meetings.reminders_due(now))
    for meeting in due:
        await send_reminder(session, meeting, now, config)
    return len(due)


async def due_meeting_followups(
    session: AsyncSession, now: datetime, config: ProgrammeConfig
) -> int:
    """One batch of meetings past their date whose question to the mentor is due."""
    due = await locked(session, meetings.followups_due(now))
    for meeting in due:
        await ask_if_held(session, meeting, now, config)
    return len(due)
