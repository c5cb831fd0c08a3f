"""Many rows at once, for the scheduler's batches: what a tick needs to know about a few
hundred due pairs (their pairings, people, contacts, earlier alerts) in one statement each,
instead of a few small queries per pair. The check-in and outbox batches are in
`storage.checkins` and `storage.outbox`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseKind, CaseState, Identity, Interaction, Pairing, Person

__all__ = [
    "alerted_since",
    "interaction_counts_since",
    "not_marked_unreachable",
    "open_alert_cases",
    "pairings_by_id",
    "reachable_on",
    "with_interaction",
]


async def pairings_by_id(session: AsyncSession, pairing_ids: Collection[int]) -> dict[int, Pairing]:
    """Those pairings, by id (the ones that exist)."""
    if not pairing_ids:
        return {}
    rows = await session.scalars(select(Pairing).where(Pairing.id.in_(pairing_ids)))
    return {row.id: row for row in rows}


async def with_interaction(
    session: AsyncSession,
    pairing_ids: Collection[int],
    kinds: Collection[str],
    since: datetime,
    until: datetime | None = None,
    *,
    channel: str | None = None,
) -> set[int]:
    """Those of the pairings with an interaction of one of `kinds` that occurred in that
    time (with `channel`, only those logged from that channel): `has_interaction` for many."""
    if not pairing_ids:
        return set()
    query = select(Interaction.pairing_id).where(
        Interaction.pairing_id.in_(pairing_ids),
        Interaction.kind.in_(kinds),
        Interaction.occurred_at >= since,
    )
    if until is not None:
        query = query.where(Interaction.occurred_at < until)
    if channel is not None:
        query = query.where(Interaction.channel == channel)
    return set(await session.scalars(query.distinct()))


async def interaction_counts_since(
    session: AsyncSession, pairing_ids: Collection[int], kinds: Collection[str], since: datetime
) -> dict[int, int]:
    """How many interactions of one of `kinds` each pairing had since `since` (a pairing
    with none is absent)."""
    if not pairing_ids:
        return {}
    rows = await session.execute(
        select(Interaction.pairing_id, func.count(Interaction.id))
        .where(
            Interaction.pairing_id.in_(pairing_ids),
            Interaction.kind.in_(kinds),
            Interaction.occurred_at >= since,
        )
        .group_by(Interaction.pairing_id)
    )
    return {pairing_id: int(count) for pairing_id, count in rows}


async def reachable_on(
    session: AsyncSession, person_ids: Collection[int], channel: str
) -> set[int]:
    """Those of the people who can be written to on `channel`: not erased, not marked
    unreachable, with an identity there."""
    if not person_ids:
        return set()
    rows = await session.scalars(
        select(Person.id)
        .join(Identity, Identity.person_id == Person.id)
        .where(
            Person.id.in_(person_ids),
            Person.erased_at.is_(None),
            Person.unreachable_at.is_(None),
            Identity.channel == channel,
        )
        .distinct()
    )
    return set(rows)


async def not_marked_unreachable(session: AsyncSession, person_ids: Collection[int]) -> set[int]:
    """Those of the people who exist and are not marked unreachable."""
    if not person_ids:
        return set()
    rows = await session.scalars(
        select(Person.id).where(Person.id.in_(person_ids), Person.unreachable_at.is_(None))
    )
    return set(rows)


async def alerted_since(
    session: AsyncSession, topic: str, since: Mapping[int, datetime]
) -> set[int]:
    """The pairings (keys of `since`) with a case of that topic opened at or after their
    date: `cases.alert_since` for many."""
    if not since:
        return set()
    rows = await session.execute(
        select(Case.pairing_id, func.max(Case.opened_at))
        .where(Case.pairing_id.in_(since), Case.topic == topic)
        .group_by(Case.pairing_id)
    )
    return {
        pairing_id
        for pairing_id, latest in rows
        if pairing_id is not None and latest is not None and latest >= since[pairing_id]
    }


async def open_alert_cases(
    session: AsyncSession,
    pairing_ids: Sequence[int],
    *,
    topic: str,
    now: datetime,
    raise_again_at: datetime | None,
) -> dict[int, Case]:
    """New open alert cases about those pairings, by pairing, written in one statement
    (multi-row INSERTs) and read back in one: `cases.open_case` for many alerts of a topic."""
    if not pairing_ids:
        return {}
    table = cast(Table, Case.__table__)
    made = await session.execute(
        insert(table).returning(table.c.id),
        [
            {
                "kind": CaseKind.ALERT,
                "person_id": None,
                "pairing_id": pairing_id,
                "text": None,
                "state": CaseState.OPEN,
                "opened_at": now,
                "topic": topic[:32],
                "raise_again_at": raise_again_at,
            }
            for pairing_id in pairing_ids
        ],
    )
    rows = await session.scalars(select(Case).where(Case.id.in_(made.scalars().all())))
    return {row.pairing_id: row for row in rows if row.pairing_id is not None}
