"""What the dispatcher decides before calling a platform: sending hours, the daily budget,
people who blocked the bot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from storage.models import Delivery, DeliveryStatus, Person
from tests.fakes.telegram_api import FakeBotApi
from tests.scheduler.outbox_helpers import (
    dispatcher,
    queue_one_message_each,
    telegram_sender,
)


async def test_nobody_calls_telegram_for_a_person_who_blocked_the_bot(
    services: Services, clock: FixedClock
) -> None:
    chats = await queue_one_message_each(services.sessions, 2, clock.now())
    async with services.sessions() as session, session.begin():
        blocked = (await session.scalars(select(Person).order_by(Person.id))).first()
        assert blocked is not None
        blocked.unreachable_at = clock.now()
    async with FakeBotApi() as api, telegram_sender(api, services.renderer) as sender:
        report = await dispatcher(services.sessions, sender, clock).run_once()
        assert (report.sent, report.undeliverable) == (1, 1)
        assert [call.chat_id for call in api.calls("sendMessage")] == [int(chats[1])]
    async with services.sessions() as session:
        statuses = sorted((await session.scalars(select(Delivery.status))).all())
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.UNDELIVERABLE]


async def test_outside_sending_hours_messages_wait_without_counting_an_attempt(
    services: Services, clock: FixedClock
) -> None:
    clock.advance(timedelta(hours=11))  # Monday 21:00 in Paris
    await queue_one_message_each(services.sessions, 3, clock.now())
    policy = DispatchPolicy(window=services.config.nudges.window, daily_budget=False)
    async with FakeBotApi() as api, telegram_sender(api, services.renderer) as sender:
        report = await Dispatcher(
            services.sessions, {"telegram": sender}, clock, policy=policy
        ).run_once()
        assert (report.sent, report.postponed) == (0, 3)
        assert api.calls("sendMessage") == []
        clock.advance(timedelta(hours=12))  # Tuesday 9:00
        report = await Dispatcher(
            services.sessions, {"telegram": sender}, clock, policy=policy
        ).run_once()
        assert report.sent == 3
    async with services.sessions() as session:
        attempts = (await session.scalars(select(Delivery.attempts))).all()
    assert attempts == [1, 1, 1]
