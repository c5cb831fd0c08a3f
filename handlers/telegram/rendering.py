"""Replies as Telegram messages: HTML text, inline keyboards, documents, long texts split."""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import RetryAfter
from telegram.warnings import PTBUserWarning

from conversations.core.messages import Channel, Renderer, Reply

__all__ = ["MAX_CAPTION", "MAX_MESSAGE", "Sent", "TelegramOutput", "call", "seconds", "split_text"]

# The messages sent and edited here go through `Bot.do_api_request`, which leaves the
# result as Telegram's JSON: PTB's typed methods turn each result into a `Message` (about
# 0.25 ms of CPU for a question with its buttons, measured with `bench/inbound.py`, as much
# as the HTTP call itself), and nothing here reads more than two ids of it. PTB warns that a
# typed method exists; that advice is taken knowingly, for these calls only (the same
# filter is in pyproject.toml's pytest settings).
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
    module=r"handlers\.telegram\.",
)

# Telegram's limits for one message and for a document's caption, after entity parsing
MAX_MESSAGE = 4096
MAX_CAPTION = 1024

# an inline keyboard as the Bot API's JSON: built as PTB objects it costs as much again
Keyboard = dict[str, list[list[dict[str, str]]]]
Message = tuple[str, Keyboard | None, Reply]


# the pieces a message is cut between: a tag, an entity, or one character
_ATOMS = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z0-9-]+)")
# where a cut is best: after a blank line, a line, a word; anywhere else is a last resort
_PARAGRAPH, _LINE, _WORD, _ANYWHERE = 3, 2, 1, 0


def _units(text: str) -> int:
    """Telegram's length: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _reopened(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(opening for _, opening in stack)


def _closed(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _after_tag(stack: list[tuple[str, str]], atom: str) -> None:
    """The tags open once `atom` (a tag) is passed."""
    found = _TAG_NAME.match(atom)
    if found is None or atom.endswith("/>"):
        return
    name = found.group(1).lower()
    if atom.startswith("</"):
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == name:
                del stack[index]
                break
    else:
        stack.append((name, atom))


def _strength(atoms: Sequence[str], cut: int) -> int:
    """How good a place it is to cut before `atoms[cut]`."""
    before = atoms[cut - 1]
    if before == "\n":
        return _PARAGRAPH if cut >= 2 and atoms[cut - 2] == "\n" else _LINE
    return _WORD if before.isspace() else _ANYWHERE


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long HTML text so each part fits one message: at a blank line, else at a line
    end, else between words, else anywhere; never inside a tag or an entity (`&amp;`). A
    tag open at a cut is closed at the end of the part and opened again in the next, so
    every part is valid HTML on its own."""
    if _units(text) <= limit:
        return [text]
    atoms = _ATOMS.findall(text)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    start = 0
    while start < len(atoms):
        opening = list(stack)
        size = _units(_reopened(opening))
        # the best cut of each strength so far: (index, the tags open there)
        best: dict[int, tuple[int, list[tuple[str, str]]]] = {}
        index = start
        while index < len(atoms):
            atom = atoms[index]
            size += _units(atom)
            if atom.startswith("<") and len(atom) > 1:
                _after_tag(stack, atom)
            index += 1
            if size + _units(_closed(stack)) > limit and index - 1 > start:
                break
            # never right after an opening tag: that part would end on an empty element
            if index < len(atoms) and not (atom.startswith("<") and atom[1:2] not in "/"):
                best[_strength(atoms, index)] = (index, list(stack))
        else:
            parts.append(_reopened(opening) + "".join(atoms[start:]))
            break
        cut, stack = _choose(best, start, limit)
        body = "".join(atoms[start:cut]).rstrip()
        parts.append(_reopened(opening) + body + _closed(stack))
        start = cut
        while start < len(atoms) and atoms[start].isspace():
            start += 1
    return [part for part in parts if part.strip()]


def _choose(
    best: dict[int, tuple[int, list[tuple[str, str]]]], start: int, limit: int
) -> tuple[int, list[tuple[str, str]]]:
    """The strongest cut that keeps the part at least half full, else the strongest one."""
    for strength in (_PARAGRAPH, _LINE, _WORD):
        found = best.get(strength)
        if found is not None and found[0] - start >= limit // 2:
            return found
    for strength in (_PARAGRAPH, _LINE, _WORD, _ANYWHERE):
        found = best.get(strength)
        if found is not None:
            return found
    raise ValueError("no room for any text in a part")


@dataclass(frozen=True)
class Sent:
    """Where a message landed: its chat and its id in that chat."""

    chat_id: str
    message_id: int


async def call(bot: Bot, endpoint: str, **api_kwargs: Any) -> Any:
    """A Bot API call whose result is left as JSON (see the filter above); None values are
    left out, as PTB's typed methods do."""
    values = {name: value for name, value in api_kwargs.items() if value is not None}
    return await bot.do_api_request(endpoint, values)


def _sent(result: Any) -> Sent:
    return Sent(str(result["chat"]["id"]), int(result["message_id"]))


def seconds(value: object) -> float:
    """`retry_after` is an int, or a timedelta with PTB_TIMEDELTA set."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


class TelegramOutput:
    """Renders replies and sends them to one chat."""

    # a 429 on an answer: wait this long at most, then give up (the answers are saved)
    MAX_WAIT = 5.0
    # a 429 on the second part of a long message: wait this long at most for the rest
    MAX_PART_WAIT = 60.0

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
            markup: Keyboard | None = (
                {
                    "inline_keyboard": [
                        [{"text": label, "callback_data": value} for label, value in row]
                        for row in rendered.buttons
                    ]
                }
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

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> Sent | None:
        """Send the replies; returns where the last message landed. A text too long for one
        message goes as several; a file goes as a document, the text as its caption when it
        fits (else as messages before it)."""
        last: Sent | None = None
        for text, markup, reply in self._messages(replies):
            file = reply.attachment
            if file is not None and _units(text) <= MAX_CAPTION:
                parts, caption = [], text
            else:
                parts, caption = (split_text(text) if text.strip() else []), None
            for index, part in enumerate(parts):
                keyboard = markup if file is None and index == len(parts) - 1 else None
                last = await self._call(
                    "sendMessage",
                    patient=last is not None,
                    chat_id=chat_id,
                    text=part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                )
            if file is not None:
                last = await self._call(
                    "sendDocument",
                    patient=last is not None,
                    chat_id=chat_id,
                    document=InputFile(file.content, filename=file.filename),
                    caption=caption or None,
                    parse_mode=ParseMode.HTML if caption else None,
                    reply_markup=markup,
                )
        return last

    async def _call(self, endpoint: str, *, patient: bool = False, **api_kwargs: Any) -> Sent:
        """Send; after a short 429 (a fast typist hits the per-chat limit) wait and send once
        more, so the person is not left without the next question. `patient`: part of the
        message has gone already, so the rest waits out even a longer 429 rather than the
        whole message being sent again later."""
        try:
            return _sent(await call(self.bot, endpoint, **api_kwargs))
        except RetryAfter as error:
            wait = seconds(error.retry_after)
            longest = self.MAX_PART_WAIT if patient else self.MAX_WAIT
            if (not self.wait_on_429 and not patient) or wait > longest:
                raise
            await self._sleep(wait)
            return _sent(await call(self.bot, endpoint, **api_kwargs))
