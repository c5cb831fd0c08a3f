"""What `mentorbot pair`, `checkin` and `send` say went out now and what waits."""

from __future__ import annotations

import datetime as dtm

from bot.container import Services
from tests.bot.cli.runner import TUESDAY, run
from tests.fakes.mentoring import make_mentor, make_youth
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

# Sunday 8 November 2026: no proactive message goes out
SUNDAY = dtm.datetime(2026, 11, 8, 9, 0, tzinfo=dtm.UTC)


async def _youth_and_mentor(services: Services) -> int:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name="Inès", telegram_id="7001")
        await make_mentor(session, TUESDAY, "UCLAIRE")
    return youth.id


async def test_messages_for_a_platform_without_a_token_here_are_counted_as_queued(
    services: Services, stand_ins: tuple[FakeBotApi, FakeSlackApi], env: dict[str, str]
) -> None:
    telegram, slack = stand_ins
    youth = await _youth_and_mentor(services)
    telegram_only = {k: v for k, v in env.items() if not k.startswith("SLACK_")}

    out = await run(telegram_only, "pair", str(youth), "UCLAIRE", "--by", "Camille")
    # the youth is told on Telegram; the mentor's notice waits for Slack
    assert "Messages sent now: 1; queued for later: 1" in out
    assert "1 for Slack, whose SLACK_BOT_TOKEN is not set here: the running bot sends" in out
    assert telegram.texts(7001)

    out = await run(telegram_only, "checkin", "1")
    assert "Messages sent now: 0; queued for later: 2" in out
    out = await run(telegram_only, "send")
    assert "Messages sent now: 0; queued for later: 2" in out
    assert slack.messages("UCLAIRE") == []

    out = await run(env, "send")
    assert "Messages sent now: 2; queued for later: 0 (outside sending hours, or retried)." in out


async def test_messages_outside_sending_hours_are_counted_as_queued(
    services: Services, env: dict[str, str]
) -> None:
    youth = await _youth_and_mentor(services)
    out = await run(env, "pair", str(youth), "UCLAIRE", "--by", "Camille", at=SUNDAY)
    assert "Messages sent now: 0; queued for later: 2 (outside sending hours, or retried)." in out
