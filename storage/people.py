"""People, their channel identities, conversation state and processed events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import ConversationState, Identity, Person, ProcessedEvent

__all__ = [
    "clear_state",
    "create_person",
    "find_by_identity",
    "get_state",
    "identity_on",
    "mark_processed",
    "set_state",
]


async def mark_processed(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record a platform event id; False if it was already handled (a redelivery).

    An atomic insert, not "highest id seen": updates can arrive out of order. The record is
    part of the caller's transaction, so an event whose handling fails can be handled again.
    """
    values = {"channel": channel, "event_id": event_id, "processed_at": now}
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    result = await session.execute(insert(ProcessedEvent).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def find_by_identity(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    """The person behind a channel account, with their identities loaded."""
    result = await session.execute(
        select(Person)
        .join(Identity)
        .where(Identity.channel == channel, Identity.external_id == external_id)
        .options(selectinload(Person.identities))
    )
    return result.scalar_one_or_none()


async def create_person(
    session: AsyncSession,
    *,
    role: str,
    channel: str,
    external_id: str,
    chat_id: str | None,
    locale: str,
    now: datetime,
) -> Person:
    """A new person with one identity."""
    person = Person(role=role, locale=locale, created_at=now)
    person.identities.append(Identity(channel=channel, external_id=external_id, chat_id=chat_id))
    session.add(person)
    await session.flush()
    return person


def identity_on(person: Person, channel: str) -> Identity | None:
    """The person's identity on a channel, if any (identities must be loaded)."""
    return next((i for i in person.identities if i.channel == channel), None)


async def get_state(session: AsyncSession, person_id: int) -> ConversationState | None:
    """Where the person is in a flow, if anywhere."""
    return await session.get(ConversationState, person_id)


async def set_state(
    session: AsyncSession,
    person_id: int,
    *,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> ConversationState:
    """Store where the person is in a flow (replaces any previous state)."""
    state = await session.get(ConversationState, person_id)
    if state is None:
        state = ConversationState(
            person_id=person_id, flow=flow, step=step, data=data, updated_at=now
        )
        session.add(state)
    else:
        state.flow, state.step, state.data, state.updated_at = flow, step, dict(data), now
    await session.flush()
    return state


async def clear_state(session: AsyncSession, person_id: int) -> None:
    """The person is in no flow any more."""
    await session.execute(delete(ConversationState).where(ConversationState.person_id == person_id))
