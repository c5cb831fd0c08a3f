"""The Telegram bot: the PTB `Application`, the update handler feeding the engine, and the
bot running by long polling or behind the webhook.

Everything comes in as arguments (the engine, a renderer, the token, the API's base URL, the
webhook's URL and secret): nothing here reads the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError
from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from conversations.core.messages import Attachment, Incoming, Kind, Renderer, Reply
from conversations.core.response import Response
from handlers import files
from handlers.telegram.incoming import file_to_download, to_incoming
from handlers.telegram.menu import LOCALES, set_command_menu
from handlers.telegram.rendering import TelegramOutput, call
from handlers.telegram.sender import TelegramSender
from handlers.telegram.transport import AiohttpRequest
from storage.errors import error_name, unreachable

__all__ = [
    "AnyApplication",
    "Handles",
    "TelegramBot",
    "Webhook",
    "attach",
    "build_application",
    "build_bot",
    "register_webhook",
    "running",
]

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# Long polling: by the time an update reaches us PTB has confirmed it to Telegram (the next
# getUpdates moves the offset on), so an update the database cannot take now is kept and
# tried again here, the next ones waiting behind it in order (about 10 minutes, then the
# person is told to try again). The webhook answers 503 instead (`handlers.web`).
POLLING_RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, *(30.0,) * 19)


class Handles(Protocol):
    """The engine, as the adapter sees it."""

    async def handle(self, incoming: Incoming) -> Response: ...


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates, and the secret it sends with each (scaled-out mode)."""

    url: str
    secret: str


class TelegramBot:
    """Feeds updates to the engine and answers in the chat."""

    def __init__(self, engine: Handles, output: TelegramOutput) -> None:
        self.engine = engine
        self.output = output

    @property
    def bot(self) -> Bot:
        return self.output.bot

    async def handle(self, update: Update) -> None:
        """Handle one update (deduplicated by its id). Errors propagate: to the webhook,
        which answers 503 while the database is out of reach so that Telegram delivers the
        update again, and to PTB's error handler (`attach`) in long polling."""
        query = update.callback_query
        # the button's spinner stops while the engine works: its answer is not waited for
        # before handling (a stale query id must not stop the work)
        answering = asyncio.ensure_future(self._answer(query)) if query is not None else None
        try:
            incoming = to_incoming(update)
            if incoming is None:
                return
            incoming = await self._with_file(update, incoming)
            response = await self.engine.handle(incoming)
            await self._respond(incoming, response, _pressed(query))
        finally:
            if answering is not None:
                await answering

    async def _with_file(self, update: Update, incoming: Incoming) -> Incoming:
        """The event with the file its message brings downloaded (`getFile`, then the file
        URL), or the reason it could not be."""
        wanted = file_to_download(update)
        if wanted is None or incoming.kind is not Kind.FILE or incoming.file_refused:
            return incoming
        try:
            found = await self.bot.get_file(wanted.file_id)
            if found.file_size is not None and found.file_size > files.MAX_FILE_BYTES:
                return dataclasses.replace(incoming, file_refused=files.TOO_LARGE)
            content = bytes(await found.download_as_bytearray())
        except BadRequest as error:
            too_big = "too big" in error.message.lower()
            logger.warning("a Telegram file could not be downloaded: %s", error.message)
            refused = files.TOO_LARGE if too_big else files.DOWNLOAD_FAILED
            return dataclasses.replace(incoming, file_refused=refused)
        except TelegramError as error:
            logger.warning("a Telegram file could not be downloaded: %s", type(error).__name__)
            return dataclasses.replace(incoming, file_refused=files.DOWNLOAD_FAILED)
        if len(content) > files.MAX_FILE_BYTES:
            return dataclasses.replace(incoming, file_refused=files.TOO_LARGE)
        attachment = Attachment(wanted.name, content, wanted.mime_type)
        return dataclasses.replace(incoming, files=(attachment,))

    async def _respond(
        self, incoming: Incoming, response: Response, pressed: Message | None
    ) -> None:
        """Settle the pressed message (while the replies go out) and post the replies."""
        settling = None
        if pressed is not None and (response.update is not None or response.replies):
            settling = asyncio.ensure_future(self._settle(pressed, response.update))
        try:
            if response.replies and incoming.chat_id is not None:
                await self.output.send(incoming.chat_id, response.replies)
        finally:
            if settling is not None:
                await settling

    async def _answer(self, query: CallbackQuery) -> None:
        with contextlib.suppress(TelegramError):
            await call(self.bot, "answerCallbackQuery", callback_query_id=query.id)

    async def _settle(self, pressed: Message, update: Reply | None) -> None:
        """The pressed keyboard is used up: the message becomes what the engine says it
        should (`Response.update`), or loses its buttons, so it cannot be pressed twice."""
        with contextlib.suppress(TelegramError):
            if update is not None:
                await call(
                    self.bot,
                    "editMessageText",
                    text=self.output.text(update),
                    chat_id=pressed.chat.id,
                    message_id=pressed.message_id,
                    parse_mode=ParseMode.HTML,
                )
            else:
                await call(
                    self.bot,
                    "editMessageReplyMarkup",
                    chat_id=pressed.chat.id,
                    message_id=pressed.message_id,
                )

    async def apologise(self, update: object, key: str = "common.error") -> None:
        """Tell the person something went wrong on our side (their answers are kept)."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        locale = (user.language_code or "fr")[:2] if user else "fr"
        reply = Reply(key, locale=locale if locale in LOCALES else "fr")
        with contextlib.suppress(TelegramError):
            await self.output.send(str(update.effective_chat.id), [reply])


def _pressed(query: CallbackQuery | None) -> Message | None:
    """The message whose button was pressed, when the bot can still edit it (PTB gives an
    `InaccessibleMessage` for one too old or deleted)."""
    if query is None or query.message is None or not query.message.is_accessible:
        return None
    message = query.message
    return message if isinstance(message, Message) else None


def build_application(token: str, base_url: str) -> AnyApplication:
    """A PTB `Application` pointed at `base_url` (the real Bot API or a stand-in). Its calls
    go over aiohttp (`transport`); long polling keeps PTB's own client."""
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot", 1))
        .request(AiohttpRequest())
        .build()
    )


