"""`mentorbot run` with Telegram and Slack configured: one event loop answers on both, and
SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from bot.container import build
from bot.runtime import serve, watch_database
from conversations.core.clock import FixedClock
from storage import audit, outbox
from storage.database import create_engine, readiness, upgrade
from storage.models import Priority
from tests.conftest import make_settings
from tests.fakes.mentoring import make_youth
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SECRET, TOKEN
from tests.fakes.slack_requests import SignedRequests
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(condition: Callable[[], object]) -> None:
    """Poll a stand-in's records until `condition()` holds (at most 10 seconds)."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - the records belong to another server
            await asyncio.sleep(0.02)


async def test_run_answers_on_telegram_and_slack_and_stops_on_sigterm(
    tmp_path: Path, clock: FixedClock, slack_api: FakeSlackApi
) -> None:
    port = free_port()
    async with FakeBotApi() as telegram_api:
        settings = make_settings(
            f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            TELEGRAM_BOT_TOKEN=telegram_api.token,
            TELEGRAM_API_BASE_URL=telegram_api.base_url,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack_api.base_url,
            MENTORBOT_HTTP_PORT=port,
        )
        services = build(settings, clock)
        await upgrade(services.db)
        running = asyncio.create_task(serve(services))
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:

                async def healthy() -> bool:
                    try:
                        async with http.get(f"{base}/healthz") as response:
                            return response.status == 200
                    except aiohttp.ClientConnectionError:
                        return False

                async with asyncio.timeout(10):
                    while not await healthy():
                        assert not running.done(), running
                        await asyncio.sleep(0.02)

                # Telegram: a youth sends /start (long polling against the stand-in)
                telegram_api.push_update(UpdateFactory().command(4242, "start"))
                await until(lambda: telegram_api.texts(4242))

                # Slack: a signed slash command to /slack/events on the same web server
                slack = SignedRequests(SECRET, response_url_base=slack_api.hooks_url)
                body, headers = slack.slash_command("UWHO", text="help")
                async with http.post(
                    f"{base}/slack/events", data=body.encode(), headers=headers
                ) as response:
                    assert response.status == 200
                await until(lambda: slack_api.messages("UWHO"))
                assert "Je ne vous connais pas" in slack_api.messages("UWHO")[0]["text"]

            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(running, timeout=15)
        finally:
            if not running.done():
                running.cancel()
            await services.close()
    assert running.exception() is None
    assert telegram_api.calls("setMyCommands")
    # the rules files in force were noticed at start, in the audit log
    async with services.sessions() as session:
        noticed = await audit.listing(session, action="rules_file")
    assert sorted(entry.detail["file"] for entry in noticed) == [
        "eligibility.toml",
        "matching.toml",
    ]
    await services.close()
    # the web server is gone
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz"):
                closed = False
        except aiohttp.ClientConnectionError:
            closed = True
    assert closed


async def test_a_clean_stop_after_outbox_sends_logs_no_error_and_probes_answer_in_polling_mode(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    async with FakeBotApi() as telegram_api:
        settings = make_settings(
            f"sqlite+aiosqlite:///{tmp_path / 'stop.db'}",
            TELEGRAM_BOT_TOKEN=telegram_api.token,
            TELEGRAM_API_BASE_URL=telegram_api.base_url,
            MENTORBOT_HTTP_PORT=port,
            MENTORBOT_DISPATCH_SECONDS="0.2",
        )
        services = build(settings, clock)
        await upgrade(services.db)
        # a message waiting in the outbox for a youth who started the bot
        async with services.sessions() as session, session.begin():
            youth = await make_youth(session, clock.now(), telegram_id="4343")
            await outbox.enqueue(
                session,
                key="test:stop",
                person_id=youth.id,
                channel="telegram",
                template="common.help",
                context={"consented": True},
                now=clock.now(),
                priority=Priority.URGENT,
            )
        running = asyncio.create_task(serve(services))
        base = f"http://127.0.0.1:{port}"
        try:
            with caplog.at_level(logging.INFO):
                await until(lambda: telegram_api.texts(4343))  # sent by the outbox sender
                async with aiohttp.ClientSession() as http:
                    # long polling, no Slack: the probes are served all the same
                    async with http.get(f"{base}/healthz") as response:
                        assert response.status == 200
                    async with http.get(f"{base}/readyz") as response:
                        assert (response.status, await response.json()) == (
                            200,
                            {"status": "ready"},
                        )
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.wait_for(running, timeout=15)
        finally:
            if not running.done():
                running.cancel()
            await services.close()
    assert running.exception() is None
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert "Traceback" not in caplog.text


async def test_readyz_says_why_the_database_cannot_serve(tmp_path: Path) -> None:
    path = tmp_path / "ready.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect():
            pass  # the file exists, empty: no schema yet
        assert "not at" in (await readiness(engine) or "")
        await upgrade(engine)
        assert await readiness(engine) is None
        path.unlink()
        assert "has disappeared" in (await readiness(engine) or "")
    finally:
        await engine.dispose()


async def test_an_operator_is_told_when_the_database_file_disappears(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "watched.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    watching = asyncio.create_task(watch_database(engine, every=0.01))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.runtime"):
            path.rename(tmp_path / "moved.db")
            await until(lambda: "has disappeared" in caplog.text)
            (tmp_path / "moved.db").rename(path)
            await until(lambda: "is back" in caplog.text)
    finally:
        watching.cancel()
        await engine.dispose()
    assert [r.levelname for r in caplog.records if r.name == "bot.runtime"] == ["ERROR", "WARNING"]
