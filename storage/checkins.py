"""Check-ins: the monthly question to each side of a pair (the mentor's check-in, the
youth's pulse), one row per pairing, month and respondent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Checkin

__all__ = [
    "ask",
    "ask_many",
    "find",
    "find_many",
    "in_periods",
    "latest",
    "latest_before",
    "latest_before_many",
]


async def find(
    session: AsyncSession, pairing_id: int, period: str, respondent_role: str
) -> Checkin | None:
    """The pairing's check-in of that month for that respondent, if asked."""
    return await session.scalar(
        select(Checkin).where(
            Checkin.pairing_id == pairing_id,
            Checkin.period == period,
            Checkin.respondent_role == respondent_role,
        )
    )


async def ask(
    session: AsyncSession, pairing_id: int, period: str, respondent_role: str, now: datetime
) -> Checkin:
    """A new, unanswered check-in of that month for that respondent, flushed (it has an id)."""
    checkin = Checkin(
        pairing_id=pairing_id,
        period=period,
        respondent_role=respondent_role,
        asked_at=now,
        topics=[],
        needs_staff=False,
    )
    session.add(checkin)
    await session.flush()
    return checkin


async def in_periods(
    session: AsyncSession, pairing_id: int, periods: Collection[str]
) -> Sequence[Checkin]:
    """The pairing's check-ins (both respondents) of those months."""
    return (
        await session.scalars(
            select(Checkin).where(Checkin.pairing_id == pairing_id, Checkin.period.in_(periods))
        )
    ).all()


async def latest(session: AsyncSession, pairing_id: int, respondent_role: str) -> Checkin | None:
    """The pairing's most recent check-in for that respondent."""
    return await session.scalar(
        select(Checkin)
        .where(Checkin.pairing_id == pairing_id, Checkin.respondent_role == respondent_role)
        .order_by(Checkin.period.desc())
        .limit(1)
    )


async def latest_before(
    session: AsyncSession, pairing_id: int, respondent_role: str, period: str
) -> Checkin | None:
    """The pairing's most recent check-in for that respondent before month `period`."""
    return await session.scalar(
        select(Checkin)
        .where(
            Checkin.pairing_id == pairing_id,
            Checkin.respondent_role == respondent_role,
            Checkin.period < period,
        )
        .order_by(Checkin.period.desc())
        .limit(1)
    )


# --- several pairings at once (the scheduler's batches): one statement, not one per pair


async def find_many(
    session: AsyncSession, pairing_ids: Collection[int], period: str, respondent_role: str
) -> dict[int, Checkin]:
    """The check-ins of that month for that respondent among those pairings, by pairing."""
    if not pairing_ids:
        return {}
    rows = await session.scalars(
        select(Checkin).where(
            Checkin.pairing_id.in_(pairing_ids),
            Checkin.period == period,
            Checkin.respondent_role == respondent_role,
        )
    )
    return {row.pairing_id: row for row in rows}


async def ask_many(
    session: AsyncSession,
    pairing_ids: Sequence[int],
    period: str,
    respondent_role: str,
    now: datetime,
    *,
    remind_at: datetime | None = None,
    escalate_at: datetime | None = None,
) -> dict[int, Checkin]:
    """New, unanswered check-ins of that month for those pairings, by pairing, written in
    one statement (multi-row INSERTs) and read back in one; `remind_at` and `escalate_at`
    armed from the start."""
    if not pairing_ids:
        return {}
    table = cast(Table, Checkin.__table__)
    made = await session.execute(
        insert(table).returning(table.c.id),
        [
            {
                "pairing_id": pairing_id,
                "period": period,
                "respondent_role": respondent_role,
                "asked_at": now,
                "topics": [],
                "needs_staff": False,
                "remind_at": remind_at,
                "escalate_at": escalate_at,
            }
            for pairing_id in pairing_ids
        ],
    )
    rows = await session.scalars(select(Checkin).where(Checkin.id.in_(made.scalars().all())))
    return {row.pairing_id: row for row in rows}


async def latest_before_many(
    session: AsyncSession, pairing_ids: Collection[int], respondent_role: str, period: str
) -> dict[int, Checkin]:
    """Each pairing's most recent check-in for that respondent before month `period`."""
    if not pairing_ids:
        return {}
    latest_period = (
        select(Checkin.pairing_id, func.max(Checkin.period).label("period"))
        .where(
            Checkin.pairing_id.in_(pairing_ids),
            Checkin.respondent_role == respondent_role,
            Checkin.period < period,
        )
        .group_by(Checkin.pairing_id)
        .subquery()
    )
    rows = await session.scalars(
        select(Checkin).join(
            latest_period,
            (Checkin.pairing_id == latest_period.c.pairing_id)
            & (Checkin.period == latest_period.c.period)
            & (Checkin.respondent_role == respondent_role),
        )
    )
    return {row.pairing_id: row for row in rows}
