"""The slash command `/mentorbot <verb> ...`."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from handlers.slack import incoming
from handlers.slack.app import COMMAND, SlackBot


def register(bot: SlackBot) -> None:
    async def on_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        bot.later(bot.handle(incoming.command(command)))

    bot.app.command(COMMAND)(on_command)
