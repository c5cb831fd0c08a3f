"""The database goes away in the middle of a run, and comes back.

A PostgreSQL server of the test's own (`tests.fakes.postgres_server`: initdb in a temporary
folder, a free port; skipped when the server binaries are absent) serves the app as it runs
scaled out: the Telegram webhook through the web app (the real PTB objects against the
stand-in Bot API) with youths in the middle of their registration, and the scheduler (its
dispatcher behind the advisory lock) sending the introductions of new pairs to the stand-in
Telegram and Slack APIs. The server is stopped like a crash while those messages go out;
updates keep arriving (answered 503: Telegram delivers them again, simulated by posting
them again), then the server starts again.

Nothing is lost (every update handled, every due message sent), nothing happens twice
(each update once, each message once: a row whose "sent" could not be written is in doubt,
never sent again), and what is logged while the database is away is a few clear lines,
not a traceback per attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from telegram import Bot

from bot import container
from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.core.messages import Sender
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from handlers.web import SECRET_HEADER, TELEGRAM_PATH, build_web_app
from storage.database import upgrade
from storage.models import Delivery, DeliveryStatus, ProcessedEvent
from tests.conftest import START, make_settings, reset_postgres
from tests.fakes.mentoring import make_pair
from tests.fakes.postgres_server import PostgresServer
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN
from tests.fakes.telegram_api import FakeBotApi, Recorded
from tests.fakes.telegram_fixtures import running_bot
from tests.fakes.telegram_updates import JSONDict, UpdateFactory

SECRET = "Webhook_secret-0123456789"
STAFF_CHANNEL = "CSTAFF"
PAIRS = 24
PAIRED = [7_000_000 + n for n in range(PAIRS)]  # youths whose introduction goes out
MENTORS = [f"UM{n:03d}" for n in range(PAIRS)]
REGISTERING = [8_000_001, 8_000_002, 8_000_003]  # youths talking to the bot meanwhile
STOP_AT = 6  # the database stops while the 6th introduction is being sent

WebClient = TestClient[Any, Any]
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    made = PostgresServer.create()
    if made is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to run a server of our own")
    try:
        made.start()
        yield made
    finally:
        made.destroy()


class Records(logging.Handler):
    """Every record from INFO up, from any logger (caplog is per test; the run is shared)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Outage:
    """What the run left: the stand-ins, the database's final state, the logs while down."""

    api: FakeBotApi
    slack_api: FakeSlackApi
    statuses: Counter[str]
    handled: list[str]
    refused: list[JSONDict]
    down: list[logging.LogRecord]


async def post(client: WebClient, update: JSONDict) -> int:
    async with client.post(TELEGRAM_PATH, json=update, headers={SECRET_HEADER: SECRET}) as answer:
        return answer.status


async def wait_until(condition: Callable[[], Any], within: float = 20.0) -> None:
    """Until `condition()` (sync or async) holds; the scheduler works in the background."""
    async with asyncio.timeout(within):
        while True:
            held = condition()
            if asyncio.iscoroutine(held):
                held = await held
            if held:
                return
            await asyncio.sleep(0.05)


async def statuses(services: Services) -> Counter[str]:
    async with services.sessions() as session:
        return Counter((await session.scalars(select(Delivery.status))).all())


async def settled(services: Services) -> bool:
    """Nothing left to send: every row sent, or in doubt (never sent again)."""
    counts = await statuses(services)
    return not (set(counts) - {DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT})


