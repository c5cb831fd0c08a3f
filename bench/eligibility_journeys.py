"""How many complete eligibility journeys per second the engine handles (SQLite file).

Reference: a whole peak month of registrations (1,400, June 2020) arriving within one
minute, i.e. about 23 journeys per second, each journey being 10 messages.

    python bench/eligibility_journeys.py [--youths 300] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.container import build
from bot.settings import load_settings
from conversations.core.clock import SystemClock
from conversations.core.messages import Channel, Incoming, Kind
from storage.database import upgrade

REFERENCE_PER_SECOND = 1400 / 60
STEPS: list[tuple[Kind, str]] = [
    (Kind.COMMAND, "start"),
    (Kind.CHOICE, "privacy:accept"),
    (Kind.CHOICE, "diploma:bac5"),
    (Kind.TEXT, "14/07/2001"),
    (Kind.CHOICE, "qpv:no"),
    (Kind.CHOICE, "social:scholarship"),
    (Kind.CHOICE, "situation:job_seeker"),
    (Kind.CHOICE, "region:idf"),
    (Kind.TEXT, "Contrôle de gestion"),
    (Kind.TEXT, "youth@example.fr"),
]


async def main(youths: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        services = build(load_settings(_env_file=None, MENTORBOT_DATABASE_URL=url), SystemClock())
        await upgrade(services.db)
        event = 0
        semaphore = asyncio.Semaphore(concurrency)

        async def journey(user: int) -> None:
            nonlocal event
            async with semaphore:
                for kind, value in STEPS:
                    event += 1
                    fields: dict[str, Any] = {"command": value} if kind is Kind.COMMAND else {}
                    if kind is Kind.CHOICE:
                        fields = {"choice": value}
                    if kind is Kind.TEXT:
                        fields = {"text": value}
                    await services.engine.handle(
                        Incoming(
                            Channel.TELEGRAM,
                            str(user),
                            kind,
                            event_id=str(event),
                            display_name="Bench",
                            **fields,
                        )
                    )

        started = time.perf_counter()
        await asyncio.gather(*(journey(1_000_000 + n) for n in range(youths)))
        elapsed = time.perf_counter() - started
        await services.close()
    rate = youths / elapsed
    print(f"youths: {youths}, messages: {youths * len(STEPS)}, concurrency: {concurrency}")
    print(f"elapsed: {elapsed:.2f} s, {rate:.1f} journeys/s, {rate * len(STEPS):.0f} messages/s")
    print(
        f"reference: {REFERENCE_PER_SECOND:.1f} journeys/s"
        f" -> ratio {rate / REFERENCE_PER_SECOND:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--youths", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.youths, arguments.concurrency))
