"""Fixtures for the command-line tests: the stand-in Telegram and Slack servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.bot.cli.runner import environment
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
async def stand_ins() -> AsyncIterator[tuple[FakeBotApi, FakeSlackApi]]:
    async with FakeBotApi() as telegram, FakeSlackApi(bot_token="xoxb-test") as slack:
        slack.add_user("UCLAIRE", email="claire@acme.example", real_name="Claire")
        yield telegram, slack


@pytest.fixture
def env(
    settings: Settings,
    stand_ins: tuple[FakeBotApi, FakeSlackApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """The environment of a staff terminal with both platforms configured (no stray .env)."""
    monkeypatch.chdir(tmp_path)
    return environment(settings, *stand_ins)
