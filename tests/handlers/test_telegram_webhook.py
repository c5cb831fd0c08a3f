"""The Telegram webhook (scaled-out mode), served on 127.0.0.1 with the real PTB objects:
the secret header, updates answered through the stand-in Bot API, 503 while the database is
down and exactly-once processing of the update Telegram delivers again; an update whose data
the database refuses is answered 200 with an apology (not redelivered forever)."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from bot.container import Services, build
from bot.runtime import serve
from conversations.core.clock import FixedClock
from conversations.core.messages import Incoming
from conversations.core.response import Response
from handlers.telegram import TelegramBot, TelegramOutput
from handlers.web import SECRET_HEADER, TELEGRAM_PATH, build_web_app
from storage.database import DatabaseUnavailable, upgrade
from storage.models import Application, Person, ProcessedEvent
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import USER, RunningBot, running_bot
from tests.fakes.telegram_updates import JSONDict, UpdateFactory

SECRET = "Webhook_secret-0123456789"

WebClient = TestClient[Any, Any]


@pytest.fixture
async def webhook(telegram: RunningBot) -> AsyncIterator[WebClient]:
    app = build_web_app(telegram=(telegram.handler, SECRET))
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        yield client


async def post(
    client: WebClient, update: JSONDict, secret: str | None = SECRET
) -> tuple[int, object]:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with client.post(TELEGRAM_PATH, json=update, headers=headers) as response:
        return response.status, await response.json()


async def count(services: Services, model: type[Any]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_wrong_or_missing_secret_is_refused_and_nothing_processed(
    telegram: RunningBot, webhook: WebClient
) -> None:
    update = UpdateFactory().command(USER, "start")
    for secret in (None, "", "wrong", SECRET + "x", SECRET[:-1], SECRET.lower()):
        status, body = await post(webhook, update, secret)
        assert (status, body) == (403, {"error": "forbidden"}), secret
    assert telegram.api.calls("sendMessage") == []
    assert await count(telegram.services, ProcessedEvent) == 0
    assert await count(telegram.services, Person) == 0
    # the refused calls did not use the update up: with the secret it is handled
    assert await post(webhook, update) == (200, {"ok": True})
    assert "Tu acceptes ?" in telegram.api.texts(USER, plain=True)[-1]


async def test_right_secret_is_processed_and_answered(
    telegram: RunningBot, webhook: WebClient
) -> None:
    api = telegram.api
    updates = UpdateFactory()
    assert await post(webhook, updates.command(USER, "start", "partner_x")) == (200, {"ok": True})
    notice = api.last_message(USER)
    assert notice is not None
    assert "Tu acceptes ?" in notice["text"]
    accept = updates.callback(
        USER,
        notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        message_id=notice["message_id"],
        reply_markup=notice["reply_markup"],
    )
    assert await post(webhook, accept) == (200, {"ok": True})
    assert "Question 1/8 — Ton diplôme le plus élevé ?" in api.texts(USER, plain=True)[-1]
    assert [call.ok for call in api.calls("answerCallbackQuery")] == [True]
    async with telegram.services.sessions() as session:
        application = (await session.execute(select(Application))).scalar_one()
    assert application.source == "partner_x"


@pytest.mark.parametrize("body", ["not json", "null", "[]", "{}"])
async def test_a_malformed_body_is_refused(
    telegram: RunningBot, webhook: WebClient, body: str
) -> None:
    async with webhook.post(
        TELEGRAM_PATH, data=body, headers={SECRET_HEADER: SECRET, "Content-Type": "text/json"}
    ) as response:
        assert response.status == 400
    assert telegram.api.calls("sendMessage") == []


async def test_healthz(webhook: WebClient) -> None:
    async with webhook.get("/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_database_down_answers_503_then_the_redelivery_is_processed_once(
    api: FakeBotApi, tmp_path: Path, clock: FixedClock
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    settings = make_settings(f"sqlite+aiosqlite:///{folder / 'mentorbot.db'}")
    services = build(settings, clock)
    await upgrade(services.db)
    try:
        async with running_bot(api, services) as telegram:
            app = build_web_app(telegram=(telegram.handler, SECRET))
            async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
                updates = UpdateFactory()
                assert await post(client, updates.command(USER, "start")) == (200, {"ok": True})
                sent = len(api.texts(USER))

                # the database goes away: its folder is moved while no connection is open
                await services.close()
                folder.rename(tmp_path / "db-away")
                update = updates.text_message(USER, "oui")
                status, _ = await post(client, update)
                assert status == 503  # Telegram will deliver the update again
                assert len(api.texts(USER)) == sent

                folder.with_name("db-away").rename(folder)  # back
                assert await post(client, update) == (200, {"ok": True})
                said = api.texts(USER, plain=True)[sent:]
                assert any("Question 1/8" in text for text in said)
                # delivered once more (the 200 was lost on the way): nothing happens twice
                assert await post(client, update) == (200, {"ok": True})
                assert api.texts(USER, plain=True)[sent:] == said
        async with services.sessions() as session:
            person = (await session.execute(select(Person))).scalar_one()
            applications = (await session.execute(select(Application))).scalars().all()
        assert person.consent_at is not None
        assert len(applications) == 1
        assert await count(services, ProcessedEvent) == 2
    finally:
        await services.close()


# ---------------------------------------------------------------- database errors


class FailingEngine:
    """An engine whose every event fails with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def handle(self, incoming: Incoming) -> Response:
        raise self.error