def attach(
    application: AnyApplication,
    handler: TelegramBot,
    retry_delays: Sequence[float] = POLLING_RETRY_DELAYS,
) -> None:
    """Route every update to `handler`, with one error handler for the platform; an update
    met by an unreachable database is tried again after each of `retry_delays` seconds."""

    async def on_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        for attempt, delay in enumerate((*retry_delays, None)):
            try:
                await handler.handle(update)
                return
            except Exception as error:
                if delay is None or not unreachable(error):
                    raise
                logger.warning(
                    "database unavailable: Telegram update %s tried again in %s s",
                    update.update_id,
                    delay,
                )
                if attempt == 0:
                    await handler.apologise(update, key="common.delayed")
                await asyncio.sleep(delay)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, DBAPIError):
            # its message holds the statement's parameters, what the person typed: one line
            # that names the error only
            update_id = update.update_id if isinstance(update, Update) else None
            logger.error(
                "database error while handling Telegram update %s (%s)",
                update_id,
                error_name(error),
            )
        else:
            logger.error("error while handling a Telegram update", exc_info=error)
        await handler.apologise(update)

    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)


def build_bot(
    engine: Handles, renderer: Renderer, *, token: str, base_url: str
) -> tuple[AnyApplication, TelegramBot]:
    """The `Application` with every update routed to the engine, not started."""
    application = build_application(token, base_url)
    handler = TelegramBot(engine, TelegramOutput(application.bot, renderer))
    attach(application, handler)
    return application, handler


async def register_webhook(handler: TelegramBot, webhook: Webhook) -> None:
    """Tell Telegram where to deliver updates (and the secret it sends with them)."""
    await handler.bot.set_webhook(
        webhook.url, secret_token=webhook.secret, allowed_updates=Update.ALL_TYPES
    )


@asynccontextmanager
async def running(
    engine: Handles,
    renderer: Renderer,
    *,
    token: str,
    base_url: str,
    webhook: Webhook | None = None,
    register: bool = True,
) -> AsyncIterator[tuple[TelegramBot, TelegramSender]]:
    """The Telegram bot started until the block ends: long polling, or with `webhook` the
    webhook registered (the web server, `handlers.web`, then receives the updates and
    checks `webhook.secret`); with `register` False the caller registers it
    (`register_webhook`) once its web server listens, so that Telegram's first deliveries
    find it. Yields the update handler and the outbox sender."""
    application, handler = build_bot(engine, renderer, token=token, base_url=base_url)
    sender = TelegramSender(application.bot, renderer, owns_bot=False)
    try:
        await application.initialize()
    except Exception:
        # python-telegram-bot leaves its HTTP client open when initialising fails (a refused
        # token, an unreachable API): close it before the error reaches the operator
        await application.bot.request.shutdown()
        raise
    async with application:
        await set_command_menu(application.bot, renderer)
        await application.start()
        if webhook is not None:
            if register:
                await register_webhook(handler, webhook)
        elif application.updater is not None:
            await application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
            )
        try:
            yield handler, sender
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
