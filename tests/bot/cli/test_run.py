"""`mentorbot run` explains a platform that refuses its token or cannot be reached, or that
none is set; `mentorbot chat` talks in the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from tests.bot.cli.runner import run
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi


async def test_run_explains_a_platform_that_refuses_or_cannot_be_reached(
    settings: Settings,
    stand_ins: tuple[FakeBotApi, FakeSlackApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    telegram, _slack = stand_ins
    base = {"MENTORBOT_DATABASE_URL": settings.database_url}
    wrong = {
        **base,
        "TELEGRAM_BOT_TOKEN": "123456789:" + "B" * 35,  # not the stand-in's token: 401
        "TELEGRAM_API_BASE_URL": telegram.base_url,
    }
    out = await run(wrong, "run", code=3)
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in out
    unreachable = {**wrong, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}
    out = await run(unreachable, "run", code=3)
    assert "Cannot reach the Telegram Bot API at http://127.0.0.1:9/bot" in out


async def test_run_explains_a_refused_slack_app_token(
    settings: Settings,
    stand_ins: tuple[FakeBotApi, FakeSlackApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _telegram, slack = stand_ins
    env = {
        "MENTORBOT_DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-1-A1-1-not-the-right-one",  # Socket Mode, refused
        "SLACK_API_URL": slack.base_url,
    }
    out = await run(env, "run", code=3)
    assert "Slack refused the app's token (invalid_auth)" in out
    assert "SLACK_APP_TOKEN" in out
    # HTTP mode: a wrong bot token is found at start too
    http = {
        "MENTORBOT_DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-not-ours",
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        "SLACK_API_URL": slack.base_url,
    }
    out = await run(http, "run", code=3)
    assert "Slack refused the app's token (invalid_auth)" in out


async def test_run_without_any_platform_token_says_what_to_set(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = await run({"MENTORBOT_DATABASE_URL": settings.database_url}, "run", code=2)
    assert "No platform token set (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN)" in out
    assert "`mentorbot chat`" in out


async def test_chat_talks_in_the_terminal_until_quit(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"MENTORBOT_DATABASE_URL": settings.database_url, "COLUMNS": "250"}
    out = await run(env, "chat", "--user", "camille", typed="/quit\n")
    assert out.count("🤖") >= 1
    assert "👋 À bientôt / See you soon!" in out
