"""How close the outbox dispatcher gets to Telegram's 30 messages/s, without a single 429.

3,000 queued messages to distinct chats go through the dispatcher as `mentorbot run` builds
it (a real TelegramSender, Pacer(30 messages/s overall, 1/s per chat), 8 workers, batches of
200) against the stand-in Bot API on 127.0.0.1 enforcing Telegram's limits (30/s overall
with a burst of 30, 1/s per chat with a burst of 3), in real time (SystemClock), on a
SQLite file.

Reference: the configured 30 messages/s; target: rate / 30 >= 0.95 and 0 answers 429.

    python bench/dispatch_rate.py [--messages 3000] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from telegram import Bot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the stand-in lives in tests/

from bot.container import build, dispatcher
from bot.settings import load_settings
from conversations.core.clock import SystemClock
from handlers.telegram import TelegramSender
from storage import outbox, people
from storage.database import upgrade
from tests.fakes.telegram_api import FakeBotApi

TARGET_RATIO = 0.95
FIRST_CHAT = 800_000_000


async def main(messages: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        settings = load_settings(
            _env_file=None,
            MENTORBOT_DATABASE_URL=url,
            TELEGRAM_MESSAGES_PER_SECOND=rate,
            # measured here: the outbox and its pacing, not the sending hours nor the budget
            MENTORBOT_SEND_HOURS="00:00-23:59",
            MENTORBOT_SEND_DAYS="mon,tue,wed,thu,fri,sat,sun",
            MENTORBOT_SKIP_PUBLIC_HOLIDAYS=False,
            MENTORBOT_DAILY_BUDGET=False,
        )
        services = build(settings, SystemClock())
        await upgrade(services.db)
        now = services.clock.now()
        async with services.sessions() as session, session.begin():
            for n in range(messages):
                chat = str(FIRST_CHAT + n)
                person = await people.create_person(
                    session,
                    role="youth",
                    channel="telegram",
                    external_id=chat,
                    chat_id=chat,
                    locale="fr",
                    now=now,
                )
                await outbox.enqueue(
                    session,
                    key=f"bench:{n}",
                    channel="telegram",
                    template="common.help",
                    context={"consented": True},
                    now=now,
                    person_id=person.id,
                )

        async with FakeBotApi(enforce_limits=True, overall_per_second=rate) as api:
            sender = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
            # as `mentorbot run` builds it: Pacer(30/s overall, 1/s per chat), 8 workers
            outbox_dispatcher = dispatcher(services, {"telegram": sender})
            started = time.perf_counter()
            report = await outbox_dispatcher.run_until_empty()
            elapsed = time.perf_counter() - started
            await sender.close()
            accepted = sum(1 for r in api.calls("sendMessage") if r.ok)
            refused = api.rate_limited
        async with services.sessions() as session:
            counts = await outbox.counts(session, services.clock.now())
        await services.close()

    achieved = accepted / elapsed
    print(f"messages: {messages} to distinct chats, configured {rate:g}/s overall, 1/s per chat")
    print(
        f"sent: {report.sent}, retried after 429: {report.retried}, "
        f"outbox: {counts['sent']} sent, {counts['due']} still due"
    )
    print(f"elapsed: {elapsed:.2f} s, achieved {achieved:.2f} messages/s")
    print(
        f"rate / {rate:g} = {achieved / rate:.3f} (target >= {TARGET_RATIO}); "
        f"429 answers from the stand-in: {refused} (target 0)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=30.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.rate))
