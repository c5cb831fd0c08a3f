"""The Slack adapter: mentors and staff in Slack, through the same engine as everyone."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack import listeners
from handlers.slack.app import COMMAND, Handles, SlackBot
from handlers.slack.blocks import SlackRenderer, Templates
from handlers.slack.incoming import read_form
from handlers.slack.sender import SlackSender, build_client
from handlers.slack.staff import SlackStaffDirectory

__all__ = [
    "COMMAND",
    "SlackBot",
    "SlackRenderer",
    "SlackSender",
    "SlackStaffDirectory",
    "build_client",
    "create_bot",
    "read_form",
]


def create_bot(
    engine: Handles,
    client: AsyncWebClient,
    templates: Templates,
    *,
    signing_secret: str | None,
    default_locale: str = "fr",
    staff_channel: str | None = None,
) -> SlackBot:
    """The Bolt app with every listener registered."""
    bot = SlackBot(
        engine,
        client,
        templates,
        signing_secret=signing_secret,
        default_locale=default_locale,
        staff_channel=staff_channel,
    )
    listeners.register(bot)
    return bot
