"""The logs of a whole journey, at DEBUG and as JSON, hold no name, email, message text or
token: a youth registers on Telegram, is paired, her mentor answers the monthly check-in in
Slack and they write to each other through the bot, with python-telegram-bot, Bolt,
slack-sdk and SQLAlchemy logging everything they do at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from telegram import Bot

from bot import container
from bot.cli.common import configure_logging
from bot.container import Services
from bot.logs import REDACTED, Scrubber, formatter
from bot.settings import Settings
from conversations.core.clock import FixedClock
from conversations.core.messages import Sender
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from tests.conftest import make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SECRET, TOKEN, SlackHarness
from tests.fakes.slack_requests import Checked, Radio
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeBotApi
from tests.fakes.telegram_fixtures import RunningBot, Youth, running_bot
from tests.handlers.slack.conftest import click, start_checkin

MENTOR = "UMENTOR1"
STAFF = "USTAFF1"
STAFF_CHANNEL = "CSTAFF"
NAME = "Zéphyrine"
PAIRED = "Aurélienne"
EMAIL = "zephyrine.quist@example.fr"
NOTE = "Entretien chez Boulangerie Marceau jeudi"
MENTOR_SAYS = "Courage pour ton oral de jeudi"
YOUTH_SAYS = "Merci, je stresse beaucoup pour mardi"
FIELD = "Cartographie marine"
SECRETS = (NAME, PAIRED, EMAIL, NOTE, MENTOR_SAYS, YOUTH_SAYS, FIELD, DEFAULT_TOKEN, SECRET)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        MENTORBOT_LOG_LEVEL="DEBUG",
        MENTORBOT_LOG_FORMAT="json",
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_STAFF_USERS=STAFF,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
        TELEGRAM_CHAT_MESSAGES_PER_SECOND=30,
        SLACK_CHANNEL_MESSAGES_PER_SECOND=10,
    )


@pytest.fixture
def logs(settings: Settings) -> Iterator[io.StringIO]:
    """Every log line of the test, as `mentorbot run` would write it."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    written = io.StringIO()
    configure_logging(settings, stream=written)
    yield written
    root.setLevel(saved[0])
    root.handlers = saved[1]
    for name in ("bot", "handlers", "conversations", "scheduler", "storage", "httpx"):
        logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def telegram(api: FakeBotApi, services: Services) -> AsyncIterator[RunningBot]:
    async with running_bot(api, services) as running:
        yield running


@pytest.fixture
async def slack(services: Services, slack_api: FakeSlackApi) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(services, slack_api) as harness:
        yield harness


@pytest.fixture
async def senders(
    api: FakeBotApi, slack_api: FakeSlackApi, services: Services
) -> AsyncIterator[dict[str, Sender]]:
    telegram_sender = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
    slack_sender = SlackSender(
        build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=False),
        SlackRenderer(services.renderer),
        services.clock,
        STAFF_CHANNEL,
    )
    yield {"telegram": telegram_sender, "slack": slack_sender}
    await telegram_sender.close()


async def deliver(services: Services, senders: dict[str, Sender], clock: FixedClock) -> None:
    dispatcher = container.dispatcher(services, senders)
    for _ in range(4):
        await dispatcher.run_until_empty()
        clock.advance(timedelta(seconds=10))


