"""`mentorbot run` with Telegram and Slack configured: one event loop answers on both, and
SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bot.app import build, serve
from conversations.core.clock import FixedClock
from storage.database import upgrade
from tests.conftest import make_settings
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
    # the web server is gone
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz"):
                closed = False
        except aiohttp.ClientConnectionError:
            closed = True
    assert closed
