"""The inbound path: Telegram updates through Mentorbot's PTB `Application` against a bare PTB
echo bot on the same stand-in Bot API, in the same run; Slack button presses from arrival
to Bolt's acknowledgement.

Telegram: complete eligibility journeys of 11 updates each (/start, the privacy button, the
diploma button, a typed birth date, buttons for the next four questions, a typed field, a
typed e-mail, and "that's right" on the answers read back) are fed one at a time with
`process_update` to the `Application` as `mentorbot run` builds it
(`handlers.telegram.build_bot`), and as many text updates to a bare PTB `Application` whose
one `MessageHandler` replies the same text, both against the stand-in Bot API
(`tests/fakes/telegram_api.py`) on 127.0.0.1. The two are interleaved (one journey, then as
many echoes) so that a busy machine slows both alike; only `process_update` is timed
(building the updates and reading the stand-in's chat are not). Rates are updates per
second; the ratio Mentorbot / bare bot is printed last. Target: >= 0.5 on a SQLite file.

Slack: a mentor presses a check-in button over HTTP (the Bolt app served by
`handlers.web`, `tests/fakes/slack_bot.py`'s harness, the stand-in Slack Web API); the time
from sending the signed request to Bolt's acknowledgement, measured at the client (so an
upper bound), p50 and p99: once with the work behind each press finished before the next
press ("idle"), once with the next press sent as soon as the previous one is acknowledged
("back to back", the work of the previous press running meanwhile). Target: p99 < 100 ms.

A SQLite file by default; with MENTORBOT_TEST_DATABASE_URL set, PostgreSQL too (its public
schema is dropped and created again first, as the tests do: give it a database of its own).

    python bench/inbound.py [--journeys 200] [--presses 1000] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the stand-ins live in tests/

from bot.container import Services, build
from bot.metrics import MeasuredEngine, Metrics
from bot.settings import load_settings
from conversations.core.clock import SystemClock
from conversations.mentor import checkin
from handlers.telegram import AnyApplication, build_bot
from storage.database import upgrade
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import JSONDict, UpdateFactory

TARGET_RATIO = 0.5
PROFILES: list[cProfile.Profile] = []
TARGET_P99_MS = 100.0
FIRST_USER = 700_000_000
MENTOR = "UBENCH1"
# one step of a journey: ("command", name), ("press", callback data) or ("say", text)
STEPS: tuple[tuple[str, str], ...] = (
    ("command", "start"),
    ("press", "privacy:accept"),
    ("press", "diploma:bac5"),
    ("say", "14/07/2001"),
    ("press", "qpv:no"),
    ("press", "social:scholarship"),
    ("press", "situation:job_seeker"),
    ("press", "region:idf"),
    ("say", "Contrôle de gestion"),
    ("say", "youth@example.fr"),
    # the answers read back: "that's right" (an 11th update since the summary came in)
    ("press", "confirm:yes"),
)


class Timer:
    """Adds up the wall-clock and CPU time (this process, every thread: the stand-in, the
    SQLite thread) of awaited calls; profiles them with cProfile when asked to."""

    def __init__(self, profile: bool = False) -> None:
        self.profile = cProfile.Profile() if profile else None
        self.wall = 0.0
        self.cpu = 0.0

    async def timed(self, work: Awaitable[None]) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        if self.profile is not None:
            self.profile.enable()
        try:
            await work
        finally:
            if self.profile is not None:
                self.profile.disable()
            self.wall += time.perf_counter() - started
            self.cpu += time.process_time() - cpu


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@asynccontextmanager
async def services_on(url: str, **settings: Any) -> AsyncIterator[Services]:
    """The services as `mentorbot run` builds them, on a new database."""
    if not url.startswith("sqlite"):
        await reset_postgres(url)
    # one mentor pressing a thousand times a minute: the per-person throttle would stop
    # them after twenty (what is measured is the path of an answered press)
    settings.setdefault("MENTORBOT_THROTTLE_PER_MINUTE", 1000)
    services = build(
        load_settings(_env_file=None, MENTORBOT_DATABASE_URL=url, **settings), SystemClock()
    )
    await upgrade(services.db)
    try:
        yield services
    finally:
        await services.close()


# ---------------------------------------------------------------- Telegram


def journey_update(
    updates: UpdateFactory, api: FakeBotApi, user: int, step: tuple[str, str]
) -> JSONDict:
    """The update Telegram sends for one step of a youth's journey."""
    kind, value = step
    if kind == "command":
        return updates.command(user, value, first_name="Bench")
    if kind == "say":
        return updates.text_message(user, value, first_name="Bench")
    # a press on the chat's latest message, the one showing the question's buttons
    message = api.last_message(user)
    assert message is not None, (user, step)
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert value in [button["callback_data"] for row in keyboard for button in row], value
    return updates.callback(
        user,
        value,
        message_id=message["message_id"],
        reply_markup=message["reply_markup"],
        first_name="Bench",
    )


