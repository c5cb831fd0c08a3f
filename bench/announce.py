"""Announcements at scale: writing the recipients, delivering them, and a kill in the middle.

1. 50,000 recipients (youths of a region, among 60,000 people with some opted out or
   unreachable) selected and written to the outbox by the announcement tick, against a bare
   `INSERT … SELECT` of as many rows (same columns and context size) into the same table of
   the same database. Target: ratio <= 3.
2. 5,000 of them delivered by the dispatcher as `mentorbot run` builds it (Pacer 30/s
   overall, 1/s per chat) against the stand-in Bot API enforcing Telegram's limits, in real
   time. Target: rate / 30 >= 0.97, zero 429.
3. The writer (30,000 recipients, batches of 20,000 people), then the dispatcher, killed
   with SIGKILL in the middle (child processes), then run again: zero duplicates, zero
   skipped; only the rows in flight at the kill are in doubt.

SQLite by default; PostgreSQL when MENTORBOT_TEST_DATABASE_URL is set (its tables dropped).

    python bench/announce.py [--recipients 50000] [--delivered 5000] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import JSON, String, cast, delete, func, insert, literal, select, text, type_coerce
from telegram import Bot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the stand-in lives in tests/

from bot.container import Services, build, dispatcher
from bot.settings import load_settings
from conversations.core.clock import FixedClock, SystemClock
from conversations.staff import announcements
from conversations.staff import events as staff_events
from handlers.telegram import TelegramSender
from scheduler.ticks.announcements import due_announcements
from scheduler.ticks.batch import run_batches
from storage import events, outbox
from storage.database import upgrade
from storage.events import Audience
from storage.models import Announcement, Delivery, DeliveryStatus, Identity, Person
from tests.fakes.telegram_api import FakeBotApi

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Paris
CHUNK = 10_000
FIRST_CHAT = 900_000_000
TARGET_WRITE = 3.0
TARGET_RATE = 0.97
TEMPLATE = "Bonjour {{ first_name }} !\n« {{ title }} » : {{ when }}.\n{{ link }}"


def settings_for(url: str, rate: float = 30.0) -> object:
    return load_settings(
        _env_file=None,
        MENTORBOT_DATABASE_URL=url,
        TELEGRAM_MESSAGES_PER_SECOND=rate,
        # measured here: the outbox and its pacing, not the sending hours nor the budget
        MENTORBOT_SEND_HOURS="00:00-23:59",
        MENTORBOT_SEND_DAYS="mon,tue,wed,thu,fri,sat,sun",
        MENTORBOT_SKIP_PUBLIC_HOLIDAYS=False,
        MENTORBOT_DAILY_BUDGET=False,
    )


async def reset(services: Services) -> None:
    if services.settings.database_url.startswith("postgresql"):
        async with services.db.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(services.db)


async def populate(services: Services, recipients: int) -> None:
    """`recipients` youths of Île-de-France who can be written to, plus a fifth more who
    cannot (other regions, opted out, blocked the bot)."""
    others = recipients // 5
    total = recipients + others
    async with services.db.begin() as connection:
        for start in range(0, total, CHUNK):
            ids = range(start, min(total, start + CHUNK))
            await connection.execute(
                insert(Person),
                [
                    {
                        "id": i + 1,
                        "role": "youth",
                        "display_name": f"Youth {i}",
                        "locale": "en" if i % 10 == 0 else "fr",
                        "created_at": NOW,
                        "consent_at": NOW,
                        "region": "idf" if i < recipients or i % 3 == 0 else "bre",
                        "announcements_opt_out_at": NOW if i >= recipients and i % 3 == 0 else None,
                        "unreachable_at": NOW if i >= recipients and i % 3 == 1 else None,
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(Identity),
                [
                    {
                        "person_id": i + 1,
                        "channel": "telegram",
                        "external_id": str(FIRST_CHAT + i),
                        "chat_id": str(FIRST_CHAT + i),
                    }
                    for i in ids
                ],
            )


async def analyze(services: Services) -> None:
    """Planner statistics, as a database in service has them (PostgreSQL's autovacuum):
    without them PostgreSQL may look each person's identity up by channel alone."""
    if services.settings.database_url.startswith("postgresql"):
        async with services.db.begin() as connection:
            await connection.execute(text("ANALYZE"))


async def announce(services: Services, clock: FixedClock) -> int:
    now = clock.now()
    draft = staff_events.EventDraft(
        title="Réussir son entretien",
        kind="webinar",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=1),
        link="https://visio.example.org/entretien",
    )
    async with services.sessions() as session, session.begin():
        made = await staff_events.create_event(session, draft, staff="bench", now=now)
        announcement = await announcements.create_announcement(
            session,
            event_id=made.event.id,
            audience=Audience(roles=("youth",), regions=("idf",)),
            template_fr=TEMPLATE,
            template_en=None,
            author="bench",
            now=now,
            zone=services.config.zone,
        )
        await announcements.send(
            session, announcement.id, staff="bench", now=now, zone=services.config.zone
        )
        return announcement.id


