"""Sending what the commands queued: the platform senders this process has tokens for, and
one outbox run that says what went out and what waits."""

from __future__ import annotations

from typing import Any

from bot.cli.common import console
from bot.container import Services, build_slack, dispatcher
from scheduler import leadership
from storage import outbox

# the setting a platform's messages wait for when this process has no sender for it
TOKENS = {"telegram": ("Telegram", "TELEGRAM_BOT_TOKEN"), "slack": ("Slack", "SLACK_BOT_TOKEN")}


def senders(services: Services) -> dict[str, Any]:
    """A sender per platform that has a token in the settings."""
    found: dict[str, Any] = {}
    if services.settings.telegram_bot_token is not None:
        # python-telegram-bot loads only when Telegram is configured (as in bot.runtime): most
        # commands (review, status, db) never send, and it adds a noticeable start-up time
        from handlers.telegram import TelegramSender

        found["telegram"] = TelegramSender.from_settings(services.settings, services.renderer)
    if services.settings.slack_bot_token is not None:
        found["slack"] = build_slack(services)[1]
    return found


async def close(senders: dict[str, Any]) -> None:
    for sender in senders.values():
        closing = getattr(sender, "close", None)
        if closing is not None:
            await closing()


async def send_now(services: Services) -> None:
    """Send what is due now through the configured platforms and say how it went."""
    found = senders(services)
    if not found:
        console.print("Messages will go out when the bot runs (`mentorbot run`).")
        return
    # on PostgreSQL a running replica may hold a platform's dispatch lock: it sends those
    lock = leadership.for_database(services.db)
    try:
        led = await lock.lead(found)
        if busy := sorted(set(found) - led):
            console.print(f"Another process is sending {', '.join(busy)}: it sends those.")
        chosen = {channel: sender for channel, sender in found.items() if channel in led}
        report = await dispatcher(services, chosen).run_until_empty()
    finally:
        await lock.release()
        await close(found)
    # rows still due after the run are for a platform this process has no sender for (the
    # dispatcher only claims its senders' channels): queued too, whichever command queued them
    async with services.sessions() as session:
        stranded = (await outbox.counts(session, services.clock.now()))["due"]
    why = "outside sending hours, or retried"
    if stranded:
        missing = [
            f"{name}, whose {token} is"
            for channel, (name, token) in TOKENS.items()
            if channel not in found
        ]
        why += (
            f"; {stranded} for {' or '.join(missing) or 'a platform that is'} not set here: "
            "the running bot sends them"
        )
    console.print(
        f"Messages sent now: {report.sent}; "
        f"queued for later: {report.retried + report.postponed + stranded} ({why})."
    )
