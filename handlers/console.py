"""The terminal adapter: `mentorbot chat` talks to the same flows, no token needed.

Buttons are shown as numbered options; typing the number presses the button.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from conversations.core import codec
from conversations.core.engine import Engine
from conversations.core.messages import (
    Channel,
    Incoming,
    Kind,
    Rendered,
    Renderer,
    Reply,
    SendResult,
    SendStatus,
)

logger = logging.getLogger(__name__)

Read = Callable[[], Awaitable[str | None]]
Write = Callable[[str], None]


def parse_line(line: str, external_id: str, buttons: list[str]) -> Incoming:
    """A typed line as an `Incoming`: `/command args`, a button number, or text."""
    text = line.strip()
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        command, _, args = text[1:].partition(" ")
        return Incoming(
            Channel.CONSOLE,
            external_id,
            Kind.COMMAND,
            text=text,
            command=command,
            args=args.strip(),
        )
    # ASCII digits only: "²".isdigit() is true, and int("²") raises
    index = codec.button_number(text, len(buttons))
    if index is not None:
        return Incoming(Channel.CONSOLE, external_id, Kind.CHOICE, choice=buttons[index])
    return Incoming(Channel.CONSOLE, external_id, Kind.TEXT, text=line)


def format_rendered(rendered: Rendered, first_number: int) -> tuple[str, list[str]]:
    """Text with numbered options; returns the values in number order."""
    lines = [rendered.text]
    values: list[str] = []
    for row in rendered.buttons:
        for label, value in row:
            values.append(value)
            lines.append(f"  [{first_number + len(values) - 1}] {label}")
    return "\n".join(lines), values


class ConsoleSender:
    """Shows proactive messages (e.g. a staff decision) in the terminal."""

    def __init__(self, renderer: Renderer, write: Write) -> None:
        self._renderer = renderer
        self._write = write

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        rendered = self._renderer.render(reply, Channel.CONSOLE)
        self._write(f"\n🤖 {rendered.text}\n")
        return SendResult(SendStatus.SENT)


async def chat(
    engine: Engine,
    renderer: Renderer,
    read: Read,
    write: Write,
    *,
    external_id: str = "console",
    language: str | None = None,
    before_prompt: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run one terminal conversation until end of input or `/quit`."""
    buttons: list[str] = []
    first = Incoming(
        Channel.CONSOLE,
        external_id,
        Kind.COMMAND,
        text="/start",
        command="start",
        language_code=language,
    )
    incoming: Incoming | None = first
    while True:
        if incoming is not None:
            replies = (await engine.handle(incoming)).replies
            if replies:
                buttons = []
            for reply in replies:
                text, values = format_rendered(
                    renderer.render(reply, Channel.CONSOLE), len(buttons) + 1
                )
                buttons.extend(values)
                write(f"\n🤖 {text}\n")
                if reply.attachment is not None:
                    write(f"📎 {reply.attachment.filename}\n{reply.attachment.content.decode()}\n")
        if before_prompt is not None:
            await before_prompt()
        line = await read()
        if line is None or line.strip() in ("/quit", "/exit"):
            write("\n👋 À bientôt / See you soon!\n")
            return
        incoming = parse_line(line, external_id, buttons)
