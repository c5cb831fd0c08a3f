"""The re-raising tick: an open case nobody took for 2 working days is raised again, once
(`Case.raise_again_at`, set when it was opened and cleared when someone takes or resolves
it; indexed). The cases due in one batch are one post in the staff channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs.cases import raise_again
from scheduler.ticks.batch import locked
from storage.models import Case, CaseState

__all__ = ["due_cases_again"]


async def due_cases_again(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of open cases whose raising again is due; returns how many."""
    due = list(
        await locked(
            session,
            select(Case)
            .where(Case.raise_again_at <= now, Case.state == CaseState.OPEN)
            .order_by(Case.raise_again_at, Case.id),
        )
    )
    if due:
        await raise_again(session, due, now=now, config=config)
    return len(due)
