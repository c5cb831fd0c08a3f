"""Helpers shared by the outbox crash and two-dispatcher tests: many youths with a queued
message each, a dispatcher whose window is always open, what the stand-in received."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from conversations.core.clock import Clock
from conversations.core.messages import Renderer
from conversations.rules.calendar import SendingWindow
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.pacing import Pacer
from storage import outbox, people
from storage.models import Delivery
from tests.fakes.telegram_api import FakeBotApi

FIRST_CHAT = 700_000_000
TEMPLATE = "common.help"
# the window is always open and nobody's budget is spent: only the outbox is tested
ALWAYS_OPEN = SendingWindow(
    opens=time(0, 0),
    closes=time(23, 59, 59),
    weekdays=frozenset(range(7)),
    skip_public_holidays=False,
)
POLICY = DispatchPolicy(window=ALWAYS_OPEN, daily_budget=False, batch=200, workers=8)


async def queue_one_message_each(
    sessions: async_sessionmaker[AsyncSession], count: int, now: datetime
) -> list[str]:
    """`count` youths with a Telegram identity, one queued message each; their chat ids."""
    chats = [str(FIRST_CHAT + n) for n in range(count)]
    async with sessions() as session, session.begin():
        for n, chat in enumerate(chats):
            person = await people.create_person(
                session,
                role="youth",
                channel="telegram",
                external_id=chat,
                chat_id=chat,
                locale="fr",
                now=now,
            )
            await outbox.enqueue(
                session,
                key=f"test:{n}",
                channel="telegram",
                template=TEMPLATE,
                context={"consented": True},
                now=now,
                person_id=person.id,
            )
    return chats


@asynccontextmanager
async def telegram_sender(api: FakeBotApi, renderer: Renderer) -> AsyncIterator[TelegramSender]:
    """A real TelegramSender (its own Bot and HTTP client) talking to the stand-in."""
    sender = TelegramSender(Bot(api.token, base_url=api.base_url), renderer)
    try:
        yield sender
    finally:
        await sender.close()


def dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    clock: Clock,
    pacers: Mapping[str, Pacer] | None = None,
) -> Dispatcher:
    return Dispatcher(sessions, {"telegram": sender}, clock, policy=POLICY, pacers=pacers)


def messages_per_chat(api: FakeBotApi, chats: list[str]) -> Counter[str]:
    """How many messages each chat holds at the stand-in (those whose answer was lost or is
    still held included: the person has them)."""
    held = Counter({chat: len(api.messages(int(chat))) for chat in chats})
    accepted = [record for record in api.calls("sendMessage") if record.ok]
    assert {str(record.chat_id) for record in accepted} <= set(chats)
    return +held


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[Delivery]]:
    """Every delivery row, by status."""
    by_status: dict[str, list[Delivery]] = {}
    async with sessions() as session:
        for row in (await session.execute(select(Delivery).order_by(Delivery.id))).scalars():
            by_status.setdefault(row.status, []).append(row)
    return by_status
