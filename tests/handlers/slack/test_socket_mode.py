"""`mentorbot run` in Socket Mode (SLACK_APP_TOKEN set): the real Bolt app behind slack-sdk's
aiohttp Socket Mode client, connected to the stand-in's websocket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

from sqlalchemy import select

from bot.container import build
from bot.runtime import serve
from conversations.core.clock import FixedClock
from storage.database import upgrade
from storage.models import Pairing, ProcessedEvent
from tests.conftest import make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi, socket_envelope
from tests.fakes.slack_bot import SECRET, TOKEN
from tests.fakes.slack_requests import SignedRequests

MENTOR = "UMENTOR1"


async def until(condition: Callable[[], object]) -> None:
    """Poll the stand-in's records until `condition()` holds (at most 10 seconds)."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - the records belong to another server
            await asyncio.sleep(0.02)


def texts(api: FakeSlackApi, user_id: str) -> list[str]:
    return [str(message.get("text")) for message in api.messages(user_id)]


async def test_socket_mode_acks_each_envelope_and_answers_the_mentor(
    tmp_path: Path, clock: FixedClock, slack_api: FakeSlackApi
) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'socket.db'}",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_APP_TOKEN=slack_api.app_token,
        SLACK_API_URL=slack_api.base_url,
    )
    services = build(settings, clock)
    await upgrade(services.db)
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    # payloads exactly as Slack sends them over HTTP, here carried by socket envelopes
    slack = SignedRequests(SECRET, response_url_base=slack_api.hooks_url)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(services, stop))
    try:
        try:
            await slack_api.socket_connected()
            # the tokens are checked at start (auth.test, then the app-level token once), then
            # the socket URL is asked for with the app-level token (the stand-in refuses the
            # bot's)
            started = [(r.method, r.response["ok"]) for r in slack_api.requests[:3]]
            assert started == [
                ("auth.test", True),
                ("apps.connections.open", True),
                ("apps.connections.open", True),
            ]

            body, _ = slack.slash_command(MENTOR, text="help")
            command = await slack_api.socket_send(
                socket_envelope("slash_commands", dict(parse_qsl(body)))
            )
            assert await slack_api.socket_ack(command) == {"envelope_id": command}
            await until(lambda: any("/mentorbot log" in text for text in texts(slack_api, MENTOR)))

            body, _ = slack.event(slack.app_home_opened(MENTOR))
            event_id = json.loads(body)["event_id"]
            home_opened = await slack_api.socket_send(
                socket_envelope("events_api", json.loads(body))
            )
            assert await slack_api.socket_ack(home_opened) == {"envelope_id": home_opened}
            await until(lambda: slack_api.published_home(MENTOR) is not None)
            home = slack_api.published_home(MENTOR) or {}
            assert "Inès" in json.dumps(home.get("blocks"), ensure_ascii=False)

            # a button press (interactivity) over the socket: "first meeting held"
            body, _ = slack.block_actions(MENTOR, "mb_1", f"fm:{pairing_id}")
            pressed = await slack_api.socket_send(
                socket_envelope("interactive", json.loads(dict(parse_qsl(body))["payload"]))
            )
            assert await slack_api.socket_ack(pressed) == {"envelope_id": pressed}
            await until(lambda: any("Première rencontre" in t for t in texts(slack_api, MENTOR)))
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=15)
        assert running.exception() is None
        # the client closed its socket on the way out, and never reconnected
        await slack_api.socket_closed()
        assert slack_api.socket_connections == 1
        assert len(slack_api.calls("apps.connections.open")) == 2  # the check, the connection
        async with services.sessions() as session:
            processed = (await session.scalars(select(ProcessedEvent.event_id))).all()
        assert event_id in processed
        async with services.sessions() as session:
            pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        assert pairing.first_meeting_at == clock.now()
    finally:
        if not running.done():
            running.cancel()
        await services.close()
