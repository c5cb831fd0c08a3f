"""The Slack adapter (slack-bolt 1.30): the Bolt app, and what it does with a `Response`.

Listeners (in `listeners/`) only translate: a payload becomes an `Incoming` for the engine
(`handlers.slack.incoming`), the engine's `Response` becomes Web API calls here. Every
listener acknowledges within Slack's 3 seconds: at once for commands, buttons and events
with files (the work follows in a task), after the engine for a message without files (so
that one the database could not take is answered 500 and Slack delivers it again) and for a
modal submission (whose errors must be in the acknowledgement, so the form stays open with
what was typed).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from conversations.core.messages import Attachment, Channel, Incoming, Kind, Reply
from conversations.core.response import Home, Response
from handlers import files
from handlers.slack.blocks import SlackRenderer, Templates, answered_blocks
from handlers.slack.home import home_view
from handlers.slack.incoming import Posted, SharedFile
from handlers.text import storable_incoming
from storage.database import DatabaseUnavailable
from storage.errors import unreachable

logger = logging.getLogger(__name__)

COMMAND = "/mentorbot"
# a file of at most 20 MB comes down in this many seconds, or not at all
DOWNLOAD_SECONDS = 60


class Handles(Protocol):
    """The engine, as the adapter sees it."""

    async def handle(self, incoming: Incoming) -> Response: ...


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that it ignores it: we give the client on purpose, so that warning is noise for operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


class SlackBot:
    """The Bolt app, its listeners, and the rendering of the engine's responses."""

    def __init__(
        self,
        engine: Handles,
        client: AsyncWebClient,
        templates: Templates,
        *,
        signing_secret: str | None,
        default_locale: str = "fr",
        staff_channel: str | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.view = SlackRenderer(templates)
        self.default_locale = default_locale
        # thread replies there are staff answering cases
        self.staff_channel = staff_channel
        self._running: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        bolt_logger = logging.getLogger("slack_bolt")
        if not any(isinstance(f, _TokenFromEnvironment) for f in bolt_logger.filters):
            bolt_logger.addFilter(_TokenFromEnvironment())
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
            # every listener acknowledges first and defers its work (`later`), so Bolt can
            # answer as soon as the listener returns instead of polling for the ack
            process_before_response=True,
            logger=bolt_logger,
        )
        # the listeners are registered by `handlers.slack.listeners.register`
        self.app.error(self.on_error)

    # -- bookkeeping

    def later(self, work: Awaitable[None]) -> None:
        """Run `work` after the acknowledgement; `drain` waits for it."""
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._running.add(task)
        self._idle.clear()

        def done(finished: asyncio.Task[None]) -> None:
            self._running.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                logger.error("Slack work failed", exc_info=finished.exception())
            if not self._running:
                self._idle.set()

        task.add_done_callback(done)

    async def drain(self) -> None:
        """Wait until the work started by listeners is done (shutdown, tests)."""
        await self._idle.wait()

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        if isinstance(error, DatabaseUnavailable):
            # answered 500 on purpose, so that Slack delivers the event again (`first`)
            logger.warning("database unavailable: Slack %s left for a retry", body.get("type"))
            return
        logger.error("error while handling a Slack request (%s)", body.get("type"), exc_info=error)

    async def apologise(self, user_id: str) -> None:
        """Tell the person their request could not be handled now: try again in a moment
        (nothing of it was stored; the button pressed still works)."""
        reply = Reply("mentor.unavailable", locale=self.default_locale)
        with contextlib.suppress(SlackApiError, aiohttp.ClientError, TimeoutError):
            await self.say(user_id, [reply])

    # -- the engine's responses

    async def handle(self, incoming: Incoming, *, message: Mapping[str, str] | None = None) -> None:
        """Hand an event to the engine and do what its response says."""
        incoming = storable_incoming(incoming)
        try:
            response = await self.engine.handle(incoming)
        except Exception as error:
            if not unreachable(error):
                raise
            # acknowledged already: Slack will not send it again, the person must
            logger.warning("database unavailable: a Slack %s was not handled", incoming.kind)
            if incoming.kind is not Kind.OPENED:
                await self.apologise(incoming.external_id)
            return
        await self.respond(incoming, response, message=message)

    async def first(self, incoming: Incoming, *, last_try: bool) -> Response | None:
        """The engine's response to an event handled before it is acknowledged (a message
        without files), so that while the database is out of reach the event is answered
        500 and Slack delivers it again (raises `DatabaseUnavailable`). On Slack's last
        try, the person is told to try again in a moment instead (None)."""
        try:
            return await self.engine.handle(incoming)
        except Exception as error:
            if not unreachable(error):
                raise
            if not last_try:
                raise DatabaseUnavailable("the database is out of reach") from None
            logger.warning("database unavailable on Slack's last try of a %s", incoming.kind)
            self.later(self.apologise(incoming.external_id))
            return None

    async def receive(self, posted: Posted) -> None:
        """A message a person posted: its files downloaded, then handed to the engine."""
        incoming = posted.incoming
        if posted.downloads:
            taken: list[Attachment] = []
            refused = incoming.file_refused
            for shared in posted.downloads:
                content, why = await self._download(shared)
                if content is None:
                    refused = refused or why
                else:
                    taken.append(Attachment(shared.name, content, shared.mime_type))
            incoming = dataclasses.replace(incoming, files=tuple(taken), file_refused=refused)
        await self.handle(incoming)

    async def _download(self, shared: SharedFile) -> tuple[bytes | None, str]:
        """A file's bytes (with the bot token, scope `files:read`), or why not. Its URL is
        never logged: it leads to the file."""
        headers = {"Authorization": f"Bearer {self.client.token or ''}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(shared.url, headers=headers) as answer,
            ):
                # a refused token is answered with a sign-in page, not an error
                if answer.status != 200 or answer.content_type == "text/html":
                    logger.warning("a Slack file could not be downloaded (HTTP %s)", answer.status)
                    return None, files.DOWNLOAD_FAILED
                content = await answer.content.read(files.MAX_FILE_BYTES + 1)
        except (TimeoutError, aiohttp.ClientError) as error:
            logger.warning("a Slack file could not be downloaded (%s)", type(error).__name__)
            return None, files.DOWNLOAD_FAILED
        if len(content) > files.MAX_FILE_BYTES:
            return None, files.TOO_LARGE
        return content, ""

    async def respond(
        self,
        incoming: Incoming,
        response: Response,
        *,
        message: Mapping[str, str] | None = None,
    ) -> None:
        """Carry out a response (form errors are the submission listener's: they go in
        the acknowledgement). `message` is the channel and ts of the pressed message."""
        user_id = incoming.external_id
        if message is not None and (response.update is not None or response.answered):
            await self._settle(message, response.update)
        trigger = incoming.trigger_id
        if response.form is not None and trigger:
            view = self.view.modal(response.form)
            if incoming.metadata.get("in_modal"):
                # from a button in a window (a pair's Close): the form goes on top of it
                await self.client.views_push(trigger_id=trigger, view=view)
            else:
                await self.client.views_open(trigger_id=trigger, view=view)
        if response.info is not None:
            if trigger:
                await self.client.views_open(
                    trigger_id=trigger, view=self.view.info_modal("form.pair_title", response.info)
                )
            else:
                await self.say(user_id, [response.info])
        # answering in a staff-channel thread: a threaded reply goes in that thread
        in_channel = incoming.chat_id if incoming.metadata.get("in_channel") else None
        await self.say(user_id, response.replies, thread_channel=in_channel)
        if response.home is not None:
            await self._publish(user_id, response.home)

    async def _publish(self, user_id: str, home: Home) -> None:
        await self.client.views_publish(user_id=user_id, view=home_view(self.view, home))

    async def _settle(self, message: Mapping[str, str], update: Reply | None) -> None:
        """Replace the pressed message: by `update`, or by its text and the answer chosen,
        so its buttons cannot be pressed again. The answer is sent whatever happens here."""
        if update is not None:
            text, blocks = self.view.message(update)
        else:
            label = message.get("label") or ""
            text = message.get("text") or f"✓ {label}"
            blocks = answered_blocks(message.get("text") or "", label)
        try:
            await self.client.chat_update(
                channel=message["channel"], ts=message["ts"], text=text, blocks=blocks
            )
        except SlackApiError as error:
            logger.warning("could not update an answered message (%s)", error.response.get("error"))

    async def say(
        self, user_id: str, replies: list[Reply], *, thread_channel: str | None = None
    ) -> None:
        """Post replies in the person's DM; one with a `thread` in that thread, of
        `thread_channel` when given (a staff-channel case) or of the DM."""
        for reply in replies:
            text, blocks = self.view.message(reply)
            channel = thread_channel if reply.thread and thread_channel else user_id
            posted = await self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=reply.thread
            )
            if reply.attachment is not None:  # a file follows its text (an event's .ics)
                await self.client.files_upload_v2(
                    channel=str(posted.get("channel") or channel),
                    file=reply.attachment.content,
                    filename=reply.attachment.filename,
                    title=reply.attachment.filename,
                    thread_ts=reply.thread,
                )

    async def publish_home(self, user_id: str) -> None:
        """Show the person's App Home (a mentor's pairs) now, e.g. after a new pairing."""
        incoming = Incoming(Channel.SLACK, user_id, Kind.OPENED, text="home")
        response = await self.engine.handle(incoming)
        if response.home is not None:
            await self._publish(user_id, response.home)
