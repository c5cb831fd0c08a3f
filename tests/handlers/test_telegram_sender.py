"""The outbox sender for Telegram: Bot API answers mapped to outbox outcomes, and the
dispatcher delivering a queued staff review decision through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Reply, SendStatus
from conversations.staff import review
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher
from storage.models import Delivery, Person
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import USER, RunningBot, Youth, answer_until_review

DECISION = Reply(
    "review.decided_eligible",
    {"name": "Inès", "note": "Bienvenue <b>!</b>", "pairing_delay_weeks": 3},
)


@pytest.fixture
async def sender(api: FakeBotApi, services: Services) -> AsyncIterator[TelegramSender]:
    # a short read timeout, so a slow Bot API answer is a timeout within the test
    bot = Bot(api.token, base_url=api.base_url, request=HTTPXRequest(read_timeout=0.3))
    telegram_sender = TelegramSender(bot, services.renderer)
    yield telegram_sender
    await telegram_sender.close()


async def test_success_is_sent(api: FakeBotApi, sender: TelegramSender) -> None:
    result = await sender.send(str(USER), DECISION)
    assert result.status is SendStatus.SENT
    (text,) = api.texts(USER, plain=True)
    assert "Bonne nouvelle Inès : l'équipe a examiné ton dossier" in text
    assert "« Bienvenue <b>!</b> »" in text


@pytest.mark.parametrize("how", ["blocked", "never_started"])
async def test_blocked_or_never_started_is_undeliverable(
    api: FakeBotApi, sender: TelegramSender, how: str
) -> None:
    if how == "blocked":
        api.block(USER)
    else:
        api.never_started(USER)
    result = await sender.send(str(USER), DECISION)
    assert result.status is SendStatus.UNDELIVERABLE
    assert result.error is not None
    assert result.error.startswith("Forbidden:")
    assert api.messages(USER) == []


async def test_flood_control_is_retried_after_the_given_seconds(
    api: FakeBotApi, sender: TelegramSender
) -> None:
    api.fail_next("sendMessage", retry_after=7)
    result = await sender.send(str(USER), DECISION)
    assert (result.status, result.retry_after) == (SendStatus.RETRY, 7.0)
    assert api.messages(USER) == []
    assert (await sender.send(str(USER), DECISION)).status is SendStatus.SENT


async def test_a_timeout_is_in_doubt(api: FakeBotApi, sender: TelegramSender) -> None:
    api.delay_next("sendMessage", 5.0)  # Telegram got it, the answer is lost
    result = await sender.send(str(USER), DECISION)
    assert result.status is SendStatus.IN_DOUBT
    assert result.error is not None
    assert result.error.startswith("TimedOut")
    assert len(api.messages(USER)) == 1  # which is why it is not simply retried


async def test_a_bad_gateway_is_in_doubt(api: FakeBotApi, sender: TelegramSender) -> None:
    api.delay_next("sendMessage", 0.01, effective=False)
    result = await sender.send(str(USER), DECISION)
    assert result.status is SendStatus.IN_DOUBT
    assert api.messages(USER) == []


# ---------------------------------------------------------------- through the dispatcher


async def _decided_by_staff(telegram: RunningBot) -> Youth:
    """A youth whose application went to review; staff decided; the message is queued."""
    services = telegram.services
    youth = Youth(telegram)
    await answer_until_review(youth)
    async with services.sessions() as session, session.begin():
        (item,) = await review.queue(session)
        await review.decide(
            session,
            application_id=item.application_id,
            verdict=review.Verdict.NOT_ELIGIBLE,
            note="Diplôme étranger non reconnu",
            staff="Camille",
            now=services.clock.now(),
            config=services.config,
        )
    youth.new_texts()
    return youth


async def _delivery(services: Services) -> Delivery:
    async with services.sessions() as session:
        return (await session.execute(select(Delivery))).scalar_one()


async def test_the_dispatcher_delivers_a_queued_review_decision(
    telegram: RunningBot, sender: TelegramSender
) -> None:
    services = telegram.services
    youth = await _decided_by_staff(telegram)
    dispatcher = Dispatcher(services.sessions, {"telegram": sender}, services.clock)
    report = await dispatcher.run_once()
    assert report.sent == 1
    (text,) = youth.new_texts()
    assert "L'équipe a examiné ton dossier, Inès" in text
    assert "« Diplôme étranger non reconnu »" in text
    delivery = await _delivery(services)
    assert (delivery.status, delivery.sent_at) == ("sent", services.clock.now())
    assert (await dispatcher.run_once()).handled == 0  # sent once, never again


async def test_the_dispatcher_marks_a_youth_who_blocked_the_bot_unreachable(
    telegram: RunningBot, sender: TelegramSender
) -> None:
    services = telegram.services
    youth = await _decided_by_staff(telegram)
    telegram.api.block(USER)
    report = await Dispatcher(services.sessions, {"telegram": sender}, services.clock).run_once()
    assert report.undeliverable == 1
    assert youth.new_texts() == []
    delivery = await _delivery(services)
    assert delivery.status == "undeliverable"
    assert delivery.last_error == "Forbidden: Forbidden: bot was blocked by the user"
    async with services.sessions() as session:
        person = (await session.execute(select(Person))).scalar_one()
    assert person.unreachable_at == services.clock.now()


async def test_the_dispatcher_waits_as_long_as_telegram_asks(
    telegram: RunningBot, sender: TelegramSender, clock: FixedClock
) -> None:
    services = telegram.services
    youth = await _decided_by_staff(telegram)
    telegram.api.fail_next("sendMessage", retry_after=30)
    dispatcher = Dispatcher(services.sessions, {"telegram": sender}, services.clock)
    assert (await dispatcher.run_once()).retried == 1
    delivery = await _delivery(services)
    assert delivery.status == "failed"
    assert delivery.next_attempt_at == services.clock.now() + timedelta(seconds=30)
    assert youth.new_texts() == []
    assert (await dispatcher.run_once()).handled == 0  # not before the 30 seconds
    clock.advance(timedelta(seconds=30))
    assert (await dispatcher.run_once()).sent == 1
    (text,) = youth.new_texts()
    assert "L'équipe a examiné ton dossier" in text
