"""A youth answers an event on Telegram, through the real python-telegram-bot `Application`
and the stand-in Bot API: the announcement queued with the core's functions and delivered
by the dispatcher, its buttons pressed with their real `callback_data`; the confirmation
with its `.ics` file, the waiting list's rank, kind words for old buttons, nothing twice;
`/announcements off` from the chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.container import Services
from conversations.staff import events as staff_events
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher
from storage import rsvps
from storage.events import Audience
from storage.models import Person, Role, Rsvp
from tests.fakes import events as fake
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import RunningBot, Youth
from tests.fakes.telegram_updates import UpdateFactory
from tests.scheduler.test_announcements import send, tick

UPDATES = UpdateFactory()


@pytest.fixture
async def outbox(api: FakeBotApi, services: Services) -> AsyncIterator[Dispatcher]:
    sender = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
    yield Dispatcher(services.sessions, {"telegram": sender}, services.clock)
    await sender.close()


async def _announced(services: Services, outbox: Dispatcher, **event: object) -> tuple[int, int]:
    """A webinar announced to every youth and delivered; (event id, announcement id)."""
    event_id = await fake.event_id(services, **event)
    announcement = await fake.announcement_id(services, event_id, Audience(roles=(Role.YOUTH,)))
    await send(services, announcement)
    await tick(services)
    await outbox.run_until_empty()
    return event_id, announcement


async def _youth(telegram: RunningBot, services: Services, name: str) -> tuple[Youth, int]:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        person = await fake.youth(session, now, name=name)
        chat = await fake.chat_of(session, person.id)
    # one update counter for everyone: update ids are unique across the bot
    return Youth(telegram, int(chat), first_name=name, updates=UPDATES), person.id


def _documents(api: FakeBotApi, chat: int) -> list[tuple[str, bytes, str]]:
    """The files the chat received: (name, content, caption)."""
    return [
        (upload.filename, upload.content, str(record.params.get("caption", "")))
        for record in api.calls("sendDocument")
        if record.ok and record.chat_id == chat
        for upload in record.files.values()
    ]


async def test_yes_confirms_with_the_calendar_file_and_twice_changes_nothing(
    telegram: RunningBot, services: Services, outbox: Dispatcher, api: FakeBotApi
) -> None:
    ines, ines_id = await _youth(telegram, services, "Inès")
    event, _ = await _announced(services, outbox)
    [message] = [m for m in api.messages(ines.user_id) if "Bonjour Inès" in m.get("text", "")]
    assert [label for label, _ in ines.buttons(message)] == ["Je viens", "Peut-être", "Non"]
    ines.new_texts()

    # the confirmation is the caption of the calendar file
    assert await ines.presses("Je viens", message=message) == ""
    [(filename, content, said)] = _documents(api, ines.user_id)
    assert "C'est noté : tu viens à « Réussir son entretien », jeudi 5 novembre à 18 h" in said
    assert "https://visio.example.org/entretien" in said
    assert filename == f"event-{event}.ics"
    assert b"BEGIN:VEVENT" in content
    assert b"SUMMARY:R\xc3\xa9ussir son entretien" in content

    # the same button again: a kind word, no second file, one answer stored
    # the pressed message lost its buttons; the confirmation carries them
    assert "reply_markup" not in api.messages(ines.user_id)[0]
    message = ines.keyboard_message()
    assert "document" in message
    assert [label for label, _ in ines.buttons(message)] == ["Je viens", "Peut-être", "Non"]
    said = await ines.presses("Je viens", message=message)
    assert "Ta réponse pour « Réussir son entretien » était déjà enregistrée" in said
    assert len(_documents(api, ines.user_id)) == 1
    said = await ines.presses("Peut-être")
    assert "la veille" in said
    async with services.sessions() as session:
        stored = (await session.scalars(select(Rsvp))).all()
    assert [(r.person_id, r.answer) for r in stored] == [(ines_id, "maybe")]
    # the answer can change until the event starts: the buttons are still at hand
    assert [label for label, _ in ines.buttons()] == ["Je viens", "Peut-être", "Non"]


async def test_beyond_the_capacity_she_learns_her_rank(
    telegram: RunningBot, services: Services, outbox: Dispatcher, api: FakeBotApi
) -> None:
    ines, _ = await _youth(telegram, services, "Inès")
    samir, samir_id = await _youth(telegram, services, "Samir")
    event, _ = await _announced(services, outbox, capacity=1)
    ines.new_texts()
    samir.new_texts()
    await ines.presses("Je viens", message=api.messages(ines.user_id)[0])
    said = await samir.presses("Je viens", message=api.messages(samir.user_id)[0])
    assert "tu es en position 1" in said
    assert _documents(api, samir.user_id) == []
    async with services.sessions() as session:
        waiting = await rsvps.get(session, event, samir_id)
    assert waiting is not None
    assert waiting.waiting_since is not None


async def test_old_buttons_are_answered_kindly(
    telegram: RunningBot, services: Services, outbox: Dispatcher, api: FakeBotApi
) -> None:
    ines, _ = await _youth(telegram, services, "Inès")
    event, _ = await _announced(services, outbox)
    old = api.messages(ines.user_id)[0]
    async with services.sessions() as session, session.begin():
        await staff_events.cancel_event(
            session, event, staff=fake.STAFF, now=services.clock.now(), zone=services.config.zone
        )
    ines.new_texts()
    said = await ines.presses("Je viens", message=old)
    assert "annulé" in said
    async with services.sessions() as session:
        assert (await session.scalars(select(Rsvp))).all() == []

    # a button this bot never made, or naming an announcement that does not exist
    unknown = ines.updates.callback(
        ines.user_id, "rv:999999:yes", message_id=old["message_id"], **ines._who()
    )
    said = await ines.deliver(unknown)
    assert "Je ne retrouve pas cet événement" in said


async def test_announcements_off_from_the_chat(
    telegram: RunningBot, services: Services, outbox: Dispatcher, api: FakeBotApi
) -> None:
    ines, ines_id = await _youth(telegram, services, "Inès")
    samir, _ = await _youth(telegram, services, "Samir")
    said = await ines.command("announcements")
    assert "🔔 Tu reçois les annonces d'événements" in said
    said = await ines.presses("Ne plus les recevoir")
    assert "C'est fait : tu ne recevras plus les annonces" in said
    async with services.sessions() as session:
        person = await session.get(Person, ines_id)
    assert person is not None
    assert person.announcements_opt_out_at is not None
    await _announced(services, outbox)
    assert ines.new_texts() == []
    assert [text.split("\n")[0] for text in samir.new_texts()] == ["Bonjour Samir !"]
    said = await ines.command("annonces", "on")
    assert "C'est fait : tu recevras les annonces d'événements" in said
