"""`/metrics` scraped over HTTP after events handled through the real adapters against the
stand-ins: updates by platform and outcome, the latency histogram, the outbox as the
database holds it (by status, depth, age of the oldest due row), open cases, an
announcement's progress, tick duration; a database that does not answer makes the scrape
say so quickly instead of hanging it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from telegram import Update

from bot.container import Services, TemplateLabels, build
from bot.metrics import MeasuredEngine, MeasuredTicks, Metrics
from bot.runtime import serve
from conversations.core.clock import FixedClock
from handlers.telegram import build_bot
from handlers.web import METRICS_PATH, build_web_app
from storage import cases, events, outbox
from storage.database import create_engine, create_sessions, upgrade
from storage.models import AnnouncementStatus, Delivery
from tests.bot.test_run import free_port, until
from tests.conftest import make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import RunningBot, Youth
from tests.fakes.telegram_updates import UpdateFactory

STAFF = "USTAFF1"


class Stopwatch:
    """A monotonic clock that moves 0.02 s each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.02
        return self.now


@pytest.fixture
def settings(database_url: str) -> Any:
    return make_settings(database_url, SLACK_STAFF_USERS=STAFF)


@pytest.fixture
def metrics(services: Services) -> Metrics:
    return Metrics(services.sessions, services.clock)


@pytest.fixture
def measured(services: Services, metrics: Metrics) -> MeasuredEngine:
    return MeasuredEngine(services.engine, metrics, monotonic=Stopwatch())


@asynccontextmanager
async def telegram_with(
    api: FakeBotApi, services: Services, engine: MeasuredEngine
) -> AsyncIterator[RunningBot]:
    application, handler = build_bot(
        engine, services.renderer, token=api.token, base_url=api.base_url
    )
    async with application:
        yield RunningBot(api, application, handler, services)


@pytest.fixture
async def youth(
    api: FakeBotApi, services: Services, measured: MeasuredEngine
) -> AsyncIterator[Youth]:
    async with telegram_with(api, services, measured) as running:
        yield Youth(running, 4242)


