"""The bot's command menu (the "/" button in Telegram), in French (default) and English."""

from __future__ import annotations

from telegram import Bot, BotCommand

from conversations.core.messages import Channel, Renderer, Reply

__all__ = ["COMMANDS", "LOCALES", "set_command_menu"]

COMMANDS = (
    "start",
    "status",
    "help",
    "language",
    "privacy",
    "mydata",
    "delete",
    "restart",
    "faq",
    "human",
    "announcements",
)
LOCALES = ("fr", "en")


async def set_command_menu(bot: Bot, renderer: Renderer) -> None:
    """The command menu per locale; French is also the default for every other language."""
    for locale in LOCALES:
        commands = [
            BotCommand(
                command,
                renderer.render(Reply(f"menu.{command}", locale=locale), Channel.CONSOLE).text,
            )
            for command in COMMANDS
        ]
        await bot.set_my_commands(commands, language_code=locale)
        if locale == "fr":
            await bot.set_my_commands(commands)
