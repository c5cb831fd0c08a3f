"""What the dispatcher does with the context of a message between people: sent at once
(`live`), in a Slack thread (`thread_ts`), opening a thread (`anchor`), forgetting its text
(`drop`), carrying a file (`file`), in order (`order_key`), and telling the relay when it
cannot arrive (`on_undeliverable`). Real senders against the stand-in servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.container import Services
from bot.i18n import TemplateRenderer
from conversations.core.clock import FixedClock
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher
from storage import outbox, people, relay_files, threads
from storage.models import Delivery, DeliveryStatus, MentorProfile, Person, Priority, RelayFile
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN
from tests.fakes.telegram_api import FakeBotApi
from tests.handlers.relay_templates import relay_renderer

CHAT = 5550101
OTHER_CHAT = 5550102
MENTOR = "UMENTOR1"
PDF = b"%PDF-1.7 a CV\n" + bytes(range(256))


@pytest.fixture
def renderer(tmp_path: Path) -> TemplateRenderer:
    """What people say to each other, signed as the relay's templates would show it."""
    return relay_renderer(tmp_path)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def telegram(api: FakeBotApi, renderer: TemplateRenderer) -> AsyncIterator[TelegramSender]:
    # a short read timeout, so that a held answer is a timeout (in doubt) within the test
    bot = Bot(api.token, base_url=api.base_url, request=HTTPXRequest(read_timeout=0.3))
    sender = TelegramSender(bot, renderer)
    yield sender
    await sender.close()


def slack_sender(services: Services, api: FakeSlackApi, renderer: TemplateRenderer) -> SlackSender:
    client = build_client(TOKEN, api.base_url, retry_on_rate_limit=False)
    return SlackSender(client, SlackRenderer(renderer), services.clock, "CSTAFF")


async def youth(services: Services, chat: int = CHAT) -> int:
    async with services.sessions() as session, session.begin():
        person = await people.create_person(
            session,
            role="youth",
            channel="telegram",
            external_id=str(chat),
            chat_id=str(chat),
            locale="fr",
            now=services.clock.now(),
        )
        person.display_name = "Inès"
        return person.id


async def queue(
    services: Services,
    person_id: int,
    key: str,
    context: dict[str, Any],
    *,
    template: str = "test.said",
    channel: str = "telegram",
    order_key: str | None = None,
    priority: Priority = Priority.URGENT,
    not_before: datetime | None = None,
) -> int:
    async with services.sessions() as session, session.begin():
        made = await outbox.enqueue(
            session,
            key=key,
            channel=channel,
            template=template,
            context={"writer": "Claire", **context},
            now=services.clock.now(),
            person_id=person_id,
            priority=priority,
            order_key=order_key,
            not_before=not_before,
        )
        assert made is not None
        return made


async def store_file(services: Services, content: bytes = PDF, name: str = "CV Inès.pdf") -> int:
    async with services.sessions() as session, session.begin():
        return await relay_files.store(
            session,
            filename=name,
            mime_type="application/pdf",
            content=content,
            now=services.clock.now(),
        )


async def row(services: Services, delivery_id: int) -> Delivery:
    async with services.sessions() as session:
        found = await session.get(Delivery, delivery_id)
        assert found is not None
        return found


async def files_left(services: Services) -> list[int]:
    async with services.sessions() as session:
        return list((await session.scalars(select(RelayFile.id))).all())


# ---------------------------------------------------------------- live


