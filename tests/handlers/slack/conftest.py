"""Fixtures for the Slack adapter tests: services on a temporary SQLite file, our Bolt app
served over HTTP against the stand-in Web API, and helpers that press buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select

from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.mentor import checkin
from handlers.slack import SlackRenderer, SlackSender, build_client
from scheduler.dispatcher import Dispatcher
from storage.database import upgrade
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness

MENTOR = "UMENTOR1"
STAFF = "USTAFF1"
STAFF_CHANNEL = "CSTAFF"
M = TypeVar("M")


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}",
        SLACK_STAFF_USERS=STAFF,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
    )
    built = build(settings, clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.fixture
async def slack(services: Services, slack_api: FakeSlackApi) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(services, slack_api) as harness:
        yield harness


def dispatcher(services: Services, api: FakeSlackApi) -> Dispatcher:
    sender = SlackSender(
        build_client(TOKEN, api.base_url, retry_on_rate_limit=False),
        SlackRenderer(services.renderer),
        services.clock,
        STAFF_CHANNEL,
    )
    return Dispatcher(services.sessions, {"slack": sender}, services.clock)


async def start_checkin(services: Services, pairing_id: int) -> int:
    async with services.sessions() as session, session.begin():
        made = await checkin.start_checkin(
            session, pairing_id=pairing_id, now=services.clock.now(), config=services.config
        )
        return made.id


async def click(slack: SlackHarness, user: str, value: str) -> str:
    """Press a button; returns its trigger id."""
    trigger = slack.requests.new_trigger_id()
    status, _ = await slack.send(
        *slack.requests.block_actions(
            user, "mb_0", value, trigger_id=trigger, channel_id=f"D{user}", message_ts="1.000001"
        )
    )
    assert status == 200
    return trigger


async def rows(services: Services, model: type[M]) -> list[M]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())
