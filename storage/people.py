"""People, their channel identities, conversation state and processed events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from itertools import accumulate
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import (
    Application,
    ConversationState,
    Identity,
    MentorProfile,
    Person,
    ProcessedEvent,
)
from storage.rows import (
    Columns,
    as_loaded,
    columns_of,
    execute_core,
    insert_row,
    loaded,
    update_row,
)

__all__ = [
    "add_identity",
    "application_in_progress",
    "clear_state",
    "create_person",
    "external_id_on",
    "find_by_identity",
    "find_identity_on",
    "find_with_state",
    "first_identity",
    "get_state",
    "identity_id_on",
    "identity_on",
    "mark_and_find",
    "mark_processed",
    "mentors_by_email",
    "set_consent",
    "set_state",
    "youths_by_application_email",
]

# `session.info` key: the people this transaction knows to be in no flow (their state row
# was looked for, or deleted), so storing a state does not look for it once more
_NO_STATE = "people.no_state"
# `session.info` key: the registration in progress loaded with the person (see find_with_state)
_LOADED_APPLICATION = "people.application"


async def mark_processed(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record a platform event id; False if it was already handled (a redelivery).

    An atomic insert, not "highest id seen": updates can arrive out of order. The record is
    part of the caller's transaction, so an event whose handling fails can be handled again.
    """
    return await session.run_sync(_mark, channel, event_id, now)


async def mark_and_find(
    session: AsyncSession, channel: str, event_id: str | None, external_id: str, now: datetime
) -> tuple[bool, Person | None, ConversationState | None]:
    """What every handled event starts with, in one step into SQLAlchemy's synchronous
    core: the event id recorded (`mark_processed`; none to record without an id), then who
    is talking and where they stand (`find_with_state`). (False, None, None) for an event
    already handled."""

    def run(sync_session: Session) -> tuple[bool, Person | None, ConversationState | None]:
        if event_id is not None and not _mark(sync_session, channel, event_id, now):
            return False, None, None
        return True, *_find(sync_session, channel, external_id)

    return await session.run_sync(run)


def _mark(sync_session: Session, channel: str, event_id: str, now: datetime) -> bool:
    statement = _mark_statement(sync_session.get_bind().dialect.name)
    values = {"channel": channel, "event_id": event_id, "processed_at": now}
    # on the session's connection: a Core statement needs none of the ORM's execution path
    result = sync_session.connection().execute(statement, values)
    return bool(result.rowcount)


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
    are in a flow: one SELECT (identity, person, every identity of theirs, their state, and
    the application a registration in progress fills, left in the session for the flow)."""
    return await session.run_sync(_find, channel, external_id)


def _find(
    sync_session: Session, channel: str, external_id: str
) -> tuple[Person | None, ConversationState | None]:
    if sync_session.autoflush:
        sync_session.flush()  # as a query through the session would (nothing, mostly)
    rows = (
        sync_session.connection()
        .execute(_find_statement(), {"channel": channel, "external_id": external_id})
        .all()
    )
    if not rows:
        return None, None
    shapes, starts = _find_layout()
    first = rows[0]
    person = as_loaded(sync_session, Person, shapes[0].values(first))
    if "identities" not in person.__dict__:
        identities = [
            as_loaded(sync_session, Identity, shapes[1].values(row, starts[1])) for row in rows
        ]
        set_committed_value(person, "identities", identities)
    state = application = None
    if first[starts[2]] is not None:
        state = as_loaded(sync_session, ConversationState, shapes[2].values(first, starts[2]))
    if first[starts[3]] is not None:
        application = as_loaded(sync_session, Application, shapes[3].values(first, starts[3]))
    # the session's identity map holds objects weakly: kept here for the transaction, the
    # flow's `session.get(Application, id)` finds it without a query
    sync_session.info[_LOADED_APPLICATION] = application
    if state is None:
        _without_state(sync_session).add(person.id)
    return person, state


async def application_in_progress(session: AsyncSession, application_id: int) -> Application | None:
    """The application a registration in progress fills, by id: the session's own (the one
    `find_with_state` loaded) without a step into SQLAlchemy, else looked up."""
    held = loaded(session, Application, application_id)
    return held if held is not None else await session.get(Application, application_id)


@cache
def _find_layout() -> tuple[list[Columns], list[int]]:
    """The columns of each table in a row of `_find_statement` (one row per identity of the
    person: person, an identity, state, application) and where each table's start."""
    shapes = [columns_of(entity) for entity in (Person, Identity, ConversationState, Application)]
    return shapes, list(accumulate((len(shape.columns) for shape in shapes), initial=0))


@cache
def _find_statement() -> Executable:
    # Core, the tables' columns in order: `as_loaded` makes the objects (see storage.rows)
    person, identity, state, application = (
        cast(Table, entity.__table__)
        for entity in (Person, Identity, ConversationState, Application)
    )
    matched = identity.alias("matched")
    return (
        select(person, identity, state, application)
        .select_from(
            person.join(matched, matched.c.person_id == person.c.id)
            .join(identity, identity.c.person_id == person.c.id)
            .outerjoin(state, state.c.person_id == person.c.id)
            .outerjoin(application, application.c.id == state.c.data["application_id"].as_integer())
        )
        .where(
            matched.c.channel == bindparam("channel"),
            matched.c.external_id == bindparam("external_id"),
        )
    )


