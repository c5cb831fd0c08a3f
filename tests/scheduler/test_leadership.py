"""One pace for all replicas: on PostgreSQL one replica at a time dispatches each platform
(an advisory lock), so the configured rates are global.

First the lock itself: one replica per platform holds it, the others are refused and try
again; it goes when its connection closes (the holder died or was cut off) or when the
holder stops; an unreachable database means leading nothing. Then two replicas, built as
`mentorbot run` builds them, each with its own engine, against the stand-in Bot API
enforcing the rate: 2,000 messages at no more than the configured rate overall, each once;
the holder killed, or cut off from the database while it runs, and the other finishes.

The PostgreSQL tests run only with MENTORBOT_TEST_DATABASE_URL set (the `postgres` marker).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.container import Services, build, build_scheduler
from scheduler.leadership import NAMESPACE, AdvisoryLocks, SoleLeader, for_database, lock_key
from scheduler.service import Scheduler
from storage.database import upgrade
from storage.models import Delivery, DeliveryStatus
from tests.conftest import POSTGRES_URL, START, database_url_for, make_settings
from tests.fakes.telegram_api import FakeBotApi, Recorded
from tests.scheduler.outbox_helpers import (
    FIRST_CHAT,
    messages_per_chat,
    queue_one_message_each,
    statuses,
    telegram_sender,
)

BOTH = ("slack", "telegram")


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[AdvisoryLocks, AdvisoryLocks]]:
    assert POSTGRES_URL is not None
    first, second = AdvisoryLocks.of(POSTGRES_URL), AdvisoryLocks.of(POSTGRES_URL)
    yield first, second
    await first.release()
    await second.release()


async def holder_pids(platform: str) -> list[int]:
    """The server processes holding a platform's lock, as PostgreSQL sees them."""
    assert POSTGRES_URL is not None
    engine = create_async_engine(POSTGRES_URL)
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::int = :namespace AND objid::int = :key AND objsubid = 2"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"namespace": NAMESPACE, "key": lock_key(platform)},
        )
        pids = [int(pid) for pid in rows.scalars()]
    await engine.dispose()
    return pids


async def first_row(query: str, **values: object) -> tuple[object, ...]:
    assert POSTGRES_URL is not None
    engine = create_async_engine(POSTGRES_URL)
    async with engine.connect() as connection:
        row = (await connection.execute(text(query), values)).one()
    await engine.dispose()
    return tuple(row)


async def cut_off(pid: int) -> None:
    """The holder's connection ends as when its process dies (the server closes it)."""
    assert POSTGRES_URL is not None
    engine = create_async_engine(POSTGRES_URL)
    async with engine.connect() as connection:
        # waits (up to 5 s) until it has ended, so its locks are gone on return
        await connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    await engine.dispose()


def test_keys_are_stable_and_distinct() -> None:
    # the same in every process and version (not Python's salted hash), one per platform
    assert lock_key("telegram") != lock_key("slack")
    assert lock_key("telegram") == lock_key("telegram")
    assert all(-(2**31) <= key < 2**31 for key in (NAMESPACE, lock_key("telegram")))


