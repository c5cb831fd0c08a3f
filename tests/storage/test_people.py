"""People repository: the person, their accounts and their state in one SELECT, and no
second look for a state row the transaction already knows is missing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import applications, people
from storage.database import create_engine, create_sessions, upgrade
from storage.models import Application, ConversationState, Identity, Person

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(any_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(any_database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(db: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessions(db)


def count_statements(db: AsyncEngine, verb: str = "SELECT") -> list[str]:
    """The statements starting with `verb` run from now on, as they are run."""
    seen: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(verb):
            seen.append(statement)

    event.listen(db.sync_engine, "before_cursor_execute", before)
    return seen


async def youth(session: AsyncSession, telegram_id: str) -> Person:
    return await people.create_person(
        session,
        role="youth",
        channel="telegram",
        external_id=telegram_id,
        chat_id=telegram_id,
        locale="fr",
        now=NOW,
    )


async def test_person_accounts_and_state_in_one_select(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        person = await people.create_person(
            session,
            role="mentor",
            channel="slack",
            external_id="U1",
            chat_id="D1",
            locale="fr",
            now=NOW,
        )
        session.add(Identity(person_id=person.id, channel="telegram", external_id="42"))
        await people.set_state(session, person.id, flow="f", step="s", data={"a": 1}, now=NOW)
        person_id = person.id
    selects = count_statements(db)
    async with sessions() as session:
        found, state = await people.find_with_state(session, "telegram", "42")
        assert found is not None
        assert found.id == person_id
        assert sorted((i.channel, i.external_id) for i in found.identities) == [
            ("slack", "U1"),
            ("telegram", "42"),
        ]
        assert state is not None
        assert (state.flow, state.step, state.data) == ("f", "s", {"a": 1})
        assert people.identity_on(found, "slack") is not None
    assert len(selects) == 1
    async with sessions() as session:
        assert await people.find_with_state(session, "telegram", "43") == (None, None)


async def test_a_state_known_missing_is_not_looked_for_again(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        person = await youth(session, "7")
        selects = count_statements(db)
        await people.set_state(session, person.id, flow="f", step="one", data={}, now=NOW)
        assert selects == []  # a new person has no state: nothing to look for
        await people.clear_state(session, person.id)
        await people.set_state(session, person.id, flow="f", step="two", data={}, now=NOW)
        assert selects == []
        person_id = person.id
    async with sessions() as session, session.begin():
        found, state = await people.find_with_state(session, "telegram", "7")
        assert state is not None
        assert state.step == "two"
        assert found is not None
        await people.set_state(session, person_id, flow="f", step="three", data={}, now=NOW)
    async with sessions() as session:
        stored = await session.get(ConversationState, person_id)
        assert stored is not None
        assert stored.step == "three"


async def test_what_a_rolled_back_transaction_learnt_is_forgotten(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        person = await youth(session, "8")
        await people.set_state(session, person.id, flow="f", step="kept", data={}, now=NOW)
        person_id = person.id
    async with sessions() as session:
        async with session.begin():
            await people.clear_state(session, person_id)
            await session.rollback()  # the state row is back
        async with session.begin():
            state = await people.set_state(
                session, person_id, flow="f", step="again", data={}, now=NOW
            )
            assert state.step == "again"
    async with sessions() as session:
        rows = (await session.execute(select(ConversationState))).scalars().all()
        assert [(r.person_id, r.step) for r in rows] == [(person_id, "again")]


async def test_the_sessions_state_object_follows_what_is_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """`set_state` writes the row itself (no unit of work): the state object a flow holds
    still says what the row says, and a change a flow makes to it afterwards is stored."""
    async with sessions() as session, session.begin():
        person = await youth(session, "9")
        person_id = person.id
        state = await people.set_state(session, person_id, flow="f", step="one", data={}, now=NOW)
        # the object is the session's: a flow changing it (a suggested e-mail) is stored
        state.data = {"email_typed": "a@gmial.com"}
    async with sessions() as session, session.begin():
        _, loaded = await people.find_with_state(session, "telegram", "9")
        assert loaded is not None
        assert loaded.data == {"email_typed": "a@gmial.com"}
        again = await people.set_state(
            session, person_id, flow="f", step="two", data={"n": 2}, now=NOW
        )
        assert again is loaded  # the loaded object, now saying what the row says
        assert (loaded.step, loaded.data) == ("two", {"n": 2})
        assert await session.get(ConversationState, person_id) is loaded
        await people.clear_state(session, person_id)
        assert await session.get(ConversationState, person_id) is None
    async with sessions() as session:
        assert await session.get(ConversationState, person_id) is None


async def test_answers_are_stored_and_the_application_says_so(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        person = await youth(session, "10")
        application = await applications.start(session, person.id, None, NOW)
        application_id = application.id
    updates = count_statements(db, "UPDATE")
    async with sessions() as session, session.begin():
        loaded = await session.get(Application, application_id)
        assert loaded is not None
        await applications.set_answers(session, loaded, {"diploma": "bac5"})
        assert loaded.answers == {"diploma": "bac5"}
    assert len(updates) == 1  # the answer's own statement, nothing more at commit
    async with sessions() as session:
        stored = await session.get(Application, application_id)
        assert stored is not None
        assert stored.answers == {"diploma": "bac5"}


async def test_what_the_engine_reads_is_the_session_s_own_clean_and_written_back(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # read by one Core SELECT, each row made the session's object as if a query loaded it
    async with sessions() as session, session.begin():
        made = await youth(session, "51")
        application = await applications.start(session, made.id, "partner-x", NOW)
        await people.set_state(
            session,
            made.id,
            flow="eligibility",
            step="diploma",
            data={"application_id": application.id},
            now=NOW,
        )
        # made by Core inserts: nothing left for the unit of work, the ids known
        assert (len(session.new), len(session.dirty)) == (0, 0)
        assert [i.external_id for i in made.identities] == ["51"]
        assert (application.person_id, application.answers) == (made.id, {})
    async with sessions() as session, session.begin():
        person, state = await people.find_with_state(session, "telegram", "51")
        assert person is not None
        assert state is not None
        assert state.data == {"application_id": application.id}
        assert (person.role, person.locale, person.created_at) == ("youth", "fr", NOW)
        assert len(session.dirty) == 0
        selects = count_statements(db)
        # the same objects again, with no query: the person, their application
        assert await session.get(Person, person.id) is person
        assert await people.application_in_progress(session, application.id) is not None
        again, _ = await people.find_with_state(session, "telegram", "51")
        assert again is person
        assert len(selects) == 1  # the second find only
        # a change to an object read so is written at commit like any other
        person.display_name = "Inès"
    async with sessions() as session:
        stored = await session.get(Application, application.id)
        assert stored is not None
        assert stored.source == "partner-x"
        found = await session.scalar(select(Person).where(Person.id == made.id))
        assert found is not None
        assert found.display_name == "Inès"


async def test_a_person_let_go_by_the_session_is_filled_again_when_found(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        made = await youth(session, "52")
        person_id = made.id
    async with sessions() as session, session.begin():
        person, _ = await people.find_with_state(session, "telegram", "52")
        assert person is not None
        session.expire(person, ["locale", "display_name"])
        again, _ = await people.find_with_state(session, "telegram", "52")
        assert again is person
        # read from the row found, not by a lazy load (which an asyncio session refuses)
        assert (person.__dict__["locale"], person.__dict__["display_name"]) == ("fr", None)
        assert person.id == person_id
