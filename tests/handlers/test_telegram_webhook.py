"""The Telegram webhook (scaled-out mode), served on 127.0.0.1 with the real PTB objects:
the secret header, updates answered through the stand-in Bot API, 503 while the database is
down and exactly-once processing of the update Telegram delivers again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import Services, build
from conversations.core.clock import FixedClock
from handlers.web import SECRET_HEADER, TELEGRAM_PATH, build_web_app
from storage.database import upgrade
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
                await services.db.dispose()
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