async def settle(services: Services) -> None:
    """Each timed run starts from the same state: SQLite's write-ahead log folded back into
    the database (else a checkpoint the previous run caused is charged to the next)."""
    if services.settings.database_url.startswith("sqlite"):
        async with services.db.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        autocommit = services.db.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.exec_driver_sql("VACUUM ANALYZE delivery")


async def bare_insert_select(services: Services, context: dict[str, object], rows: int) -> float:
    """The reference: the same number of rows with the same columns, one statement."""
    as_json = cast if services.settings.database_url.startswith("postgresql") else type_coerce
    query = select(
        literal("bare:") + cast(Person.id, String),
        Person.id,
        literal(2),
        literal("telegram"),
        literal("events.youth.announcement"),
        as_json(literal(json.dumps(context, ensure_ascii=False)), JSON),
        literal("pending"),
        literal(0),
        literal(NOW, Delivery.created_at.type),
        literal(NOW, Delivery.created_at.type),
    ).where(Person.id <= rows)
    statement = insert(Delivery).from_select(list(events.DELIVERY_COLUMNS), query)
    await settle(services)
    started = time.perf_counter()
    async with services.db.begin() as connection:
        await connection.execute(statement)
    elapsed = time.perf_counter() - started
    async with services.db.begin() as connection:
        await connection.execute(
            delete(Delivery).where(Delivery.idempotency_key.startswith("bare:"))
        )
    return elapsed


async def measure_writing(url: str, recipients: int) -> tuple[int, Services, FixedClock]:
    clock = FixedClock(NOW)
    services = build(settings_for(url), clock)  # type: ignore[arg-type]
    await reset(services)
    await populate(services, recipients)
    await analyze(services)
    announcement = await announce(services, clock)
    async with services.sessions() as session:
        row = await session.get(Announcement, announcement)
        event = await session.get(staff_events.Event, row.event_id) if row else None
        assert row is not None
        assert event is not None
        context = announcements.variants(row, event, services.config.zone)[-1].context
    reference = min(
        [await bare_insert_select(services, dict(context), recipients) for _ in range(3)]
    )
    await settle(services)
    started = time.perf_counter()
    await run_batches(services.sessions, due_announcements, clock.now(), services.config)
    ours = time.perf_counter() - started
    async with services.sessions() as session:
        written = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.person_id.is_not(None))
        )
        row = await session.get(Announcement, announcement)
    assert row is not None
    print(
        f"1. writing: {written:,} recipients in {ours:.2f} s (excluded: {row.excluded}); "
        f"bare INSERT … SELECT of {recipients:,} rows: {reference:.2f} s; "
        f"ratio {ours / reference:.2f} (target <= {TARGET_WRITE})"
    )
    return announcement, services, clock


async def measure_delivery(url: str, delivered: int, rate: float) -> None:
    """Only `delivered` rows of a fresh announcement are due; real time."""
    clock = FixedClock(NOW)
    services = build(settings_for(url, rate), clock)  # type: ignore[arg-type]
    await reset(services)
    await populate(services, delivered)
    await analyze(services)
    await announce(services, clock)
    await run_batches(services.sessions, due_announcements, clock.now(), services.config)
    async with services.db.begin() as connection:  # the staff channel's post is not measured
        await connection.execute(delete(Delivery).where(Delivery.person_id.is_(None)))
    await services.close()
    real = build(settings_for(url, rate), SystemClock())  # type: ignore[arg-type]
    async with FakeBotApi(enforce_limits=True, overall_per_second=rate) as api:
        sender = TelegramSender(Bot(api.token, base_url=api.base_url), real.renderer)
        started = time.perf_counter()
        report = await dispatcher(real, {"telegram": sender}).run_until_empty()
        elapsed = time.perf_counter() - started
        await sender.close()
        accepted = sum(1 for r in api.calls("sendMessage") if r.ok)
        refused = api.rate_limited
    await real.close()
    achieved = accepted / elapsed
    print(
        f"2. delivery: {report.sent:,} sent in {elapsed:.1f} s, {achieved:.2f}/s; "
        f"rate / {rate:g} = {achieved / rate:.3f} (target >= {TARGET_RATE}); "
        f"429 answers: {refused} (target 0)"
    )


