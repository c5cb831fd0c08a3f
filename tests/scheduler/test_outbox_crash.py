"""The dispatcher killed in the middle of a batch of 1,000 deliveries, then a new one.

What must hold (design.md, "State and truth"): nobody gets the message twice; every row ends
`sent`, except those that were being sent at the kill (`sending`): they may or may not have
arrived, so they end `in_doubt`, reported by `outbox.counts`, never resent blindly. Rows
that were only claimed are sent by the next dispatcher once their lease has ended.

The first dispatcher runs in an asyncio task that is cancelled: what a killed process leaves
in the database (the stand-in Bot API keeps whatever reached it). The second one has its
own engine and sessions on the same database, as a restarted process would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from bot.container import Services
from conversations.core.clock import FixedClock
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.pacing import Pacer
from storage import outbox
from storage.database import create_engine, create_sessions
from storage.models import Delivery, DeliveryStatus
from tests.fakes.telegram_api import FakeBotApi, Recorded
from tests.scheduler.outbox_helpers import (
    FIRST_CHAT,
    POLICY,
    dispatcher,
    messages_per_chat,
    queue_one_message_each,
    statuses,
    telegram_sender,
)

DELIVERIES = 1_000
Run = asyncio.Task[DispatchReport]
STOPPED = "the dispatcher stopped while sending: it may or may not have arrived"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:  # no rate limits: nothing is paced here
        yield fake


def chat_of(delivery: Delivery) -> str:
    """The chat a row was queued for (keys are `test:{n}`, chats FIRST_CHAT + n)."""
    return str(FIRST_CHAT + int(delivery.idempotency_key.removeprefix("test:")))


async def kill(first: Dispatcher, killed_when: Callable[[Run], Awaitable[None]]) -> None:
    """Run `first` until `killed_when` has cancelled it (it must not finish on its own)."""
    task = asyncio.create_task(first.run_until_empty())
    await killed_when(task)
    with pytest.raises(asyncio.CancelledError):
        await task


async def restart_and_check(
    services: Services, api: FakeBotApi, clock: FixedClock, chats: list[str]
) -> list[Delivery]:
    """A new dispatcher on the same database: runs now, then after the lease and the sending
    timeout; checks the end state; returns the rows in doubt."""
    at_kill = await statuses(services.sessions)
    in_flight = {row.id for row in at_kill.get(DeliveryStatus.SENDING, [])}
    claimed = {
        row.id for row in at_kill.get(DeliveryStatus.PENDING, []) if row.claimed_until is not None
    }
    before = messages_per_chat(api, chats)
    assert max(before.values()) == 1

    engine = create_engine(services.settings.database_url)
    try:
        sessions = create_sessions(engine)
        async with telegram_sender(api, services.renderer) as sender:
            second = dispatcher(sessions, sender, clock)

            # at once: the rows nobody had claimed go; claimed and in-flight rows wait
            report = await second.run_until_empty()
            assert report.released == 0
            sent_before = len(at_kill.get(DeliveryStatus.SENT, []))
            assert report.sent == DELIVERIES - sent_before - len(claimed) - len(in_flight)
            now = await statuses(sessions)
            assert {row.id for row in now.get(DeliveryStatus.PENDING, [])} == claimed
            assert {row.id for row in now.get(DeliveryStatus.SENDING, [])} == in_flight

            # past the claim lease and the sending timeout: claimed rows go, in-flight ones
            # are put in doubt instead of being sent again
            clock.advance(outbox.SENDING_TIMEOUT + timedelta(seconds=1))
            report = await second.run_until_empty()
            assert report.released == len(in_flight)
            assert report.sent == len(claimed)
            assert report.in_doubt == report.retried == report.undeliverable == 0

            async with sessions() as session:
                counts = await outbox.counts(session, clock.now())
            final = await statuses(sessions)
    finally:
        await engine.dispose()

    # nobody got it twice, everybody but the in-doubt ones got it exactly once
    received = messages_per_chat(api, chats)
    assert max(received.values()) == 1
    in_doubt = final.get(DeliveryStatus.IN_DOUBT, [])
    assert {row.id for row in in_doubt} == in_flight
    assert len(final.get(DeliveryStatus.SENT, [])) == DELIVERIES - len(in_flight)
    assert set(final) <= {DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT}
    for row in final.get(DeliveryStatus.SENT, []):
        assert received[chat_of(row)] == 1
    for row in in_doubt:
        assert received[chat_of(row)] in (0, 1)
        assert row.last_error == STOPPED
        assert row.attempts == 1
    assert counts[DeliveryStatus.IN_DOUBT] == len(in_flight)
    assert counts[DeliveryStatus.SENT] == DELIVERIES - len(in_flight)
    assert counts["due"] == 0
    return in_doubt


async def test_killed_while_answers_are_awaited(
    services: Services, api: FakeBotApi, clock: FixedClock
) -> None:
    """Killed while every worker waits for Telegram's answer (the messages have arrived):
    exactly those rows end in doubt."""
    chats = await queue_one_message_each(services.sessions, DELIVERIES, clock.now())
    every_worker_waits = asyncio.Event()

    def count(record: Recorded) -> None:
        if record.method != "sendMessage":
            return
        arrived = len(api.calls("sendMessage"))
        if arrived == 300:
            # from this one on, Telegram takes the messages but holds its answers
            api.delay_next("sendMessage", 60, times=POLICY.workers)
        if arrived == 300 + POLICY.workers - 1:
            every_worker_waits.set()

    api.on_request = count

    async def when_every_worker_waits(task: Run) -> None:
        await every_worker_waits.wait()
        assert len(api.unanswered("sendMessage")) == POLICY.workers
        task.cancel()

    async with telegram_sender(api, services.renderer) as sender:
        await kill(dispatcher(services.sessions, sender, clock), when_every_worker_waits)
    api.on_request = None

    in_doubt = await restart_and_check(services, api, clock, chats)
    assert len(in_doubt) == POLICY.workers
    received = messages_per_chat(api, chats)
    assert all(received[chat_of(row)] == 1 for row in in_doubt)  # they did arrive


async def test_killed_when_a_message_arrives(
    services: Services, api: FakeBotApi, clock: FixedClock
) -> None:
    """Killed at an arbitrary instant (as the 500th message reaches Telegram): whatever the
    workers were doing, at most one row per worker is in doubt."""
    chats = await queue_one_message_each(services.sessions, DELIVERIES, clock.now())
    arrived = asyncio.Event()

    def count(record: Recorded) -> None:
        if record.method == "sendMessage" and len(api.calls("sendMessage")) == 500:
            arrived.set()

    api.on_request = count

    async def at_the_500th(task: Run) -> None:
        await arrived.wait()
        task.cancel()

    async with telegram_sender(api, services.renderer) as sender:
        await kill(dispatcher(services.sessions, sender, clock), at_the_500th)
    api.on_request = None

    in_doubt = await restart_and_check(services, api, clock, chats)
    assert 1 <= len(in_doubt) <= POLICY.workers


class FrozenAfter(Pacer):
    """Lets `count` messages go, then holds every worker before it marks its row `sending`
    (a process stuck or killed between claiming a batch and sending it)."""

    def __init__(self, count: int) -> None:
        super().__init__(1_000, 1_000)
        self.left = count
        self.held = 0
        self.all_held = asyncio.Event()

    async def wait_turn(self, recipient: str) -> None:
        if self.left > 0:
            self.left -= 1
            return
        self.held += 1
        if self.held == POLICY.workers:
            self.all_held.set()
        await asyncio.Event().wait()


async def test_killed_between_claim_and_send(
    services: Services, api: FakeBotApi, clock: FixedClock
) -> None:
    """Rows only claimed are not in doubt: they are sent once their lease has ended."""
    chats = await queue_one_message_each(services.sessions, DELIVERIES, clock.now())
    pacer = FrozenAfter(300)

    async def when_every_worker_is_held(task: Run) -> None:
        await pacer.all_held.wait()
        task.cancel()

    async with telegram_sender(api, services.renderer) as sender:
        first = dispatcher(services.sessions, sender, clock, pacers={"telegram": pacer})
        await kill(first, when_every_worker_is_held)

    at_kill = await statuses(services.sessions)
    assert DeliveryStatus.SENDING not in at_kill
    claimed = [row for row in at_kill[DeliveryStatus.PENDING] if row.claimed_until is not None]
    assert len(claimed) == 2 * POLICY.batch - 300
    assert len(messages_per_chat(api, chats)) == 300

    in_doubt = await restart_and_check(services, api, clock, chats)
    assert in_doubt == []