@pytest.fixture
async def slack(
    services: Services, slack_api: FakeSlackApi, measured: MeasuredEngine
) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(services, slack_api) as harness:
        harness.bot.engine = measured
        yield harness


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(metrics: Metrics) -> Samples:
    """GET /metrics over HTTP; every sample by (name, sorted labels)."""
    app = build_web_app(metrics=metrics)
    async with (
        TestClient(TestServer(app, host="127.0.0.1", port=0)) as client,
        client.get(METRICS_PATH) as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        body = await response.text()
    return dict(_samples(body))


def _samples(body: str) -> Iterator[tuple[tuple[str, tuple[tuple[str, str], ...]], float]]:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            yield (sample.name, tuple(sorted(sample.labels.items()))), sample.value


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


async def test_updates_are_counted_by_platform_and_outcome_and_timed(
    youth: Youth, slack: SlackHarness, metrics: Metrics
) -> None:
    await youth.command("start")
    await youth.presses("J'accepte")
    for _ in range(3):
        status, _ = await slack.send(*slack.requests.slash_command(STAFF, text="help"))
        assert status == 200
    samples = await scrape(metrics)
    assert value(samples, "mentorbot_updates_total", platform="telegram", outcome="handled") == 2
    assert value(samples, "mentorbot_updates_total", platform="slack", outcome="handled") == 3
    assert value(samples, "mentorbot_updates_total", platform="slack", outcome="error") == 0
    # each handling took 0.02 s on the stopwatch
    assert value(samples, "mentorbot_update_seconds_count", platform="telegram") == 2
    assert value(samples, "mentorbot_update_seconds_sum", platform="telegram") == pytest.approx(
        0.04
    )
    assert value(samples, "mentorbot_update_seconds_bucket", platform="slack", le="0.01") == 0
    assert value(samples, "mentorbot_update_seconds_bucket", platform="slack", le="0.025") == 3


async def test_a_redelivered_update_counts_as_a_duplicate(
    youth: Youth, services: Services, metrics: Metrics
) -> None:
    update = youth.updates.command(youth.user_id, "start", None, first_name="Inès")
    application = youth.bot.application
    for _ in range(2):  # Telegram delivers the same update_id again
        await application.process_update(Update.de_json(update, application.bot))
    samples = await scrape(metrics)
    assert value(samples, "mentorbot_updates_total", platform="telegram", outcome="handled") == 1
    assert value(samples, "mentorbot_updates_total", platform="telegram", outcome="duplicate") == 1


async def test_a_staff_command_from_someone_else_counts_as_refused(
    slack: SlackHarness, metrics: Metrics
) -> None:
    status, _ = await slack.send(*slack.requests.slash_command("UNOTSTAFF", text="show 12"))
    assert status == 200
    samples = await scrape(metrics)
    assert value(samples, "mentorbot_updates_total", platform="slack", outcome="refused") == 1


async def test_an_engine_error_is_counted_and_raised(
    services: Services, metrics: Metrics, api: FakeBotApi
) -> None:
    # the engine's database is gone: every update fails
    await services.db.dispose()
    async with services.db.begin() as connection:
        await connection.execute(text("DROP TABLE processed_event"))
    engine = MeasuredEngine(services.engine, metrics, monotonic=Stopwatch())
    async with telegram_with(api, services, engine) as running:
        update = Youth(running, 77).updates.command(77, "start", None, first_name="Inès")
        with pytest.raises(Exception, match="processed_event"):
            await running.handler.handle(Update.de_json(update, running.application.bot))
    samples = await scrape(metrics)
    assert value(samples, "mentorbot_updates_total", platform="telegram", outcome="error") == 1
    assert value(samples, "mentorbot_update_seconds_count", platform="telegram") == 1


async def test_the_outbox_cases_and_announcements_as_the_database_holds_them(
    services: Services, metrics: Metrics, clock: FixedClock
) -> None:
    start = clock.now()
    pairing_id, youth_id, _ = await make_pair(services, mentor_slack="UMENTOR1")
    async with services.sessions() as session, session.begin():
        # one later message (in the depth, not due), one sent, one case taken, one open
        await outbox.enqueue(
            session,
            key="later",
            channel="telegram",
            template="youth.pulse",
            context={},
            person_id=youth_id,
            now=start,
            not_before=start + timedelta(days=1),
        )
        sent = await outbox.enqueue(
            session,
            key="sent",
            channel="slack",
            template="staff.digest",
            context={},
            destination="staff",
            now=start,
        )
        delivery = await session.get(Delivery, sent)
        assert delivery is not None
        outbox.mark_sent(delivery, start)
        taken = await cases.open_case(
            session, kind="human", person_id=youth_id, pairing_id=None, text=None, now=start
        )
        cases.take(taken, owner=STAFF, now=start)
        await cases.open_case(
            session, kind="concern", person_id=None, pairing_id=pairing_id, text=None, now=start
        )
        event, _ = await events.add_event(
            session,
            title="Atelier CV",
            kind="workshop",
            starts_at=start + timedelta(days=7),
            ends_at=start + timedelta(days=7, hours=2),
            zone="Europe/Paris",
            place="Paris",
            link=None,
            description=None,
            capacity=None,
            created_by=STAFF,
            request_key=None,
            now=start,
        )
        announcement = await events.add_announcement(
            session,
            event_id=event.id,
            audience={},
            template_fr="Bonjour",
            template_en=None,
            not_after=start + timedelta(days=7),
            author=STAFF,
            now=start,
        )
        announcement.status = AnnouncementStatus.SENDING
        for n, status in enumerate(("sent", "sent", "pending")):
            row = await outbox.enqueue(
                session,
                key=events.announcement_key(announcement.id, 1000 + n),
                channel="telegram",
                template="events.announcement",
                context={},
                person_id=youth_id,
                now=start,
            )
            if status == "sent":
                found = await session.get(Delivery, row)
                assert found is not None
                outbox.mark_sent(found, start)
    clock.advance(timedelta(seconds=90))

    samples = await scrape(metrics)

    async with services.db.connect() as connection:
        held = (
            await connection.execute(
                text("SELECT channel, status, count(*) FROM delivery GROUP BY channel, status")
            )
        ).all()
    assert held  # the pairing's introductions, the rows above
    for channel, status, count in held:
        assert value(samples, "mentorbot_deliveries", platform=channel, status=status) == count
    waiting = {
        c: sum(n for ch, s, n in held if ch == c and s == "pending") for c in ("telegram", "slack")
    }
    assert value(samples, "mentorbot_outbox_depth", platform="telegram") == waiting["telegram"]
    assert value(samples, "mentorbot_outbox_depth", platform="slack") == waiting["slack"]
    # due since the clock's start, 90 seconds ago; the later row is not due
    assert value(samples, "mentorbot_outbox_oldest_due_seconds", platform="telegram") == 90
    assert value(samples, "mentorbot_outbox_oldest_due_seconds", platform="slack") == 90
    assert value(samples, "mentorbot_cases_open", state="open") == 1
    assert value(samples, "mentorbot_cases_open", state="taken") == 1
    number = str(announcement.id)
    assert value(samples, "mentorbot_announcement_sent", announcement=number) == 2
    assert value(samples, "mentorbot_announcement_recipients", announcement=number) == 3
    assert value(samples, "mentorbot_database_up") == 1

    # everything sent: nothing is waiting, no row is due
    async with services.db.begin() as connection:
        await connection.execute(text("UPDATE delivery SET status = 'sent'"))
    samples = await scrape(metrics)
    assert value(samples, "mentorbot_outbox_depth", platform="telegram") == 0
    assert value(samples, "mentorbot_outbox_oldest_due_seconds", platform="slack") == 0


async def test_tick_duration_is_observed(services: Services, metrics: Metrics) -> None:
    ticks = MeasuredTicks(
        services.sessions,
        services.config,
        TemplateLabels(services.renderer),
        metrics=metrics,
        monotonic=Stopwatch(),
    )
    await ticks.run(services.clock.now())
    await ticks.run(services.clock.now())
    samples = await scrape(metrics)
    assert value(samples, "mentorbot_tick_seconds_count") == 2
    assert value(samples, "mentorbot_tick_seconds_sum") == pytest.approx(0.04)
    assert value(samples, "mentorbot_tick_failures_total") == 0


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word: a
    database server that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_database_that_hangs_does_not_hang_the_scrape(clock: FixedClock) -> None:
    async with silent_server() as port:
        settings = make_settings(f"postgresql+asyncpg://mentorbot@127.0.0.1:{port}/mentorbot")
        engine = create_engine(settings.database_url)
        metrics = Metrics(create_sessions(engine), clock, scrape_timeout=0.2)
        try:
            async with asyncio.timeout(5):
                samples = await scrape(metrics)
        finally:
            await engine.dispose()
    assert value(samples, "mentorbot_database_up") == 0
    assert value(samples, "mentorbot_updates_total", platform="telegram", outcome="handled") == 0


async def test_mentorbot_run_serves_metrics_in_long_polling_mode(
    tmp_path: Path, clock: FixedClock
) -> None:
    port = free_port()
    async with FakeBotApi() as telegram_api:
        settings = make_settings(
            f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            TELEGRAM_BOT_TOKEN=telegram_api.token,
            TELEGRAM_API_BASE_URL=telegram_api.base_url,
            MENTORBOT_HTTP_PORT=port,
        )
        services = build(settings, clock)
        await upgrade(services.db)
        stop = asyncio.Event()
        running = asyncio.create_task(serve(services, stop))
        try:
            telegram_api.push_update(UpdateFactory().command(4242, "start"))
            await until(lambda: telegram_api.texts(4242))
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}{METRICS_PATH}") as response,
            ):
                assert response.status == 200
                samples = dict(_samples(await response.text()))
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=15)
            await services.close()
    assert value(samples, "mentorbot_updates_total", platform="telegram", outcome="handled") == 1
    assert value(samples, "mentorbot_database_up") == 1
