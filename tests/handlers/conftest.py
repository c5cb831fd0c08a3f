"""Fixtures for the Telegram adapter tests: the stand-in Bot API and a running Application."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.container import Services
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import RunningBot, running_bot


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def telegram(api: FakeBotApi, services: Services) -> AsyncIterator[RunningBot]:
    async with running_bot(api, services) as running:
        yield running