def records(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


async def test_a_whole_journey_logs_no_personal_data_nor_tokens(
    logs: io.StringIO,
    services: Services,
    telegram: RunningBot,
    slack: SlackHarness,
    slack_api: FakeSlackApi,
    senders: dict[str, Sender],
    clock: FixedClock,
) -> None:
    # a youth registers on Telegram, with her name and email
    youth = Youth(telegram, 5550001, first_name=NAME)
    await youth.command("start", "partner_x")
    await youth.presses("J'accepte")
    await youth.presses("Bac+5")
    await youth.says("12/03/2001")
    await youth.presses("Oui")
    await youth.presses("Je cherche un emploi")
    await youth.presses("Île-de-France")
    await youth.says(FIELD)
    assert "vérifie tes réponses" in await youth.says(EMAIL)
    await youth.presses("c'est bon")

    # another youth is paired with a mentor, who answers the monthly check-in
    pairing_id, _, _ = await make_pair(
        services, mentor_slack=MENTOR, youth_name=PAIRED, telegram_id="5550002"
    )
    await deliver(services, senders, clock)
    _, thread = slack_api.last_post(MENTOR)  # the introduction opens the pair's thread
    checkin_id = await start_checkin(services, pairing_id)
    await deliver(services, senders, clock)
    await click(slack, MENTOR, f"ci:{checkin_id}:yes")
    modal = slack_api.opened_views()[-1]
    status, _ = await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "contact",
            {
                "how": Radio("video"),
                "topics": Checked("cv"),
                "progress": Radio("good"),
                "note": NOTE,
                "needs_staff": [],
            },
            private_metadata=modal["private_metadata"],
            view_id="VCHECKIN",
        )
    )
    assert status == 200

    # they write to each other through the bot
    # (one update factory: Telegram's update ids are unique across chats)
    paired = Youth(telegram, 5550002, first_name=PAIRED, updates=youth.updates)
    event = slack.requests.message_im(MENTOR, MENTOR_SAYS, thread_ts=thread)
    status, _ = await slack.send(*slack.requests.event(event))
    assert status == 200
    await deliver(services, senders, clock)
    assert MENTOR_SAYS in "\n".join(paired.new_texts())
    assert await paired.says(YOUTH_SAYS) == "✓ Envoyé à Claire."
    await deliver(services, senders, clock)
    assert YOUTH_SAYS in str(slack_api.messages(MENTOR)[-1]["text"])

    found = records(logs)
    libraries = {record["name"].split(".")[0] for record in found}
    # the libraries did log at DEBUG: the scan below covers what they wrote
    assert {"telegram", "slack_bolt", "slack_sdk", "aiosqlite"} <= libraries, libraries
    assert len(found) > 100
    # and what they wrote did hold what is hidden now (statement parameters, payloads)
    for library in ("aiosqlite", "telegram", "slack_sdk"):
        lines = [r["message"] for r in found if r["name"].startswith(library)]
        assert any(REDACTED in line for line in lines), library
    leaks = [
        (record["name"], secret)
        for record in found
        for secret in SECRETS
        if secret.lower() in json.dumps(record, ensure_ascii=False).lower()
    ]
    assert leaks == []
    # the token is not in the URLs PTB logs, nor the Slack token in slack-sdk's requests
    assert not any("AAFakeToken" in json.dumps(record) for record in found)
    assert not any("xoxb-test" in json.dumps(record) for record in found)


def format_line(name: str, message: str, *args: object, exc: BaseException | None = None) -> str:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, None)
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    return formatter("text", secrets=["s3cr3t-webhook"]).format(record)


def test_a_database_error_shows_its_statement_not_its_parameters() -> None:
    try:
        raise IntegrityError(
            "INSERT INTO person (name, email) VALUES (?, ?)",
            ("Zéphyrine", "zephyrine.quist@example.fr"),
            Exception("UNIQUE constraint failed: person.email"),
        )
    except IntegrityError as error:
        line = format_line("storage.people", "could not store a person", exc=error)
    assert "INSERT INTO person (name, email)" in line
    assert "[parameters: hidden]" in line
    assert "Zéphyrine" not in line
    assert "example.fr" not in line


@pytest.mark.parametrize(
    ("name", "message", "args", "hidden", "kept"),
    [
        pytest.param(
            "httpx",
            'HTTP Request: POST %s "%s"',
            (
                "https://api.telegram.org/bot123456789:AAFakeTokenForMentorbotTests_0123456/getMe",
                "HTTP/1.1 200 OK",
            ),
            "AAFakeToken",
            "/getMe",
            id="telegram-token-in-a-url",
        ),
        pytest.param(
            "slack_sdk.web.base_client",
            "Sending a request - headers: %s",
            ({"Authorization": "Bearer xoxb-1234-abcd"},),
            "xoxb-1234",
            "Authorization",
            id="slack-token",
        ),
        pytest.param(
            "telegram.ext.ExtBot",
            "Call to Bot API endpoint `%s` finished with return value `%s`",
            ("getUpdates", [{"message": {"from": {"first_name": "Zéphyrine"}, "text": "aide"}}]),
            "Zéphyrine",
            "first_name",
            id="ptb-payload",
        ),
        pytest.param(
            "slack_bolt.AsyncApp",
            "Unhandled request (%s)",
            ({"event": {"type": "message", "text": "It's me, Zéphyrine"}},),
            "Zéphyrine",
            "Unhandled request",
            id="bolt-unhandled-body",
        ),
        pytest.param(
            "slack_sdk.web.base_client",
            "Received the following response - body: %s",
            ('{"ok":false,"error":"channel_not_found","user":"U0123ABC"}',),
            "never-there",
            "channel_not_found",
            id="error-codes-and-ids-stay",
        ),
        pytest.param(
            "aiohttp.server",
            "webhook call %s",
            ("secret_token=s3cr3t-webhook",),
            "s3cr3t",
            "webhook call",
            id="a-setting-secret",
        ),
    ],
)
def test_library_lines_lose_what_identifies_people(
    name: str, message: str, args: tuple[object, ...], hidden: str, kept: str
) -> None:
    line = format_line(name, message, *args)
    assert hidden not in line
    assert kept in line
    assert "U0123ABC" in format_line(name, "to %s", "'U0123ABC'")


def test_an_email_is_hidden_even_in_our_own_lines() -> None:
    assert Scrubber()("a mentor ines.m@example.org added") == "a mentor [redacted] added"
