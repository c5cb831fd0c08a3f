"""A youth imported from a partner's spreadsheet starts the bot with their personal link
(`t.me/<bot>?start=inv-...`), through the real PTB `Application` against the stand-in Bot
API: the Telegram account is linked to the imported record (no second person), they are
greeted by first name, and the questions the file answered are not asked again. A link used
twice, by another account, unknown or malformed: a kind word and the normal start."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.container import Services
from conversations.staff import import_plan
from conversations.staff.imports import People, read
from storage.models import Application, Identity, Invite, Person
from tests.conftest import START
from tests.fakes.telegram_fixtures import USER, RunningBot, Youth

FILE = (
    "email;prénom;date de naissance;région;diplôme;domaine;partenaire\n"
    "ines@example.fr;Inès;12/03/2001;Lyon;master;Contrôle de gestion;ml69\n"
)


async def imported(services: Services) -> tuple[int, str]:
    """Inès imported from a file: her person id and invite token."""
    parsed = read(FILE.encode(), People.YOUTHS, today=START.date())
    async with services.sessions() as session, session.begin():
        plan = await import_plan.check(session, parsed)
        applied = await import_plan.apply(session, plan, by="Camille", now=START)
    [link] = applied.links
    async with services.sessions() as session:
        person_id = await session.scalar(select(Person.id).where(Person.import_key.is_not(None)))
    assert person_id is not None
    return person_id, link.token


async def telegram_owner(services: Services, user: int) -> int | None:
    async with services.sessions() as session:
        return await session.scalar(
            select(Identity.person_id).where(
                Identity.channel == "telegram", Identity.external_id == str(user)
            )
        )


async def people_count(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_the_link_links_the_record_greets_by_name_and_skips_what_the_file_said(
    telegram: RunningBot,
) -> None:
    services = telegram.services
    person_id, token = await imported(services)
    youth = Youth(telegram, first_name="Ines_du_93")  # her Telegram name is not her name

    said = await youth.command("start", token)

    assert "Bonjour Inès, bienvenue !" in said
    assert "Tu acceptes ?" in said  # the privacy notice, as for anyone
    assert await telegram_owner(services, USER) == person_id
    assert await people_count(services) == 1  # the account's blank person did not survive
    async with services.sessions() as session:
        invite = await session.scalar(select(Invite))
        assert invite is not None
        assert invite.used_at is not None

    said = await youth.presses("J'accepte")

    assert "Merci Inès !" in said
    # diploma and birth date came with the file: the next question is the neighbourhood
    assert "quartier prioritaire" in said
    async with services.sessions() as session:
        applications = (await session.scalars(select(Application))).all()
    assert [(a.person_id, a.source) for a in applications] == [(person_id, "ml69")]
    assert applications[0].answers["region"] == "ara"


async def test_a_link_used_twice_is_refused_and_the_record_stays_with_the_first_account(
    telegram: RunningBot,
) -> None:
    services = telegram.services
    person_id, token = await imported(services)
    first = Youth(telegram)
    await first.command("start", token)
    other = Youth(telegram, user_id=USER + 1, first_name="Sam", updates=first.updates)

    said = await other.command("start", token)

    assert "Ce lien personnel a déjà servi : il ne marche qu'une fois." in said
    assert "Tu acceptes ?" in said  # the normal start
    assert await telegram_owner(services, USER) == person_id
    assert await telegram_owner(services, USER + 1) not in (None, person_id)

    # the first account starting with its own link again is simply welcomed back
    again = await first.command("start", token)
    assert "déjà servi" not in again
    assert await telegram_owner(services, USER) == person_id


async def test_an_unknown_or_malformed_link_gets_a_kind_word_and_the_normal_start(
    telegram: RunningBot,
) -> None:
    services = telegram.services
    await imported(services)
    youth = Youth(telegram)

    for payload in ("inv-" + "A" * 32, "inv-abc"):
        said = await youth.command("start", payload)
        assert "Je ne reconnais pas ce lien personnel" in said
        assert "Tu acceptes ?" in said

    await youth.presses("J'accepte")
    async with services.sessions() as session:
        mine = await session.scalar(
            select(Application).where(Application.person_id == await telegram_owner(services, USER))
        )
    assert mine is not None
    assert mine.source is None  # an invite is never taken for a partner source
    async with services.sessions() as session:
        assert await session.scalar(select(Invite.used_at)) is None


async def test_an_account_already_registered_keeps_its_registration(
    telegram: RunningBot,
) -> None:
    services = telegram.services
    person_id, token = await imported(services)
    youth = Youth(telegram)
    await youth.command("start")
    await youth.presses("J'accepte")  # her own registration, on this account
    own = await telegram_owner(services, USER)

    said = await youth.command("start", token)

    assert "ne peut pas servir avec ce compte" in said
    assert await telegram_owner(services, USER) == own != person_id
    async with services.sessions() as session:
        assert await session.scalar(select(Invite.used_at)) is None  # still usable
