"""The Telegram adapter (python-telegram-bot 22): updates in, rendered replies out.

Everything platform-specific lives here: turning an `Update` into an `Incoming`, rendering
`Reply` objects as HTML messages with inline keyboards, the command menu, long polling or
the webhook, and mapping Bot API errors to outbox outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from conversations.core.engine import Engine
from conversations.core.messages import (
    Channel,
    Incoming,
    Kind,
    Renderer,
    Reply,
    SendResult,
    SendStatus,
)

logger = logging.getLogger(__name__)

# Telegram's limit for one message, after entity parsing
MAX_MESSAGE = 4096
COMMANDS = (
    "start",
    "status",
    "help",
    "language",
    "privacy",
    "mydata",
    "delete",
    "restart",
    "human",
)
LOCALES = ("fr", "en")


def to_incoming(update: Update) -> Incoming | None:
    """The platform-neutral message behind an update, or None for what we ignore
    (edits, group chats, channel posts)."""
    event_id = str(update.update_id)
    member = update.my_chat_member
    if member is not None:
        return _membership(member, event_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != ChatType.PRIVATE:
            return None
        user = query.from_user
        return Incoming(
            Channel.TELEGRAM,
            str(user.id),
            Kind.CHOICE,
            choice=query.data or "",
            event_id=event_id,
            chat_id=str(chat.id) if chat is not None else str(user.id),
            language_code=user.language_code,
            display_name=user.first_name,
        )
    message = update.message
    if message is None or message.from_user is None or message.chat.type != ChatType.PRIVATE:
        return None
    user = message.from_user
    common = {
        "event_id": event_id,
        "chat_id": str(message.chat.id),
        "language_code": user.language_code,
        "display_name": user.first_name,
    }
    text = message.text
    if text is None:
        return Incoming(Channel.TELEGRAM, str(user.id), Kind.UNSUPPORTED, **common)  # type: ignore[arg-type]
    entity = message.entities[0] if message.entities else None
    if entity is not None and entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
        command = text[1 : entity.length].split("@", 1)[0]
        args = text[entity.length :].strip()
        return Incoming(
            Channel.TELEGRAM,
            str(user.id),
            Kind.COMMAND,
            text=text,
            command=command,
            args=args,
            **common,  # type: ignore[arg-type]
        )
    return Incoming(Channel.TELEGRAM, str(user.id), Kind.TEXT, text=text, **common)  # type: ignore[arg-type]


def _membership(member: ChatMemberUpdated, event_id: str) -> Incoming | None:
    if member.chat.type != ChatType.PRIVATE:
        return None
    status = member.new_chat_member.status
    kind = Kind.BLOCKED if status in ("kicked", "left") else Kind.UNBLOCKED
    return Incoming(Channel.TELEGRAM, str(member.from_user.id), kind, event_id=event_id)


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long text at paragraph (then line) boundaries so each part fits one message."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(paragraph) > limit:
            parts.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        parts.append(current)
    return parts


class TelegramOutput:
    """Renders replies and sends them to one chat."""

    # a 429 on an answer: wait this long at most, then give up (the answers are saved)
    MAX_WAIT = 5.0

    def __init__(
        self,
        bot: Bot,
        renderer: Renderer,
        *,
        wait_on_429: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.renderer = renderer
        self._sleep = sleep
        # answers wait out a short 429; the outbox has its own pacing and retries
        self.wait_on_429 = wait_on_429

    def _messages(
        self, replies: Sequence[Reply]
    ) -> list[tuple[str, InlineKeyboardMarkup | None, Reply]]:
        """One message per reply, except that a reply with no buttons and no file is joined
        to the next one: fewer messages for the person, fewer against Telegram's limits."""
        messages: list[tuple[str, InlineKeyboardMarkup | None, Reply]] = []
        pending: list[str] = []
        for reply in replies:
            rendered = self.renderer.render(reply, Channel.TELEGRAM)
            markup = (
                InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(label, callback_data=value) for label, value in row]
                        for row in rendered.buttons
                    ]
                )
                if rendered.buttons
                else None
            )
            text = "\n\n".join([*pending, rendered.text])
            if markup is None and reply.attachment is None and reply is not replies[-1]:
                pending = [text] if len(text) < MAX_MESSAGE // 2 else []
                if not pending:
                    messages.append((text, None, reply))
                continue
            pending = []
            messages.append((text, markup, reply))
        return messages

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        for text, markup, reply in self._messages(replies):
            parts = split_text(text)
            if reply.attachment is not None:
                for part in parts[:-1]:
                    await self._call(
                        self.bot.send_message, chat_id, part, parse_mode=ParseMode.HTML
                    )
                await self._call(
                    self.bot.send_document,
                    chat_id,
                    InputFile(reply.attachment.content, filename=reply.attachment.filename),
                    caption=parts[-1][:1024],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                continue
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                await self._call(
                    self.bot.send_message,
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                )

    async def _call(
        self, method: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
    ) -> None:
        """Send; after a short 429 (a fast typist hits the per-chat limit) wait and send once
        more, so the person is not left without the next question."""
        try:
            await method(*args, **kwargs)
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            if not self.wait_on_429 or wait > self.MAX_WAIT:
                raise
            await self._sleep(wait)
            await method(*args, **kwargs)


def _seconds(value: object) -> float:
    """`retry_after` is an int, or a timedelta with PTB_TIMEDELTA set."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


class TelegramBot:
    """Feeds updates to the engine and answers in the chat."""

    def __init__(self, engine: Engine, output: TelegramOutput) -> None:
        self.engine = engine
        self.output = output

    async def handle(self, update: Update) -> None:
        """Handle one update. Database errors propagate (the webhook answers 503 so
        Telegram delivers the update again); the update is deduplicated by its id."""
        incoming = to_incoming(update)
        query = update.callback_query
        if query is not None:
            # stop the button's spinner at once; a stale query id must not stop the work
            with contextlib.suppress(TelegramError):
                await query.answer()
        if incoming is None:
            return
        replies = await self.engine.handle(incoming)
        if query is not None and query.message is not None and replies:
            # the pressed keyboard is used up: remove it so it cannot be pressed twice
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_reply_markup(
                    chat_id=query.message.chat.id, message_id=query.message.message_id
                )
        if replies and incoming.chat_id is not None:
            await self.output.send(incoming.chat_id, replies)

    @property
    def bot(self) -> Bot:
        return self.output.bot

    async def apologise(self, update: object) -> None:
        """Tell the person something went wrong on our side (their answers are kept)."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        locale = (user.language_code or "fr")[:2] if user else "fr"
        reply = Reply("common.error", locale=locale if locale in LOCALES else "fr")
        with contextlib.suppress(TelegramError):
            await self.output.send(str(update.effective_chat.id), [reply])


def build_application(token: str, base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB `Application` pointed at `base_url` (the real Bot API or a stand-in)."""
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot", 1))
        .build()
    )


def attach(application: Application[Any, Any, Any, Any, Any, Any], handler: TelegramBot) -> None:
    """Route every update to `handler`, with one error handler for the platform."""

    async def on_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await handler.handle(update)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("error while handling a Telegram update", exc_info=context.error)
        await handler.apologise(update)

    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)


async def set_command_menu(bot: Bot, renderer: Renderer) -> None:
    """The bot's command menu, in French (default) and English."""
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


class TelegramSender:
    """Sends outbox deliveries; maps Bot API errors to outbox outcomes."""

    def __init__(self, bot: Bot, renderer: Renderer) -> None:
        self._bot = bot
        self._output = TelegramOutput(bot, renderer, wait_on_429=False)
        self._ready = False

    @classmethod
    def from_settings(cls, settings: object, renderer: Renderer) -> TelegramSender:
        from bot.settings import Settings

        assert isinstance(settings, Settings)  # noqa: S101
        assert settings.telegram_bot_token is not None  # noqa: S101
        bot = Bot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
        )
        return cls(bot, renderer)

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        try:
            if not self._ready:
                await self._bot.initialize()
                self._ready = True
            await self._output.send(chat_id, [reply])
        except Forbidden as error:
            return SendResult(SendStatus.UNDELIVERABLE, error=f"Forbidden: {error.message}")
        except RetryAfter as error:
            seconds = _seconds(error.retry_after)
            return SendResult(SendStatus.RETRY, retry_after=seconds, error=str(error))
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return SendResult(SendStatus.UNDELIVERABLE, error=f"BadRequest: {error.message}")
            # a malformed message will not get better by retrying: keep it for the operators
            logger.error("Telegram refused a message to %s: %s", chat_id, error.message)
            return SendResult(SendStatus.UNDELIVERABLE, error=f"BadRequest: {error.message}")
        except (TimedOut, NetworkError) as error:
            return SendResult(SendStatus.IN_DOUBT, error=f"{type(error).__name__}: {error}")
        return SendResult(SendStatus.SENT)

    async def close(self) -> None:
        if self._ready:
            await self._bot.shutdown()
            self._ready = False


@asynccontextmanager
async def running(
    services: object,
) -> AsyncIterator[tuple[TelegramBot, TelegramSender, str | None]]:
    """The Telegram bot started (long polling, or webhook registered) until the block ends.

    Yields the update handler, the outbox sender and, in webhook mode, the secret the web
    server must check (`handlers.web`).
    """
    from bot.app import Services
    from bot.settings import TelegramMode

    assert isinstance(services, Services)  # noqa: S101
    settings = services.settings
    assert settings.telegram_bot_token is not None  # noqa: S101
    token = settings.telegram_bot_token.get_secret_value()
    application = build_application(token, settings.telegram_api_base_url)
    handler = TelegramBot(services.engine, TelegramOutput(application.bot, services.renderer))
    attach(application, handler)
    sender = TelegramSender(application.bot, services.renderer)
    try:
        await application.initialize()
    except Exception:
        # python-telegram-bot leaves its HTTP client open when initialising fails (a refused
        # token, an unreachable API): close it before the error reaches the operator
        await application.bot.request.shutdown()
        raise
    async with application:
        await set_command_menu(application.bot, services.renderer)
        await application.start()
        secret: str | None = None
        if settings.telegram_mode is TelegramMode.WEBHOOK:
            assert settings.telegram_webhook_secret is not None  # noqa: S101
            assert settings.telegram_webhook_url is not None  # noqa: S101
            secret = settings.telegram_webhook_secret.get_secret_value()
            await application.bot.set_webhook(
                settings.telegram_webhook_url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert application.updater is not None  # noqa: S101
            await application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
            )
        try:
            yield handler, sender, secret
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