def refused(
    orig: Exception, *, invalidated: bool = False, kind: type[DBAPIError] = DBAPIError
) -> DBAPIError:
    """What SQLAlchemy raises, its message holding the statement's parameters."""
    return kind(
        "INSERT INTO application (answers) VALUES ($1)",
        {"answers": "mon adresse secrète"},
        orig,
        connection_invalidated=invalidated,
    )


def connection_reset() -> Exception:
    orig = Exception("connection was closed in the middle of operation")
    orig.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    return orig


def sqlite_cantopen() -> DBAPIError:
    """The SQLite file cannot be opened (its folder went away)."""
    orig = sqlite3.OperationalError("unable to open database file")
    orig.sqlite_errorname = "SQLITE_CANTOPEN"
    return refused(orig, kind=OperationalError)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(DatabaseUnavailable("Cannot reach the database"), id="unavailable"),
        pytest.param(ConnectionRefusedError(111, "Connect call failed"), id="refused"),
        pytest.param(refused(Exception("closed"), invalidated=True), id="invalidated"),
        pytest.param(refused(connection_reset(), kind=OperationalError), id="reset"),
        pytest.param(sqlite_cantopen(), id="sqlite-cantopen"),
    ],
)
async def test_a_lost_database_answers_503(telegram: RunningBot, error: Exception) -> None:
    output = TelegramOutput(telegram.application.bot, telegram.services.renderer)
    app = build_web_app(telegram=(TelegramBot(FailingEngine(error), output), SECRET))
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        status, body = await post(client, UpdateFactory().text_message(USER, "bonjour"))
    assert (status, body) == (503, {"error": "unavailable"})
    assert telegram.api.calls("sendMessage") == []  # Telegram delivers it again: no apology


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(refused(Exception("invalid byte sequence for encoding")), id="data"),
        pytest.param(refused(Exception("value too long"), kind=DataError), id="too-long"),
        pytest.param(refused(Exception("duplicate key"), kind=IntegrityError), id="integrity"),
        pytest.param(
            refused(Exception("syntax error at or near"), kind=OperationalError), id="operational"
        ),
    ],
)
async def test_data_the_database_refuses_is_answered_200_with_an_apology(
    telegram: RunningBot, error: DBAPIError, caplog: pytest.LogCaptureFixture
) -> None:
    output = TelegramOutput(telegram.application.bot, telegram.services.renderer)
    app = build_web_app(telegram=(TelegramBot(FailingEngine(error), output), SECRET))
    update = UpdateFactory().text_message(USER, "mon adresse secrète")
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        with caplog.at_level(logging.INFO, logger="handlers"):
            status, body = await post(client, update)
    assert (status, body) == (200, {"ok": True})  # delivering it again would fail again
    assert telegram.api.texts(USER, plain=True) == [
        "Oups, un problème de mon côté. Tes réponses sont gardées : réessaie dans un instant."
    ]
    (record,) = caplog.records
    message = record.getMessage()
    assert str(update["update_id"]) in message
    assert type(error).__name__ in message
    assert "\n" not in message
    assert "secrète" not in message
    assert record.exc_info is None  # the traceback would print the parameters


# ---------------------------------------------------------------- as `mentorbot run` serves it


async def test_run_in_webhook_mode_registers_the_webhook_and_answers_through_it(
    api: FakeBotApi, tmp_path: Path, clock: FixedClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        MENTORBOT_HTTP_PORT=port,
    )
    services = build(settings, clock)
    await upgrade(services.db)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(services, stop))
    try:
        async with asyncio.timeout(10):
            while not api.calls("setWebhook"):
                assert not running.done(), running
                await asyncio.sleep(0.02)
        (registered,) = api.calls("setWebhook")
        assert registered.params["url"] == "https://bot.example.org/telegram/webhook"
        assert registered.params["secret_token"] == SECRET
        assert api.calls("getUpdates") == []  # no long polling beside the webhook
        update = UpdateFactory().command(USER, "start")
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{port}{TELEGRAM_PATH}",
                json=update,
                headers={SECRET_HEADER: SECRET},
            ) as response,
        ):
            assert response.status == 200
        assert "Tu acceptes ?" in api.texts(USER, plain=True)[-1]
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=15)
        await services.close()
