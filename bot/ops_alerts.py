"""Errors told to the operators: a logging handler posting a summary of each ERROR line to
the operators' Slack channel (`SLACK_OPS_CHANNEL`).

The places that catch errors (PTB's error handler, Bolt's, the scheduler's jobs, the web
server) log them at ERROR with the traceback; this handler, attached to the root logger at
configuration time, sees those lines and posts what kind of error, where, and how many since
the last post: never the error's message or traceback (they may hold what someone typed),
which stay in the logs. At most one post per kind of error (exception class and logger) per
hour; the count is kept in memory, per process, so each replica posts its own. Posting
never blocks nor fails the code that logged: it runs as a task on the event loop, and a
post Slack refuses is one warning line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import TemplateRenderer
from bot.settings import Settings
from conversations.core.clock import Clock
from conversations.core.messages import Channel
from handlers.slack import build_client

__all__ = ["ALERT_TEMPLATE", "EVERY", "OpsAlerts", "build_ops_alerts", "slack_poster"]

logger = logging.getLogger(__name__)

ALERT_TEMPLATE = "staff.ops_alert"
EVERY = timedelta(hours=1)
# an alert that cannot be posted in this time is dropped (one warning)
POST_TIMEOUT_SECONDS = 10.0

Post = Callable[[str], Awaitable[None]]


@dataclass
class _Seen:
    """One kind of error: when it was last posted, and how often it happened since."""

    posted_at: datetime
    since_post: int = 0


def error_kind(record: logging.LogRecord) -> str:
    """The exception's class (`OperationalError`), or `logged` for an ERROR line without
    one."""
    if record.exc_info and record.exc_info[0] is not None:
        return record.exc_info[0].__name__
    return "logged"


def where(record: logging.LogRecord) -> str:
    """The module and function that logged it."""
    return f"{record.name}.{record.funcName}" if record.funcName else record.name


class OpsAlerts(logging.Handler):
    """Posts a summary of ERROR lines, at most one per kind of error per `every`."""

    def __init__(
        self,
        post: Post,
        text: Callable[[str, str, int, datetime], str],
        clock: Clock,
        *,
        every: timedelta = EVERY,
    ) -> None:
        super().__init__(logging.ERROR)
        self._post = post
        self._text = text
        self._clock = clock
        self._every = every
        self._seen: dict[tuple[str, str], _Seen] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == __name__:  # our own trouble posting: not posted again
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # no event loop in this thread (a library's worker thread): the log has it
            return
        try:
            text = self._alert(record)
            if text is not None:
                task = loop.create_task(self._send(text))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except Exception:
            self.handleError(record)

    def _alert(self, record: logging.LogRecord) -> str | None:
        """The text to post for `record`, or None while its kind was posted under an hour
        ago (then it is counted for the next post)."""
        kind, place = error_kind(record), where(record)
        now = self._clock.now()
        seen = self._seen.get((kind, place))
        if seen is not None and now - seen.posted_at < self._every:
            seen.since_post += 1
            return None
        count = 1 if seen is None else seen.since_post + 1
        since = now if seen is None else seen.posted_at
        self._seen[(kind, place)] = _Seen(posted_at=now)
        return self._text(kind, place, count, since)

    async def _send(self, text: str) -> None:
        try:
            async with asyncio.timeout(POST_TIMEOUT_SECONDS):
                await self._post(text)
        except (SlackApiError, OSError, TimeoutError) as error:
            logger.warning("an error alert could not be posted (%s)", type(error).__name__)

    async def drain(self) -> None:
        """Wait for the posts under way (at shutdown, in tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def slack_poster(client: AsyncWebClient, channel: str) -> Post:
    """Post a text to a Slack channel."""

    async def post(text: str) -> None:
        await client.chat_postMessage(channel=channel, text=text, unfurl_links=False)

    return post


def build_ops_alerts(settings: Settings, clock: Clock) -> OpsAlerts | None:
    """The handler for `SLACK_OPS_CHANNEL`, or None when no channel (or no Slack token) is
    configured."""
    if settings.slack_ops_channel is None or settings.slack_bot_token is None:
        return None
    renderer = TemplateRenderer(settings.templates_dir, settings.zone)
    client = build_client(
        settings.slack_bot_token.get_secret_value(),
        settings.slack_api_url,
        retry_on_rate_limit=True,
    )

    def text(kind: str, place: str, count: int, since: datetime) -> str:
        return renderer.text(
            ALERT_TEMPLATE,
            settings.default_locale,
            Channel.SLACK,
            {"error_kind": kind, "where": place, "error_count": count, "since_at": since},
        )

    return OpsAlerts(slack_poster(client, settings.slack_ops_channel), text, clock)
