"""Drive the engine like a person would, and read back what they would see (no platform)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.container import Services
from conversations.core.messages import Channel, Incoming, Kind, Reply

_event_ids = itertools.count(1)


@dataclass
class Said:
    """What the bot said in one turn, rendered as plain text."""

    replies: list[Reply]
    texts: list[str]
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.texts)

    @property
    def keys(self) -> list[str]:
        return [reply.key for reply in self.replies]

    def value_of(self, label_part: str) -> str:
        """The value of the button whose label contains `label_part`."""
        for label, value in self.buttons:
            if label_part.lower() in label.lower():
                return value
        raise AssertionError(f"no button like {label_part!r} in {self.buttons}")


class Person:
    """One person talking to the engine on a channel."""

    def __init__(
        self,
        services: Services,
        user_id: str = "1001",
        *,
        name: str | None = "Inès",
        language: str | None = "fr",
        channel: Channel = Channel.TELEGRAM,
    ) -> None:
        self.services = services
        self.user_id = user_id
        self.name = name
        self.language = language
        self.channel = channel
        self.last: Said | None = None

    async def _send(self, incoming: Incoming) -> Said:
        replies = (await self.services.engine.handle(incoming)).replies
        texts: list[str] = []
        buttons: list[tuple[str, str]] = []
        for reply in replies:
            rendered = self.services.renderer.render(reply, Channel.CONSOLE)
            texts.append(rendered.text)
            buttons.extend(button for row in rendered.buttons for button in row)
        self.last = Said(replies, texts, buttons)
        return self.last

    def _incoming(self, kind: Kind, **fields: Any) -> Incoming:
        return Incoming(
            self.channel,
            self.user_id,
            kind,
            event_id=str(next(_event_ids)),
            chat_id=self.user_id,
            language_code=self.language,
            display_name=self.name,
            **fields,
        )

    async def says(self, text: str) -> Said:
        return await self._send(self._incoming(Kind.TEXT, text=text))

    async def command(self, name: str, args: str = "") -> Said:
        return await self._send(
            self._incoming(Kind.COMMAND, text=f"/{name} {args}".strip(), command=name, args=args)
        )

    async def presses(self, value: str) -> Said:
        return await self._send(self._incoming(Kind.CHOICE, choice=value))

    async def sends_sticker(self) -> Said:
        return await self._send(self._incoming(Kind.UNSUPPORTED))

    async def replay(self, incoming: Incoming) -> Said:
        return await self._send(incoming)
