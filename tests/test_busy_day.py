"""Two replicas on PostgreSQL, a busy day, against the stand-ins enforcing the rate limits.

Each replica is what `mentorbot run` builds scaled out: services with their own engine,
the Telegram webhook (the real PTB objects) and Slack's endpoint (our Bolt app over HTTP)
served by a web app of its own, and a scheduler whose dispatchers take the advisory locks.
The simulated clock is shared. The day: the introductions of thirty new pairs go out,
youths register (each update sent to one replica and delivered again to the other, at the
same moment), pairs write to each other through the bot (the mentor's Slack events retried
to the other replica too), staff announce an event to every youth, and the month's
check-ins fall due, both replicas ticking at once.

Every update is handled once, every due message is sent once, and neither stand-in ever
had to answer 429 (the pace is global, not per replica).

Needs MENTORBOT_TEST_DATABASE_URL (its database is emptied): skipped without it.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update
from telegram import Bot

from bot import container
from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.core.messages import Sender
from conversations.staff import announcements
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from handlers.web import SECRET_HEADER, TELEGRAM_PATH, build_web_app
from scheduler.service import Scheduler
from storage.database import upgrade
from storage.events import Audience
from storage.models import (
    Application,
    Delivery,
    DeliveryStatus,
    Pairing,
    ProcessedEvent,
    Role,
)
from tests.conftest import POSTGRES_URL, START, make_settings, reset_postgres
from tests.fakes import events as fake_events
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import running_bot
from tests.fakes.telegram_updates import JSONDict, UpdateFactory

# slow too (about 40 s): `pytest.mark.slow` once that marker is registered
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "Webhook_secret-0123456789"
STAFF = "USTAFF1"
STAFF_CHANNEL = "CSTAFF"
PAIRS = 30
PAIRED = [7_100_000 + n for n in range(PAIRS)]
MENTORS = [f"UMB{n // 2:03d}" for n in range(PAIRS)]  # two mentees each
REGISTERING = [8_100_000 + n for n in range(12)]
# a youth's steps, about as fast as a quick thumb (Telegram allows about one message a
# second in a chat: the replies to these are not paced by the outbox)
STEP_SECONDS = 1.2

WebClient = TestClient[Any, Any]


@dataclass
class Replica:
    services: Services
    webhook: WebClient
    slack: SlackHarness
    scheduler: Scheduler


async def post(client: WebClient, update: JSONDict) -> int:
    async with client.post(TELEGRAM_PATH, json=update, headers={SECRET_HEADER: SECRET}) as answer:
        return answer.status


async def wait_until(condition: Callable[[], Awaitable[bool]], within: float) -> None:
    async with asyncio.timeout(within):
        # the schedulers work in the background, signalling nothing: look again shortly
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def start_replica(
    stack: AsyncExitStack, clock: FixedClock, api: FakeBotApi, slack_api: FakeSlackApi
) -> Replica:
    """One replica: its own engine, web app, Bolt app, senders and scheduler."""
    assert POSTGRES_URL is not None
    settings = make_settings(
        POSTGRES_URL,
        SLACK_STAFF_USERS=STAFF,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
        MENTORBOT_DISPATCH_SECONDS=0.2,
        MENTORBOT_TICK_SECONDS=5,
    )
    services = build(settings, clock)
    stack.push_async_callback(services.close)
    telegram = await stack.enter_async_context(running_bot(api, services))
    app = build_web_app(telegram=(telegram.handler, SECRET))
    webhook: WebClient = await stack.enter_async_context(
        TestClient(TestServer(app, host="127.0.0.1", port=0))
    )
    slack = await stack.enter_async_context(SlackHarness.start(services, slack_api))
    telegram_sender = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
    stack.push_async_callback(telegram_sender.close)
    slack_sender = SlackSender(
        build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=False),
        SlackRenderer(services.renderer),
        clock,
        STAFF_CHANNEL,
    )
    senders: dict[str, Sender] = {"telegram": telegram_sender, "slack": slack_sender}
    scheduler = container.build_scheduler(services, senders)
    return Replica(services, webhook, slack, scheduler)


def keyboard_press(api: FakeBotApi, updates: UpdateFactory, chat: int, label: str) -> JSONDict:
    message = api.last_message(chat)
    assert message is not None, chat
    assert "reply_markup" in message, (chat, message)
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    matches = [b for b in buttons if label in b["text"]]
    assert len(matches) == 1, (label, [b["text"] for b in buttons])
    return updates.callback(
        chat,
        matches[0]["callback_data"],
        message_id=message["message_id"],
        reply_markup=message["reply_markup"],
    )


class Day:
    """The day's traffic, spread over both replicas; every update is delivered to one and
    delivered again, at the same moment, to the other."""

    def __init__(self, api: FakeBotApi, replicas: list[Replica]) -> None:
        self.api = api
        self.replicas = replicas
        self.updates = UpdateFactory()
        self.posted: list[str] = []
        self._turn = 0

    async def deliver(self, update: JSONDict) -> None:
        first, second = self.replicas[self._turn % 2], self.replicas[(self._turn + 1) % 2]
        self._turn += 1
        self.posted.append(str(update["update_id"]))
        statuses = await asyncio.gather(post(first.webhook, update), post(second.webhook, update))
        assert statuses == [200, 200]

    async def says(self, chat: int, text: str) -> None:
        await self.deliver(self.updates.text_message(chat, text))

    async def presses(self, chat: int, label: str) -> None:
        await self.deliver(keyboard_press(self.api, self.updates, chat, label))

    async def registers(self, chat: int) -> None:
        steps: list[Callable[[], Awaitable[None]]] = [
            lambda: self.deliver(self.updates.command(chat, "start", "partner_x")),
            lambda: self.presses(chat, "J'accepte"),
            lambda: self.presses(chat, "Bac+5"),
            lambda: self.says(chat, "12/03/2001"),
            lambda: self.presses(chat, "Oui"),
            lambda: self.presses(chat, "Je cherche un emploi"),
            lambda: self.presses(chat, "Île-de-France"),
            lambda: self.says(chat, f"Contrôle de gestion {chat}"),
            lambda: self.says(chat, f"y{chat}@example.fr"),
            lambda: self.presses(chat, "c'est bon"),
        ]
        for step in steps:
            await step()
            await asyncio.sleep(STEP_SECONDS)

    async def mentor_writes(self, mentor: str, text: str, thread: str) -> None:
        first, second = self.replicas[self._turn % 2], self.replicas[(self._turn + 1) % 2]
        self._turn += 1
        # one factory for the ids (the replicas' apps share the signing secret)
        requests = self.replicas[0].slack.requests
        event = requests.message_im(mentor, text, thread_ts=thread)
        event_id = requests.new_event_id()
        body, headers = requests.event(event, event_id=event_id)
        retried, retried_headers = requests.event(event, event_id=event_id, retry_num=1)
        answers = await asyncio.gather(
            first.slack.post(body, headers), second.slack.post(retried, retried_headers)
        )
        assert [status for status, _ in answers] == [200, 200]


def pair_thread(slack_api: FakeSlackApi, mentor: str, youth: str) -> str:
    """The pair's thread: the mentor's introduction to that youth."""
    (ts,) = [
        str(r.response["ts"])
        for r in slack_api.requests
        if r.method == "chat.postMessage"
        and r.response.get("ok") is True
        and r.response.get("channel") == f"D{mentor}"
        and re.search(rf"désormais {youth}\b", str(r.params.get("text")))
    ]
    return ts


async def due_rows(services: Services) -> Counter[str]:
    async with services.sessions() as session:
        return Counter((await session.scalars(select(Delivery.status))).all())


async def nothing_due(services: Services) -> bool:
    """Every outbox row sent, or waiting for a later day (one budgeted message a day)."""
    now = services.clock.now()
    async with services.sessions() as session:
        rows = (await session.execute(select(Delivery.status, Delivery.next_attempt_at))).all()
    return all(
        status == DeliveryStatus.SENT or (status == DeliveryStatus.PENDING and when > now)
        for status, when in rows
    )


async def everything_sent(services: Services, within: float) -> None:
    """Wait until nothing is due now; else fail saying which rows are not sent."""
    try:
        await wait_until(lambda: nothing_due(services), within=within)
    except TimeoutError:
        async with services.sessions() as session:
            rows = (
                await session.scalars(
                    select(Delivery).where(Delivery.status != DeliveryStatus.SENT)
                )
            ).all()
        left = [
            (row.idempotency_key, row.status, row.next_attempt_at, row.last_error) for row in rows
        ]
        raise AssertionError(f"{len(left)} not sent: {left[:10]}") from None


async def test_two_replicas_on_a_busy_day(clock: FixedClock) -> None:
    assert POSTGRES_URL is not None
    await reset_postgres(POSTGRES_URL)
    async with AsyncExitStack() as stack:
        api = await stack.enter_async_context(FakeBotApi(enforce_limits=True))
        slack_api = await stack.enter_async_context(
            FakeSlackApi(bot_token=TOKEN, enforce_limits=True)
        )
        replicas = [await start_replica(stack, clock, api, slack_api) for _ in range(2)]
        seed = replicas[0].services
        await upgrade(seed.db)
        for n, (chat, mentor) in enumerate(zip(PAIRED, MENTORS, strict=True)):
            await make_pair(seed, mentor_slack=mentor, youth_name=f"Awa{n}", telegram_id=str(chat))
        # the month's check-ins of these pairs fall due today
        async with seed.sessions() as session, session.begin():
            await session.execute(update(Pairing).values(next_checkin_due_at=START))

        day = Day(api, replicas)
        for replica in replicas:
            replica.scheduler.start()
            stack.push_async_callback(replica.scheduler.stop)

        # morning: the introductions go out while youths register
        registering = asyncio.gather(*(day.registers(chat) for chat in REGISTERING))
        await everything_sent(seed, within=40)
        # the pairs talk: the youths in Telegram, their mentors in the pair's Slack thread
        for n, chat in enumerate(PAIRED[:10]):
            await day.says(chat, f"Bonjour, ici Awa{n}, merci !")
        for n, mentor in enumerate(MENTORS[:10:2]):
            thread = pair_thread(slack_api, mentor, f"Awa{2 * n}")
            await day.mentor_writes(mentor, f"Avec plaisir Awa{2 * n} (message {n})", thread)
        await registering

        # staff announce an event to every youth; the month's check-ins are due: both
        # replicas tick at the same moment
        event = await fake_events.event_id(seed)
        announcement = await fake_events.announcement_id(seed, event, Audience(roles=(Role.YOUTH,)))
        async with seed.sessions() as session, session.begin():
            await announcements.send(
                session, announcement, staff=STAFF, now=clock.now(), zone=seed.config.zone
            )
        clock.advance(timedelta(minutes=5))
        await asyncio.gather(*(replica.scheduler.tick() for replica in replicas))
        await everything_sent(seed, within=40)
        # one budgeted message a person a day: the rest goes out the next mornings
        for _ in range(3):
            if set(await due_rows(seed)) == {DeliveryStatus.SENT}:
                break
            clock.advance(timedelta(days=1))
            await asyncio.gather(*(replica.scheduler.tick() for replica in replicas))
            await everything_sent(seed, within=40)

        # ------------------------------------------------------------------ every update once
        async with seed.sessions() as session:
            handled = (
                await session.scalars(
                    select(ProcessedEvent.event_id).where(ProcessedEvent.channel == "telegram")
                )
            ).all()
            decided = (
                await session.scalars(select(Application).where(Application.source.is_not(None)))
            ).all()
        assert sorted(handled) == sorted(day.posted)
        assert len(decided) == len(REGISTERING)
        assert {a.decision for a in decided} == {"eligible"}
        for chat in REGISTERING:
            said = api.texts(chat, plain=True)
            assert sum("Question 1/8" in text for text in said) == 1, said

        # ------------------------------------------------------------------ every message once
        telegram_sent = Counter(
            (call.chat_id, call.params["text"]) for call in api.calls("sendMessage") if call.ok
        )
        assert [key for key, n in telegram_sent.items() if n > 1] == []
        slack_sent = Counter(
            (m["channel"], m["text"]) for m in slack_api.messages() if m["channel"] != STAFF_CHANNEL
        )
        assert [key for key, n in slack_sent.items() if n > 1] == []
        rows = await due_rows(seed)
        assert set(rows) == {DeliveryStatus.SENT}
        async with seed.sessions() as session:
            keys = (await session.scalars(select(Delivery.idempotency_key))).all()
        assert len(keys) == len(set(keys))
        for chat in PAIRED:
            texts = api.texts(chat, plain=True)
            assert sum("ton mentorat commence" in t for t in texts) == 1, (chat, texts)
            assert sum("Réussir son entretien" in t for t in texts) == 1, (chat, texts)
        for chat in REGISTERING:
            texts = api.texts(chat, plain=True)
            assert sum("Réussir son entretien" in t for t in texts) == 1, (chat, texts)
        for n in range(10):
            texts = [str(m["text"]) for m in slack_api.messages(MENTORS[n])]
            assert sum(f"ici Awa{n}, merci" in t for t in texts) == 1, texts
        for n in range(5):
            said = api.texts(PAIRED[2 * n], plain=True)
            assert sum(f"(message {n})" in t for t in said) == 1, said
        checkins = Counter(
            m["channel"] for m in slack_api.messages() if "Point mensuel" in str(m["text"])
        )
        assert checkins == Counter({mentor: 2 for mentor in set(MENTORS)}), checkins

        # ------------------------------------------------------------------ the pace kept
        assert api.rate_limited == 0
        assert slack_api.rate_limited == 0
