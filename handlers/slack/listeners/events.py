"""Events: the App Home opened, a message in the app's Messages tab (text or files, in a
pair's thread or not), a reply in a thread of the staff channel."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from handlers.slack import incoming
from handlers.slack.app import SlackBot


def register(bot: SlackBot) -> None:
    async def on_app_home_opened(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = incoming.home_opened(body)
        if event is not None:
            bot.later(bot.handle(event))

    async def on_message(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        posted = incoming.message(body, bot.staff_channel)
        if posted is not None:
            bot.later(bot.receive(posted))

    bot.app.event("app_home_opened")(on_app_home_opened)
    bot.app.event("message")(on_message)
