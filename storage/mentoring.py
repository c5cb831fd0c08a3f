"""Mentoring data access: a youth's pairing as they see it, a pairing's log of interactions
and its outcome, mentor profiles, messages to a place rather than a person."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import batches, outbox
from storage.models import (
    Identity,
    Interaction,
    MentorProfile,
    Outcome,
    Pairing,
    PairingStatus,
    Person,
    Priority,
)

__all__ = [
    "YouthPairing",
    "active_pairings_of_mentor",
    "add_interaction",
    "add_mentor_profile",
    "add_outcome",
    "count_interactions",
    "count_interactions_since",
    "enqueue_to",
    "has_interaction",
    "interaction_by_source",
    "last_interaction_at",
    "outcome_of",
    "pairings_with_outcome",
    "youth_pairing",
]


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
    outcome = await outcome_of(session, pairing.id)
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
    order_key: str | None = None,
) -> int | None:
    """Queue a message for a destination that is not a person (e.g. the staff channel),
    once per key; the locale travels in the context, where the dispatcher reads it. Rows
    sharing an `order_key` go out in the order queued."""
    return await outbox.enqueue(
        session,
        key=key,
        destination=destination,
        channel=channel,
        template=template,
        context={**context, "locale": locale},
        now=now,
        priority=priority,
        order_key=order_key,
    )


async def interaction_by_source(session: AsyncSession, source_event_id: str) -> Interaction | None:
    """The interaction recorded for that platform event, if any (a resubmission)."""
    return await session.scalar(
        select(Interaction).where(Interaction.source_event_id == source_event_id)
    )


async def count_interactions(session: AsyncSession, pairing_id: int) -> int:
    """How many interactions the pairing has logged."""
    return int(
        await session.scalar(
            select(func.count(Interaction.id)).where(Interaction.pairing_id == pairing_id)
        )
        or 0
    )


async def has_interaction(
    session: AsyncSession,
    pairing_id: int,
    kinds: Collection[str],
    since: datetime,
    until: datetime | None = None,
    *,
    channel: str | None = None,
) -> bool:
    """Whether the pairing has an interaction of one of `kinds` that occurred in that time
    (with `channel`, only those logged from that channel: one side of the pair)."""
    found = await batches.with_interaction(
        session, [pairing_id], kinds, since, until, channel=channel
    )
    return pairing_id in found


async def count_interactions_since(
    session: AsyncSession, pairing_id: int, kinds: Collection[str], since: datetime
) -> int:
    """How many interactions of one of `kinds` the pairing had since `since`."""
    return int(
        await session.scalar(
            select(func.count(Interaction.id)).where(
                Interaction.pairing_id == pairing_id,
                Interaction.kind.in_(kinds),
                Interaction.occurred_at >= since,
            )
        )
        or 0
    )


async def last_interaction_at(
    session: AsyncSession, pairing_id: int, kind: str, *, channel: str | None = None
) -> datetime | None:
    """When the pairing's latest interaction of `kind` (from `channel`, if given) occurred."""
    query = select(func.max(Interaction.occurred_at)).where(
        Interaction.pairing_id == pairing_id, Interaction.kind == kind
    )
    if channel is not None:
        query = query.where(Interaction.channel == channel)
    found: datetime | None = await session.scalar(query)
    return found


def add_interaction(
    session: AsyncSession,
    *,
    pairing_id: int,
    kind: str,
    occurred_at: datetime,
    logged_at: datetime,
    logged_by: int | None,
    channel: str,
    source_event_id: str | None = None,
    how: str | None = None,
    topics: Sequence[Any] = (),
    progress: str | None = None,
    note: str | None = None,
    needs_staff: bool = False,
) -> Interaction:
    """A new interaction in the pairing's log, added to the session (not flushed)."""
    interaction = Interaction(
        pairing_id=pairing_id,
        kind=kind,
        occurred_at=occurred_at,
        logged_at=logged_at,
        logged_by=logged_by,
        channel=channel,
        source_event_id=source_event_id,
        how=how,
        topics=list(topics),
        progress=progress,
        note=note,
        needs_staff=needs_staff,
    )
    session.add(interaction)
    return interaction


async def outcome_of(session: AsyncSession, pairing_id: int) -> Outcome | None:
    """The outcome reported for the pairing, if any."""
    return await session.scalar(select(Outcome).where(Outcome.pairing_id == pairing_id))


async def pairings_with_outcome(session: AsyncSession, pairing_ids: Collection[int]) -> set[int]:
    """Which of those pairings have an outcome reported."""
    return set(
        (
            await session.scalars(
                select(Outcome.pairing_id).where(Outcome.pairing_id.in_(list(pairing_ids)))
            )
        ).all()
    )


def add_outcome(
    session: AsyncSession,
    *,
    pairing_id: int,
    kind: str,
    contract: str | None,
    at_diploma_level: bool | None,
    occurred_on: date,
    reported_by: int | None,
    reported_at: datetime,
) -> Outcome:
    """A new outcome for the pairing, added to the session (not flushed)."""
    outcome = Outcome(
        pairing_id=pairing_id,
        kind=kind,
        contract=contract,
        at_diploma_level=at_diploma_level,
        occurred_on=occurred_on,
        reported_by=reported_by,
        reported_at=reported_at,
    )
    session.add(outcome)
    return outcome


def add_mentor_profile(session: AsyncSession, person_id: int, now: datetime) -> MentorProfile:
    """A new, empty profile for a mentor, added to the session (not flushed)."""
    profile = MentorProfile(person_id=person_id, created_at=now)
    session.add(profile)
    return profile
