"""Announcements through the scheduler and the outbox, against the stand-in Bot API and
Slack Web API: a regional segment with its RSVP buttons, a scheduled send and its "not
after" cancelling the rest, the day-before and hour-before reminders (the clock moved,
never slept on), a date change told, the report's counts checked against the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs import rsvp
from conversations.staff import announcements, event_report
from conversations.staff import events as staff_events
from handlers.slack import SlackRenderer, SlackSender, build_client
from scheduler.dispatcher import Dispatcher
from scheduler.ticks.announcements import due_announcements, due_event_reminders
from scheduler.ticks.batch import run_batches
from storage.events import Audience
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryStatus,
    Person,
    Role,
)
from tests.fakes import events as fake
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi
from tests.scheduler.outbox_helpers import telegram_sender

STAFF_CHANNEL = "CSTAFF"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def outbox_dispatcher(
    services: Services, telegram: FakeBotApi, slack_api: FakeSlackApi
) -> AsyncIterator[Dispatcher]:
    slack = SlackSender(
        build_client("xoxb-test", slack_api.base_url, retry_on_rate_limit=False),
        SlackRenderer(services.renderer),
        services.clock,
        STAFF_CHANNEL,
    )
    async with telegram_sender(telegram, services.renderer) as sender:
        yield Dispatcher(services.sessions, {"telegram": sender, "slack": slack}, services.clock)


async def tick(services: Services) -> int:
    """The scheduler's two event ticks, as `Ticks.run` runs them."""
    now = services.clock.now()
    written = await run_batches(services.sessions, due_announcements, now, services.config)
    await run_batches(services.sessions, due_event_reminders, now, services.config)
    return written


async def send(services: Services, announcement: int, **when: Any) -> None:
    async with services.sessions() as session, session.begin():
        await announcements.send(
            session,
            announcement,
            staff=fake.STAFF,
            now=services.clock.now(),
            zone=services.config.zone,
            **when,
        )


async def answer(services: Services, person_id: int, announcement: int, value: str) -> None:
    async with services.sessions() as session, session.begin():
        person = await session.get(Person, person_id)
        assert person is not None
        await rsvp.answer(
            session,
            person=person,
            announcement_id=announcement,
            value=value,
            now=services.clock.now(),
        )


async def test_a_regional_segment_receives_it_with_rsvp_buttons(
    services: Services,
    telegram: FakeBotApi,
    slack_api: FakeSlackApi,
    outbox_dispatcher: Dispatcher,
) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, now, name="Inès", region="idf")
        samir = await fake.youth(session, now, name="Samir", region="idf", locale="en")
        lyon = await fake.youth(session, now, name="Léa", region="ara")
        claire = await fake.mentor(session, now, name="Claire", region="idf")
        chats = {p.id: await fake.chat_of(session, p.id) for p in (ines, samir, lyon, claire)}
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(
        services, event, Audience(roles=(Role.YOUTH, Role.MENTOR), regions=("idf",))
    )
    await send(services, announcement)
    assert await tick(services) == 3
    report = await outbox_dispatcher.run_until_empty()
    assert report.sent == 4  # three people and the staff channel's "started"

    (french,) = telegram.texts(chats[ines.id], plain=True)
    assert french.startswith("Bonjour Inès !\n« Réussir son entretien » : jeudi 5 novembre")
    (english,) = telegram.texts(chats[samir.id], plain=True)
    assert english.startswith("Hello Samir!\n“Réussir son entretien”: Thursday 5 November")
    assert telegram.texts(chats[lyon.id]) == []
    keyboard = telegram.last_keyboard(chats[ines.id])
    assert keyboard is not None
    assert [b["callback_data"] for row in keyboard for b in row] == [
        f"rv:{announcement}:yes",
        f"rv:{announcement}:maybe",
        f"rv:{announcement}:no",
    ]
    (to_mentor,) = slack_api.messages(chats[claire.id])
    assert "Bonjour Claire !" in str(to_mentor["text"])
    values = [
        element["value"]
        for block in to_mentor["blocks"]
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]
    assert values == [f"rv:{announcement}:yes", f"rv:{announcement}:maybe", f"rv:{announcement}:no"]
    (started,) = slack_api.messages(STAFF_CHANNEL)
    assert f"Annonce n° {announcement} : 3 messages en file d'envoi" in str(started["text"])

    # the texts are not kept once sent; a second tick changes nothing
    async with services.sessions() as session:
        rows = (
            await session.scalars(select(Delivery).where(Delivery.person_id.is_not(None)))
        ).all()
    assert all(row.status == DeliveryStatus.SENT for row in rows)
    await tick(services)
    assert (await outbox_dispatcher.run_until_empty()).sent == 1  # "finished", to staff
    # one post for the whole sending, updated in place: it now says it is finished
    (post,) = slack_api.messages(STAFF_CHANNEL)
    channel, ts = slack_api.last_post(STAFF_CHANNEL)
    now_shown = slack_api.posted(channel, ts)
    assert now_shown is not None
    assert "terminée" in str(now_shown["text"])
    assert "terminée" not in str(post["text"])
    async with services.sessions() as session:
        stored = await session.get(Announcement, announcement)
    assert stored is not None
    assert stored.status == AnnouncementStatus.DONE


