"""Our Slack app served over HTTP on 127.0.0.1, wired to the stand-in Web API, for tests.

async with SlackHarness.start(services, api) as slack:
    status, text = await slack.post(*slack.requests.slash_command("U1", text="help"))
    await slack.settled()                 # the work Bolt started after its ack is done
    assert slack.api.messages("U1")
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.container import Services
from handlers.slack import SlackBot, build_client, create_bot
from handlers.web import SLACK_PATH, serve_http
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import SignedRequests

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test"


@dataclass
class SlackHarness:
    services: Services
    api: FakeSlackApi
    bot: SlackBot
    url: str
    requests: SignedRequests
    http: aiohttp.ClientSession

    @classmethod
    @asynccontextmanager
    async def start(cls, services: Services, api: FakeSlackApi) -> AsyncIterator[SlackHarness]:
        bot = create_bot(
            services.engine,
            build_client(TOKEN, api.base_url, retry_on_rate_limit=True),
            services.renderer,
            signing_secret=SECRET,
            staff_channel=services.settings.slack_staff_channel,
        )
        runner = await serve_http("127.0.0.1", 0, slack=bot.app, slack_signing_secret=SECRET)
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as http:
                yield cls(
                    services=services,
                    api=api,
                    bot=bot,
                    url=f"http://127.0.0.1:{port}{SLACK_PATH}",
                    requests=SignedRequests(SECRET, time.time, response_url_base=api.hooks_url),
                    http=http,
                )
                await asyncio.wait_for(bot.drain(), 10)
        finally:
            await runner.cleanup()

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        """Send one signed request; returns Bolt's status and body."""
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def settled(self) -> None:
        """Wait until the work the listeners started after acknowledging is done."""
        await asyncio.wait_for(self.bot.drain(), 10)

    async def send(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        """Post and wait for the work behind it."""
        answer = await self.post(body, headers)
        await self.settled()
        return answer

    def texts(self, user_id: str) -> list[str]:
        return [str(m.get("text")) for m in self.api.messages(user_id)]

    def buttons(self, message: dict[str, Any]) -> dict[str, str]:
        """Label -> value of the buttons of a posted message."""
        found: dict[str, str] = {}
        for block in message.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("type") == "button":
                    found[element["text"]["text"]] = element["value"]
        return found

    def home_text(self, user_id: str) -> str:
        view = self.api.published_home(user_id) or {}
        return json.dumps(view.get("blocks", []), ensure_ascii=False)
