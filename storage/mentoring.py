"""Mentoring data access: a youth's pairing as they see it, messages to a place rather than
a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import Identity, Outcome, Pairing, PairingStatus, Person, Priority

__all__ = ["YouthPairing", "active_pairings_of_mentor", "enqueue_to", "youth_pairing"]


@dataclass(frozen=True)
class YouthPairing:
    """A youth's current pairing (or the last one), the mentor's first name and its outcome."""

    pairing: Pairing
    mentor_name: str
    outcome: Outcome | None


async def active_pairings_of_mentor(
    session: AsyncSession, mentor_id: int, *, youth_reachable_on: str | None = None
) -> list[Pairing]:
    """The mentor's pairings that are going on (not paused, not closed); with
    `youth_reachable_on`, only those whose youth can be written to on that channel (an
    account there, not erased, not having blocked the bot)."""
    query = select(Pairing).where(
        Pairing.mentor_id == mentor_id, Pairing.status == PairingStatus.ACTIVE
    )
    if youth_reachable_on is not None:
        query = (
            query.join(Person, Person.id == Pairing.youth_id)
            .join(Identity, Identity.person_id == Person.id)
            .where(
                Identity.channel == youth_reachable_on,
                # a chat exists: the youth pressed Start (a bot cannot write first)
                Identity.chat_id.is_not(None),
                Person.erased_at.is_(None),
                Person.unreachable_at.is_(None),
            )
        )
    return list((await session.scalars(query)).all())


async def youth_pairing(session: AsyncSession, youth_id: int) -> YouthPairing | None:
    """The youth's open pairing, else their most recent one; None if never paired."""
    pairing = await session.scalar(
        select(Pairing)
        .where(Pairing.youth_id == youth_id)
        .order_by(Pairing.status == PairingStatus.CLOSED, Pairing.id.desc())
        .limit(1)
    )
    if pairing is None:
        return None
    mentor = await session.get(Person, pairing.mentor_id)
    outcome = await session.scalar(select(Outcome).where(Outcome.pairing_id == pairing.id))
    name = (mentor.display_name if mentor is not None and mentor.erased_at is None else None) or ""
    return YouthPairing(pairing, name, outcome)


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
