"""`mentorbot pair`: staff name the youth and the mentor by whatever they have at hand (the
#id `mentorbot review` shows, an email, a Slack or Telegram id), and what names nobody is
refused saying what was looked up."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Services
from storage import applications, privacy
from storage.models import Application, Pairing, Person
from tests.bot.cli.runner import TUESDAY, run
from tests.bot.cli.typed import NAMES, assert_shown
from tests.fakes.mentoring import make_mentor, make_youth


async def youth_with_email(
    session: AsyncSession,
    email: str,
    *,
    name: str = "Inès",
    telegram_id: str | None = None,
    decision: str = "eligible",
) -> Person:
    youth = await make_youth(
        session, TUESDAY, name=name, telegram_id=telegram_id, decision=decision
    )
    application = await applications.latest(session, youth.id)
    assert application is not None
    application.answers = {**application.answers, "email": email}
    await session.flush()
    return youth


async def paired(services: Services) -> list[tuple[int, int]]:
    async with services.sessions() as session:
        return [(p.youth_id, p.mentor_id) for p in await session.scalars(select(Pairing))]


async def test_pairing_by_the_youths_and_the_mentors_emails(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await youth_with_email(session, "ines@example.org", telegram_id="7001")
        mentor = await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "pair", "Ines@Example.org", "uclaire@example.org", "--by", "Camille")

    assert f"Pairing 1 created: youth #{youth.id} Inès with mentor #{mentor.id} Claire." in out
    assert await paired(services) == [(youth.id, mentor.id)]


async def test_pairing_by_visible_ids(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY)
        mentor = await make_mentor(session, TUESDAY, "UCLAIRE")

    await run(env, "pair", f"#{youth.id}", f"#{mentor.id}", "--by", "Camille")

    assert await paired(services) == [(youth.id, mentor.id)]


async def test_pairing_by_telegram_and_slack_ids(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, telegram_id="987654321")
        mentor = await make_mentor(session, TUESDAY, "UCLAIRE")

    await run(env, "pair", "tg:987654321", "UCLAIRE", "--by", "Camille")

    assert await paired(services) == [(youth.id, mentor.id)]


async def test_an_unknown_email_says_what_was_looked_up_and_where_ids_are(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "pair", "nobody@example.org", "UCLAIRE", "--by", "Camille", code=1)

    assert "No youth found for 'nobody@example.org' (looked up as an email)." in out
    assert "`mentorbot review` and `mentorbot status --unpaired`" in out
    assert await paired(services) == []


async def test_a_superscript_two_is_not_a_person_id(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        await make_youth(session, TUESDAY)  # people 1 and 2 exist: "²" names neither
        await make_youth(session, TUESDAY)
        await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "pair", "²", "UCLAIRE", "--by", "Camille", code=1)

    assert "No youth found for '²': it is not a person id (#12)" in out
    assert await paired(services) == []


async def test_an_erased_youths_email_names_nobody(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        youth = await youth_with_email(session, "ines@example.org")
        await make_mentor(session, TUESDAY, "UCLAIRE")
        await privacy.erase_person(session, youth, TUESDAY)

    out = await run(env, "pair", "ines@example.org", "UCLAIRE", "--by", "Camille", code=1)

    assert "No youth found for 'ines@example.org'" in out
    assert await paired(services) == []


async def test_a_shared_email_lists_who_it_could_be(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        first = await youth_with_email(session, "family@example.org", name="Inès")
        second = await youth_with_email(session, "family@example.org", name="Yanis")
        await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "pair", "family@example.org", "UCLAIRE", "--by", "Camille", code=1)

    assert f"#{first.id} Inès (youth, by application email)" in out
    assert f"#{second.id} Yanis (youth, by application email)" in out
    assert await paired(services) == []


async def test_a_refusal_names_both_people(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, decision="not_eligible")
        mentor = await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "pair", str(youth.id), "UCLAIRE", "--by", "Camille", code=1)

    assert f"Cannot pair youth #{youth.id} Inès with mentor #{mentor.id} Claire:" in out
    assert "is not eligible" in out


async def test_the_id_review_shows_is_the_one_pair_takes(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        await make_youth(session, TUESDAY, name="Zoé")  # ids of people and applications differ
        youth = await make_youth(session, TUESDAY, name="Inès", decision="review")
        application = await session.scalar(
            select(Application).where(Application.person_id == youth.id)
        )
        assert application is not None
        mentor = await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "review")
    row = next(line for line in out.splitlines() if line.startswith(f"│ {application.id} "))
    shown = re.search(r"#(\d+) Inès", row)
    assert shown is not None

    out = await run(env, "review", "decide", str(application.id), "eligible", "--by", "Camille")
    assert f"Application {application.id} (#{youth.id} Inès): eligible recorded." in out
    await run(env, "pair", shown.group(0).split()[0], "UCLAIRE", "--by", "Camille")

    assert await paired(services) == [(youth.id, mentor.id)]


async def test_status_shows_the_id_pair_takes(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY.replace(month=9), name="Inès")
        await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "status", "--unpaired")
    shown = re.search(r"youth #(\d+) Inès", out)
    assert shown is not None

    await run(env, "pair", shown.group(1), "UCLAIRE", "--by", "Camille")

    assert (await paired(services))[0][0] == youth.id


@pytest.mark.parametrize(("typed", "shown"), NAMES)
async def test_pairing_shows_names_as_typed(
    services: Services, env: dict[str, str], typed: str, shown: str
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name=typed)
        await make_mentor(session, TUESDAY, "UCLAIRE")

    out = await run(env, "pair", str(youth.id), "UCLAIRE", "--by", "Camille")

    assert f"youth #{youth.id} {shown} with mentor" in out
    assert_shown(out, shown)