def press(updates: UpdateFactory, api: FakeBotApi, chat: int, label: str) -> JSONDict:
    message = api.last_message(chat)
    assert message is not None, chat
    assert "reply_markup" in message, message
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    (button,) = [b for b in buttons if label in b["text"]]
    return updates.callback(
        chat,
        button["callback_data"],
        message_id=message["message_id"],
        reply_markup=message["reply_markup"],
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def outage(server: PostgresServer) -> AsyncIterator[Outage]:
    """The run: conversations and deliveries under way, the server stopped like a crash
    while the introductions go out, updates refused meanwhile, the server started again."""
    await reset_postgres(server.url)
    clock = FixedClock(START)
    settings = make_settings(
        server.url,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
        TELEGRAM_MESSAGES_PER_SECOND=20,
        SLACK_CHANNEL_MESSAGES_PER_SECOND=10,
        MENTORBOT_DISPATCH_SECONDS=0.5,
        MENTORBOT_TICK_SECONDS=5,
    )
    services = build(settings, clock)
    await upgrade(services.db)
    logs = Records()
    try:
        for chat, mentor in zip(PAIRED, MENTORS, strict=True):
            await make_pair(services, mentor_slack=mentor, youth_name="Awa", telegram_id=str(chat))
        async with (
            FakeBotApi() as api,
            FakeSlackApi(bot_token=TOKEN) as slack_api,
            running_bot(api, services) as telegram,
        ):
            app = build_web_app(telegram=(telegram.handler, SECRET))
            bot = Bot(api.token, base_url=api.base_url)
            telegram_sender = TelegramSender(bot, services.renderer)
            slack_sender = SlackSender(
                build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=False),
                SlackRenderer(services.renderer),
                clock,
                STAFF_CHANNEL,
            )
            senders: dict[str, Sender] = {"telegram": telegram_sender, "slack": slack_sender}
            scheduler = container.build_scheduler(services, senders)
            updates = UpdateFactory()
            async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
                # youths in the middle of registering
                for chat in REGISTERING:
                    assert await post(client, updates.command(chat, "start")) == 200
                refused = [press(updates, api, chat, "J'accepte") for chat in REGISTERING]

                # the introductions go out; the database stops while the STOP_AT-th is sent
                stopped: list[bool] = []

                def on_request(record: Recorded) -> None:
                    if record.method.lower() != "sendmessage" or record.chat_id not in PAIRED:
                        return
                    if len([r for r in api.requests if r.chat_id in PAIRED]) == STOP_AT:
                        server.stop("immediate")  # blocks the loop a moment, like a crash
                        stopped.append(True)

                api.on_request = on_request
                root = logging.getLogger()
                root.addHandler(logs)
                level, root.level = root.level, logging.INFO
                scheduler.start()
                try:
                    await wait_until(lambda: bool(stopped))
                    # while it is away Telegram's updates are refused, to be delivered again
                    for update in refused:
                        assert await post(client, update) == 503
                    await asyncio.sleep(2.0)  # a few dispatch rounds and a tick find it away
                    down = list(logs.records)

                    await server.astart()
                    for update in refused:  # Telegram delivers them again
                        assert await post(client, update) == 200
                    for update in refused:  # and once more (our 200 was lost on the way)
                        assert await post(client, update) == 200
                    # time goes by: the claims' leases end, then the row being sent when the
                    # database stopped is in doubt (never sent again)
                    for _ in range(8):
                        clock.advance(timedelta(minutes=1))
                        await asyncio.sleep(0.5)
                    await wait_until(lambda: settled(services), within=30.0)
                finally:
                    root.removeHandler(logs)
                    root.level = level
                    await scheduler.stop()
            await telegram_sender.close()
        async with services.sessions() as session:
            handled = list((await session.scalars(select(ProcessedEvent.event_id))).all())
        yield Outage(api, slack_api, await statuses(services), handled, refused, down)
    finally:
        await services.close()


async def test_every_update_is_handled_once(outage: Outage) -> None:
    refused = [str(update["update_id"]) for update in outage.refused]
    assert set(refused) <= set(outage.handled)
    assert len(outage.handled) == len(set(outage.handled))
    for chat in REGISTERING:
        said = outage.api.texts(chat, plain=True)
        # the refused press answered once it was back, and only once
        assert sum("Question 1/8" in text for text in said) == 1, said


async def test_every_due_message_is_sent_once(outage: Outage) -> None:
    # rows sent, or in doubt: sent, but the database was gone before "sent" was written
    assert set(outage.statuses) <= {DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT}
    assert sum(outage.statuses.values()) == 2 * PAIRS
    assert outage.statuses[DeliveryStatus.IN_DOUBT] <= 2  # at most the one in flight each
    for chat in PAIRED:
        assert len(outage.api.texts(chat)) == 1, (chat, outage.api.texts(chat))
    for mentor in MENTORS:
        assert len(outage.slack_api.messages(mentor)) == 1, mentor


async def test_while_it_is_away_a_few_clear_lines(outage: Outage) -> None:
    """One line per kind of failure: the webhook's refusals (one per update), the
    scheduler's once per outage rather than at every round; never a traceback."""
    kinds: dict[tuple[str, str], list[logging.LogRecord]] = {}
    for record in outage.down:
        if record.levelno >= logging.WARNING:
            kinds.setdefault((record.name, str(record.msg)), []).append(record)
    lines = {kind: len(records) for kind, records in kinds.items()}
    assert any(name == "handlers.web" for name, _ in kinds), lines  # the refusals are said
    problems = []
    for (name, message), records in kinds.items():
        tracebacks = sum(1 for record in records if record.exc_info)
        if tracebacks:
            problems.append(f"{name}: {message!r} logged {tracebacks}x with a traceback")
        elif name != "handlers.web" and len(records) > 2:  # periodic work: not every round
            problems.append(f"{name}: {message!r} logged {len(records)}x")
        problems.extend(
            f"{name}: a line on several lines" for r in records if "\n" in r.getMessage()
        )
    assert not problems, "\n".join(problems)
