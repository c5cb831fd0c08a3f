"""Writing and previewing an announcement: template problems with their line (syntax, an
unknown variable, what the sandbox refuses), exactly what a youth on Telegram and a mentor
on Slack see, the count it reaches and how long it takes; sending refused when it cannot
be right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel
from conversations.staff import announcements
from storage.events import Audience
from storage.models import Delivery, Role
from tests.fakes import events as fake

RATES = {"telegram": 30.0, "slack": 1.0}


async def problems_of(services: Services, template_fr: str) -> list[tuple[str, int]]:
    event = await fake.event_id(services)
    with pytest.raises(announcements.AnnouncementProblems) as refused:
        await fake.announcement_id(services, event, template_fr=template_fr, template_en=None)
    return [(p.code, p.line) for p in refused.value.templates]


@pytest.mark.parametrize(
    ("template", "code", "line"),
    [
        ("Bonjour {{ first_name }}\n{% if title %}\n{{ title }", "syntax", 3),
        ("Bonjour\n\n{{ prenom }} !", "unknown_variable", 3),
        ("Bonjour\n{{ title.__len__() }}", "refused", 2),
        ("{{ ''.__class__.__mro__ }}", "refused", 1),
        ("{{ title.__class__.__base__.__subclasses__() }}", "refused", 1),
        ("{{ 'a' * 1000000000 }}", "refused", 1),
        ("{{ 10 ** 100000000 }}", "refused", 1),
        ("{{ range(10) }}", "unknown_variable", 1),
        ("{{ title }}" * 400, "too_long", 0),
        ("{{ 1 / 0 }}", "error", 1),
    ],
)
async def test_template_problems_are_found_with_their_line(
    services: Services, template: str, code: str, line: int
) -> None:
    assert await problems_of(services, template) == [(code, line)]


async def test_an_empty_message_is_refused(services: Services) -> None:
    event = await fake.event_id(services)
    with pytest.raises(announcements.AnnouncementProblems) as refused:
        await fake.announcement_id(services, event, template_fr="  \n ", template_en=None)
    assert refused.value.codes == ("template_missing",)


async def test_a_template_problem_reads_as_a_sentence(services: Services) -> None:
    event = await fake.event_id(services)
    with pytest.raises(announcements.AnnouncementProblems) as refused:
        await fake.announcement_id(services, event, template_fr="a\n{{ nom }}", template_en=None)
    (problem,) = refused.value.templates
    text = services.renderer.text(
        "events.staff.template_" + problem.code,
        "en",
        Channel.CONSOLE,
        {"locale": problem.locale, "line": problem.line, "detail": problem.detail},
    )
    assert text == "French template, line 2: unknown variable (nom)."


async def test_the_preview_is_what_each_side_sees(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        for n in range(3):
            await fake.youth(session, now, name=f"Y{n}")
        off = await fake.youth(session, now, name="Off")
        off.announcements_opt_out_at = now
        gone = await fake.youth(session, now, name="Gone")
        gone.unreachable_at = now
        await fake.mentor(session, now)
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event)
    async with services.sessions() as session:
        seen = await announcements.preview(
            session, announcement, now=now, zone=services.config.zone, rates=RATES
        )
    assert seen.problems == ()
    assert seen.reach.channels == {"telegram": 3, "slack": 1}
    assert seen.reach.excluded == {"erased": 0, "opted_out": 1, "unreachable": 1}
    assert seen.seconds == pytest.approx(3 / 30 + 1 / 1)
    assert seen.youth is not None
    assert seen.mentor is not None
    youth = services.renderer.render(seen.youth, Channel.TELEGRAM)
    mentor = services.renderer.render(seen.mentor, Channel.SLACK)
    assert youth.text == (
        "Bonjour Inès !\n« Réussir son entretien » : jeudi 5 novembre 2026, 18 h – 19 h "
        "(heure de Paris).\nhttps://visio.example.org/entretien"
    )
    assert mentor.text.startswith("Bonjour Claire !")
    assert [label for row in youth.buttons for label, _value in row] == [
        "Je viens",
        "Peut-être",
        "Non",
    ]


async def test_people_overseas_see_their_own_time(services: Services) -> None:
    now = services.clock.now()
    event = await fake.event_id(services)
    async with services.sessions() as session, session.begin():
        await fake.youth(session, now, region="reu", locale="en")
    announcement = await fake.announcement_id(services, event)
    async with services.sessions() as session:
        row = await announcements.load(session, announcement)
        found = announcements.variants(row[0], row[1], services.config.zone)
    reunion = next(v for v in found if v.locale == "en" and v.regions and "reu" in v.regions)
    text = "".join(reunion.context["body"])
    assert "Thursday 5 November 2026, 9 pm – 10 pm (Réunion time)" in text


async def test_sending_is_refused_when_it_cannot_be_right(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        await fake.youth(session, now, region="idf")
    event = await fake.event_id(services)
    nobody = await fake.announcement_id(
        services, event, Audience(roles=(Role.YOUTH,), regions=("bre",))
    )
    regional = await fake.announcement_id(
        services, event, Audience(roles=(Role.YOUTH,), regions=("idf",))
    )

    async def send(announcement: int, **when: object) -> list[str]:
        try:
            async with services.sessions() as session, session.begin():
                await announcements.send(
                    session,
                    announcement,
                    staff=fake.STAFF,
                    now=now,
                    zone=services.config.zone,
                    **when,  # type: ignore[arg-type]
                )
        except announcements.AnnouncementProblems as refused:
            return list(refused.codes)
        return []

    assert await send(nobody) == ["audience_empty"]
    assert await send(
        regional, send_at=now + timedelta(days=2), not_after=now + timedelta(days=1)
    ) == ["send_at_after_not_after"]
    assert await send(regional, send_at=now - timedelta(hours=1)) == ["send_at_past"]
    assert await send(regional, not_after=now + timedelta(days=10)) == ["not_after_after_start"]
    assert await send(regional, send_at=now + timedelta(hours=2)) == []
    assert await send(regional) == []  # rescheduled to now, before it went out


async def test_an_event_in_the_past_cannot_be_announced(
    services: Services, clock: FixedClock
) -> None:
    event = await fake.event_id(services)
    clock.advance(timedelta(days=4))
    with pytest.raises(announcements.AnnouncementProblems) as refused:
        await fake.announcement_id(services, event)
    assert refused.value.codes == ("event_started",)


async def test_a_test_send_goes_to_the_staff_members_own_dm(services: Services) -> None:
    now = services.clock.now()
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event)
    async with services.sessions() as session, session.begin():
        assert await announcements.send_test(
            session, announcement, staff=fake.STAFF, now=now, zone=services.config.zone
        )
    async with services.sessions() as session:
        (row,) = (await session.scalars(select(Delivery))).all()
    assert row.destination == fake.STAFF
    assert row.person_id is None
    text = services.renderer.text(row.template, "fr", Channel.SLACK, row.context)
    assert text.startswith("Bonjour Claire !\n« Réussir son entretien »")
