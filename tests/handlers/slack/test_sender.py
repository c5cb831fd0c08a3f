"""The outbox's Slack sender when Slack is slow, drops the connection or cannot be reached,
and the App Home it refreshes when a new pairing's introduction is delivered: the real
AsyncWebClient against the stand-in Web API on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Services, build, build_slack
from conversations.core.clock import FixedClock
from conversations.core.messages import Reply, SendStatus
from handlers.slack import SlackRenderer, SlackSender, build_client
from scheduler.dispatcher import Dispatcher
from storage.database import upgrade
from storage.models import Delivery, DeliveryStatus
from tests.conftest import make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SECRET, TOKEN

MENTOR = "UMENTOR1"
# the sender's client gives up after this many seconds; the stand-in answers much later
TIMEOUT = 1
SLOW = 30


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    built = build(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'sender.db'}"), clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.fixture
async def slack_services(
    tmp_path: Path, clock: FixedClock, slack_api: FakeSlackApi
) -> AsyncIterator[Services]:
    """Services whose settings point Slack at the stand-in, as `mentorbot run` reads them."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'home.db'}",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_api.base_url,
    )
    built = build(settings, clock)
    await upgrade(built.db)
    yield built
    await built.close()


def sender(services: Services, api: FakeSlackApi) -> SlackSender:
    """The outbox sender as `build_slack` makes it, with a short timeout."""
    return SlackSender(
        build_client(TOKEN, api.base_url, retry_on_rate_limit=False, timeout=TIMEOUT),
        SlackRenderer(services.renderer),
        services.clock,
        None,
    )


def hello() -> Reply:
    return Reply("mentor.help", locale="fr")


async def intro(services: Services, pairing_id: int) -> Delivery:
    """The outbox row of the mentor's introduction to a new pairing."""
    async with services.sessions() as session:
        row = await session.scalar(
            select(Delivery).where(Delivery.idempotency_key == f"pairing:{pairing_id}:intro_mentor")
        )
    assert row is not None
    return row


async def test_an_answer_slower_than_the_timeout_is_in_doubt(
    services: Services, slack_api: FakeSlackApi
) -> None:
    slack_api.delay_next("chat.postMessage", SLOW)
    result = await sender(services, slack_api).send(MENTOR, hello())
    assert result.status is SendStatus.IN_DOUBT
    assert "Timeout" in str(result.error)
    # Slack did post it: the mentor sees it once, and nothing was resent
    assert len(slack_api.messages(MENTOR)) == 1
    assert len(slack_api.calls("chat.postMessage")) == 1


async def test_a_connection_dropped_after_the_request_is_in_doubt_and_not_resent(
    services: Services, slack_api: FakeSlackApi
) -> None:
    slack_api.drop_next("chat.postMessage")
    result = await sender(services, slack_api).send(MENTOR, hello())
    assert result.status is SendStatus.IN_DOUBT
    assert len(slack_api.calls("chat.postMessage")) == 1
    assert len(slack_api.messages(MENTOR)) == 1


async def test_a_refused_connection_is_retried(services: Services) -> None:
    async with FakeSlackApi(bot_token=TOKEN) as stopped:
        pass  # stopped: its port now refuses connections
    result = await sender(services, stopped).send(MENTOR, hello())
    assert result.status is SendStatus.RETRY
    assert "ClientConnectorError" in str(result.error)


async def test_dispatcher_marks_a_timed_out_intro_in_doubt_and_never_resends_it(
    services: Services, slack_api: FakeSlackApi, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)  # queues the intro
    outbox = Dispatcher(services.sessions, {"slack": sender(services, slack_api)}, clock)
    slack_api.delay_next("chat.postMessage", SLOW)
    report = await outbox.run_once()
    assert report.in_doubt == 1
    row = await intro(services, pairing_id)
    assert row.status == DeliveryStatus.IN_DOUBT
    assert "Timeout" in str(row.last_error)

    clock.advance(timedelta(days=1))
    assert (await outbox.run_until_empty()).handled == 0
    assert len(slack_api.calls("chat.postMessage")) == 1
    assert "vous accompagnez désormais Inès" in slack_api.messages(MENTOR)[0]["text"]


