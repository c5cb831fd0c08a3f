"""Events: the App Home opened, a message in the app's Messages tab (text or files, in a
pair's thread or not), a reply in a thread of the staff channel."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest

from handlers.slack import incoming
from handlers.slack.app import SlackBot
from handlers.text import storable_incoming

# Slack delivers an event again 3 times when it is not acknowledged (the header counts them)
# https://api.slack.com/apis/events-api#retries
RETRY_HEADER = "x-slack-retry-num"
LAST_RETRY = 3


def _last_try(request: AsyncBoltRequest) -> bool:
    tries = request.headers.get(RETRY_HEADER) or ["0"]
    return tries[0].strip() == str(LAST_RETRY)


def register(bot: SlackBot) -> None:
    async def on_app_home_opened(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = incoming.home_opened(body)
        if event is not None:
            bot.later(bot.handle(event))

    async def on_message(ack: AsyncAck, body: dict[str, Any], request: AsyncBoltRequest) -> None:
        posted = incoming.message(body, bot.staff_channel)
        if posted is None or posted.downloads:
            # files take longer to download than Slack waits for the acknowledgement
            await ack()
            if posted is not None:
                bot.later(bot.receive(posted))
            return
        # the engine first (a few milliseconds), so that an event the database could not
        # take is not acknowledged and Slack delivers it again
        event = storable_incoming(posted.incoming)
        response = await bot.first(event, last_try=_last_try(request))
        await ack()
        if response is not None:
            bot.later(bot.respond(event, response))

    bot.app.event("app_home_opened")(on_app_home_opened)
    bot.app.event("message")(on_message)
