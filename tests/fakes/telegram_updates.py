"""Factories for Telegram ``Update`` JSON dicts, as the Bot API delivers them.

Each function returns a plain dict accepted by ``telegram.Update.de_json(data, bot)`` and by
``FakeBotApi.push_update``. ``update_id`` and ``message_id`` increase across calls (one
module-level :class:`UpdateFactory`; build your own for an independent sequence).

Private chats only: the chat id is the user id, like Telegram.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any, Literal

from tests.fakes.telegram_api import DEFAULT_BOT_FIRST_NAME, DEFAULT_BOT_USERNAME, DEFAULT_TOKEN

JSONDict = dict[str, Any]

DEFAULT_FIRST_NAME = "Inès"
DEFAULT_LANGUAGE = "fr"


def bot_user(
    token: str = DEFAULT_TOKEN,
    *,
    username: str = DEFAULT_BOT_USERNAME,
    first_name: str = DEFAULT_BOT_FIRST_NAME,
) -> JSONDict:
    """The bot as a ``User`` dict (``from`` of the bot's own messages)."""
    bot_id = token.split(":", 1)[0]
    return {
        "id": int(bot_id) if bot_id.isdigit() else 123456789,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
    }


def user(
    user_id: int,
    *,
    first_name: str = DEFAULT_FIRST_NAME,
    language_code: str | None = DEFAULT_LANGUAGE,
    username: str | None = None,
    last_name: str | None = None,
) -> JSONDict:
    data: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name is not None:
        data["last_name"] = last_name
    if username is not None:
        data["username"] = username
    if language_code is not None:
        data["language_code"] = language_code
    return data


def private_chat(user_id: int, *, first_name: str = DEFAULT_FIRST_NAME) -> JSONDict:
    return {"id": user_id, "type": "private", "first_name": first_name}


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class UpdateFactory:
    """Builds updates with increasing ``update_id`` and ``message_id``."""

    def __init__(
        self,
        *,
        first_update_id: int = 100_000,
        first_message_id: int = 10_000,
        bot: JSONDict | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(first_message_id)
        self._callback_ids = itertools.count(1)
        self.bot = bot if bot is not None else bot_user()
        self._clock = clock

    # ------------------------------------------------------------ building blocks

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def now(self) -> int:
        return int(self._clock())

    def _update(self, kind: str, payload: JSONDict, update_id: int | None) -> JSONDict:
        return {
            "update_id": update_id if update_id is not None else self.next_update_id(),
            kind: payload,
        }

    def message_dict(
        self,
        user_id: int,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        message_id: int | None = None,
        **content: Any,
    ) -> JSONDict:
        """A ``Message`` from the user in their private chat, with ``content`` fields."""
        return {
            "message_id": message_id if message_id is not None else self.next_message_id(),
            "from": user(user_id, first_name=first_name, language_code=language_code),
            "chat": private_chat(user_id, first_name=first_name),
            "date": self.now(),
            **content,
        }

    def _message_update(
        self,
        user_id: int,
        *,
        first_name: str,
        language_code: str | None,
        update_id: int | None,
        message_id: int | None = None,
        **content: Any,
    ) -> JSONDict:
        message = self.message_dict(
            user_id,
            first_name=first_name,
            language_code=language_code,
            message_id=message_id,
            **content,
        )
        return self._update("message", message, update_id)

    # ------------------------------------------------------------ updates

    def text_message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
        message_id: int | None = None,
    ) -> JSONDict:
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            message_id=message_id,
            text=text,
        )

    def command(
        self,
        user_id: int,
        command: str,
        args: str | None = None,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
        message_id: int | None = None,
    ) -> JSONDict:
        """``/start partner_x``: text with a ``bot_command`` entity at offset 0."""
        name = command if command.startswith("/") else f"/{command}"
        text = f"{name} {args}" if args else name
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            message_id=message_id,
            text=text,
            entities=[{"type": "bot_command", "offset": 0, "length": utf16_len(name)}],
        )

    def callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        message_text: str = "...",
        reply_markup: JSONDict | None = None,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
        callback_id: str | None = None,
    ) -> JSONDict:
        """A button press on the bot's message ``message_id`` in the user's chat."""
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(self.bot),
            "chat": private_chat(user_id, first_name=first_name),
            "date": self.now(),
            "text": message_text,
        }
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
        query: JSONDict = {
            "id": callback_id if callback_id is not None else f"{next(self._callback_ids)}0042",
            "from": user(user_id, first_name=first_name, language_code=language_code),
            "chat_instance": f"-{abs(user_id) * 7 + 1}",
            "message": message,
            "data": data,
        }
        return self._update("callback_query", query, update_id)

    def sticker(
        self,
        user_id: int,
        *,
        emoji: str = "👍",
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        number = self.next_message_id()
        sticker: JSONDict = {
            "file_id": f"CAACAgIAAxkBAAI{number}FakeStickerId",
            "file_unique_id": f"AgADst{number}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 24_000,
        }
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            message_id=number,
            sticker=sticker,
        )

    def photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        number = self.next_message_id()
        sizes = [
            {
                "file_id": f"AgACAgQAAxkBAAI{number}FakePhoto{width}",
                "file_unique_id": f"AQADph{number}{width}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": width * 40,
            }
            for width in (90, 320, 800)
        ]
        content: JSONDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            message_id=number,
            **content,
        )

    def document(
        self,
        user_id: int,
        document: JSONDict,
        *,
        caption: str | None = None,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        """A file sent as a document (``document`` as ``FakeBotApi.user_file`` returns it)."""
        content: JSONDict = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            **content,
        )

    def photo_of(
        self,
        user_id: int,
        largest: JSONDict,
        *,
        caption: str | None = None,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        """A photo whose largest size is ``largest`` (``FakeBotApi.user_photo``), with the
        smaller sizes Telegram adds (which the stand-in does not hold)."""
        number = self.next_message_id()
        small = [
            {
                "file_id": f"AgACAgQAAxkBAAI{number}FakeThumb{width}",
                "file_unique_id": f"AQADth{number}{width}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": width * 40,
            }
            for width in (90, 320)
        ]
        content: JSONDict = {"photo": [*small, largest]}
        if caption is not None:
            content["caption"] = caption
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            message_id=number,
            **content,
        )

    def content_message(
        self,
        user_id: int,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
        **content: Any,
    ) -> JSONDict:
        """A message with any other content (``video=...``, ``contact=...``, ``poll=...``)."""
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            **content,
        )

    def voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        number = self.next_message_id()
        voice: JSONDict = {
            "file_id": f"AwACAgQAAxkBAAI{number}FakeVoiceId",
            "file_unique_id": f"AgADvo{number}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 8_000 * duration,
        }
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            message_id=number,
            voice=voice,
        )

    def location(
        self,
        user_id: int,
        *,
        latitude: float = 48.8566,
        longitude: float = 2.3522,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        return self._message_update(
            user_id,
            first_name=first_name,
            language_code=language_code,
            update_id=update_id,
            location={"latitude": latitude, "longitude": longitude},
        )

    def edited_message(
        self,
        user_id: int,
        text: str,
        *,
        message_id: int,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        """The user edited their message ``message_id`` to ``text``."""
        now = self.now()
        message = self.message_dict(
            user_id,
            first_name=first_name,
            language_code=language_code,
            message_id=message_id,
            text=text,
            edit_date=now,
        )
        message["date"] = now - 60
        return self._update("edited_message", message, update_id)

    def my_chat_member(
        self,
        user_id: int,
        new_status: Literal["kicked", "member"] = "kicked",
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = DEFAULT_LANGUAGE,
        update_id: int | None = None,
    ) -> JSONDict:
        """The user blocked (``kicked``) or unblocked/started (``member``) the bot."""
        old_status = "member" if new_status == "kicked" else "kicked"

        def member(status: str) -> JSONDict:
            data: JSONDict = {"user": dict(self.bot), "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload: JSONDict = {
            "chat": private_chat(user_id, first_name=first_name),
            "from": user(user_id, first_name=first_name, language_code=language_code),
            "date": self.now(),
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        }
        return self._update("my_chat_member", payload, update_id)


_default = UpdateFactory()

text_message = _default.text_message
command = _default.command
callback = _default.callback
sticker = _default.sticker
photo = _default.photo
voice = _default.voice
document = _default.document
photo_of = _default.photo_of
content_message = _default.content_message
location = _default.location
edited_message = _default.edited_message
my_chat_member = _default.my_chat_member
message_dict = _default.message_dict
