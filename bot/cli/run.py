"""`mentorbot run` (every platform with a token) and `mentorbot chat` (this terminal)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from datetime import time
from typing import Annotated

import typer

from bot.cli.common import console, fail, run_with_services, safe
from bot.container import Services
from bot.runlock import AlreadyRunning, single_process
from bot.runtime import PlatformUnavailable, serve
from conversations.rules.calendar import SendingWindow
from handlers.console import ConsoleSender, chat
from scheduler.dispatcher import Dispatcher, DispatchPolicy


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("chat")(chat_command)


def run() -> None:
    """Start the bot on every platform that has a token (Telegram, Slack).

    With no platform token, starts a chat in this terminal instead.
    """

    async def work(services: Services) -> None:
        settings = services.settings
        if settings.telegram_bot_token is None and settings.slack_bot_token is None:
            if sys.stdin.isatty():
                console.print(
                    "[yellow]No TELEGRAM_BOT_TOKEN nor SLACK_BOT_TOKEN set: talking to the bot "
                    "here, in the terminal (see README to connect Telegram and Slack). /quit to "
                    "leave.[/yellow]"
                )
                await _chat(services, "console", None)
                return
            fail(
                "No platform token set (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN). Set one in "
                ".env, or try `mentorbot chat` to talk to the bot in a terminal.",
                2,
            )
        try:
            with single_process(settings.database_url):
                await serve(services)
        except AlreadyRunning as error:
            fail(error, 4)
        except PlatformUnavailable as error:
            fail(error, 3)

    run_with_services(work)


def chat_command(
    user: Annotated[
        str, typer.Option(help="Who you are in this chat (each name is a person).")
    ] = "me",
    language: Annotated[str | None, typer.Option(help="fr or en")] = None,
) -> None:
    """Talk to the bot in this terminal, as a youth would on Telegram (no token needed)."""
    run_with_services(lambda services: _chat(services, user, language))


async def _chat(services: Services, user: str, language: str | None) -> None:
    def write(text: str) -> None:
        # what the bot says can carry what others typed (names, relayed messages)
        console.print(safe(text, multiline=True), highlight=False)

    async def read() -> str | None:
        try:
            return await asyncio.to_thread(input, "> ")
        except EOFError:
            return None

    # the terminal is a demo: messages show at once, whatever the hour
    always = SendingWindow(
        opens=time(0, 0),
        closes=time(23, 59, 59),
        weekdays=frozenset(range(7)),
        skip_public_holidays=False,
    )
    dispatcher = Dispatcher(
        services.sessions,
        {"console": ConsoleSender(services.renderer, write)},
        services.clock,
        policy=DispatchPolicy(window=always, zone=services.settings.zone, daily_budget=False),
    )
    await chat(
        services.engine,
        services.renderer,
        read,
        write,
        external_id=f"console:{user}",
        language=language,
        before_prompt=lambda: _quietly(dispatcher.run_once()),
    )


async def _quietly(work: Awaitable[object]) -> None:
    await work
