"""Modal submissions: the engine runs before the acknowledgement, so that form errors
(`response_action: errors`) keep the form open with what was typed."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from handlers.slack import incoming
from handlers.slack.app import SlackBot
from handlers.text import storable_incoming

# every modal the bot opens; the engine refuses a form it does not know (the information
# window has no submit button)
FORMS = re.compile(r".+")


def register(bot: SlackBot) -> None:
    async def on_submission(ack: AsyncAck, body: dict[str, Any]) -> None:
        event = storable_incoming(incoming.submission(body))
        response = await bot.engine.handle(event)
        if response.form_errors:
            await ack(
                response_action="errors",
                errors=bot.view.form_errors(
                    response.form_errors, response.locale, response.form_error_context
                ),
            )
            return
        await ack()
        bot.later(bot.respond(event, response))

    bot.app.view(FORMS)(on_submission)