def _without_state(session: AsyncSession | Session) -> set[int]:
    """The ids of people known to have no state row in the session's current transaction
    (what a rolled-back transaction learnt is forgotten with it)."""
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    transaction = sync_session.get_transaction()
    known: tuple[object, set[int]] | None = sync_session.info.get(_NO_STATE)
    if known is None or known[0] is not transaction:
        known = (transaction, set())
        sync_session.info[_NO_STATE] = known
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
    """A new person with one identity: two Core inserts (`storage.rows.insert_row`), not the
    unit of work's flush (at every youth's /start)."""
    person = await insert_row(session, Person, {"role": role, "locale": locale, "created_at": now})
    identity = await insert_row(
        session,
        Identity,
        {
            "person_id": person.id,
            "channel": channel,
            "external_id": external_id,
            "chat_id": chat_id,
        },
    )
    set_committed_value(person, "identities", [identity])
    _known_without_state(session, person.id)
    return person


async def add_identity(
    session: AsyncSession, person: Person, *, channel: str, external_id: str, chat_id: str | None
) -> Identity:
    """Give a known person an account on one more channel (a mentor imported from a
    spreadsheet before their Slack id was known)."""
    identity = Identity(channel=channel, external_id=external_id, chat_id=chat_id)
    person.identities.append(identity)
    await session.flush()
    return identity


def identity_on(person: Person, channel: str) -> Identity | None:
    """The person's identity on a channel, if any (identities must be loaded)."""
    return next((i for i in person.identities if i.channel == channel), None)


async def find_identity_on(session: AsyncSession, person_id: int, channel: str) -> Identity | None:
    """The person's identity on a channel, if any (looked up, not from loaded identities)."""
    return await session.scalar(
        select(Identity).where(Identity.person_id == person_id, Identity.channel == channel)
    )


async def identity_id_on(session: AsyncSession, person_id: int, channel: str) -> int | None:
    """The id of the person's identity on a channel, if they have one."""
    return await session.scalar(
        select(Identity.id).where(Identity.person_id == person_id, Identity.channel == channel)
    )


async def external_id_on(session: AsyncSession, person_id: int, channel: str) -> str | None:
    """The person's id on a channel (e.g. their Slack user id), if they have one."""
    return await session.scalar(
        select(Identity.external_id).where(
            Identity.person_id == person_id, Identity.channel == channel
        )
    )


async def first_identity(session: AsyncSession, person_id: int) -> Identity | None:
    """One of the person's identities (whichever the database returns first), if any."""
    return await session.scalar(select(Identity).where(Identity.person_id == person_id).limit(1))


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
    """Store where the person is in a flow (replaces any previous state).

    Every answer in a flow stores its state: one Core statement on the session's
    connection (the ORM's unit of work would cost as much again as the statement), the
    session's object kept in step with the row, as if just loaded."""
    values = {"flow": flow, "step": step, "data": dict(data), "updated_at": now}
    absent = _without_state(session)
    # an update keeps the session's object of the row in step (`update_row`)
    if person_id in absent or not await update_row(session, ConversationState, person_id, values):
        await execute_core(session, _insert_state(), {"person_id": person_id, **values})
    absent.discard(person_id)
    state = loaded(session, ConversationState, person_id)
    if state is None:
        state = ConversationState(person_id=person_id, **values)
        # the row exists: the object joins the session as loaded, not as one to insert
        make_transient_to_detached(state)
        session.add(state)
    return state


@cache
def _insert_state() -> Executable:
    return insert(cast(Table, ConversationState.__table__))


async def set_consent(
    session: AsyncSession,
    person: Person,
    *,
    accepted_at: datetime | None,
    declined_at: datetime | None,
    display_name: str | None,
) -> None:
    """Store the answer to the privacy notice (and the name kept with an acceptance): one
    Core UPDATE, the person object kept in step with the row."""
    values = {
        "consent_at": accepted_at,
        "consent_declined_at": declined_at,
        "display_name": display_name,
    }
    await update_row(session, Person, person.id, values)


async def clear_state(session: AsyncSession, person_id: int) -> None:
    """The person is in no flow any more (a Core DELETE on the session's connection; the
    session forgets its object of the row)."""
    await execute_core(session, _delete_state(), {"state_of": person_id})
    state = loaded(session, ConversationState, person_id)
    if state is not None:
        session.expunge(state)
    _known_without_state(session, person_id)


@cache
def _delete_state() -> Executable:
    table = cast(Table, ConversationState.__table__)
    return delete(table).where(table.c.person_id == bindparam("state_of"))


async def mentors_by_email(session: AsyncSession, address: str) -> Sequence[Person]:
    """Mentors whose profile email is `address` (lower case), by id."""
    return (
        await session.scalars(
            select(Person)
            .join(MentorProfile, MentorProfile.person_id == Person.id)
            .where(func.lower(MentorProfile.email) == address)
            .order_by(Person.id)
        )
    ).all()


async def youths_by_application_email(session: AsyncSession, address: str) -> Sequence[Person]:
    """People whose latest application gives the email `address` (lower case), by id."""
    # only the latest application counts (an address given in an earlier, abandoned
    # application may be someone else's by now)
    latest = (
        select(func.max(Application.id).label("id"))
        .where(Application.person_id.is_not(None))
        .group_by(Application.person_id)
        .subquery()
    )
    return (
        await session.scalars(
            select(Person)
            .join(Application, Application.person_id == Person.id)
            .join(latest, latest.c.id == Application.id)
            .where(func.lower(Application.answers["email"].as_string()) == address)
            .order_by(Person.id)
        )
    ).all()
