"""Running `mentorbot ...` in a test, as staff type it."""

from __future__ import annotations

import asyncio
import datetime as dtm

import time_machine
from typer.testing import CliRunner

from bot import cli
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

# Tuesday 3 November 2026, 10:00 in Paris: inside the sending hours
TUESDAY = dtm.datetime(2026, 11, 3, 9, 0, tzinfo=dtm.UTC)


def environment(settings: Settings, telegram: FakeBotApi, slack: FakeSlackApi) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        "SLACK_API_URL": slack.base_url,
        "SLACK_STAFF_CHANNEL": "CSTAFF",
        "MENTORBOT_DATABASE_URL": settings.database_url,
        "COLUMNS": "250",
    }


async def run(
    env: dict[str, str],
    *args: str,
    code: int = 0,
    at: dtm.datetime = TUESDAY,
    typed: str | None = None,
) -> str:
    """`mentorbot ...` at `at`, with `typed` as what staff type in it; its output (in a
    thread: the CLI calls asyncio.run)."""
    with time_machine.travel(at, tick=False):
        result = await asyncio.to_thread(
            CliRunner().invoke, cli.app, list(args), input=typed, env=env
        )
    assert result.exit_code == code, result.output
    return result.output
