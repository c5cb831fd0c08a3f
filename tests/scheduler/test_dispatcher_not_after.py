"""A delivery with a "not after" time (an event's announcement, its reminders) is never sent
at or after it: cancelled and counted, even when it waited for sending hours, the daily
budget or the pacer. Real Telegram sender against the stand-in Bot API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher
from storage.models import Delivery, DeliveryStatus, Person, Priority
from tests.fakes.telegram_api import FakeBotApi
from tests.scheduler.test_dispatcher_relay import CHAT, api, queue, renderer, telegram, youth

__all__ = ["api", "renderer", "telegram"]  # the fixtures, shared with the relay's tests

PARIS = ZoneInfo("Europe/Paris")


async def _status(services: Services, delivery_id: int) -> Delivery:
    async with services.sessions() as session:
        row = await session.scalar(select(Delivery).where(Delivery.id == delivery_id))
        assert row is not None
        return row


async def test_before_not_after_it_is_sent(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=PARIS))
    person = await youth(services)
    deadline = (clock.now() + timedelta(hours=2)).isoformat()
    made = await queue(
        services,
        person,
        "a",
        {"text": "Webinaire", "not_after": deadline},
        priority=Priority.LOW,
    )
    report = await Dispatcher(services.sessions, {"telegram": telegram}, clock).run_once()
    assert (report.sent, report.cancelled) == (1, 0)
    assert (await _status(services, made)).status == DeliveryStatus.SENT
    assert len(api.texts(CHAT)) == 1


async def test_past_not_after_it_is_cancelled_and_never_sent(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=PARIS))
    person = await youth(services)
    deadline = (clock.now() - timedelta(minutes=1)).isoformat()
    made = await queue(
        services,
        person,
        "late",
        {"text": "Webinaire", "not_after": deadline, "drop": ["text"]},
        priority=Priority.LOW,
    )
    report = await Dispatcher(services.sessions, {"telegram": telegram}, clock).run_until_empty()
    assert (report.sent, report.cancelled) == (0, 1)
    row = await _status(services, made)
    assert row.status == DeliveryStatus.CANCELLED
    assert row.context["text"] == ""
    assert api.texts(CHAT) == []


async def test_held_by_the_night_past_not_after_it_is_cancelled_not_postponed(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    # 23:30: the sending hours open tomorrow morning, after the event has started
    clock.set(datetime(2026, 11, 3, 23, 30, tzinfo=PARIS))
    person = await youth(services)
    deadline = datetime(2026, 11, 4, 7, 0, tzinfo=PARIS).isoformat()
    made = await queue(
        services,
        person,
        "night",
        {"text": "Job dating", "not_after": deadline},
        priority=Priority.LOW,
    )
    report = await Dispatcher(services.sessions, {"telegram": telegram}, clock).run_once()
    assert (report.postponed, report.cancelled) == (0, 1)
    assert (await _status(services, made)).status == DeliveryStatus.CANCELLED
    assert api.texts(CHAT) == []


async def test_budget_spent_today_and_the_event_before_tomorrow_it_is_cancelled(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=PARIS))
    person = await youth(services)
    async with services.sessions() as session, session.begin():
        found = await session.get(Person, person)
        assert found is not None
        found.last_proactive_on = clock.now().date()  # today's one message already went
    deadline = datetime(2026, 11, 3, 18, 0, tzinfo=PARIS).isoformat()
    made = await queue(
        services,
        person,
        "budget",
        {"text": "Atelier CV", "not_after": deadline},
        priority=Priority.LOW,
    )
    report = await Dispatcher(services.sessions, {"telegram": telegram}, clock).run_once()
    assert report.cancelled == 1
    assert (await _status(services, made)).status == DeliveryStatus.CANCELLED
    assert api.texts(CHAT) == []
