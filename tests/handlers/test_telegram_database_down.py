"""Long polling with the database out of reach, through the real PTB `Application` and the
stand-in Bot API: the update (already confirmed to Telegram by PTB's offset) is kept and
tried again, the youth is told once that the answer is coming, and it is handled once the
database is back; after the last try, the youth is told to try again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.container import Services, build
from conversations.core.clock import FixedClock
from handlers.telegram import TelegramBot, TelegramOutput, attach, build_application
from storage.database import upgrade
from storage.models import ProcessedEvent
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import USER
from tests.fakes.telegram_updates import UpdateFactory

DELAYED = (
    "Petit souci de mon côté : je te réponds dans un instant, pas besoin de renvoyer ton message."
)


@pytest.fixture
async def on_file(tmp_path: Path, clock: FixedClock) -> AsyncIterator[tuple[Services, Path]]:
    folder = tmp_path / "db"
    folder.mkdir()
    services = build(make_settings(f"sqlite+aiosqlite:///{folder / 'bot.db'}"), clock)
    await upgrade(services.db)
    yield services, folder
    await services.close()


async def test_an_update_is_kept_while_the_database_is_away_and_handled_once_back(
    api: FakeBotApi, on_file: tuple[Services, Path]
) -> None:
    services, folder = on_file
    application = build_application(api.token, api.base_url)
    handler = TelegramBot(services.engine, TelegramOutput(application.bot, services.renderer))
    attach(application, handler, retry_delays=(0.01,) * 200)
    updates = UpdateFactory()
    async with application:
        start = updates.command(USER, "start", first_name="Inès")
        await application.process_update(Update.de_json(start, application.bot))
        said = len(api.texts(USER))

        await services.close()
        folder.rename(folder.with_name("away"))
        accept = updates.text_message(USER, "oui", first_name="Inès")
        handling = asyncio.ensure_future(
            application.process_update(Update.de_json(accept, application.bot))
        )
        async with asyncio.timeout(5):
            while DELAYED not in api.texts(USER, plain=True)[said:]:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert not handling.done()  # still kept, tried again

        folder.with_name("away").rename(folder)
        await asyncio.wait_for(handling, 5)
    texts = api.texts(USER, plain=True)[said:]
    assert texts[0] == DELAYED  # once, however many tries
    assert [DELAYED in text for text in texts].count(True) == 1
    assert any("Question 1/8" in text for text in texts[1:])
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 2


async def test_after_the_last_try_the_youth_is_told_to_try_again(
    api: FakeBotApi, on_file: tuple[Services, Path]
) -> None:
    services, folder = on_file
    application = build_application(api.token, api.base_url)
    handler = TelegramBot(services.engine, TelegramOutput(application.bot, services.renderer))
    attach(application, handler, retry_delays=(0.01, 0.01))
    async with application:
        await services.close()
        folder.rename(folder.with_name("away"))
        update = UpdateFactory().command(USER, "start", first_name="Inès")
        await application.process_update(Update.de_json(update, application.bot))
        folder.with_name("away").rename(folder)
    assert api.texts(USER, plain=True) == [
        DELAYED,
        "Oups, un problème de mon côté. Tes réponses sont gardées : réessaie dans un instant.",
    ]
