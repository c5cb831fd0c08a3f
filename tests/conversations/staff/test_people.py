"""Finding the person staff mean: by the visible id, an email, a Slack or Telegram id, on
SQLite and PostgreSQL (youths' emails are read from JSON answers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.staff import pairing
from conversations.staff.people import AmbiguousPerson, PersonNotFound, find_person, label
from storage import applications, privacy
from storage.database import upgrade
from storage.models import Person, Role
from tests.conftest import START, make_settings
from tests.fakes.mentoring import make_mentor, make_youth


@pytest.fixture
async def services(any_database_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    built = build(make_settings(any_database_url), clock)
    await upgrade(built.db)
    yield built
    await built.close()


async def youth_with_email(
    session: AsyncSession, email: str, *, name: str = "Inès", telegram_id: str | None = None
) -> Person:
    youth = await make_youth(session, START, name=name, telegram_id=telegram_id)
    application = await applications.latest(session, youth.id)
    assert application is not None
    application.answers = {**application.answers, "email": email}
    await session.flush()
    return youth


async def test_the_visible_id_with_or_without_its_hash(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, START)
        assert await find_person(session, f"#{youth.id}") is youth
        assert await find_person(session, f" {youth.id} ", role=Role.YOUTH) is youth
        assert label(youth.id, youth.display_name) == f"#{youth.id} Inès"


async def test_a_youth_by_the_email_of_their_latest_application(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        youth = await youth_with_email(session, "Ines.M@Example.org")
        assert await find_person(session, "ines.m@example.ORG", role=Role.YOUTH) is youth
        # a new application without the address: the old one no longer names them
        await applications.start(session, youth.id, None, START)
        with pytest.raises(PersonNotFound, match=r"No youth found for 'ines.m@example.org' "):
            await find_person(session, "ines.m@example.org", role=Role.YOUTH)


async def test_a_mentor_by_email_or_slack_id(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        mentor = await make_mentor(session, START, "UCLAIRE")
        assert await find_person(session, "UClaire@Example.org", role=Role.MENTOR) is mentor
        assert await find_person(session, "UCLAIRE", role=Role.MENTOR) is mentor
        assert await pairing.find_mentor(session, f"#{mentor.id}") is mentor


async def test_a_telegram_id_with_tg_or_as_a_long_bare_number(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, START, telegram_id="987654321")
        assert await find_person(session, "tg:987654321") is youth
        assert await find_person(session, "TG:987654321") is youth
        assert await find_person(session, "987654321", role=Role.YOUTH) is youth
        short = await make_youth(session, START, telegram_id="7001")
        # a short bare number is a person id only, never a Telegram id
        with pytest.raises(PersonNotFound, match=r"looked up as person id 7001\)"):
            await find_person(session, "7001")
        assert await find_person(session, "tg:7001") is short


async def test_a_number_that_is_a_person_id_and_another_telegram_id_is_ambiguous(
    services: Services,
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, START, telegram_id="1234567")
        other = Person(id=1234567, role=Role.YOUTH, display_name="Zoé", created_at=START)
        session.add(other)
        await session.flush()
        with pytest.raises(AmbiguousPerson) as raised:
            await find_person(session, "1234567")
        assert set(raised.value.candidates) == {youth, other}
        assert f"#{youth.id} Inès (youth, by Telegram id)" in str(raised.value)
        assert "#1234567 Zoé (youth, by person id)" in str(raised.value)
        assert await find_person(session, "#1234567") is other
        assert await find_person(session, "tg:1234567") is youth


async def test_two_youths_giving_one_email_are_both_listed(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        first = await youth_with_email(session, "shared@example.org", name="Inès")
        second = await youth_with_email(session, "shared@example.org", name="Yanis")
        with pytest.raises(AmbiguousPerson, match=r"matches 2 people") as raised:
            await find_person(session, "shared@example.org", role=Role.YOUTH)
    assert raised.value.candidates == (first, second)
    assert f"#{first.id} Inès (youth, by application email)" in str(raised.value)


async def test_the_role_asked_for_is_the_only_one_found(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        mentor = await make_mentor(session, START, "UCLAIRE")
        with pytest.raises(
            PersonNotFound, match=rf"#{mentor.id} Claire is a mentor, not a youth\."
        ):
            await find_person(session, "UCLAIRE", role=Role.YOUTH)
        youth = await make_youth(session, START)
        assert await pairing.find_mentor(session, str(youth.id)) is None


async def test_erased_people_are_never_found(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        youth = await youth_with_email(session, "ines@example.org", telegram_id="987654321")
        await privacy.erase_person(session, youth, START)
        for reference in ("ines@example.org", f"#{youth.id}", str(youth.id), "tg:987654321"):
            with pytest.raises(PersonNotFound):
                await find_person(session, reference)


@pytest.mark.parametrize(
    "typed",
    ["²", "#²", "١٢", "#0", "0", "-3", "#12a", "tg:", "tg:²", "99999999999999999999", "Inès", ""],
)
async def test_what_names_nobody_says_what_is_accepted(services: Services, typed: str) -> None:
    async with services.sessions() as session:
        with pytest.raises(PersonNotFound, match=r": it is not a person id \(#12\), an email"):
            await find_person(session, typed, role=Role.YOUTH)


async def test_an_id_beyond_the_range_of_ids_is_not_looked_up(services: Services) -> None:
    async with services.sessions() as session:
        with pytest.raises(PersonNotFound, match=r"it is not a person id"):
            await find_person(session, f"#{2**63}")
