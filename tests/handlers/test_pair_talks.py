"""A pair talks through the running app: the mentor writes in the pair's thread in Slack
(signed HTTP events into our Bolt app), the youth writes in Telegram (updates into the
python-telegram-bot application), the outbox dispatcher built by the composition root
delivers through the real senders to the stand-in servers. What each side sees, the
interactions recorded, and no message text or file content left in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from telegram import Bot

from bot import container
from bot.container import Services
from bot.settings import Settings
from conversations.core.clock import FixedClock
from conversations.core.messages import Sender
from conversations.pairs import relay
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from storage.models import Case, Interaction, Person, RelayFile, Thread
from tests.conftest import make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import USER, RunningBot, Youth

MENTOR = "UMENTOR1"
STAFF = "USTAFF1"
STAFF_CHANNEL = "CSTAFF"
PDF = b"%PDF-1.4 le CV d'Ines " + bytes(range(200))
MENTOR_SAYS = "Bonjour Inès ! On se voit jeudi ? <b>Pas</b> de panique & a_b*c"
YOUTH_SAYS = "Merci Claire, jeudi c'est parfait"
CAPTION = "Voici mon CV"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # the pacing of a real deployment, loosened so a test does not wait seconds per chat
    return make_settings(
        database_url,
        SLACK_STAFF_USERS=STAFF,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
        TELEGRAM_CHAT_MESSAGES_PER_SECOND=30,
        SLACK_CHANNEL_MESSAGES_PER_SECOND=10,
    )


@pytest.fixture
async def slack(services: Services, slack_api: FakeSlackApi) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(services, slack_api) as harness:
        yield harness


@pytest.fixture
async def senders(
    api: FakeBotApi, slack_api: FakeSlackApi, services: Services
) -> AsyncIterator[dict[str, Sender]]:
    telegram = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
    slack_sender = SlackSender(
        build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=False),
        SlackRenderer(services.renderer),
        services.clock,
        STAFF_CHANNEL,
    )
    yield {"telegram": telegram, "slack": slack_sender}
    await telegram.close()


async def deliver(services: Services, senders: dict[str, Sender], clock: FixedClock) -> None:
    """Run the dispatcher the app runs until everything due is out (a message waiting for
    an earlier one of its pair is looked at again a few seconds later)."""
    dispatcher = container.dispatcher(services, senders)
    for _ in range(4):
        await dispatcher.run_until_empty()
        clock.advance(timedelta(seconds=10))


async def mentor_writes(
    slack: SlackHarness, text_: str, thread: str | None, *, event_id: str, retry: int | None = None
) -> None:
    event = slack.requests.message_im(MENTOR, text_, thread_ts=thread)
    status, _ = await slack.send(*slack.requests.event(event, event_id=event_id, retry_num=retry))
    assert status == 200


def _rows_containing(connection: Connection, needles: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
            flat = " ".join(str(value) for value in row)
            found.extend(f"{table}: {needle}" for needle in needles if needle in flat)
    return found


async def paired(
    services: Services, senders: dict[str, Sender], clock: FixedClock, slack_api: FakeSlackApi
) -> tuple[int, str]:
    """A pair whose introductions went out; returns the pairing and its thread in Slack."""
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR, telegram_id=str(USER))
    await deliver(services, senders, clock)
    _, intro_ts = slack_api.last_post(MENTOR)
    async with services.sessions() as session:
        [thread] = (await session.scalars(select(Thread))).all()
    assert (thread.pairing_id, thread.ts) == (pairing_id, intro_ts)
    return pairing_id, intro_ts


async def test_a_whole_conversation_through_the_running_app(
    services: Services,
    slack: SlackHarness,
    slack_api: FakeSlackApi,
    telegram: RunningBot,
    api: FakeBotApi,
    senders: dict[str, Sender],
    clock: FixedClock,
) -> None:
    pairing_id, intro_ts = await paired(services, senders, clock, slack_api)
    youth = Youth(telegram)
    youth.new_texts()  # her introduction

    # the mentor writes in the pair's thread; Slack retries the event twice
    escaped = MENTOR_SAYS.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for retry in (None, 1, 2):
        await mentor_writes(slack, escaped, intro_ts, event_id="EvMentor1", retry=retry)
    posted_to_mentor = len(slack_api.messages(MENTOR))
    await deliver(services, senders, clock)
    assert youth.new_texts() == [f"💬 Claire, qui t'accompagne :\n{MENTOR_SAYS}"]
    assert len(slack_api.messages(MENTOR)) == posted_to_mentor  # nothing back to the mentor

    # the youth answers in Telegram: it reaches the mentor in the pair's thread
    assert await youth.says(YOUTH_SAYS) == "✓ Envoyé à Claire."
    await deliver(services, senders, clock)
    reply = slack_api.messages(MENTOR)[-1]
    assert reply["thread_ts"] == intro_ts
    assert f"💬 *Inès* :\n{YOUTH_SAYS}" in str(reply["text"])

    # and her CV, with a caption; Telegram redelivers the update: it goes once
    document = api.user_file(PDF, "cv.pdf", "application/pdf")
    update = youth.updates.document(USER, document, caption=CAPTION, first_name="Inès")
    assert await youth.deliver(update) == "✓ Envoyé à Claire."
    await youth.deliver(update)
    await deliver(services, senders, clock)
    caption = slack_api.messages(MENTOR)[-1]
    assert (caption["thread_ts"], CAPTION in str(caption["text"])) == (intro_ts, True)
    [upload] = slack_api.uploads(MENTOR)
    assert (upload.name, upload.content, upload.thread_ts) == ("cv.pdf", PDF, intro_ts)

    # the pair's log: three messages, which side wrote each, no text
    async with services.sessions() as session:
        interactions = (await session.scalars(select(Interaction).order_by(Interaction.id))).all()
        files_left = (await session.scalars(select(RelayFile))).all()
    assert [(i.kind, i.channel, i.note) for i in interactions] == [
        ("message", "slack", None),
        ("message", "telegram", None),
        ("message", "telegram", None),
    ]
    assert {i.pairing_id for i in interactions} == {pairing_id}
    assert files_left == []
    # what they said to each other is not kept anywhere
    async with services.db.connect() as connection:
        leftovers = await connection.run_sync(
            _rows_containing, ("On se voit jeudi", YOUTH_SAYS, CAPTION, "le CV d'Ines")
        )
    assert leftovers == []


async def test_what_cannot_pass_from_telegram_is_explained(
    services: Services,
    slack_api: FakeSlackApi,
    telegram: RunningBot,
    api: FakeBotApi,
    senders: dict[str, Sender],
    clock: FixedClock,
) -> None:
    await paired(services, senders, clock, slack_api)
    youth = Youth(telegram)
    youth.new_texts()
    before = len(slack_api.messages(MENTOR))
    assert "stickers" in await youth.sends("sticker")
    assert "vocaux" in await youth.sends("voice")
    big = api.user_file(b"%PDF-1.4 big", "gros.pdf", "application/pdf", size=25 * 1024 * 1024)
    said = await youth.deliver(youth.updates.document(USER, big, first_name="Inès"))
    assert "dépasse 20 Mo" in said
    exe = api.user_file(b"MZ", "outil.exe", "application/x-msdownload")
    said = await youth.deliver(youth.updates.document(USER, exe, first_name="Inès"))
    assert "ce type de fichier" in said
    await deliver(services, senders, clock)
    assert len(slack_api.messages(MENTOR)) == before
    assert slack_api.uploads(MENTOR) == []


async def test_a_youth_who_blocked_the_bot_the_mentor_is_told_in_the_thread(
    services: Services,
    slack: SlackHarness,
    slack_api: FakeSlackApi,
    telegram: RunningBot,
    api: FakeBotApi,
    senders: dict[str, Sender],
    clock: FixedClock,
) -> None:
    pairing_id, intro_ts = await paired(services, senders, clock, slack_api)
    api.block(USER)  # Telegram answers 403 from now on
    await mentor_writes(slack, "Tu es là ?", intro_ts, event_id="EvBlocked")
    await deliver(services, senders, clock)
    told = slack_api.messages(MENTOR)[-1]
    assert told["thread_ts"] == intro_ts
    assert "n'a pas pu être remis à Inès" in str(told["text"])
    async with services.sessions() as session:
        [case] = (await session.scalars(select(Case))).all()
    assert (case.topic, case.pairing_id) == (relay.TOPIC, pairing_id)
    # known now: the next message is answered at once, in the thread
    await mentor_writes(slack, "Tu es là ?", intro_ts, event_id="EvBlocked2")
    told = slack_api.messages(MENTOR)[-1]
    assert told["thread_ts"] == intro_ts
    assert "ne reçoit plus mes messages" in str(told["text"])


async def test_a_mentor_whose_slack_account_is_deactivated(
    services: Services,
    slack_api: FakeSlackApi,
    telegram: RunningBot,
    senders: dict[str, Sender],
    clock: FixedClock,
) -> None:
    _, _ = await paired(services, senders, clock, slack_api)
    youth = Youth(telegram)
    youth.new_texts()
    slack_api.fail_next("chat.postMessage", "account_inactive")
    assert await youth.says("Bonjour Claire") == "✓ Envoyé à Claire."
    await deliver(services, senders, clock)
    [told] = youth.new_texts()
    assert "n'a pas pu être remis à Claire" in told
    async with services.sessions() as session:
        mentor = await session.scalar(select(Person).where(Person.role == "mentor"))
        cases = (await session.scalars(select(Case))).all()
    assert mentor is not None
    assert mentor.unreachable_at is not None
    assert [c.topic for c in cases] == [relay.TOPIC]
    said = await youth.says("Tu as reçu ?")
    assert "Je n'arrive pas à joindre Claire" in said


async def test_long_marked_up_messages_and_a_file_from_the_mentor(
    services: Services,
    slack: SlackHarness,
    slack_api: FakeSlackApi,
    telegram: RunningBot,
    api: FakeBotApi,
    senders: dict[str, Sender],
    clock: FixedClock,
) -> None:
    _, intro_ts = await paired(services, senders, clock, slack_api)
    youth = Youth(telegram)
    youth.new_texts()
    # 10,000 characters from Slack reach Telegram whole (split in 4,096-character messages)
    long = ("Quelques remarques sur ta lettre de motivation.\n" * 220)[:10_000]
    await mentor_writes(slack, long, intro_ts, event_id="EvLong")
    await deliver(services, senders, clock)
    received = youth.new_texts()
    assert len(received) >= 3
    assert all(len(part) <= 4096 for part in received)
    whole = "".join(received).replace("💬 Claire, qui t'accompagne :\n", "")
    assert whole.replace("\n", "") == long.strip().replace("\n", "")

    # the mentor's corrected CV, posted in the thread, reaches her as a document
    entry = slack_api.add_user_file("cv-corrige.pdf", PDF, user=MENTOR)
    event = slack.requests.message_im(MENTOR, "", thread_ts=intro_ts, files=[entry])
    await slack.send(*slack.requests.event(event, event_id="EvFile"))
    await deliver(services, senders, clock)
    [sent] = api.calls("sendDocument")
    assert sent.result["document"]["file_name"] == "cv-corrige.pdf"
    assert sent.result["caption"] == "📎 Claire, qui t'accompagne, t'envoie un fichier."

    # what the youth types never becomes markup or a mention in Slack
    await youth.says("<!channel> *urgent* <b>moi</b> & toi")
    await deliver(services, senders, clock)
    shown = str(slack_api.messages(MENTOR)[-1]["text"])
    assert "&lt;!channel&gt;" in shown
    assert "&lt;b&gt;moi&lt;/b&gt; &amp; toi" in shown
    assert "<!channel>" not in shown