# ------------------------------------------------------------------ kill and resume


def child(role: str, url: str, api_url: str) -> None:
    """A process that writes the recipients (`writer`) or dispatches them (`dispatcher`)."""

    async def main() -> None:
        if role == "writer":
            services = build(settings_for(url), FixedClock(NOW))  # type: ignore[arg-type]
            await run_batches(services.sessions, due_announcements, NOW, services.config)
        else:
            services = build(settings_for(url, 1000), SystemClock())  # type: ignore[arg-type]
            token, base = api_url.split(" ", 1)
            sender = TelegramSender(Bot(token, base_url=base), services.renderer)
            await dispatcher(services, {"telegram": sender}).run_until_empty()
        await services.close()

    asyncio.run(main())


def spawn(role: str, url: str, api_url: str = "-") -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child", role, "--database", url, "--api", api_url]
    )


async def measure_kill(url: str, recipients: int) -> None:
    clock = FixedClock(NOW)
    services = build(settings_for(url), clock)  # type: ignore[arg-type]
    await reset(services)
    await populate(services, recipients)
    await analyze(services)
    announcement = await announce(services, clock)
    prefix = events.announcement_key(announcement)

    async def written() -> int:
        async with services.sessions() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.idempotency_key.startswith(prefix))
            )
            return int(found or 0)

    writer = spawn("writer", url)
    # killed once its first batch is in: in the middle of the next one
    while await written() == 0 and writer.poll() is None:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    at_kill = await written()
    spawn("writer", url).wait()
    async with services.sessions() as session:
        keys = (
            await session.scalars(
                select(Delivery.idempotency_key).where(Delivery.idempotency_key.startswith(prefix))
            )
        ).all()
    duplicates = len(keys) - len(set(keys))
    skipped = recipients - len(set(keys))
    print(
        f"3a. writer killed at {at_kill:,} / {recipients:,} rows, run again: "
        f"{len(keys):,} rows, {duplicates} duplicates, {skipped} skipped (target 0 and 0)"
    )

    async with FakeBotApi() as api:
        sending = spawn("dispatcher", url, f"{api.token} {api.base_url}")
        # watching another process: polling is the way
        while len(api.calls("sendMessage")) < recipients // 2 and sending.poll() is None:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        sending.send_signal(signal.SIGKILL)
        sending.wait()
        async with services.sessions() as session:
            in_flight = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status == DeliveryStatus.SENDING)
            )
        # restarted after the sending timeout: in-flight rows are put in doubt, never resent
        clock.set(SystemClock().now() + outbox.SENDING_TIMEOUT + timedelta(minutes=3))
        restarted = build(settings_for(url, 1000), clock)  # type: ignore[arg-type]
        sender = TelegramSender(Bot(api.token, base_url=api.base_url), restarted.renderer)
        await dispatcher(restarted, {"telegram": sender}).run_until_empty()
        await sender.close()
        await restarted.close()
        per_chat = Counter(str(r.params.get("chat_id")) for r in api.calls("sendMessage") if r.ok)
        async with services.sessions() as session:
            counts = await events.delivery_counts(session, announcement)
    twice = sum(1 for n in per_chat.values() if n > 1)
    never = recipients - len(per_chat) - counts[DeliveryStatus.IN_DOUBT]
    print(
        f"3b. dispatcher killed with {in_flight} rows in flight, restarted: "
        f"{counts['sent']:,} sent, "
        f"{counts['in_doubt']} in doubt; received twice: {twice}, never received nor in doubt: "
        f"{max(never, 0)} (target 0 and 0)"
    )
    await services.close()


async def main(recipients: int, delivered: int, rate: float) -> None:
    url = os.environ.get("MENTORBOT_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:

        def database(name: str) -> str:
            return url or f"sqlite+aiosqlite:///{Path(folder) / name}"

        _announcement, services, _clock = await measure_writing(database("write.db"), recipients)
        await services.close()
        await measure_delivery(database("deliver.db"), delivered, rate)
        # more people than one batch covers, so the writer is killed between two
        await measure_kill(database("kill.db"), min(recipients, events.BATCH + 10_000))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--delivered", type=int, default=5_000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--child", choices=["writer", "dispatcher"])
    parser.add_argument("--database")
    parser.add_argument("--api", default="-")
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.database, arguments.api)
    else:
        asyncio.run(main(arguments.recipients, arguments.delivered, arguments.rate))