async def test_a_scheduled_send_and_its_not_after_cancelling_the_rest(
    services: Services, clock: FixedClock, telegram: FakeBotApi, outbox_dispatcher: Dispatcher
) -> None:
    now = clock.now()
    today = now.astimezone(services.config.zone).date()
    async with services.sessions() as session, session.begin():
        youths = [await fake.youth(session, now, name=f"Y{n}") for n in range(5)]
        # two of them already had their one message of the day
        for person in youths[:2]:
            person.last_proactive_on = today
        chats = [await fake.chat_of(session, p.id) for p in youths]
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event, Audience(roles=(Role.YOUTH,)))
    await send(
        services, announcement, send_at=now + timedelta(hours=1), not_after=now + timedelta(hours=5)
    )

    assert await tick(services) == 0  # not yet
    clock.advance(timedelta(hours=1))
    assert await tick(services) == 5
    await outbox_dispatcher.run_until_empty()
    assert [len(telegram.texts(chat)) for chat in chats] == [0, 0, 1, 1, 1]

    # "not after": the two still waiting for tomorrow are cancelled, never sent late
    clock.advance(timedelta(hours=4))
    await tick(services)
    clock.advance(timedelta(days=1))
    await outbox_dispatcher.run_until_empty()
    assert [len(telegram.texts(chat)) for chat in chats] == [0, 0, 1, 1, 1]
    async with services.sessions() as session:
        stored = await session.get(Announcement, announcement)
        found = await event_report.event_report(session, event)
        rows = (
            await session.scalars(
                select(Delivery).where(
                    Delivery.idempotency_key.startswith(f"announce:{announcement}:")
                )
            )
        ).all()
    assert stored is not None
    assert stored.status == AnnouncementStatus.DONE
    assert stored.expired == 2
    statuses = sorted(row.status for row in rows)
    assert statuses == ["cancelled", "cancelled", "sent", "sent", "sent"]
    # the report counts what the outbox holds, row by row
    (counts,) = [r.counts for r in found.announcements]
    assert counts["sent"] == statuses.count("sent") == 3
    assert counts["cancelled"] == statuses.count("cancelled") == 2
    assert counts["pending"] == counts["failed"] == 0
    assert found.announcements[0].recipients == len(rows)


