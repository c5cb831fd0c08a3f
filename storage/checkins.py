"""Check-ins: the monthly question to each side of a pair (the mentor's check-in, the
youth's pulse), one row per pairing, month and respondent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Checkin

__all__ = ["ask", "find", "in_periods", "latest", "latest_before"]


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
