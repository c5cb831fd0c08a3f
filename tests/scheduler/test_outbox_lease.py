"""A dispatcher that only stalled (not died) past its claim lease, e.g. during a long 429
pause, while another dispatcher took its rows: it must not send them a second time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.container import Services
from conversations.core.clock import FixedClock
from scheduler.pacing import Pacer
from storage.models import DeliveryStatus
from tests.fakes.telegram_api import FakeBotApi
from tests.scheduler.outbox_helpers import (
    dispatcher,
    messages_per_chat,
    queue_one_message_each,
    statuses,
    telegram_sender,
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


class Stalled(Pacer):
    """Holds every worker that has read its row, until told to go on."""

    def __init__(self, workers: int) -> None:
        super().__init__(1_000, 1_000)
        self.workers = workers
        self.waiting = 0
        self.all_waiting = asyncio.Event()
        self.go_on = asyncio.Event()

    async def wait_turn(self, recipient: str) -> None:
        self.waiting += 1
        if self.waiting == self.workers:
            self.all_waiting.set()
        await self.go_on.wait()


async def test_a_dispatcher_stalled_past_its_lease_does_not_send_again(
    services: Services, api: FakeBotApi, clock: FixedClock
) -> None:
    """Not killed, only stalled (a long 429 pause) with rows read and waiting their turn:
    once its lease has ended another dispatcher takes and sends them; when the first one
    goes on, it must not send them a second time."""
    chats = await queue_one_message_each(services.sessions, 5, clock.now())
    pacer = Stalled(5)
    async with telegram_sender(api, services.renderer) as sender:
        stalled = dispatcher(services.sessions, sender, clock, pacers={"telegram": pacer})
        task = asyncio.create_task(stalled.run_once())
        await pacer.all_waiting.wait()
        clock.advance(timedelta(minutes=3))  # past its lease
        assert (await dispatcher(services.sessions, sender, clock).run_until_empty()).sent == 5
        pacer.go_on.set()
        report = await task
    assert report.handled == report.postponed == 0
    assert messages_per_chat(api, chats) == dict.fromkeys(chats, 1)
    final = await statuses(services.sessions)
    assert [row.attempts for row in final[DeliveryStatus.SENT]] == [1] * 5
