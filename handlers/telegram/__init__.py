"""The Telegram adapter (python-telegram-bot 22): updates in, rendered replies out.

`app` builds the PTB `Application` and runs it (long polling or webhook), `incoming` turns
an `Update` into an `Incoming`, `rendering` turns replies into messages, `sender` delivers
the outbox, `menu` sets the command menu.
"""

from handlers.telegram.app import (
    AnyApplication,
    Handles,
    TelegramBot,
    Webhook,
    attach,
    build_application,
    build_bot,
    register_webhook,
    running,
)
from handlers.telegram.incoming import to_incoming
from handlers.telegram.menu import COMMANDS, LOCALES, set_command_menu
from handlers.telegram.rendering import MAX_MESSAGE, TelegramOutput, split_text
from handlers.telegram.sender import TelegramAccess, TelegramSender

__all__ = [
    "COMMANDS",
    "LOCALES",
    "MAX_MESSAGE",
    "AnyApplication",
    "Handles",
    "TelegramAccess",
    "TelegramBot",
    "TelegramOutput",
    "TelegramSender",
    "Webhook",
    "attach",
    "build_application",
    "build_bot",
    "register_webhook",
    "running",
    "set_command_menu",
    "split_text",
    "to_incoming",
]