async def test_dispatcher_retries_an_intro_slack_could_not_be_reached_for(
    services: Services, slack_api: FakeSlackApi, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    async with FakeSlackApi(bot_token=TOKEN) as stopped:
        pass
    report = await Dispatcher(
        services.sessions, {"slack": sender(services, stopped)}, clock
    ).run_once()
    assert report.retried == 1
    row = await intro(services, pairing_id)
    assert row.status == DeliveryStatus.FAILED
    assert "ClientConnectorError" in str(row.last_error)
    assert row.next_attempt_at > clock.now()

    # Slack is back: the row goes out at its next attempt, once
    outbox = Dispatcher(services.sessions, {"slack": sender(services, slack_api)}, clock)
    assert (await outbox.run_once()).handled == 0  # not due yet
    clock.set(row.next_attempt_at)
    assert (await outbox.run_once()).sent == 1
    row = await intro(services, pairing_id)
    assert row.status == DeliveryStatus.SENT
    assert len(slack_api.messages(MENTOR)) == 1


def home_text(api: FakeSlackApi, user_id: str) -> str:
    view = api.published_home(user_id) or {}
    return json.dumps(view.get("blocks", []), ensure_ascii=False)


async def test_a_new_pairing_refreshes_the_mentors_app_home_once_its_intro_is_delivered(
    slack_services: Services, slack_api: FakeSlackApi, clock: FixedClock
) -> None:
    _, slack_sender = build_slack(slack_services)  # as `mentorbot run` wires it
    outbox = Dispatcher(slack_services.sessions, {"slack": slack_sender}, clock)
    pairing_id, _, _ = await make_pair(slack_services, mentor_slack=MENTOR)  # staff: `pair`
    assert slack_api.published_home(MENTOR) is None

    assert (await outbox.run_once()).sent == 1
    assert "vous accompagnez désormais Inès" in slack_api.messages(MENTOR)[-1]["text"]
    assert "Inès" in home_text(slack_api, MENTOR)

    await make_pair(slack_services, mentor_slack=MENTOR, youth_name="Yanis")
    assert (await outbox.run_once()).sent == 1
    home = home_text(slack_api, MENTOR)
    assert "Inès" in home
    assert "Yanis" in home
    assert (await intro(slack_services, pairing_id)).status == DeliveryStatus.SENT


async def test_the_intro_is_sent_even_when_the_app_home_cannot_be_refreshed(
    slack_services: Services, slack_api: FakeSlackApi, clock: FixedClock
) -> None:
    _, slack_sender = build_slack(slack_services)
    pairing_id, _, _ = await make_pair(slack_services, mentor_slack=MENTOR)
    slack_api.fail_next("views.publish", "internal_error", status=500)
    report = await Dispatcher(slack_services.sessions, {"slack": slack_sender}, clock).run_once()
    assert report.sent == 1
    assert (await intro(slack_services, pairing_id)).status == DeliveryStatus.SENT
    assert len(slack_api.messages(MENTOR)) == 1
    assert slack_api.published_home(MENTOR) is None


async def test_an_edit_replaces_the_earlier_message_or_posts_anew_when_it_is_gone(
    services: Services, slack_api: FakeSlackApi
) -> None:
    out = sender(services, slack_api)
    first = await out.send("UMENTOR1", Reply("mentor.help", locale="fr"))
    assert first.status is SendStatus.SENT
    assert first.ref is not None
    assert first.chat is not None
    edited = await out.send("UMENTOR1", Reply("mentor.no_pairs", locale="fr", edit=first.ref))
    assert (edited.status, edited.ref) == (SendStatus.SENT, first.ref)
    # still one message, now showing the new text
    assert len(slack_api.messages("UMENTOR1")) == 1
    shown = slack_api.posted(first.chat, first.ref)
    assert shown is not None
    assert shown.get("edited")
    # the message to replace was deleted meanwhile: a new one is posted instead
    gone = await out.send("UMENTOR1", Reply("mentor.no_pairs", locale="fr", edit="1.000009"))
    assert gone.status is SendStatus.SENT
    assert gone.ref not in (None, "1.000009")
    assert len(slack_api.messages("UMENTOR1")) == 2