async def test_sqlite_always_leads(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    leadership = for_database(engine)
    assert isinstance(leadership, SoleLeader)
    assert await leadership.lead(BOTH) == frozenset(BOTH)
    await leadership.release()
    await engine.dispose()


@pytest.mark.postgres
async def test_one_holder_per_platform_the_other_is_refused(
    replicas: tuple[AdvisoryLocks, AdvisoryLocks], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scheduler.leadership")
    first, second = replicas
    assert await first.lead(["telegram"]) == {"telegram"}
    assert await second.lead(BOTH) == {"slack"}  # telegram is taken, slack was free
    # trying again changes nothing while the holders live
    assert await second.lead(BOTH) == {"slack"}
    assert await first.lead(BOTH) == {"telegram"}
    assert len(await holder_pids("telegram")) == 1
    # held across rounds on one connection: the same server process each time
    assert await holder_pids("telegram") == await holder_pids("telegram")
    assert await holder_pids("telegram") != await holder_pids("slack")
    # operators find the lock's connection by its name
    [pid] = await holder_pids("telegram")
    assert await first_row(
        "SELECT application_name FROM pg_stat_activity WHERE pid = :pid", pid=pid
    ) == ("mentorbot-dispatch-lock",)
    # each replica says what it does, once
    said = [record.getMessage() for record in caplog.records]
    assert said.count("another replica dispatches telegram: this one takes over if it stops") == 1
    assert sum("this replica now dispatches" in line for line in said) == 2


@pytest.mark.postgres
async def test_a_holder_cut_off_steps_down_and_the_other_takes_over(
    replicas: tuple[AdvisoryLocks, AdvisoryLocks], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = replicas
    caplog.set_level(logging.INFO, logger="scheduler.leadership")
    assert await first.lead(BOTH) == frozenset(BOTH)
    assert await second.lead(BOTH) == frozenset()
    [pid] = await holder_pids("telegram")
    assert await holder_pids("slack") == [pid]

    await cut_off(pid)

    # the lock went with the connection: the other replica takes both at its next round
    assert await holder_pids("telegram") == []
    assert await second.lead(BOTH) == frozenset(BOTH)
    # the old holder notices at its next round (its check fails) and leads nothing
    assert await first.lead(BOTH) == frozenset()
    assert first.held == frozenset()
    assert "stops dispatching slack, telegram" in caplog.text
    assert "this replica now dispatches telegram" in caplog.text
    # from then on it is an ordinary candidate again, refused while the other holds them
    assert await first.lead(BOTH) == frozenset()


@pytest.mark.postgres
async def test_a_stopping_holder_lets_the_other_take_over_at_once(
    replicas: tuple[AdvisoryLocks, AdvisoryLocks], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = replicas
    caplog.set_level(logging.INFO, logger="scheduler.leadership")
    assert await first.lead(BOTH) == frozenset(BOTH)
    await first.release()
    assert "no longer dispatches telegram (stopping)" in caplog.text
    assert await holder_pids("telegram") == []
    assert await second.lead(BOTH) == frozenset(BOTH)


async def test_an_unreachable_database_means_leading_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # nothing listens on port 1: every round fails, said once rather than at every round
    locks = AdvisoryLocks.of("postgresql+asyncpg://mentorbot@127.0.0.1:1/mentorbot")
    for _ in range(3):
        assert await locks.lead(BOTH) == frozenset()
    await locks.release()
    said = [r for r in caplog.records if "database cannot be reached" in r.getMessage()]
    assert len(said) == 1


# ------------------------------------------------------------------ two replicas sending

# Configured and enforced by the stand-in, messages/s. Well below what one process running
# both replicas and the stand-in can send (about 150/s on a quiet two-core machine), so two
# replicas pacing themselves apart would go over it: without the lock they each send about
# half and the stand-in answers 429 (about a hundred times); with it, one sends everything.
RATE = 100.0
BURST = 20  # the stand-in's overall bucket: twice what the Pacer sends ahead (jitter)
DELIVERIES = 2_000
# the holder killed, or cut off, after this many of these: fewer, the test is about the switch
FAILOVER_DELIVERIES = 600
KILLED_AFTER = 300  # in the middle of a batch (200): some rows claimed, unsent
CLAIM_LEASE = timedelta(minutes=2)  # storage.outbox.claim_due's: how long a claim lasts
# the replicas' dispatch interval: also how often one that does not send tries the lock
INTERVAL = 0.2


class RunningClock:
    """Real time from Monday 10:00 in Paris: leases and sending times move as in
    production (each claim its own lease), inside the sending hours."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def now(self) -> datetime:
        return START + timedelta(seconds=time.monotonic() - self._started)


@dataclass
class Replica:
    services: Services
    scheduler: Scheduler


class Arrivals:
    """Every message reaching the stand-in, with when it arrived (monotonic seconds)."""

    def __init__(self, api: FakeBotApi) -> None:
        self._records: list[tuple[float, Recorded]] = []
        api.on_request = self._stamp

    def _stamp(self, record: Recorded) -> None:
        if record.method == "sendMessage":
            self._records.append((time.monotonic(), record))

    def accepted(self) -> list[float]:
        return [at for at, record in self._records if record.ok]

    async def at_least(self, count: int) -> bool:
        return len(self.accepted()) >= count


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(
        enforce_limits=True, overall_per_second=RATE, overall_burst=BURST
    ) as fake:
        yield fake


@pytest.fixture
async def two(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[list[Replica]]:
    """Two replicas on one database, each with its own engine, sender and scheduler, built
    as `mentorbot run` builds them (Pacer at RATE overall, 1/s per chat, 8 workers)."""
    url = await database_url_for("postgresql", tmp_path)
    settings = make_settings(
        url,
        TELEGRAM_MESSAGES_PER_SECOND=RATE,
        MENTORBOT_DISPATCH_SECONDS=INTERVAL,
        MENTORBOT_TICK_SECONDS=3600,
        MENTORBOT_SEND_HOURS="00:00-23:59",
        MENTORBOT_SEND_DAYS="mon,tue,wed,thu,fri,sat,sun",
        MENTORBOT_SKIP_PUBLIC_HOLIDAYS=False,
        MENTORBOT_DAILY_BUDGET=False,
    )
    clock = RunningClock()
    async with AsyncExitStack() as stack:
        replicas: list[Replica] = []
        for _ in range(2):
            services = build(settings, clock)
            stack.push_async_callback(services.close)
            sender = await stack.enter_async_context(telegram_sender(api, services.renderer))
            scheduler = build_scheduler(services, {"telegram": sender})
            stack.push_async_callback(scheduler.stop)
            replicas.append(Replica(services, scheduler))
        await upgrade(replicas[0].services.db)
        yield replicas


async def until(done: Callable[[], Awaitable[bool]], seconds: float) -> None:
    """Wait until `done()` (real time: the replicas send in real time), at most `seconds`."""
    async with asyncio.timeout(seconds):
        # what is awaited is the database's state: polled, a tenth of a second apart
        while not await done():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def nothing_pending(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """No row left to send (every one sent, or in flight for a replica that died)."""
    async with sessions() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]))
        )
    return waiting == 0


def chat_of(delivery: Delivery) -> str:
    """The chat a row was queued for (keys are `test:{n}`, chats FIRST_CHAT + n)."""
    return str(FIRST_CHAT + int(delivery.idempotency_key.removeprefix("test:")))


def busiest_second(arrivals: list[float]) -> int:
    """The most messages accepted within any one second."""
    most, start = 0, 0
    for end, at in enumerate(arrivals):
        while at - arrivals[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def check_pace(arrivals: list[float], label: str) -> float:
    """No more than the configured rate overall: a token bucket of RATE with BURST ahead
    lets through at most BURST + RATE * t in any t seconds. Returns the rate achieved."""
    span = arrivals[-1] - arrivals[0]
    achieved = (len(arrivals) - 1) / span
    print(  # the figures for the note (pytest -s)
        f"{label}: {len(arrivals)} accepted in {span:.2f} s, {achieved:.1f}/s overall, "
        f"busiest second {busiest_second(arrivals)} (configured {RATE:g}/s, burst {BURST})"
    )
    assert len(arrivals) - BURST <= RATE * span
    assert busiest_second(arrivals) <= RATE + BURST
    return achieved


class Dispatching:
    """Each replica's dispatch rounds as the scheduler's periodic job runs them, in tasks a
    test can kill (one replica) or stop after their round (all); `sent` per round."""

    def __init__(self, replicas: list[Replica]) -> None:
        self._stopping = asyncio.Event()
        self.sent: list[list[int]] = [[] for _ in replicas]
        self.tasks = [
            asyncio.create_task(self._rounds(replica.scheduler, sent))
            for replica, sent in zip(replicas, self.sent, strict=True)
        ]

    async def _rounds(self, scheduler: Scheduler, sent: list[int]) -> None:
        while not self._stopping.is_set():
            sent.append((await scheduler.dispatch()).sent)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(INTERVAL):
                    await self._stopping.wait()

    async def kill(self, replica: int) -> None:
        """Stopped where it is (mid-send), as a process that dies."""
        self.tasks[replica].cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.tasks[replica]

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_replicas_send_at_one_pace_each_message_once(
    two: list[Replica], api: FakeBotApi
) -> None:
    sessions = two[0].services.sessions
    chats = await queue_one_message_each(sessions, DELIVERIES, START)
    arrivals = Arrivals(api)
    dispatching = Dispatching(two)
    try:
        await until(lambda: nothing_pending(sessions), 120)
    finally:
        await dispatching.stop()
    sent = dispatching.sent
    leading = [replica.scheduler.leading for replica in two]
    for replica in two:
        await replica.scheduler.stop()

    # one of them sent everything, the other tried at each round and waited its turn
    assert sorted(sum(rounds) for rounds in sent) == [0, DELIVERIES]
    assert sorted(leading, key=len) == [frozenset(), {"telegram"}]
    assert min(len(rounds) for rounds in sent) > 1
    # stopping let the lock go
    assert await holder_pids("telegram") == []
    accepted = arrivals.accepted()
    assert len(accepted) == DELIVERIES
    assert api.rate_limited == 0  # the stand-in never had to refuse one
    check_pace(accepted, "two replicas")
    # each exactly once
    received = messages_per_chat(api, chats)
    assert set(received.values()) == {1}
    assert len(received) == DELIVERIES
    final = await statuses(sessions)
    assert list(final) == [DeliveryStatus.SENT]
    assert len(final[DeliveryStatus.SENT]) == DELIVERIES


@pytest.mark.postgres
async def test_the_holder_killed_the_other_takes_over_and_finishes(
    two: list[Replica], api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sessions = two[0].services.sessions
    chats = await queue_one_message_each(sessions, FAILOVER_DELIVERIES, START)
    arrivals = Arrivals(api)
    dispatching = Dispatching(two)
    try:
        await until(lambda: arrivals.at_least(KILLED_AFTER), 30)
        [holder] = [n for n, replica in enumerate(two) if replica.scheduler.leading]
        # killed: its tasks stop where they are (mid-send), its lock connection closes
        await dispatching.kill(holder)
        at_kill = await statuses(sessions)
        [pid] = await holder_pids("telegram")
        await cut_off(pid)
        killed_at = time.monotonic()
        await until(lambda: nothing_pending(sessions), 30)
        finished_at = time.monotonic()
    finally:
        await dispatching.stop()

    in_flight = {row.id for row in at_kill.get(DeliveryStatus.SENDING, [])}
    left = at_kill.get(DeliveryStatus.PENDING, [])
    claimed = {row.id for row in left if row.claimed_until is not None}
    survivor = two[1 - holder].scheduler
    assert survivor.leading == {"telegram"}
    after = [at for at in arrivals.accepted() if at > killed_at]
    took_over = after[0] - killed_at
    print(
        f"killed with {len(left)} to go ({len(claimed)} claimed by it, {len(in_flight)} in "
        f"flight): the other's first message {took_over:.2f} s later, all sent "
        f"{finished_at - killed_at:.2f} s later"
    )
    assert took_over < 3  # at its next round (INTERVAL), with room for a loaded machine
    # the killed replica's claims were freed at once, not after their two-minute lease
    assert claimed
    assert finished_at - killed_at < CLAIM_LEASE.total_seconds() / 2
    assert "rows the previous sender had claimed are free again" in caplog.text
    check_pace(after, "after the kill")

    # nobody twice; all sent but the rows being sent at the kill (those may have arrived)
    received = messages_per_chat(api, chats)
    assert max(received.values()) == 1
    final = await statuses(sessions)
    assert set(final) <= {DeliveryStatus.SENT, DeliveryStatus.SENDING}
    assert {row.id for row in final.get(DeliveryStatus.SENDING, [])} == in_flight
    assert claimed <= {row.id for row in final[DeliveryStatus.SENT]}
    assert len(final[DeliveryStatus.SENT]) == FAILOVER_DELIVERIES - len(in_flight)
    for row in final[DeliveryStatus.SENT]:
        assert received[chat_of(row)] == 1


@pytest.mark.postgres
async def test_the_holder_cut_off_from_its_lock_steps_down_each_message_still_once(
    two: list[Replica], api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """Its lock connection lost while it runs (a network blip): it goes on with the round
    it is in, the other takes over at its next round, and the first steps down at its own.
    The rows both may have had in hand are sent once: the one taking over freed and
    claimed them again, so the old lease no longer matches when the first reaches them."""
    caplog.set_level(logging.INFO)
    sessions = two[0].services.sessions
    chats = await queue_one_message_each(sessions, FAILOVER_DELIVERIES, START)
    arrivals = Arrivals(api)
    dispatching = Dispatching(two)
    try:
        await until(lambda: arrivals.at_least(KILLED_AFTER), 30)
        [holder] = [n for n, replica in enumerate(two) if replica.scheduler.leading]
        [pid] = await holder_pids("telegram")
        await cut_off(pid)
        await until(lambda: nothing_pending(sessions), 30)
    finally:
        await dispatching.stop()

    assert two[holder].scheduler.leading == frozenset()
    assert two[1 - holder].scheduler.leading == {"telegram"}
    assert "this replica stops dispatching telegram" in caplog.text
    assert sum(dispatching.sent[1 - holder]) > 0
    received = messages_per_chat(api, chats)
    assert set(received.values()) == {1}
    assert len(received) == FAILOVER_DELIVERIES
    final = await statuses(sessions)
    assert list(final) == [DeliveryStatus.SENT]
