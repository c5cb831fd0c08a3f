"""Threads that stand for a pair or a case: recorded when their first message is posted,
found again when someone replies in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Thread

__all__ = ["find", "of_case", "of_pairing", "record"]


async def record(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    ts: str,
    now: datetime,
    pairing_id: int | None = None,
    case_id: int | None = None,
) -> None:
    """The message `ts` posted in `chat_id` opens the thread of a pair or of a case (once:
    recording it again changes nothing). A case's post is also kept on the case."""
    if (pairing_id is None) == (case_id is None):
        raise ValueError("a thread stands for a pair or for a case, not both")
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    await session.execute(
        insert(Thread)
        .values(
            channel=channel,
            chat_id=chat_id,
            ts=ts,
            pairing_id=pairing_id,
            case_id=case_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel", "chat_id", "ts"])
    )
    if case_id is not None:
        case = await session.get(Case, case_id)
        if case is not None and case.staff_channel_ts is None:
            case.staff_channel_ts = ts


async def find(session: AsyncSession, channel: str, chat_id: str, ts: str) -> Thread | None:
    """The pair's or case's thread whose first message is `ts` in `chat_id`, if any."""
    found: Thread | None = await session.scalar(
        select(Thread).where(Thread.channel == channel, Thread.chat_id == chat_id, Thread.ts == ts)
    )
    return found


async def of_pairing(
    session: AsyncSession, pairing_id: int, channel: str = "slack"
) -> Thread | None:
    """The pair's thread on `channel` (the first one recorded), if its introduction was sent."""
    found: Thread | None = await session.scalar(
        select(Thread)
        .where(Thread.pairing_id == pairing_id, Thread.channel == channel)
        .order_by(Thread.id)
        .limit(1)
    )
    return found


async def of_case(session: AsyncSession, case_id: int) -> Thread | None:
    """The case's thread in the staff channel, once its post was sent."""
    found: Thread | None = await session.scalar(
        select(Thread).where(Thread.case_id == case_id).order_by(Thread.id).limit(1)
    )
    return found
