"""The HTTP server, in every mode: `/healthz`, `/readyz`, `/metrics`, and in the scaled-out
mode the Telegram webhook and Slack's events."""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import DBAPIError
from telegram import Update

from handlers.telegram import TelegramBot
from storage.errors import error_name, unreachable

__all__ = [
    "METRICS_PATH",
    "SECRET_HEADER",
    "SLACK_PATH",
    "TELEGRAM_PATH",
    "MetricsSource",
    "Readiness",
    "build_web_app",
    "metrics_endpoint",
    "on_healthz",
    "readyz",
    "serve_http",
    "slack_events",
    "telegram_webhook",
]

logger = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
SLACK_PATH = "/slack/events"
METRICS_PATH = "/metrics"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
SLACK_TIMESTAMP = "X-Slack-Request-Timestamp"
SLACK_SIGNATURE = "X-Slack-Signature"
# what Slack sends: Unix seconds, and "v0=" + a hex HMAC-SHA256
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

Endpoint = Callable[[web.Request], Awaitable[web.Response]]


def telegram_webhook(handler: TelegramBot, secret: str) -> Endpoint:
    """The webhook endpoint: checks the secret header and handles the update. While the
    database is out of reach it answers 503, so Telegram delivers the update again; an
    update the database refuses (it would be refused every time) is answered 200 after
    telling the person, kindly, that something went wrong."""

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
        except Exception as error:
            if unreachable(error):
                # one line, no traceback: Telegram delivers the update again (503)
                logger.warning(
                    "database unavailable while handling update %s: %s",
                    update.update_id,
                    error_name(error),
                )
                return web.json_response({"error": "unavailable"}, status=503)
            if isinstance(error, DBAPIError):
                # the database refused this update's data: its message holds what the person
                # typed, so one line names the error only
                logger.error(
                    "the database refused Telegram update %s (%s); not retried",
                    update.update_id,
                    error_name(error),
                )
            else:
                # a poison update must not be redelivered forever: log it, apologise, answer 200
                logger.exception("error while handling Telegram update %s", update.update_id)
            await handler.apologise(update)
        return web.json_response({"ok": True})

    return on_webhook


async def on_healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _refuse(why: str) -> web.Response:
    logger.warning("Slack request refused: %s", why)
    return web.json_response({"error": "invalid request"}, status=401)


def slack_events(app: AsyncApp, signing_secret: str | None = None) -> Endpoint:
    """Slack's events, interactivity and slash commands, answered within 3 seconds.

    A request without well-formed signature headers, or (given the signing secret) whose
    signature is wrong or older than 5 minutes, is answered 401 before its body is parsed,
    with one warning line; Bolt checks the signature again before any listener runs."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def on_slack(request: web.Request) -> web.Response:
        timestamp = request.headers.get(SLACK_TIMESTAMP, "")
        signature = request.headers.get(SLACK_SIGNATURE, "")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return _refuse("missing or malformed signature headers")
        body = await request.read()
        if verifier is not None and not verifier.is_valid(body, timestamp, signature):
            return _refuse("wrong or expired signature")
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, UnicodeDecodeError):
            # signed, yet not a body Slack sends
            return _refuse("unreadable body")
        response = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    return on_slack


Readiness = Callable[[], Awaitable[str | None]]


def readyz(ready: Readiness | None) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`/readyz`: 200 when the process can serve (database reachable, schema at head), 503
    with the reason otherwise, so a load balancer sends traffic elsewhere."""

    async def on_readyz(_request: web.Request) -> web.Response:
        problem = await ready() if ready is not None else None
        if problem is not None:
            return web.json_response({"status": "unavailable", "reason": problem}, status=503)
        return web.json_response({"status": "ready"})

    return on_readyz


class MetricsSource(Protocol):
    """What `/metrics` exposes: a registry, brought up to date before each scrape."""

    registry: CollectorRegistry

    async def refresh(self) -> None: ...


def metrics_endpoint(source: MetricsSource) -> Endpoint:
    """`/metrics`: the Prometheus text exposition of `source`'s registry."""

    async def on_metrics(_request: web.Request) -> web.Response:
        await source.refresh()
        body = generate_latest(source.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return on_metrics


def build_web_app(
    *,
    telegram: tuple[TelegramBot, str] | None = None,
    slack: AsyncApp | None = None,
    slack_signing_secret: str | None = None,
    ready: Readiness | None = None,
    metrics: MetricsSource | None = None,
) -> web.Application:
    """The web app: `/healthz` (the process), `/readyz` (it can serve), `/metrics`, the
    Telegram webhook (handler, secret) and Slack's endpoint, each when given."""
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", on_healthz)
    app.router.add_get("/readyz", readyz(ready))
    if metrics is not None:
        app.router.add_get(METRICS_PATH, metrics_endpoint(metrics))
    if telegram is not None:
        app.router.add_post(TELEGRAM_PATH, telegram_webhook(*telegram))
    if slack is not None:
        app.router.add_post(SLACK_PATH, slack_events(slack, slack_signing_secret))
    return app


async def serve_http(
    host: str,
    port: int,
    *,
    telegram: tuple[TelegramBot, str] | None = None,
    slack: AsyncApp | None = None,
    slack_signing_secret: str | None = None,
    ready: Readiness | None = None,
    metrics: MetricsSource | None = None,
) -> web.AppRunner:
    """Start the web server; the caller cleans the returned runner up."""
    app = build_web_app(
        telegram=telegram,
        slack=slack,
        slack_signing_secret=slack_signing_secret,
        ready=ready,
        metrics=metrics,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
