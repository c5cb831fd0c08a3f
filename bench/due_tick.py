"""The scheduler's due ticks at 20,000, 200,000 and 1,000,000 active pairs, with 1,000 and
10,000 of them due, each figure printed with its target.

The design promise: cost grows with what is due, not with the size of the programme.
Targets: at most 0.5 ms per due pair on SQLite; for the same number due, the tick at
1,000,000 pairs within 1.5x the tick at 20,000; the tick's process under 200 MB at its
peak (`resource.getrusage`: the tick runs in a process of its own, so what the bench
itself holds is not counted).

    python bench/due_tick.py [--quick] [--sizes 20000,200000,1000000] [--due 1000,10000]
                             [--database URL]

--quick: 20,000 and 200,000 pairs only. With --database (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/bench) the tables of that database are
dropped and recreated; by default a temporary SQLite file is used. The due pairs are
spread over the whole table (every n-th pair), as a real month's check-in days are; what
runs is every tick over an indexed due date (`scheduler.ticks.runner.BATCHED_TICKS`), not
the monthly report or the retention purge, which look at the whole programme once a month
or a day.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, case, cast, delete, insert, literal, select, text, update

from conversations.core.programme import ProgrammeConfig
from scheduler.ticks.batch import run_batches
from scheduler.ticks.runner import BATCHED_TICKS
from storage.database import create_engine, create_sessions, upgrade
from storage.models import Checkin, Delivery, Identity, MentorProfile, Pairing, Person

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Paris
LATER = NOW + timedelta(days=20)
# targets (issue 12)
MS_PER_DUE_SQLITE = 0.5
RATIO = 1.5
PEAK_MB = 200


def _at(moment: datetime) -> Any:
    return literal(moment, Pairing.proposed_at.type)


def _series(pairs: int) -> Any:
    """0 .. pairs-1 as a recursive CTE: the rows are made by the database itself."""
    series = select(literal(0, Integer).label("i")).cte("series", recursive=True)
    return series.union_all(select(series.c.i + 1).where(series.c.i < pairs - 1))


async def populate(url: str, pairs: int) -> None:
    """`pairs` active pairs (a youth and a mentor each, with identities and the mentor's
    profile), none due: one INSERT ... SELECT per table."""
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    async with engine.begin() as connection:
        n = _series(pairs)
        i = n.c.i
        for offset, role in ((1, "youth"), (2, "mentor")):
            await connection.execute(
                insert(Person).from_select(
                    ["id", "role", "display_name", "locale", "created_at", "region"],
                    select(
                        2 * i + offset,
                        literal(role),
                        literal(role.title()),
                        literal("fr"),
                        _at(NOW),
                        literal("idf"),
                    ),
                )
            )
        for offset, channel, prefix in ((1, "telegram", ""), (2, "slack", "U")):
            await connection.execute(
                insert(Identity).from_select(
                    ["person_id", "channel", "external_id", "chat_id"],
                    select(
                        2 * i + offset,
                        literal(channel),
                        literal(prefix) + cast(i, String),
                        literal(prefix) + cast(i, String),
                    ),
                )
            )
        await connection.execute(
            insert(MentorProfile).from_select(
                ["person_id", "capacity", "created_at", "languages", "remote", "accepting"],
                select(
                    2 * i + 2,
                    literal(2),
                    _at(NOW),
                    literal(["fr"], MentorProfile.languages.type),
                    literal(True),
                    literal(True),
                ),
            )
        )
        await connection.execute(
            insert(Pairing).from_select(
                [
                    "id",
                    "youth_id",
                    "mentor_id",
                    "status",
                    "proposed_at",
                    "started_at",
                    "first_meeting_at",
                    "last_contact_at",
                    "checkin_day",
                    "next_checkin_due_at",
                    "next_pulse_due_at",
                    "at_risk_due_at",
                    "first_meeting_stage",
                    "mentor_silent_rounds",
                    "youth_silent_rounds",
                ],
                select(
                    i + 1,
                    2 * i + 1,
                    2 * i + 2,
                    literal("active"),
                    _at(NOW - timedelta(days=60)),
                    _at(NOW - timedelta(days=60)),
                    _at(NOW - timedelta(days=50)),
                    _at(NOW - timedelta(days=10)),
                    literal(2),
                    _at(LATER),
                    _at(LATER),
                    _at(LATER + timedelta(days=15)),
                    literal(0),
                    literal(0),
                    literal(0),
                ),
            )
        )
    if url.startswith("postgresql"):
        async with engine.connect() as connection:
            await connection.execute(text("COMMIT"))
            await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def make_due(url: str, pairs: int, due: int) -> None:
    """`due` pairs spread over the table due for their check-in now; what an earlier run
    wrote (check-ins, messages) removed."""
    engine = create_engine(url)
    step = max(1, pairs // due)
    async with engine.begin() as connection:
        await connection.execute(delete(Delivery))
        await connection.execute(delete(Checkin))
        await connection.execute(
            update(Pairing).values(
                next_checkin_due_at=case(
                    ((Pairing.id % step == 0) & (Pairing.id <= step * due), _at(NOW)),
                    else_=_at(LATER),
                )
            )
        )
    await engine.dispose()


async def tick(url: str) -> dict[str, Any]:
    """Every due tick once (the work), then once more (nothing due): in this process."""
    engine = create_engine(url)
    sessions = create_sessions(engine)
    config = ProgrammeConfig()
    started = time.perf_counter()
    counts = {name: await run_batches(sessions, t, NOW, config) for name, t in BATCHED_TICKS}
    busy = time.perf_counter() - started
    started = time.perf_counter()
    again = {name: await run_batches(sessions, t, NOW, config) for name, t in BATCHED_TICKS}
    idle = time.perf_counter() - started
    await engine.dispose()
    return {
        "busy": busy,
        "idle": idle,
        "handled": counts.get("checkin", 0),
        "again": sum(again.values()),
        # kilobytes on Linux
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_tick(url: str) -> dict[str, Any]:
    """The tick in a process of its own, so its peak memory is the tick's."""
    done = subprocess.run(  # noqa: S603 - this script, the same interpreter
        [sys.executable, __file__, "--tick", url], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(sizes: list[int], dues: list[int], database: str | None) -> None:
    sqlite = database is None
    with tempfile.TemporaryDirectory() as folder:
        per_pair: dict[tuple[int, int], float] = {}
        peaks: dict[int, float] = {}
        for pairs in sizes:
            url = database or f"sqlite+aiosqlite:///{Path(folder) / f'bench-{pairs}.db'}"
            started = time.perf_counter()
            asyncio.run(populate(url, pairs))
            print(f"{pairs:>9,} active pairs written in {time.perf_counter() - started:.1f} s")
            for due in dues:
                asyncio.run(make_due(url, pairs, due))
                result = run_tick(url)
                if result["handled"] != due or result["again"]:
                    raise SystemExit(f"expected {due} due then none, got {result}")
                ms = result["busy"] * 1000 / due
                per_pair[pairs, due] = ms
                peaks[pairs] = max(peaks.get(pairs, 0.0), result["peak_mb"])
                target = f" (target <= {MS_PER_DUE_SQLITE})" if sqlite else ""
                print(
                    f"  {due:>6,} due: tick {result['busy'] * 1000:,.0f} ms,"
                    f" {ms:.3f} ms per due pair{target};"
                    f" next tick with nothing due {result['idle'] * 1000:.1f} ms;"
                    f" tick process peak {result['peak_mb']:.0f} MB (target < {PEAK_MB})"
                )
            if sqlite:
                Path(url.removeprefix("sqlite+aiosqlite:///")).unlink()
    small, large = min(sizes), max(sizes)
    for due in dues:
        ratio = per_pair[large, due] / per_pair[small, due]
        print(f"ratio {large:,} / {small:,} pairs, {due:,} due: {ratio:.2f} (target <= {RATIO})")
    print(f"peak memory at {large:,} pairs: {peaks[large]:.0f} MB (target < {PEAK_MB})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 and 200,000 pairs only")
    parser.add_argument("--sizes", default="20000,200000,1000000")
    parser.add_argument("--due", default="1000,10000")
    parser.add_argument("--database", default=None)
    parser.add_argument("--tick", metavar="URL", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.tick:
        print(json.dumps(asyncio.run(tick(arguments.tick))))
    else:
        chosen = [int(size) for size in arguments.sizes.split(",")]
        if arguments.quick:
            chosen = [size for size in chosen if size <= 200_000] or [20_000, 200_000]
        main(chosen, [int(due) for due in arguments.due.split(",")], arguments.database)