def echo_application(api: FakeBotApi) -> AnyApplication:
    """A bare PTB bot: one handler replying the text it got."""
    application: AnyApplication = (
        Application.builder().token(api.token).base_url(api.base_url).build()
    )

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        assert message.text is not None
        await message.reply_text(message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


@dataclass(frozen=True)
class Rates:
    """Updates per second, by the wall clock and by the CPU time they took."""

    wall: float
    cpu: float


async def telegram_rates(url: str, journeys: int, profile: bool) -> tuple[Rates, Rates]:
    """Mentorbot's rates, the bare echo bot's."""
    ours_time, echo_time = Timer(profile), Timer()
    async with FakeBotApi() as api, services_on(url) as services:
        # the engine counted and timed for /metrics, as `mentorbot run` gives it
        engine = MeasuredEngine(services.engine, Metrics(services.sessions, services.clock))
        ours, _handler = build_bot(
            engine, services.renderer, token=api.token, base_url=api.base_url
        )
        echo = echo_application(api)
        ours_updates, echo_updates = UpdateFactory(), UpdateFactory(first_update_id=900_000)
        async with ours, echo:
            for n in range(journeys):
                user = FIRST_USER + n
                for step in STEPS:
                    data = journey_update(ours_updates, api, user, step)
                    await ours_time.timed(ours.process_update(Update.de_json(data, ours.bot)))
                last = api.last_message(user)
                assert last is not None
                assert "tu es éligible" in last["text"], last["text"]
                for echoed in range(len(STEPS)):
                    data = echo_updates.text_message(user, f"écho {echoed}", first_name="Bench")
                    await echo_time.timed(echo.process_update(Update.de_json(data, echo.bot)))
    if ours_time.profile is not None:
        PROFILES.append(ours_time.profile)
    count = journeys * len(STEPS)
    return (
        Rates(count / ours_time.wall, count / ours_time.cpu),
        Rates(count / echo_time.wall, count / echo_time.cpu),
    )


# ---------------------------------------------------------------- Slack


async def slack_ack_times(url: str, presses: int, *, idle: bool) -> list[float]:
    """Seconds from sending a signed button press to Bolt's answer, for each press."""
    async with (
        services_on(url) as services,
        FakeSlackApi(bot_token=TOKEN) as api,
        SlackHarness.start(services, api) as slack,
    ):
        pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
        async with services.sessions() as session, session.begin():
            made = await checkin.start_checkin(
                session, pairing_id=pairing_id, now=services.clock.now(), config=services.config
            )
        times: list[float] = []
        for _ in range(presses):
            body, headers = slack.requests.block_actions(
                MENTOR, "mb_0", f"ci:{made.id}:yes", channel_id=f"D{MENTOR}", message_ts="1.000001"
            )
            started = time.perf_counter()
            status, _ = await slack.post(body, headers)
            times.append(time.perf_counter() - started)
            assert status == 200, status
            if idle:
                await slack.settled()
        await slack.settled()
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# ---------------------------------------------------------------- run


async def run(journeys: int, presses: int, profile: str | None) -> None:
    ratios: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        backends = [("SQLite file", f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")]
        postgres = os.environ.get("MENTORBOT_TEST_DATABASE_URL")
        if postgres:
            backends.append(("PostgreSQL", postgres))
        for name, url in backends:
            slack_url = url.replace("bench.db", "slack.db")
            for idle in (True, False) if presses else ():
                times = await slack_ack_times(slack_url, presses, idle=idle)
                print(
                    f"Slack, {name}, {presses} button presses "
                    f"({'idle' if idle else 'back to back'}): ack p50 "
                    f"{percentile(times, 0.50) * 1000:.1f} ms, p99 "
                    f"{percentile(times, 0.99) * 1000:.1f} ms "
                    f"(target p99 < {TARGET_P99_MS:.0f} ms)"
                )
            ours, bare = await telegram_rates(url, journeys, profile is not None)
            print(
                f"Telegram, {name}, {journeys} journeys ({journeys * len(STEPS)} updates): "
                f"Mentorbot {ours.wall:.0f} updates/s ({ours.cpu:.0f} per CPU second), "
                f"bare PTB echo bot {bare.wall:.0f} updates/s ({bare.cpu:.0f} per CPU second)"
            )
            ratios.append(
                f"ratio, {name}: {ours.wall / bare.wall:.2f} "
                f"(by CPU time {ours.cpu / bare.cpu:.2f}; target >= {TARGET_RATIO})"
            )
    if profile is not None:
        with Path(profile).open("w") as out:  # noqa: ASYNC230 - once, after the measures
            stats = pstats.Stats(*PROFILES, stream=out)
            stats.sort_stats("cumulative").print_stats(80)
            stats.sort_stats("tottime").print_stats(40)
    for line in ratios:
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=200)
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--profile", help="write cProfile statistics of Mentorbot's updates here")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.journeys, arguments.presses, arguments.profile))
