"""Cases shared by every side: when an untaken case is raised again (working days), alerts
opened once and gathered in one digest post per topic and day, and the person's replies
going to the case's thread once staff have answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.actor import Actor
from conversations.core.clock import FixedClock
from conversations.core.messages import Attachment, Channel, Incoming, Kind, Reply
from conversations.core.turn import Turn
from conversations.pairs import cases
from conversations.pairs.alerts import DIGEST_LINES
from conversations.rules.calendar import SendingWindow
from conversations.staff import case_answers
from storage import privacy
from storage.models import (
    AuditLog,
    Case,
    Delivery,
    DeliveryStatus,
    Pairing,
    Person,
    Priority,
    RelayFile,
)
from tests.fakes.mentoring import as_sent, make_pair

PARIS = ZoneInfo("Europe/Paris")
WINDOW = SendingWindow()


def paris(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


# --------------------------------------------------------------------------- raising again


@pytest.mark.parametrize(
    ("opened", "again"),
    [
        # Monday -> Wednesday, same time
        (paris(2, 11, 10, 30), paris(4, 11, 10, 30)),
        # Friday -> Tuesday (the week-end is skipped)
        (paris(6, 11, 15), paris(10, 11, 15)),
        # Tuesday 10 November: the 11th is a public holiday (Armistice) -> Friday 13th
        (paris(10, 11, 10), paris(13, 11, 10)),
        # Saturday: counted from Monday's opening -> Wednesday 9:00
        (paris(7, 11, 22), paris(11, 11, 9) + timedelta(days=1)),
        # Thursday 24 December: Christmas, the week-end -> Tuesday 29th
        (paris(24, 12, 18), paris(29, 12, 18)),
        # evening, after the window: the same evening time two working days on
        (paris(2, 11, 21), paris(4, 11, 21)),
    ],
)
def test_an_untaken_case_is_raised_again_after_two_working_days(
    opened: datetime, again: datetime
) -> None:
    assert cases.raise_again_at(opened.astimezone(UTC), WINDOW, PARIS) == again.astimezone(UTC)


def test_raising_again_follows_the_programme_s_working_days() -> None:
    six_days = SendingWindow(weekdays=frozenset(range(6)), skip_public_holidays=False)
    # Friday -> Monday when Saturdays are worked; the holiday of the 11th is worked too
    assert cases.raise_again_at(paris(6, 11, 10), six_days, PARIS) == paris(9, 11, 10)
    assert cases.raise_again_at(paris(10, 11, 10), six_days, PARIS) == paris(12, 11, 10)


async def test_every_case_knows_when_it_is_raised_again(services: Services) -> None:
    _, youth_id, _ = await make_pair(services)
    async with services.sessions() as session, session.begin():
        case = await cases.open_case(
            session,
            kind="human",
            person_id=youth_id,
            pairing_id=None,
            text="Bonjour",
            now=services.clock.now(),
            config=services.config,
        )
    # Monday 2 November 2026, 10:00 in Paris -> Wednesday 4th
    assert case.raise_again_at == datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    assert case.raised_again_at is None


# --------------------------------------------------------------------------- alerts


async def _alert(
    services: Services, pairing_id: int, since: datetime, topic: str = "at_risk"
) -> Case | None:
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        return await cases.open_alert(
            session,
            pairing=pairing,
            topic=topic,
            since=since,
            actor="scheduler",
            now=services.clock.now(),
            config=services.config,
            days=45,
        )


async def _digests(services: Services) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.template == "staff.digest").order_by(Delivery.id)
        )
        return list(rows.all())


async def test_an_alert_is_a_case_opened_once_and_listed_in_the_day_s_digest(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, _ = await make_pair(services)
    silence = clock.now() - timedelta(days=45)
    case = await _alert(services, pairing_id, silence)
    assert case is not None
    assert (case.kind, case.topic, case.pairing_id, case.person_id, case.state) == (
        "alert",
        "at_risk",
        pairing_id,
        None,
        "open",
    )
    # the same silence again: nothing new
    assert await _alert(services, pairing_id, silence) is None
    [digest] = await _digests(services)
    # Monday 2 November, 10:00 in Paris: inside the sending hours, today's digest
    assert (digest.idempotency_key, digest.destination) == ("digest:at_risk:2026-11-02", "staff")
    sent = await as_sent(services, digest.context)
    assert sent["entries"] == [
        {
            "case_id": case.id,
            "pairing": pairing_id,
            "mentor": "Claire",
            "mentee": "Inès",
            "days": 45,
        }
    ]
    assert digest.context["choices"] == [
        ["choice.staff.take_numbered", f"ct:{case.id}", {"case_id": case.id}]
    ]
    async with services.sessions() as session:
        [logged] = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "staff_alerted"))
        ).all()
    assert (logged.action, logged.subject_person_id, logged.detail) == (
        "staff_alerted",
        youth_id,
        {"pairing": pairing_id, "kind": "at_risk", "case": case.id},
    )
    # a later silence (a contact in between) is a new alert, in the same digest
    clock.advance(timedelta(hours=2))
    again = await _alert(services, pairing_id, clock.now() - timedelta(minutes=30))
    assert again is not None
    [digest] = await _digests(services)
    assert [e["case_id"] for e in digest.context["entries"]] == [case.id, again.id]


async def test_alerts_of_one_topic_raised_the_same_day_are_one_digest(
    services: Services, clock: FixedClock
) -> None:
    pairs = [
        (await make_pair(services, mentor_slack=f"UM{i}", youth_name=f"Jeune {i}"))[0]
        for i in range(3)
    ]
    since = clock.now() - timedelta(days=45)
    await _alert(services, pairs[0], since)
    await _alert(services, pairs[1], since, topic="first_meeting_missing")
    # raised in the night: in the digest staff see in the morning
    clock.set(datetime(2026, 11, 3, 1, 0, tzinfo=UTC))
    await _alert(services, pairs[2], since)
    clock.set(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    await _alert(services, pairs[1], since)
    keys = {d.idempotency_key: len(d.context["entries"]) for d in await _digests(services)}
    assert keys == {
        "digest:at_risk:2026-11-02": 1,
        "digest:first_meeting_missing:2026-11-02": 1,
        "digest:at_risk:2026-11-03": 2,
    }


async def test_a_digest_already_sent_goes_on_in_its_thread(
    services: Services, clock: FixedClock
) -> None:
    first, second, third = [
        (await make_pair(services, mentor_slack=f"UM{i}", youth_name=f"Jeune {i}"))[0]
        for i in range(3)
    ]
    since = clock.now() - timedelta(days=45)
    await _alert(services, first, since)
    async with services.sessions() as session, session.begin():
        [posted] = (
            await session.scalars(select(Delivery).where(Delivery.template == "staff.digest"))
        ).all()
        posted.status, posted.sent_ref = DeliveryStatus.SENT, "1700000000.000100"
    await _alert(services, second, since)
    await _alert(services, third, since)
    digests = await _digests(services)
    assert [(d.idempotency_key, len(d.context["entries"])) for d in digests] == [
        ("digest:at_risk:2026-11-02", 1),
        ("digest:at_risk:2026-11-02:2", 2),
    ]
    assert digests[1].context["thread_ts"] == "1700000000.000100"
    assert digests[1].context["part"] == 2


async def test_a_full_digest_continues_in_a_second_post(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        for topic_day in range(DIGEST_LINES + 1):
            await cases.open_alert(
                session,
                pairing=pairing,
                topic="at_risk",
                # a new silence each time (the test's shortcut to many alerts)
                since=services.clock.now() + timedelta(seconds=topic_day),
                actor="scheduler",
                now=services.clock.now() + timedelta(seconds=topic_day),
                config=services.config,
            )
    digests = await _digests(services)
    assert [len(d.context["entries"]) for d in digests] == [DIGEST_LINES, 1]
    assert len(digests[0].context["choices"]) == DIGEST_LINES


# --------------------------------------------------------------------------- the person


async def _human_case(services: Services, person_id: int) -> Case:
    async with services.sessions() as session, session.begin():
        return await cases.open_case(
            session,
            kind="human",
            person_id=person_id,
            pairing_id=None,
            text="Je voudrais changer de mentor",
            now=services.clock.now(),
            config=services.config,
        )


async def _answer(services: Services, case_id: int, text: str = "Bonjour Inès") -> None:
    async with services.sessions() as session, session.begin():
        await case_answers.answer_case(
            session,
            case_id=case_id,
            staff="USTAFF1",
            text=text,
            now=services.clock.now(),
            config=services.config,
            staff_name="Camille Martin",
            ref="Ev1",
        )


async def _reply(services: Services, person_id: int, incoming: Incoming) -> list[str]:
    """The person writes while their case is answered: what the bot says to them."""
    async with services.sessions() as session, session.begin():
        person = await session.get(Person, person_id)
        turn = Turn(
            session=session,
            incoming=incoming,
            actor=Actor(incoming.channel, incoming.external_id, person),
            state=None,
            now=services.clock.now(),
            rules=services.engine.rules,
            config=services.config,
        )
        case = await cases.answered_case_of(session, person_id)
        assert case is not None
        await cases.person_replied(turn, case)
        return [reply.key for reply in turn.replies]


def _text(
    text: str,
    event: str = "E1",
    kind: Kind = Kind.TEXT,
    *,
    files: tuple[Attachment, ...] = (),
    file_refused: str = "",
) -> Incoming:
    return Incoming(
        Channel.TELEGRAM,
        "5550001",
        kind,
        text=text,
        event_id=event,
        chat_id="5550001",
        files=files,
        file_refused=file_refused,
    )


async def _to_staff(services: Services) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.template == "staff.case_reply").order_by(Delivery.id)
        )
        return list(rows.all())


async def test_only_a_case_staff_have_answered_takes_the_person_s_messages(
    services: Services,
) -> None:
    _, youth_id, _ = await make_pair(services, telegram_id="5550001")
    case = await _human_case(services, youth_id)
    async with services.sessions() as session:
        assert await cases.answered_case_of(session, youth_id) is None
    await _answer(services, case.id)
    async with services.sessions() as session:
        found = await cases.answered_case_of(session, youth_id)
    assert found is not None
    assert found.id == case.id
    # resolved: their messages go where they went before
    async with services.sessions() as session, session.begin():
        stored = await session.get(Case, case.id)
        assert stored is not None
        stored.state = "resolved"
    async with services.sessions() as session:
        assert await cases.answered_case_of(session, youth_id) is None


async def test_the_person_s_reply_lands_in_the_case_s_thread(
    services: Services, clock: FixedClock
) -> None:
    _, youth_id, _ = await make_pair(services, telegram_id="5550001")
    case = await _human_case(services, youth_id)
    async with services.sessions() as session, session.begin():
        stored = await session.get(Case, case.id)
        assert stored is not None
        stored.staff_channel_ts = "1700000000.000200"
    await _answer(services, case.id)
    assert await _reply(services, youth_id, _text("Merci, <b>d'accord</b> *demain*")) == [
        "human.sent"
    ]
    [posted] = await _to_staff(services)
    assert posted.destination == "staff"
    assert posted.priority == Priority.URGENT
    assert posted.order_key == f"case:{case.id}:to_staff"
    assert posted.context["thread_ts"] == "1700000000.000200"
    assert posted.context["live"] is True
    assert posted.context["drop"] == ["text"]
    sent = await as_sent(services, posted.context)
    assert (sent["who"], sent["text"]) == ("Inès", "Merci, <b>d'accord</b> *demain*")
    text = services.renderer.render(
        _reply_of(posted, sent), Channel.SLACK
    ).text  # the youth's markup is shown as typed, never as Slack's
    assert "&lt;b&gt;d'accord&lt;/b&gt;" in text
    # the same Telegram update redelivered: posted once
    assert await _reply(services, youth_id, _text("Merci, <b>d'accord</b> *demain*")) == [
        "human.sent"
    ]
    assert len(await _to_staff(services)) == 1


def _reply_of(delivery: Delivery, context: dict[str, object]) -> Reply:
    return Reply(delivery.template, context, locale="fr")


async def test_a_file_goes_to_the_thread_and_a_sticker_is_explained(services: Services) -> None:
    _, youth_id, _ = await make_pair(services, telegram_id="5550001")
    case = await _human_case(services, youth_id)
    await _answer(services, case.id)
    cv = Attachment("cv.pdf", b"%PDF-1.4 cv", "application/pdf")
    said = await _reply(services, youth_id, _text("Mon CV", "E2", Kind.FILE, files=(cv,)))
    assert said == ["human.sent"]
    [posted] = await _to_staff(services)
    async with services.sessions() as session:
        [stored] = (await session.scalars(select(RelayFile))).all()
    assert posted.context["file"] == stored.id
    assert (stored.filename, stored.content) == ("cv.pdf", b"%PDF-1.4 cv")
    assert await _reply(services, youth_id, _text("sticker", "E3", Kind.UNSUPPORTED)) == [
        "human.not_passed"
    ]
    assert await _reply(services, youth_id, _text("  ", "E4")) == ["common.empty"]
    refused = _text("", "E5", Kind.FILE, file_refused="too_large")
    assert await _reply(services, youth_id, refused) == ["human.file_refused"]
    assert len(await _to_staff(services)) == 1


async def test_erasing_clears_what_the_person_wrote_in_the_thread_not_yet_posted(
    services: Services,
) -> None:
    _, youth_id, _ = await make_pair(services, telegram_id="5550001")
    case = await _human_case(services, youth_id)
    await _answer(services, case.id)
    cv = Attachment("cv.pdf", b"%PDF-1.4 cv", "application/pdf")
    await _reply(services, youth_id, _text("Mon adresse est 3 rue X", "E2", Kind.FILE, files=(cv,)))
    async with services.sessions() as session, session.begin():
        youth = await session.get(Person, youth_id)
        assert youth is not None
        await privacy.erase_person(session, youth, services.clock.now())
    [posted] = await _to_staff(services)
    assert posted.context["text"] == ""
    async with services.sessions() as session:
        assert (await session.scalars(select(RelayFile))).all() == []
        contexts = (await session.scalars(select(Delivery.context))).all()
    assert all("3 rue X" not in str(context) for context in contexts)
    assert all("Bonjour Inès" not in str(context) for context in contexts)
