"""Buttons pressed in the bot's messages, modals and App Home."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from handlers.slack import incoming
from handlers.slack.app import SlackBot

# every button the bot draws has an action id starting with "mb_" (see blocks.buttons)
ACTION_IDS = re.compile(r"^mb_")


def _pressed_message(body: dict[str, Any]) -> dict[str, str] | None:
    """The message whose button was pressed (None in a view): its channel, ts, text and the
    pressed button's label."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return None
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts:
        return None
    message = body.get("message") or {}
    actions = body.get("actions") or [{}]
    label = ((actions[0] or {}).get("text") or {}).get("text") or ""
    return {
        "channel": str(channel),
        "ts": str(ts),
        "text": str(message.get("text") or ""),
        "label": str(label),
    }


def register(bot: SlackBot) -> None:
    async def on_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        bot.later(bot.handle(incoming.button(body), message=_pressed_message(body)))

    bot.app.action(ACTION_IDS)(on_button)
