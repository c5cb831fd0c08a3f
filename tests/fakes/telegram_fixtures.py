"""A running python-telegram-bot `Application` against the stand-in Bot API, and a youth who
talks to it the way Telegram delivers updates (messages, button presses with the keyboard's
real `callback_data`), reading back what the stand-in shows in the chat.

Fixtures (`api`, `telegram`) are registered in `tests/handlers/conftest.py`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, select
from telegram import Update

from bot.container import Services
from handlers.telegram import AnyApplication, TelegramBot, build_bot
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import JSONDict, UpdateFactory

USER = 5550001


@dataclass
class RunningBot:
    """The real PTB `Application`, wired to our handler, inside `async with application:`."""

    api: FakeBotApi
    application: AnyApplication
    handler: TelegramBot
    services: Services


@asynccontextmanager
async def running_bot(api: FakeBotApi, services: Services) -> AsyncIterator[RunningBot]:
    application, handler = build_bot(
        services.engine, services.renderer, token=api.token, base_url=api.base_url
    )
    async with application:
        yield RunningBot(api, application, handler, services)


async def wait_for(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait until `condition()` holds, at most `within` seconds (then TimeoutError)."""
    async with asyncio.timeout(within):
        # the stand-in records requests without signalling them: look again shortly
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


class Youth:
    """One Telegram user in a private chat with the bot.

    Each action delivers an update to the application (`process_update`, or the stand-in's
    getUpdates queue with `polling=True`) and returns the plain text of every message the bot
    sent to the chat since the previous action, as the youth sees it.
    """

    def __init__(
        self,
        bot: RunningBot,
        user_id: int = USER,
        *,
        first_name: str = "Inès",
        language_code: str | None = "fr",
        updates: UpdateFactory | None = None,
        polling: bool = False,
    ) -> None:
        self.bot = bot
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.updates = updates or UpdateFactory()
        self.polling = polling
        self._read = len(bot.api.texts(user_id))

    @property
    def api(self) -> FakeBotApi:
        return self.bot.api

    def _who(self) -> dict[str, Any]:
        return {"first_name": self.first_name, "language_code": self.language_code}

    def new_texts(self) -> list[str]:
        """Texts sent to the chat since the last action (and marks them read)."""
        texts = self.api.texts(self.user_id, plain=True)
        fresh, self._read = texts[self._read :], len(texts)
        return fresh

    async def deliver(self, update: JSONDict, *, until: str | None = None) -> str:
        """Deliver one update; with polling, wait until a message containing `until` arrives."""
        if self.polling:
            assert until is not None, "a polled update needs a text to wait for"
            self.api.push_update(update)
            start = self._read
            await wait_for(
                lambda: any(
                    until in text for text in self.api.texts(self.user_id, plain=True)[start:]
                )
            )
        else:
            application = self.bot.application
            await application.process_update(Update.de_json(update, application.bot))
        return "\n\n".join(self.new_texts())

    async def says(self, text: str, *, until: str | None = None) -> str:
        update = self.updates.text_message(self.user_id, text, **self._who())
        return await self.deliver(update, until=until)

    async def command(self, name: str, args: str | None = None, *, until: str | None = None) -> str:
        update = self.updates.command(self.user_id, name, args, **self._who())
        return await self.deliver(update, until=until)

    async def sends(self, kind: str) -> str:
        """A sticker, photo or voice note."""
        factory = getattr(self.updates, kind)
        return await self.deliver(factory(self.user_id, **self._who()))

    # ---------------------------------------------------------------- buttons

    def keyboard_message(self) -> JSONDict:
        """The latest message in the chat that still shows an inline keyboard."""
        for message in reversed(self.api.messages(self.user_id)):
            if "reply_markup" in message:
                return message
        raise AssertionError("no message with a keyboard in the chat")

    def buttons(self, message: JSONDict | None = None) -> list[tuple[str, str]]:
        """(label, callback_data) of a message's keyboard (default: the latest one)."""
        message = message or self.keyboard_message()
        rows = message["reply_markup"]["inline_keyboard"]
        return [(button["text"], button["callback_data"]) for row in rows for button in row]

    def callback_update(self, label_part: str, message: JSONDict | None = None) -> JSONDict:
        """The update Telegram sends when the button labelled like `label_part` is pressed."""
        message = message or self.keyboard_message()
        matches = [data for label, data in self.buttons(message) if label_part in label]
        assert len(matches) == 1, f"{label_part!r} in {self.buttons(message)}"
        return self.updates.callback(
            self.user_id,
            matches[0],
            message_id=message["message_id"],
            message_text=message.get("text", "..."),
            reply_markup=message["reply_markup"],
            **self._who(),
        )

    async def presses(
        self, label_part: str, *, message: JSONDict | None = None, until: str | None = None
    ) -> str:
        return await self.deliver(self.callback_update(label_part, message), until=until)


async def answer_all(youth: Youth, *, source: str | None = "partner_x") -> str:
    """An eligible journey, from /start to the decision; returns the last turn."""
    await youth.command("start", source)
    await youth.presses("J'accepte")
    await youth.presses("Bac+5")
    await youth.says("12/03/2001")
    await youth.presses("Oui")
    await youth.presses("Je cherche un emploi")
    await youth.presses("Île-de-France")
    await youth.says("Contrôle de gestion")
    said = await youth.says("ines@example.fr")
    assert "vérifie tes réponses" in said
    return await youth.presses("c'est bon")


async def answer_until_review(youth: Youth) -> str:
    """Uncertain answers: the application goes to staff review."""
    await youth.command("start")
    await youth.presses("J'accepte")
    await youth.presses("Bac+5")
    await youth.says("01/01/2000")
    await youth.presses("Je ne sais pas")  # priority neighbourhood
    await youth.presses("Je ne sais pas")  # other social criteria
    await youth.presses("Je cherche un emploi")
    await youth.presses("Occitanie")
    await youth.says("Data")
    said = await youth.presses("Je préfère ne pas la donner")
    assert "vérifie tes réponses" in said
    return await youth.presses("c'est bon")


def _as_text(value: object) -> str:
    """A stored value as text; JSON (decoded or not) without \\u escapes."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def database_values(services: Services) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-null value of every table: JSON columns
    as their JSON text, everything else as `str()`."""
    metadata = MetaData()
    async with services.db.connect() as connection:
        await connection.run_sync(metadata.reflect)
        found: list[tuple[str, str, str]] = []
        for table in metadata.sorted_tables:
            rows = (await connection.execute(select(table))).mappings().all()
            for row in rows:
                for column, value in row.items():
                    if value is None:
                        continue
                    found.append((table.name, column, _as_text(value)))
    return found
