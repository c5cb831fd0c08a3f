"""The web server's Slack endpoint against junk: requests that are not signed by Slack
(missing or malformed signature headers, a wrong or stale signature, bodies that are not
Slack's) are answered 401 before their body is parsed, each with one short warning and no
traceback; a request Slack signed still reaches Bolt. `/readyz` is 503 while a platform is
paused by a 429 or the schema is behind."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.container import Services
from bot.runtime import ready
from handlers.slack import build_client, create_bot
from handlers.web import SLACK_PATH, build_web_app
from scheduler.pacing import Pacer
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SECRET, TOKEN
from tests.fakes.slack_requests import FORM, JSON, SignedRequests, sign, tamper

WebClient = TestClient[Any, Any]


@pytest.fixture
async def web(services: Services, slack_api: FakeSlackApi) -> AsyncIterator[WebClient]:
    bot = create_bot(
        services.engine,
        build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=True),
        services.renderer,
        signing_secret=SECRET,
    )
    app = build_web_app(slack=bot.app, slack_signing_secret=SECRET)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        yield client
    await bot.drain()


@pytest.fixture
def requests() -> SignedRequests:
    return SignedRequests(SECRET)


def signed_now(body: str) -> dict[str, str]:
    return sign(body, SECRET, int(time.time()))


JUNK: list[Any] = [
    pytest.param("payload=garbage", FORM, {}, id="form-garbage-unsigned"),
    pytest.param("{garbage", JSON, {}, id="json-garbage-unsigned"),
    pytest.param(
        "payload=garbage",
        FORM,
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
        id="timestamp-abc",
    ),
    pytest.param("{garbage", JSON, {"X-Slack-Request-Timestamp": "1700000000"}, id="no-signature"),
    pytest.param("{garbage", JSON, {"X-Slack-Signature": "v0=" + "a" * 64}, id="no-timestamp"),
    pytest.param(
        "payload=garbage",
        FORM,
        {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v1=zz"},
        id="signature-malformed",
    ),
    pytest.param(
        "payload=garbage",
        FORM,
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
        id="headers-empty",
    ),
]


@pytest.mark.parametrize(("body", "content_type", "headers"), JUNK)
async def test_unsigned_junk_is_refused_with_401_and_one_warning(
    web: WebClient,
    caplog: pytest.LogCaptureFixture,
    body: str,
    content_type: str,
    headers: dict[str, str],
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with web.post(
            SLACK_PATH, data=body.encode(), headers={"Content-Type": content_type, **headers}
        ) as response:
            assert response.status == 401
            assert await response.json() == {"error": "invalid request"}
    assert_one_short_warning(caplog)


def assert_one_short_warning(caplog: pytest.LogCaptureFixture) -> None:
    noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(noted) == 1, [r.getMessage() for r in noted]
    (record,) = noted
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "\n" not in record.getMessage()
    assert len(record.getMessage()) < 120


async def test_a_wrong_or_stale_signature_is_refused_before_the_body_is_parsed(
    web: WebClient, caplog: pytest.LogCaptureFixture, requests: SignedRequests
) -> None:
    for body, headers in (
        ("payload=garbage", tamper(signed_now("payload=garbage"))),
        ("{garbage", tamper(signed_now("{garbage"))),
        requests.stale().url_verification("challenge-1"),  # signed 6 minutes ago
        ("payload=garbage", signed_now("payload=other")),  # signed for another body
    ):
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            async with web.post(
                SLACK_PATH, data=body.encode(), headers={"Content-Type": FORM, **headers}
            ) as response:
                assert response.status == 401
        assert_one_short_warning(caplog)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("payload=garbage", FORM), ("{garbage", JSON), ("\xff\xfe", JSON)],
)
async def test_signed_garbage_is_refused_without_a_traceback(
    web: WebClient, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with web.post(
            SLACK_PATH,
            data=body.encode(),
            headers={"Content-Type": content_type, **signed_now(body)},
        ) as response:
            assert response.status in (400, 401)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_request_slack_signed_reaches_bolt(
    web: WebClient, requests: SignedRequests
) -> None:
    body, headers = requests.url_verification("challenge-2")
    async with web.post(SLACK_PATH, data=body.encode(), headers=headers) as response:
        assert response.status == 200
        assert json.loads(await response.text()) == {"challenge": "challenge-2"}


class Monotonic:
    """The pacer's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_readyz_is_503_while_a_platform_is_paused_by_a_429(services: Services) -> None:
    monotonic = Monotonic()
    pacers = {
        "telegram": Pacer(30, 1, monotonic=monotonic),
        "slack": Pacer(1, 1, monotonic=monotonic),
    }
    app = build_web_app(
        ready=ready(services, lambda: {name: p.paused_for for name, p in pacers.items()})
    )
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        async with client.get("/readyz") as response:
            assert (response.status, await response.json()) == (200, {"status": "ready"})
        pacers["telegram"].pause(42)  # what the dispatcher does on a 429 with retry_after
        async with client.get("/readyz") as response:
            assert response.status == 503
            assert await response.json() == {
                "status": "unavailable",
                "reason": "paused by a 429 (rate limited): telegram for 42 more seconds",
            }
        async with client.get("/healthz") as response:
            assert response.status == 200  # the process itself is fine
        monotonic.now += 42
        async with client.get("/readyz") as response:
            assert response.status == 200


async def test_readyz_names_a_database_behind_its_schema(services: Services) -> None:
    async with services.db.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    app = build_web_app(ready=ready(services, dict))
    async with (
        TestClient(TestServer(app, host="127.0.0.1", port=0)) as client,
        client.get("/readyz") as response,
    ):
        assert response.status == 503
        reason = (await response.json())["reason"]
    assert reason.startswith("the schema is at 0001, not at ")


async def test_metrics_is_served_only_when_given(services: Services) -> None:
    app = build_web_app()
    async with (
        TestClient(TestServer(app, host="127.0.0.1", port=0)) as client,
        client.get("/metrics") as response,
    ):
        assert response.status == 404
