"""The Slack outbox sender: posts deliveries (in a thread when asked, with a file when
there is one), maps Web API errors to outbox outcomes, and says where each landed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from conversations.core.clock import Clock
from conversations.core.messages import Attachment, Reply, SendResult, SendStatus
from conversations.pairs.access import STAFF_DESTINATION
from handlers.slack.blocks import SlackRenderer

logger = logging.getLogger(__name__)

UNDELIVERABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "account_inactive",
        "is_archived",
        "not_in_channel",
        "cannot_dm_bot",
        "user_disabled",
    }
)


# chat.update cannot replace the message: post a new one instead
EDIT_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def build_client(
    token: str, base_url: str, *, retry_on_rate_limit: bool, timeout: int = 30
) -> AsyncWebClient:
    """A Web API client; the listeners' one retries once on 429 (Retry-After honoured),
    the outbox sender's retries nothing: the outbox reschedules, and slack-sdk's default
    retry after a dropped connection would post a message Slack may already have posted
    a second time (that is the outbox's "in doubt"). `timeout` is in seconds."""
    client = AsyncWebClient(token=token, base_url=base_url, timeout=timeout)
    if retry_on_rate_limit:
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    else:
        client.retry_handlers = []
    return client


class SlackSender:
    """Sends outbox deliveries; maps Web API errors to outbox outcomes.

    A 429 pauses every send on this workspace until its Retry-After has passed. A reply
    with a file is uploaded (`files_upload_v2`) into the conversation, its text as the
    file's comment; with buttons, the text is posted first and the file follows it.
    A delivery whose context has `refresh_home` set (a new pairing's introduction) also
    republishes the person's App Home with `publish_home` once the message is posted: the
    outbox context is the only link from a staff action to the mentor's Slack.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        renderer: SlackRenderer,
        clock: Clock,
        staff_channel: str | None,
        *,
        publish_home: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._renderer = renderer
        self._clock = clock
        self._staff_channel = staff_channel
        self._publish_home = publish_home
        self._paused_until: datetime | None = None

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        now = self._clock.now()
        if self._paused_until is not None and now < self._paused_until:
            wait = (self._paused_until - now).total_seconds()
            return SendResult(SendStatus.RETRY, retry_after=wait, error="paused: rate limited")
        channel = self._staff_channel if chat_id == STAFF_DESTINATION else chat_id
        if not channel:
            return SendResult(SendStatus.UNDELIVERABLE, error="SLACK_STAFF_CHANNEL is not set")
        try:
            result = await self._post(channel, reply)
        except SlackApiError as error:
            return self._failure(error, now)
        except SlackRequestError as error:
            # the file did not reach Slack's upload URL: nothing was shared
            return SendResult(SendStatus.RETRY, error=f"upload failed: {error}"[:200])
        except aiohttp.ClientConnectorError as error:
            # no connection was made: nothing was sent
            return SendResult(SendStatus.RETRY, error=f"{type(error).__name__}: {error}")
        except (TimeoutError, aiohttp.ClientError) as error:
            return SendResult(SendStatus.IN_DOUBT, error=f"{type(error).__name__}: {error}")
        if reply.context.get("refresh_home") and chat_id != STAFF_DESTINATION:
            await self._refresh_home(chat_id)
        return result

    async def _post(self, channel: str, reply: Reply) -> SendResult:
        text, blocks = self._renderer.message(reply)
        file = reply.attachment
        if reply.edit is not None and file is None:
            try:
                updated = await self._client.chat_update(
                    channel=channel, ts=reply.edit, text=text, blocks=blocks
                )
            except SlackApiError as error:
                code = str(error.response.get("error", "")) if error.response else ""
                if code not in EDIT_GONE:
                    raise
                # the message to update is gone (deleted by someone): post it anew
            else:
                landed = str(updated.get("channel") or channel)
                return SendResult(SendStatus.SENT, chat=landed, ref=reply.edit)
        if file is None or reply.choices:
            posted = await self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=reply.thread
            )
            landed, ts = str(posted.get("channel") or channel), str(posted.get("ts") or "")
            if file is not None:
                try:
                    await self._upload(landed, file, reply.thread, comment=None)
                except (SlackApiError, SlackRequestError, TimeoutError, aiohttp.ClientError):
                    # sending again would post its text twice
                    logger.warning("a message was posted without its file", exc_info=True)
                    return SendResult(SendStatus.IN_DOUBT, error="posted without its file")
            return SendResult(SendStatus.SENT, chat=landed, ref=ts or None)
        landed = await self._conversation(channel)
        await self._upload(landed, file, reply.thread, comment=self._renderer.comment(reply))
        # the upload says which file it made, not which message shows it
        return SendResult(SendStatus.SENT, chat=landed)

    async def _conversation(self, channel: str) -> str:
        """A file is shared in a conversation: a person's DM is opened for its id."""
        if channel[:1] not in ("U", "W"):
            return channel
        opened = await self._client.conversations_open(users=channel)
        found = opened.get("channel") or {}
        return str(found.get("id") or channel) if isinstance(found, dict) else channel

    async def _upload(
        self, channel: str, file: Attachment, thread: str | None, *, comment: str | None
    ) -> None:
        await self._client.files_upload_v2(
            channel=channel,
            file=file.content,
            filename=file.filename,
            title=file.filename,
            initial_comment=comment or None,
            thread_ts=thread,
        )

    async def _refresh_home(self, user_id: str) -> None:
        """Republish the App Home; the message is sent whatever happens here (the home is
        published again whenever the mentor opens it)."""
        if self._publish_home is None:
            return
        try:
            await self._publish_home(user_id)
        except (SlackApiError, TimeoutError, aiohttp.ClientError):
            logger.warning("could not refresh the App Home of %s", user_id, exc_info=True)

    def _failure(self, error: SlackApiError, now: datetime) -> SendResult:
        response = error.response
        code = str(response.get("error", "")) if response is not None else ""
        status = response.status_code if response is not None else 0
        if status == 429 or code == "ratelimited":
            headers = response.headers if response is not None else {}
            raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
            try:
                wait = max(1.0, float(raw if isinstance(raw, str) else raw[0]))
            except (TypeError, ValueError):
                wait = 1.0
            self._paused_until = now + timedelta(seconds=wait)
            return SendResult(SendStatus.RETRY, retry_after=wait, error="ratelimited")
        if code in UNDELIVERABLE_ERRORS:
            return SendResult(SendStatus.UNDELIVERABLE, error=code)
        if status >= 500:
            return SendResult(SendStatus.RETRY, error=f"HTTP {status}: {code}")
        # a malformed message will not get better by retrying: keep it for the operators
        logger.error("Slack refused a message: %s", code)
        return SendResult(SendStatus.UNDELIVERABLE, error=code or f"HTTP {status}")
