"""The outbox sender for Telegram: one delivery, one message (a long one in several parts,
a file as a document); Bot API errors mapped to outbox outcomes (sent, retry after,
undeliverable, in doubt). Sent: where it landed, the chat and the (last) message's id."""

from __future__ import annotations

import logging
from typing import Protocol

from pydantic import SecretStr
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from conversations.core.messages import Renderer, Reply, SendResult, SendStatus
from handlers.telegram.rendering import TelegramOutput, seconds

__all__ = ["TelegramAccess", "TelegramSender"]

logger = logging.getLogger(__name__)


class TelegramAccess(Protocol):
    """The two settings a sender needs (`bot.settings.Settings` has them)."""

    @property
    def telegram_bot_token(self) -> SecretStr | None: ...

    @property
    def telegram_api_base_url(self) -> str: ...


class TelegramSender:
    """Sends outbox deliveries; maps Bot API errors to outbox outcomes."""

    def __init__(self, bot: Bot, renderer: Renderer, *, owns_bot: bool = True) -> None:
        self._bot = bot
        self._output = TelegramOutput(bot, renderer, wait_on_429=False)
        self._ready = False
        # a `Bot` shared with the running Application is started and shut down by it: the
        # sender closing it first would break the updater's last poll on SIGTERM
        self._owns_bot = owns_bot

    @classmethod
    def connect(cls, token: str, base_url: str, renderer: Renderer) -> TelegramSender:
        """A sender with its own `Bot` for the Bot API at `base_url`."""
        return cls(Bot(token, base_url=base_url), renderer)

    @classmethod
    def from_settings(cls, settings: TelegramAccess, renderer: Renderer) -> TelegramSender:
        """A sender for the token and API of the settings (the token must be set)."""
        token = settings.telegram_bot_token
        if token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        return cls.connect(token.get_secret_value(), settings.telegram_api_base_url, renderer)

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        try:
            if not self._ready:
                await self._bot.initialize()
                self._ready = True
            message = await self._output.send(chat_id, [reply])
        except Forbidden as error:
            return SendResult(SendStatus.UNDELIVERABLE, error=f"Forbidden: {error.message}")
        except RetryAfter as error:
            wait = seconds(error.retry_after)
            return SendResult(SendStatus.RETRY, retry_after=wait, error=str(error))
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return SendResult(SendStatus.UNDELIVERABLE, error=f"BadRequest: {error.message}")
            # a malformed message will not get better by retrying: keep it for the operators
            logger.error("Telegram refused a message to %s: %s", chat_id, error.message)
            return SendResult(SendStatus.UNDELIVERABLE, error=f"BadRequest: {error.message}")
        except (TimedOut, NetworkError) as error:
            return SendResult(SendStatus.IN_DOUBT, error=f"{type(error).__name__}: {error}")
        if message is None:
            return SendResult(SendStatus.SENT, chat=chat_id)
        return SendResult(SendStatus.SENT, chat=message.chat_id, ref=str(message.message_id))

    async def close(self) -> None:
        if self._ready and self._owns_bot:
            await self._bot.shutdown()
        self._ready = False