async def test_people_talking_are_not_held_by_the_night_the_budget_or_a_holiday_pause(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    clock.set(datetime(2026, 11, 2, 22, 30, tzinfo=ZoneInfo("Europe/Paris")))  # 23:30
    youth_id = await youth(services)
    async with services.sessions() as session, session.begin():
        person = await session.get(Person, youth_id)
        assert person is not None
        person.last_proactive_on = date(2026, 11, 2)  # today's message already went
    said = await queue(services, youth_id, "relay:1", {"text": "Bonsoir", "live": True})
    # not marked urgent: `live` alone is enough
    calm = await queue(
        services, youth_id, "relay:2", {"text": "Bonsoir", "live": True}, priority=Priority.NORMAL
    )
    nudge = await queue(services, youth_id, "nudge:1", {"text": "Un rappel"})
    report = await Dispatcher(services.sessions, {"telegram": telegram}, clock).run_once()
    assert (report.sent, report.postponed) == (2, 1)
    assert [(await row(services, i)).status for i in (said, calm, nudge)] == [
        "sent",
        "sent",
        "pending",
    ]
    assert api.texts(CHAT, plain=True) == ["💬 Claire : Bonsoir"] * 2


async def test_a_mentor_on_holiday_still_gets_what_their_mentee_writes(
    services: Services, clock: FixedClock, slack_api: FakeSlackApi, renderer: TemplateRenderer
) -> None:
    _, _, mentor_id = await make_pair(services, mentor_slack=MENTOR)
    async with services.sessions() as session, session.begin():
        await session.execute(delete(Delivery))  # the introductions: not what is tested
        profile = await session.get(MentorProfile, mentor_id)
        assert profile is not None
        profile.checkins_paused_until = date(2026, 11, 30)
    relayed = await queue(
        services,
        mentor_id,
        "relay:y",
        {"text": "Bonjour", "live": True},
        channel="slack",
        priority=Priority.NORMAL,
    )
    checkin = await queue(
        services,
        mentor_id,
        "checkin:x",
        {"text": "Des nouvelles ?"},
        channel="slack",
        priority=Priority.NORMAL,
    )
    sender = slack_sender(services, slack_api, renderer)
    report = await Dispatcher(services.sessions, {"slack": sender}, clock).run_once()
    assert (report.sent, report.postponed) == (1, 1)
    assert (await row(services, relayed)).status == "sent"
    assert (await row(services, checkin)).status == "pending"


# ---------------------------------------------------------------- drop, sent_ref


async def test_a_sent_message_keeps_its_platform_id_and_forgets_its_text(
    services: Services, api: FakeBotApi, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    said = await queue(
        services, youth_id, "relay:1", {"text": "mon 06 <b>12</b>", "drop": ["text"]}
    )
    assert (
        await Dispatcher(services.sessions, {"telegram": telegram}, services.clock).run_once()
    ).sent == 1
    assert api.texts(CHAT, plain=True) == ["💬 Claire : mon 06 <b>12</b>"]
    delivered = await row(services, said)
    assert delivered.context["text"] == ""
    assert delivered.context["writer"] == "Claire"  # only what `drop` names
    (message,) = api.messages(CHAT)
    assert delivered.sent_ref == str(message["message_id"])


@pytest.mark.parametrize("outcome", ["undeliverable", "in_doubt"])
async def test_a_message_given_up_forgets_its_text_and_file_too(
    services: Services, api: FakeBotApi, telegram: TelegramSender, outcome: str
) -> None:
    youth_id = await youth(services)
    file_id = await store_file(services)
    said = await queue(
        services,
        youth_id,
        "relay:1",
        {"text": "mon adresse", "drop": ["text"], "file": file_id},
    )
    if outcome == "undeliverable":
        api.block(CHAT)
    else:
        api.delay_next("sendDocument", 5.0)  # Telegram has it, the answer is lost
    await Dispatcher(services.sessions, {"telegram": telegram}, services.clock).run_once()
    given_up = await row(services, said)
    assert given_up.status == outcome
    assert given_up.context["text"] == ""
    assert await files_left(services) == []


async def test_rows_a_stopped_dispatcher_left_sending_are_in_doubt_and_forget_their_text(
    services: Services, clock: FixedClock, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    file_id = await store_file(services)
    said = await queue(
        services, youth_id, "relay:1", {"text": "secret", "drop": ["text"], "file": file_id}
    )
    async with services.sessions() as session, session.begin():
        stuck = await session.get(Delivery, said)
        assert stuck is not None
        stuck.status, stuck.sending_at = DeliveryStatus.SENDING, clock.now()
    clock.advance(timedelta(minutes=10))
    report = await Dispatcher(services.sessions, {"telegram": telegram}, clock).run_once()
    assert report.released == 1
    released = await row(services, said)
    assert (released.status, released.context["text"]) == ("in_doubt", "")
    assert await files_left(services) == []


# ---------------------------------------------------------------- files


async def test_a_file_goes_with_its_message_and_is_deleted_once_sent(
    services: Services, api: FakeBotApi, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    file_id = await store_file(services)
    sent = await queue(services, youth_id, "relay:f", {"file": file_id}, template="test.file")
    assert (
        await Dispatcher(services.sessions, {"telegram": telegram}, services.clock).run_once()
    ).sent == 1
    (call,) = [c for c in api.calls("sendDocument") if c.ok]
    upload = call.files["document"]
    assert (upload.filename, upload.content) == ("CV Inès.pdf", PDF)
    assert call.params["caption"] == "📎 Claire t'envoie un fichier."
    assert await files_left(services) == []
    assert (await row(services, sent)).sent_ref == str(call.result["message_id"])


async def test_a_file_waits_with_its_message_when_telegram_asks_to_wait(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    file_id = await store_file(services)
    sent = await queue(services, youth_id, "relay:f", {"file": file_id}, template="test.file")
    api.fail_next("sendDocument", retry_after=30)
    dispatcher = Dispatcher(services.sessions, {"telegram": telegram}, clock)
    assert (await dispatcher.run_once()).retried == 1
    assert await files_left(services) == [file_id]  # still needed
    clock.advance(timedelta(seconds=30))
    assert (await dispatcher.run_once()).sent == 1
    assert (await row(services, sent)).status == "sent"
    assert await files_left(services) == []


async def test_a_file_gone_before_it_was_sent(
    services: Services, api: FakeBotApi, telegram: TelegramSender
) -> None:
    """Its sender was erased meanwhile: a message with words goes without it; a message
    that was only the file cannot be delivered (and whoever wants to know is told)."""
    youth_id = await youth(services)
    gone = await store_file(services)
    async with services.sessions() as session, session.begin():
        await relay_files.drop(session, gone)
    with_words = await queue(services, youth_id, "relay:t", {"text": "Voici", "file": gone})
    only_file = await queue(services, youth_id, "relay:f", {"file": gone}, template="test.file")
    told: list[int] = []

    async def on_undeliverable(_session: AsyncSession, delivery: Delivery, _now: datetime) -> None:
        told.append(delivery.id)

    dispatcher = Dispatcher(
        services.sessions,
        {"telegram": telegram},
        services.clock,
        on_undeliverable=on_undeliverable,
    )
    report = await dispatcher.run_once()
    assert (report.sent, report.undeliverable) == (1, 1)
    assert api.texts(CHAT, plain=True) == ["💬 Claire : Voici"]
    assert api.calls("sendDocument") == []
    assert (await row(services, only_file)).last_error == "its file is gone"
    assert told == [only_file]
    assert (await row(services, with_words)).status == "sent"


# ---------------------------------------------------------------- Slack threads


async def test_an_anchored_message_opens_the_pairs_thread_and_the_next_ones_go_in_it(
    services: Services, slack_api: FakeSlackApi, renderer: TemplateRenderer
) -> None:
    pairing_id, _, mentor_id = await make_pair(services, mentor_slack=MENTOR)
    async with services.sessions() as session, session.begin():
        await session.execute(delete(Delivery))
    opening = await queue(
        services,
        mentor_id,
        "intro",
        {"text": "Voici Inès", "anchor": {"pairing": pairing_id}},
        channel="slack",
    )
    sender = slack_sender(services, slack_api, renderer)
    dispatcher = Dispatcher(services.sessions, {"slack": sender}, services.clock)
    assert (await dispatcher.run_once()).sent == 1
    channel, ts = slack_api.last_post(MENTOR)
    assert channel == f"D{MENTOR}"
    assert (await row(services, opening)).sent_ref == ts
    async with services.sessions() as session:
        found = await threads.find(session, "slack", channel, ts)
    assert found is not None
    assert (found.pairing_id, found.case_id) == (pairing_id, None)
    # what the mentee writes next is posted in that thread
    await queue(
        services,
        mentor_id,
        "relay:1",
        {"text": "Merci !", "thread_ts": ts, "live": True},
        channel="slack",
    )
    assert (await dispatcher.run_once()).sent == 1
    reply = slack_api.messages(MENTOR)[-1]
    assert reply["thread_ts"] == ts
    assert "Merci !" in reply["text"]


# ---------------------------------------------------------------- order


async def test_a_relayed_message_hit_by_a_429_is_delivered_later_in_order(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    other_id = await youth(services, OTHER_CHAT)
    key = "pair:1:to_youth"
    ids = [
        await queue(services, youth_id, f"relay:{n}", {"text": f"message {n}"}, order_key=key)
        for n in (1, 2, 3)
    ]
    elsewhere = await queue(services, other_id, "relay:x", {"text": "ailleurs"})
    api.fail_next("sendMessage", chat_id=CHAT, retry_after=30)
    dispatcher = Dispatcher(services.sessions, {"telegram": telegram}, clock)
    report = await dispatcher.run_once()
    assert (report.retried, report.postponed, report.sent) == (1, 2, 1)
    # the second and third did not overtake the first, nor were they even tried
    assert [c.params["text"] for c in api.calls("sendMessage") if c.chat_id == CHAT] == [
        "💬 <b>Claire</b> : message 1"
    ]
    assert (await row(services, elsewhere)).status == "sent"  # other people are not held
    waiting = [await row(services, i) for i in ids]
    assert [w.attempts for w in waiting] == [1, 0, 0]  # waiting counts no attempt
    assert all(w.next_attempt_at == clock.now() + timedelta(seconds=30) for w in waiting)
    assert (await dispatcher.run_once()).handled == 0  # nothing due before then
    clock.advance(timedelta(seconds=30))
    assert (await dispatcher.run_once()).sent == 3
    assert api.texts(CHAT, plain=True) == [
        "💬 Claire : message 1",
        "💬 Claire : message 2",
        "💬 Claire : message 3",
    ]


async def test_a_row_waits_for_an_earlier_one_of_its_key_that_is_not_due_yet(
    services: Services, clock: FixedClock, api: FakeBotApi, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    later = clock.now() + timedelta(minutes=5)
    first = await queue(
        services, youth_id, "a", {"text": "premier"}, order_key="k", not_before=later
    )
    second = await queue(services, youth_id, "b", {"text": "second"}, order_key="k")
    dispatcher = Dispatcher(services.sessions, {"telegram": telegram}, clock)
    assert (await dispatcher.run_once()).postponed == 1
    assert (await row(services, second)).next_attempt_at == later
    clock.advance(timedelta(minutes=5))
    assert (await dispatcher.run_once()).sent == 2
    assert api.texts(CHAT, plain=True) == ["💬 Claire : premier", "💬 Claire : second"]
    assert (await row(services, first)).status == "sent"


async def test_an_earlier_row_given_up_does_not_hold_the_next_ones(
    services: Services, api: FakeBotApi, telegram: TelegramSender
) -> None:
    youth_id = await youth(services)
    await queue(services, youth_id, "a", {"text": "premier"}, order_key="k")
    await queue(services, youth_id, "b", {"text": "second"}, order_key="k")
    api.delay_next("sendMessage", 5.0, effective=False)  # lost: in doubt, never resent
    report = await Dispatcher(services.sessions, {"telegram": telegram}, services.clock).run_once()
    assert (report.in_doubt, report.sent) == (1, 1)
    assert api.texts(CHAT, plain=True) == ["💬 Claire : second"]


# ---------------------------------------------------------------- on_undeliverable


@pytest.mark.parametrize("why", ["no_account", "blocked_before", "refused_by_telegram"])
async def test_the_relay_is_told_in_the_transaction_that_gives_a_message_up(
    services: Services, api: FakeBotApi, telegram: TelegramSender, why: str
) -> None:
    youth_id = await youth(services)
    if why == "no_account":
        async with services.sessions() as session, session.begin():
            person = await session.get(Person, youth_id)
            assert person is not None
            person.erased_at = services.clock.now()
    elif why == "blocked_before":
        async with services.sessions() as session, session.begin():
            person = await session.get(Person, youth_id)
            assert person is not None
            person.unreachable_at = services.clock.now()
    else:
        api.block(CHAT)
    said = await queue(services, youth_id, "relay:1", {"text": "Bonjour", "drop": ["text"]})
    seen: list[tuple[int, str, str]] = []

    async def on_undeliverable(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
        seen.append((delivery.id, delivery.status, delivery.context["text"]))
        # what the relay does: queue a notice in the same transaction
        await outbox.enqueue(
            session,
            key=f"notice:{delivery.id}",
            channel="slack",
            template="test.said",
            context={"text": "pas transmis"},
            now=now,
            destination="staff",
        )

    dispatcher = Dispatcher(
        services.sessions, {"telegram": telegram}, services.clock, on_undeliverable=on_undeliverable
    )
    assert (await dispatcher.run_once()).undeliverable == 1
    assert seen == [(said, "undeliverable", "")]
    async with services.sessions() as session:
        assert await outbox.is_queued(session, f"notice:{said}")


async def test_a_failing_hook_still_leaves_the_row_undeliverable(
    services: Services, api: FakeBotApi, telegram: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    youth_id = await youth(services)
    api.block(CHAT)
    said = await queue(services, youth_id, "relay:1", {"text": "Bonjour", "drop": ["text"]})

    async def broken(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
        await outbox.enqueue(
            session,
            key="half-done",
            channel="slack",
            template="test.said",
            context={},
            now=now,
            destination="staff",
        )
        raise RuntimeError("a bug in the relay")

    dispatcher = Dispatcher(
        services.sessions, {"telegram": telegram}, services.clock, on_undeliverable=broken
    )
    assert (await dispatcher.run_once()).undeliverable == 1
    given_up = await row(services, said)
    assert (given_up.status, given_up.context["text"]) == ("undeliverable", "")
    async with services.sessions() as session:
        assert not await outbox.is_queued(session, "half-done")  # rolled back, not half done
        person = await session.get(Person, youth_id)
    assert person is not None
    assert person.unreachable_at == services.clock.now()
    assert "on_undeliverable failed" in caplog.text
