"""The Bolt listeners, grouped by kind; each group has a `register(bot)`."""

from __future__ import annotations

from handlers.slack.app import SlackBot
from handlers.slack.listeners import actions, commands, events, views

__all__ = ["register"]


def register(bot: SlackBot) -> None:
    """Attach every listener to the bot's Bolt app."""
    for group in (events, commands, actions, views):
        group.register(bot)
