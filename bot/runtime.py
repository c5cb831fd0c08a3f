"""Running what `bot.container` builds: every platform that has a token, the web server and
the scheduler in one event loop, until SIGTERM; clear messages when a platform refuses us.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

from aiohttp import ClientConnectionError
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import InvalidToken, NetworkError

from bot.container import Services, build_scheduler, build_slack
from bot.metrics import MeasuredEngine, Metrics
from bot.settings import TelegramMode
from conversations.staff.rule_files import notice_rule_files
from handlers.telegram import Webhook, register_webhook, running
from handlers.web import Readiness, serve_http
from storage.database import readiness, sqlite_file

logger = logging.getLogger(__name__)


class PlatformUnavailable(Exception):
    """A platform refused our token or cannot be reached at start; the message says which
    setting to check."""


async def serve(services: Services, stop: asyncio.Event | None = None) -> None:
    """`run_platforms`, with start-up failures of a platform turned into a clear message."""

    settings = services.settings
    try:
        await run_platforms(services, stop)
    except InvalidToken:
        raise PlatformUnavailable(
            "Telegram refused TELEGRAM_BOT_TOKEN (Unauthorized): copy the token BotFather gave "
            "you again, or ask it for a new one with /token."
        ) from None
    except NetworkError as error:
        raise PlatformUnavailable(
            f"Cannot reach the Telegram Bot API at {settings.telegram_api_base_url} ({error}): "
            "check the network and TELEGRAM_API_BASE_URL."
        ) from None
    except ClientConnectionError as error:
        raise PlatformUnavailable(
            f"Cannot reach the Slack Web API at {settings.slack_api_url} ({error}): check the "
            "network and SLACK_API_URL."
        ) from None
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else "error"
        raise PlatformUnavailable(
            f"Slack refused the app's token ({code}): check SLACK_BOT_TOKEN, and "
            "SLACK_APP_TOKEN in Socket Mode, in the app's settings."
        ) from None


async def notice_rules(services: Services) -> None:
    """A change of the eligibility rules or the matching weights since the last start is
    written to the audit log (by the files' hash), and said in the log."""
    files = {
        "eligibility.toml": services.settings.rules_file,
        "matching.toml": services.settings.matching_file,
    }
    async with services.sessions() as session, session.begin():
        changed = await notice_rule_files(session, files, services.clock.now())
    if changed:
        logger.info("rules files new or changed since they were last seen: %s", ", ".join(changed))


async def run_platforms(services: Services, stop: asyncio.Event | None = None) -> None:
    """Run every platform that has a token, in this event loop, until SIGINT/SIGTERM (or
    `stop` is set): Telegram (long polling or webhook), Slack (HTTP at /slack/events or
    Socket Mode), one web server for the webhook, Slack, /healthz, /readyz and /metrics,
    and the outbox.
    """
    settings = services.settings
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    senders: dict[str, Any] = {}
    metrics = Metrics(services.sessions, services.clock)
    # every event, whichever platform brings it, counted and timed
    engine = MeasuredEngine(services.engine, metrics)
    await notice_rules(services)
    async with AsyncExitStack() as stack:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
                stack.callback(loop.remove_signal_handler, signum)
        telegram_webhook = None
        webhook: Webhook | None = None
        if settings.telegram_bot_token is not None:
            url, secret = settings.telegram_webhook_url, settings.telegram_webhook_secret
            # the settings refuse webhook mode without its URL and secret
            webhook = (
                Webhook(url, secret.get_secret_value())
                if settings.telegram_mode is TelegramMode.WEBHOOK and url and secret
                else None
            )
            handler, telegram_sender = await stack.enter_async_context(
                running(
                    engine,
                    services.renderer,
                    token=settings.telegram_bot_token.get_secret_value(),
                    base_url=settings.telegram_api_base_url,
                    webhook=webhook,
                    # registered below, once the web server listens
                    register=False,
                )
            )
            senders["telegram"] = telegram_sender
            stack.push_async_callback(telegram_sender.close)
            if webhook is not None:
                telegram_webhook = (handler, webhook.secret)
            logger.info("Telegram started (%s)", settings.telegram_mode)
        slack_http = None
        if settings.slack_bot_token is not None:
            slack_bot, slack_sender = build_slack(services)
            slack_bot.engine = engine
            # a refused token is said at start, not discovered at the first mentor's click
            await slack_bot.client.auth_test()
            senders["slack"] = slack_sender
            # last in, first out: the work Slack requests started ends before the rest stops
            stack.push_async_callback(_drain, slack_bot.drain())
            if settings.slack_app_token is not None:
                app_token = settings.slack_app_token.get_secret_value()
                # slack-sdk retries a refused app-level token forever, silently: check it once
                await slack_bot.client.apps_connections_open(app_token=app_token)
                socket = AsyncSocketModeHandler(slack_bot.app, app_token)
                await socket.connect_async()
                stack.push_async_callback(socket.close_async)
                logger.info("Slack started (Socket Mode)")
            else:
                slack_http = slack_bot.app
                logger.info("Slack started (HTTP, /slack/events)")
        scheduler = build_scheduler(services, senders, metrics)
        # in every mode (long polling and Socket Mode too): /healthz, /readyz and /metrics
        signing = settings.slack_signing_secret
        runner = await serve_http(
            settings.http_host,
            settings.http_port,
            telegram=telegram_webhook,
            slack=slack_http,
            slack_signing_secret=signing.get_secret_value() if signing is not None else None,
            ready=ready(services, scheduler.paused),
            metrics=metrics,
        )
        stack.push_async_callback(runner.cleanup)
        logger.info("Web server on %s:%s", settings.http_host, settings.http_port)
        if telegram_webhook is not None and webhook is not None:
            await register_webhook(telegram_webhook[0], webhook)
            logger.info("Telegram webhook registered")
        watch = asyncio.ensure_future(watch_database(services.db))
        stack.callback(watch.cancel)
        scheduler.start()
        stack.push_async_callback(scheduler.stop)
        logger.info("Mentorbot is running; Ctrl+C to stop.")
        await stop.wait()
        logger.info("Stopping.")


def ready(services: Services, paused: Callable[[], Mapping[str, float]]) -> Readiness:
    """`/readyz`'s check: the database answers with its schema at head, and no platform is
    paused by a 429 (`paused`: the seconds each platform still waits)."""

    async def check() -> str | None:
        problem = await readiness(services.db)
        if problem is not None:
            return problem
        waiting = {platform: seconds for platform, seconds in paused().items() if seconds > 0}
        if waiting:
            return "paused by a 429 (rate limited): " + ", ".join(
                f"{platform} for {seconds:.0f} more seconds"
                for platform, seconds in sorted(waiting.items())
            )
        return None

    return check


# how often a running process looks for its SQLite file
DATABASE_WATCH_SECONDS = 30.0


async def watch_database(db: AsyncEngine, every: float = DATABASE_WATCH_SECONDS) -> None:
    """Say loudly, once, when the SQLite file is deleted or moved under the running process
    (it would go on answering from the deleted file, and the next start would create an
    empty database); and once when it is back."""
    path = sqlite_file(db)
    if path is None:
        return
    missing = False
    while True:
        await asyncio.sleep(every)
        gone = not path.exists()
        if gone and not missing:
            logger.error(
                "The database file %s has disappeared while Mentorbot runs: what is written "
                "now is lost at the next start. Stop the bot and restore the file.",
                path,
            )
        elif missing and not gone:
            logger.warning("The database file %s is back.", path)
        missing = gone


async def _drain(work: Any) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(work, timeout=10)
