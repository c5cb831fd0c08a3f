"""Replies as Telegram messages: HTML text, inline keyboards, documents, long texts split."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from conversations.core.messages import Channel, Renderer, Reply

__all__ = ["MAX_CAPTION", "MAX_MESSAGE", "TelegramOutput", "seconds", "split_text"]

# Telegram's limits for one message and for a document's caption, after entity parsing
MAX_MESSAGE = 4096
MAX_CAPTION = 1024

Message = tuple[str, InlineKeyboardMarkup | None, Reply]


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long text at paragraph (then line) boundaries so each part fits one message."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(paragraph) > limit:
            parts.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        parts.append(current)
    return parts


def seconds(value: object) -> float:
    """`retry_after` is an int, or a timedelta with PTB_TIMEDELTA set."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


class TelegramOutput:
    """Renders replies and sends them to one chat."""

    # a 429 on an answer: wait this long at most, then give up (the answers are saved)
    MAX_WAIT = 5.0

    def __init__(
        self,
        bot: Bot,
        renderer: Renderer,
        *,
        wait_on_429: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.renderer = renderer
        self._sleep = sleep
        # answers wait out a short 429; the outbox has its own pacing and retries
        self.wait_on_429 = wait_on_429

    def text(self, reply: Reply) -> str:
        """One reply as the HTML text of a message, buttons left out."""
        return self.renderer.render(reply, Channel.TELEGRAM).text

    def _messages(self, replies: Sequence[Reply]) -> list[Message]:
        """One message per reply, except that a reply with no buttons and no file is joined
        to the next one: fewer messages for the person, fewer against Telegram's limits."""
        messages: list[Message] = []
        pending: list[str] = []
        for reply in replies:
            rendered = self.renderer.render(reply, Channel.TELEGRAM)
            markup = (
                InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(label, callback_data=value) for label, value in row]
                        for row in rendered.buttons
                    ]
                )
                if rendered.buttons
                else None
            )
            text = "\n\n".join([*pending, rendered.text])
            if markup is None and reply.attachment is None and reply is not replies[-1]:
                pending = [text] if len(text) < MAX_MESSAGE // 2 else []
                if not pending:
                    messages.append((text, None, reply))
                continue
            pending = []
            messages.append((text, markup, reply))
        return messages

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        for text, markup, reply in self._messages(replies):
            parts = split_text(text)
            if reply.attachment is not None:
                for part in parts[:-1]:
                    await self._call(
                        self.bot.send_message, chat_id, part, parse_mode=ParseMode.HTML
                    )
                await self._call(
                    self.bot.send_document,
                    chat_id,
                    InputFile(reply.attachment.content, filename=reply.attachment.filename),
                    caption=parts[-1][:MAX_CAPTION],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                continue
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                await self._call(
                    self.bot.send_message,
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                )

    async def _call(
        self, method: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
    ) -> None:
        """Send; after a short 429 (a fast typist hits the per-chat limit) wait and send once
        more, so the person is not left without the next question."""
        try:
            await method(*args, **kwargs)
        except RetryAfter as error:
            wait = seconds(error.retry_after)
            if not self.wait_on_429 or wait > self.MAX_WAIT:
                raise
            await self._sleep(wait)
            await method(*args, **kwargs)