async def test_reminders_go_to_yes_and_maybe_and_a_date_change_is_told(
    services: Services, clock: FixedClock, telegram: FakeBotApi, outbox_dispatcher: Dispatcher
) -> None:
    now = clock.now()
    async with services.sessions() as session, session.begin():
        coming = await fake.youth(session, now, name="Inès")
        maybe = await fake.youth(session, now, name="Samir")
        not_coming = await fake.youth(session, now, name="Léa")
        waiting = await fake.youth(session, now, name="Noa")
        never = await fake.youth(session, now, name="Yanis")
        people = (coming, maybe, not_coming, waiting, never)
        chats = {p.id: await fake.chat_of(session, p.id) for p in people}
    event = await fake.event_id(services, capacity=1)
    announcement = await fake.announcement_id(services, event, Audience(roles=(Role.YOUTH,)))
    for person, value in ((coming, "yes"), (maybe, "maybe"), (not_coming, "no"), (waiting, "yes")):
        await answer(services, person.id, announcement, value)

    def told() -> dict[int, list[str]]:
        return {p.id: telegram.texts(chats[p.id], plain=True) for p in people}

    async with services.sessions() as session:
        stored = await session.get(staff_events.Event, event)
    assert stored is not None
    start = stored.starts_at
    # the day before, inside the sending hours
    clock.set(start - timedelta(days=1))
    await tick(services)
    await outbox_dispatcher.run_until_empty()
    texts = told()
    assert texts[coming.id] == [
        "⏰ Rappel : « Réussir son entretien », c'est jeudi 5 novembre à 18 h.\n"
        "Le lien : https://visio.example.org/entretien"
    ]
    assert texts[maybe.id] == texts[coming.id]
    assert texts[not_coming.id] == texts[waiting.id] == texts[never.id] == []

    # about an hour before: "I'll come" only
    clock.set(start - timedelta(minutes=59))
    await tick(services)
    await outbox_dispatcher.run_until_empty()
    texts = told()
    assert texts[coming.id][-1] == (
        "⏰ « Réussir son entretien » commence bientôt, jeudi 5 novembre à 18 h.\n"
        "Le lien : https://visio.example.org/entretien"
    )
    assert [len(texts[p.id]) for p in people] == [2, 1, 0, 0, 0]
    await tick(services)
    assert (await outbox_dispatcher.run_until_empty()).sent == 0

    # moved to the next day: told to yes, maybe and the waiting list; reminders again
    async with services.sessions() as session, session.begin():
        await staff_events.edit_event(
            session,
            event,
            {"starts_at": start + timedelta(days=1), "ends_at": start + timedelta(days=1, hours=1)},
            staff=fake.STAFF,
            now=clock.now(),
            zone=services.config.zone,
        )
    await outbox_dispatcher.run_until_empty()
    texts = told()
    assert texts[coming.id][-1].startswith(
        "ℹ️ Changement pour « Réussir son entretien » : c'est maintenant vendredi 6 novembre à 18 h."
    )
    assert [len(texts[p.id]) for p in people] == [3, 2, 0, 1, 0]
    clock.set(start + timedelta(minutes=1))  # the day before the new date
    await tick(services)
    await outbox_dispatcher.run_until_empty()
    assert [len(told()[p.id]) for p in people] == [4, 3, 0, 1, 0]


async def test_attendance_is_counted_apart_from_answers(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        coming = await fake.youth(session, now, name="Inès")
        walk_in = await fake.youth(session, now, name="Samir")
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event)
    await answer(services, coming.id, announcement, "yes")
    async with services.sessions() as session, session.begin():
        marked = await staff_events.mark_attendance(
            session, event, [coming.id, walk_in.id, walk_in.id], staff=fake.STAFF, now=now
        )
        again = await staff_events.mark_attendance(
            session, event, [coming.id], staff=fake.STAFF, now=now
        )
    async with services.sessions() as session:
        found = await event_report.event_report(session, event)
    assert (marked, again) == (2, 0)
    assert found.answers["yes"] == 1
    assert found.answers["none"] == 1
    assert found.answers["attended"] == 2


async def test_an_event_edited_while_its_announcement_is_out_is_announced_as_it_now_is(
    services: Services, clock: FixedClock, telegram: FakeBotApi, outbox_dispatcher: Dispatcher
) -> None:
    now = clock.now()
    today = now.astimezone(services.config.zone).date()
    async with services.sessions() as session, session.begin():
        youths = [await fake.youth(session, now, name=f"Y{n}") for n in range(3)]
        # the last one already had her one message of the day: hers waits for tomorrow
        youths[2].last_proactive_on = today
        chats = [await fake.chat_of(session, p.id) for p in youths]
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event, Audience(roles=(Role.YOUTH,)))
    await send(services, announcement)
    assert await tick(services) == 3
    await outbox_dispatcher.run_until_empty()
    assert [len(telegram.texts(chat)) for chat in chats] == [1, 1, 0]
    assert "jeudi 5 novembre" in telegram.texts(chats[0], plain=True)[0]

    # staff move it to the Friday and rename it while the third message waits
    async with services.sessions() as session:
        stored = await session.get(staff_events.Event, event)
    assert stored is not None
    async with services.sessions() as session, session.begin():
        await staff_events.edit_event(
            session,
            event,
            {
                "title": "Réussir son entretien d'embauche",
                "starts_at": stored.starts_at + timedelta(days=1),
                "ends_at": stored.ends_at + timedelta(days=1),
            },
            staff=fake.STAFF,
            now=clock.now(),
            zone=services.config.zone,
        )
    clock.advance(timedelta(days=1))
    await tick(services)
    await outbox_dispatcher.run_until_empty()
    (late,) = telegram.texts(chats[2], plain=True)
    assert "« Réussir son entretien d'embauche »" in late
    assert "vendredi 6 novembre" in late
    assert "jeudi" not in late
    # what went before the change stays as it went
    assert "« Réussir son entretien »" in telegram.texts(chats[0], plain=True)[0]
