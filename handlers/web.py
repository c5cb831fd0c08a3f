"""The HTTP server of the scaled-out mode: Telegram webhook, Slack events, `/healthz`."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy.exc import DBAPIError
from telegram import Update

from handlers.telegram import TelegramBot
from storage.database import DatabaseUnavailable

logger = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
SLACK_PATH = "/slack/events"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def telegram_webhook(
    handler: TelegramBot, secret: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The webhook endpoint: checks the secret header, handles the update, and answers
    503 while the database is down so Telegram delivers the update again."""

    async def on_webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            logger.warning("Telegram webhook call with a wrong secret token refused")
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            payload = json.loads(await request.read())
            update = Update.de_json(payload, handler.bot)
        except (ValueError, TypeError, KeyError, AttributeError):  # not an Update object
            return web.json_response({"error": "bad update"}, status=400)
        try:
            await handler.handle(update)
        except (DatabaseUnavailable, DBAPIError, OSError):
            logger.exception("database unavailable while handling update %s", update.update_id)
            return web.json_response({"error": "unavailable"}, status=503)
        except Exception:
            # a poison update must not be redelivered forever: log it, apologise, answer 200
            logger.exception("error while handling Telegram update %s", update.update_id)
            await handler.apologise(update)
        return web.json_response({"ok": True})

    return on_webhook


async def on_healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def slack_events(app: AsyncApp) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Slack's events, interactivity and slash commands: Bolt checks the signature (401
    when it is wrong or older than 5 minutes) and answers within 3 seconds."""

    async def on_slack(request: web.Request) -> web.Response:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    return on_slack


def build_web_app(
    *, telegram: tuple[TelegramBot, str] | None = None, slack: AsyncApp | None = None
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", on_healthz)
    if telegram is not None:
        app.router.add_post(TELEGRAM_PATH, telegram_webhook(*telegram))
    if slack is not None:
        app.router.add_post(SLACK_PATH, slack_events(slack))
    return app


async def serve_http(
    host: str,
    port: int,
    *,
    telegram: tuple[TelegramBot, str] | None = None,
    slack: AsyncApp | None = None,
) -> web.AppRunner:
    """Start the web server; the caller cleans the returned runner up."""
    runner = web.AppRunner(build_web_app(telegram=telegram, slack=slack), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
