"""The staff command line against the stand-in Telegram and Slack servers: registering a
mentor, pairing, a check-in by hand, the scheduler once, status; and clear errors."""

from __future__ import annotations

import asyncio
import datetime as dtm
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from typer.testing import CliRunner

from bot import cli
from bot.app import Services
from bot.settings import Settings
from storage.models import Delivery, MentorProfile, Pairing
from tests.fakes.mentoring import make_youth
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

# Tuesday 3 November 2026, 10:00 in Paris: inside the sending hours
TUESDAY = dtm.datetime(2026, 11, 3, 9, 0, tzinfo=dtm.UTC)


@pytest.fixture
async def stand_ins() -> tuple[FakeBotApi, FakeSlackApi]:  # type: ignore[misc]
    async with FakeBotApi() as telegram, FakeSlackApi(bot_token="xoxb-test") as slack:
        slack.add_user("UCLAIRE", email="claire@acme.example", real_name="Claire")
        yield telegram, slack


def _env(settings: Settings, telegram: FakeBotApi, slack: FakeSlackApi) -> dict[str, str]:
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


async def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    """`mentorbot ...` as staff type it (in a thread: the CLI calls asyncio.run)."""
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(CliRunner().invoke, cli.app, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


async def test_a_mentor_is_registered_paired_and_checked_in_by_hand(
    services: Services,
    settings: Settings,
    stand_ins: tuple[FakeBotApi, FakeSlackApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    telegram, slack = stand_ins
    env = _env(settings, telegram, slack)
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name="Inès", telegram_id="7001")

    out = await run(
        env,
        "mentor",
        "add",
        "claire@acme.example",
        "--by",
        "Camille",
        "--name",
        "Claire",
        "--region",
        "IDF",
        "--capacity",
        "2",
    )
    assert "registered, capacity 2" in out
    async with services.sessions() as session:
        profile = (await session.scalars(select(MentorProfile))).one()
    assert (profile.email, profile.region, profile.capacity) == ("claire@acme.example", "idf", 2)

    out = await run(env, "pair", str(youth.id), "UCLAIRE", "--by", "Camille")
    assert "Pairing 1 created" in out
    assert "Messages sent now: 2" in out
    assert "vous accompagnez désormais Inès" in slack.messages("UCLAIRE")[0]["text"]
    youth_sees = telegram.texts(7001, plain=True)
    assert "Claire va te contacter pour une première rencontre" in youth_sees[0]

    out = await run(env, "checkin", "1")
    assert "Messages sent now: 1" in out
    assert "Avez-vous eu un contact ce mois-ci" in slack.messages("UCLAIRE")[-1]["text"]

    # pairing again is refused with a reason staff can act on
    out = await run(env, "pair", str(youth.id), "UCLAIRE", "--by", "Camille", code=1)
    assert "already has an open pairing" in out

    out = await run(env, "status")
    assert "sent today" in out
    assert "Unreachable people (blocked the bot...): 0" in out

    out = await run(env, "scheduler", "--once")
    assert "Due work:" in out
    async with services.sessions() as session:
        pairing = (await session.scalars(select(Pairing))).one()
        sent = (await session.scalars(select(Delivery.status))).all()
    assert pairing.status == "active"
    assert set(sent) == {"sent"}


async def test_errors_are_clear(
    settings: Settings,
    stand_ins: tuple[FakeBotApi, FakeSlackApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    telegram, slack = stand_ins
    env = _env(settings, telegram, slack)
    out = await run(env, "mentor", "add", "nobody@acme.example", "--by", "Camille", code=1)
    assert "Slack does not know nobody@acme.example" in out
    out = await run(env, "pair", "999", "UCLAIRE", "--by", "Camille", code=1)
    assert "No mentor 'UCLAIRE'" in out
    bad = {**env, "MENTORBOT_TIMEZONE": "Mars/Olympus"}
    out = await run(bad, "status", code=2)
    assert "MENTORBOT_TIMEZONE" in out
    down = {**env, "MENTORBOT_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    out = await run(down, "status", code=3)
    assert "Cannot reach the database" in out
    assert "MENTORBOT_DATABASE_URL" in out


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
