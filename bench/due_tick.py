"""The scheduler's due computation at 20,000 and at 200,000 active pairs, same number due.

The design promise: cost grows with what is due, not with the size of the programme. The
second figure must stay within 1.5x the first.

    python bench/due_tick.py [--due 1000] [--small 20000] [--large 200000] [--database URL]

With --database (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/bench) the tables of
that database are dropped and recreated; by default a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from conversations.core.programme import ProgrammeConfig
from scheduler.ticks import Ticks
from storage.database import create_engine, create_sessions, upgrade
from storage.models import Identity, MentorProfile, Pairing, Person

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Paris
CHUNK = 10_000


async def populate(url: str, pairs: int, due: int) -> None:
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    later = NOW + timedelta(days=20)
    async with engine.begin() as connection:
        for start in range(0, pairs, CHUNK):
            ids = range(start, min(pairs, start + CHUNK))
            await connection.execute(
                insert(Person),
                [
                    {
                        "id": 2 * i + 1,
                        "role": "youth",
                        "display_name": f"Youth {i}",
                        "locale": "fr",
                        "created_at": NOW,
                        "region": "idf",
                    }
                    for i in ids
                ]
                + [
                    {
                        "id": 2 * i + 2,
                        "role": "mentor",
                        "display_name": f"Mentor {i}",
                        "locale": "fr",
                        "created_at": NOW,
                        "region": "idf",
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(Identity),
                [
                    {
                        "person_id": 2 * i + 1,
                        "channel": "telegram",
                        "external_id": str(i),
                        "chat_id": str(i),
                    }
                    for i in ids
                ]
                + [
                    {
                        "person_id": 2 * i + 2,
                        "channel": "slack",
                        "external_id": f"U{i}",
                        "chat_id": f"U{i}",
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(MentorProfile),
                [{"person_id": 2 * i + 2, "capacity": 2, "created_at": NOW} for i in ids],
            )
            await connection.execute(
                insert(Pairing),
                [
                    {
                        "youth_id": 2 * i + 1,
                        "mentor_id": 2 * i + 2,
                        "status": "active",
                        "proposed_at": NOW - timedelta(days=60),
                        "started_at": NOW - timedelta(days=60),
                        "first_meeting_at": NOW - timedelta(days=50),
                        "last_contact_at": NOW - timedelta(days=10),
                        "checkin_day": 2,
                        # the first `due` pairs are due now, the others later this month
                        "next_checkin_due_at": NOW - timedelta(minutes=5) if i < due else later,
                        "next_pulse_due_at": later,
                        "at_risk_due_at": later + timedelta(days=15),
                        "first_meeting_stage": 0,
                        "mentor_silent_rounds": 0,
                        "youth_silent_rounds": 0,
                    }
                    for i in ids
                ],
            )
    await engine.dispose()


async def measure(url: str, pairs: int, due: int) -> tuple[float, float, int]:
    started = time.perf_counter()
    await populate(url, pairs, due)
    print(f"  {pairs:>7} pairs written in {time.perf_counter() - started:.1f} s")
    engine = create_engine(url)
    ticks = Ticks(create_sessions(engine), ProgrammeConfig())
    started = time.perf_counter()
    report = await ticks.run(NOW)
    busy = time.perf_counter() - started
    started = time.perf_counter()
    idle_report = await ticks.run(NOW)
    idle = time.perf_counter() - started
    await engine.dispose()
    assert idle_report.counts.get("checkin", 0) == 0
    return busy, idle, report.counts.get("checkin", 0)


async def main(small: int, large: int, due: int, database: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        results = []
        for pairs in (small, large):
            url = database or f"sqlite+aiosqlite:///{Path(folder) / f'bench-{pairs}.db'}"
            busy, idle, handled = await measure(url, pairs, due)
            results.append(busy)
            print(
                f"  {pairs:>7} active pairs, {handled} due: tick {busy * 1000:.0f} ms"
                f" (next tick with nothing due: {idle * 1000:.1f} ms)"
            )
    ratio = results[1] / results[0]
    print(f"ratio {large} / {small} pairs: {ratio:.2f} (must stay within 1.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--database", default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.small, arguments.large, arguments.due, arguments.database))
