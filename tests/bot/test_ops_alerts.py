"""Errors told to the operators' Slack channel (the stand-in Web API, the clock injected):
one post per kind of error per hour, with the kind, where, and how many since; never the
error's message; never a failure or a wait for the code that logged."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from bot.ops_alerts import OpsAlerts, build_ops_alerts
from conversations.core.clock import FixedClock
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SECRET, TOKEN

OPS = "COPS"
SECRET_WORDS = "Inès wrote: je suis perdue"


@pytest.fixture
async def alerts(
    database_url: str, slack_api: FakeSlackApi, clock: FixedClock
) -> AsyncIterator[OpsAlerts]:
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_api.base_url,
        SLACK_OPS_CHANNEL=OPS,
    )
    handler = build_ops_alerts(settings, clock)
    assert handler is not None
    logger = logging.getLogger("scheduler.service")
    other = logging.getLogger("handlers.telegram.app")
    for each in (logger, other):
        each.addHandler(handler)
    yield handler
    await handler.drain()
    for each in (logger, other):
        each.removeHandler(handler)


def fail_in_scheduler() -> None:
    try:
        raise OperationalError("INSERT INTO case", {"text": SECRET_WORDS}, Exception("down"))
    except OperationalError:
        logging.getLogger("scheduler.service").exception("scheduler tick failed")


def fail_in_telegram() -> None:
    try:
        raise KeyError(SECRET_WORDS)
    except KeyError:
        logging.getLogger("handlers.telegram.app").exception("error while handling an update")


def posts(slack_api: FakeSlackApi) -> list[str]:
    return [str(m["text"]) for m in slack_api.messages(OPS)]


async def test_one_post_per_kind_of_error_per_hour(
    alerts: OpsAlerts, slack_api: FakeSlackApi, clock: FixedClock
) -> None:
    fail_in_scheduler()
    clock.advance(timedelta(minutes=20))
    fail_in_scheduler()
    await alerts.drain()
    [first] = posts(slack_api)
    assert "Mentorbot : erreur OperationalError" in first
    assert "scheduler.service.fail_in_scheduler" in first
    assert "Première occurrence : 2 novembre 2026, 10:00." in first

    fail_in_telegram()  # another kind: posted at once
    await alerts.drain()
    assert len(posts(slack_api)) == 2
    assert "erreur KeyError" in posts(slack_api)[1]

    clock.advance(timedelta(minutes=41))  # an hour after the first post
    fail_in_scheduler()
    await alerts.drain()
    texts = posts(slack_api)
    assert len(texts) == 3
    assert "2 fois depuis l'alerte précédente, du 2 novembre 2026, 10:00" in texts[2]
    for text in texts:
        assert "Inès" not in text
        assert "perdue" not in text


async def test_a_refused_post_is_one_warning_and_never_the_callers_problem(
    alerts: OpsAlerts, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    slack_api.fail_next("chat.postMessage", "channel_not_found")
    with caplog.at_level(logging.WARNING, logger="bot.ops_alerts"):
        fail_in_scheduler()  # returns at once: the post is a task
        await alerts.drain()
    assert posts(slack_api) == []
    warned = [r for r in caplog.records if r.name == "bot.ops_alerts"]
    assert [r.getMessage() for r in warned] == [
        "an error alert could not be posted (SlackApiError)"
    ]


async def test_an_error_logged_outside_the_event_loop_is_left_to_the_log(
    alerts: OpsAlerts, slack_api: FakeSlackApi
) -> None:
    worker = threading.Thread(target=fail_in_telegram)
    worker.start()
    worker.join()
    await alerts.drain()
    assert posts(slack_api) == []


def test_no_channel_no_handler(database_url: str, clock: FixedClock) -> None:
    slack_only = make_settings(database_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
    assert build_ops_alerts(slack_only, clock) is None
    assert build_ops_alerts(make_settings(database_url, SLACK_OPS_CHANNEL=OPS), clock) is None
