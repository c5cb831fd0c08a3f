"""People, their channel identities, conversation state and processed events."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, contains_eager

from storage.models import ConversationState, Identity, Person, ProcessedEvent

__all__ = [
    "clear_state",
    "create_person",
    "find_by_identity",
    "find_with_state",
    "get_state",
    "identity_on",
    "mark_processed",
    "set_state",
]

# `session.info` key: the people this transaction knows to be in no flow (their state row
# was looked for, or deleted), so storing a state does not look for it once more
_NO_STATE = "people.no_state"


async def mark_processed(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record a platform event id; False if it was already handled (a redelivery).

    An atomic insert, not "highest id seen": updates can arrive out of order. The record is
    part of the caller's transaction, so an event whose handling fails can be handled again.
    """
    statement = _mark_statement(session.get_bind().dialect.name)
    values = {"channel": channel, "event_id": event_id, "processed_at": now}
    result = await session.execute(statement, values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


# The statements run for every event are built once (building one costs more than running
# it on SQLite), their values bound at each call.


@cache
def _mark_statement(dialect: str) -> Executable:
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    # on the table, not the mapped class: a Core insert, whose result has a row count
    return (
        insert(cast(Table, ProcessedEvent.__table__))
        .values(
            channel=bindparam("channel"),
            event_id=bindparam("event_id"),
            processed_at=bindparam("processed_at"),
        )
        .on_conflict_do_nothing()
    )


async def find_by_identity(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    """The person behind a channel account, with their identities loaded."""
    person, _state = await find_with_state(session, channel, external_id)
    return person


async def find_with_state(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[Person | None, ConversationState | None]:
    """The person behind a channel account, with their identities loaded, and where they
    are in a flow: one SELECT (identity, person, every identity of theirs, their state)."""
    result = await session.execute(
        _find_statement(), {"channel": channel, "external_id": external_id}
    )
    # one row per identity of the person: all of them are read to fill `identities`
    rows = result.unique().all()
    if not rows:
        return None, None
    person, state = rows[0]
    if state is None:
        _known_without_state(session, person.id)
    return person, state


@cache
def _find_statement() -> Executable:
    matched = aliased(Identity)
    return (
        select(Person, ConversationState)
        .join(matched, matched.person_id == Person.id)
        .join(Person.identities)
        .outerjoin(ConversationState, ConversationState.person_id == Person.id)
        .where(
            matched.channel == bindparam("channel"),
            matched.external_id == bindparam("external_id"),
        )
        .options(contains_eager(Person.identities))
    )


def _without_state(session: AsyncSession) -> set[int]:
    """The ids of people known to have no state row in the session's current transaction
    (what a rolled-back transaction learnt is forgotten with it)."""
    transaction = session.sync_session.get_transaction()
    known: tuple[object, set[int]] | None = session.info.get(_NO_STATE)
    if known is None or known[0] is not transaction:
        known = (transaction, set())
        session.info[_NO_STATE] = known
    return known[1]


def _known_without_state(session: AsyncSession, person_id: int) -> None:
    _without_state(session).add(person_id)


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
    _known_without_state(session, person.id)
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
    absent = _without_state(session)
    state = None if person_id in absent else await session.get(ConversationState, person_id)
    absent.discard(person_id)
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
    _known_without_state(session, person_id)
