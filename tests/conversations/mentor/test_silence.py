"""The monthly round around the check-in: silent rounds, the one reminder, the staff
escalation, and the silent mentor's continue / pause / stop; no platform, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.response import NotAllowed
from conversations.mentor import checkin, contact_log, rounds, silence
from conversations.pairs import periods
from conversations.pairs.lifecycle import change_status
from conversations.staff.pairing import find_mentor
from storage.models import (
    Case,
    Checkin,
    Delivery,
    Pairing,
    PairingStatus,
    Person,
    Priority,
)
from tests.fakes.mentoring import as_sent, due_round, make_mentor, make_pair, silent_until_asked

PARIS = ZoneInfo("Europe/Paris")
# make_pair pairs on Monday 2 November 2026: check-ins are due on the 2nd at 10:00 in Paris
DECEMBER_ROUND = datetime(2026, 12, 2, 9, tzinfo=UTC)


async def _pairing(services: Services, pairing_id: int) -> Pairing:
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    return pairing


async def _checkin(services: Services, pairing_id: int, period: str) -> Checkin:
    async with services.sessions() as session:
        row = await session.scalar(
            select(Checkin).where(Checkin.pairing_id == pairing_id, Checkin.period == period)
        )
    assert row is not None
    return row


async def _deliveries(services: Services, template: str) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.template == template).order_by(Delivery.id)
        )
        return list(rows.all())


async def _mentor(services: Services) -> Person:
    async with services.sessions() as session:
        mentor = await find_mentor(session, "UMENTOR1")
    assert mentor is not None
    return mentor


async def _answer(services: Services, checkin_id: int, choice: str) -> None:
    mentor = await _mentor(services)
    async with services.sessions() as session, session.begin():
        await checkin.answer(
            session,
            mentor=mentor,
            checkin_id=checkin_id,
            choice=choice,
            now=services.clock.now(),
            config=services.config,
        )


async def _log_contact(services: Services, pairing_id: int, checkin_id: int | None) -> None:
    report = contact_log.parse_contact(
        {"how": "call", "progress": "good", "occurred_on": services.clock.now().date()},
        today=services.clock.now().date(),
        with_date=checkin_id is None,
        with_pairing=False,
    )
    assert isinstance(report, contact_log.ContactReport)
    async with services.sessions() as session, session.begin():
        await contact_log.record_contact(
            session,
            mentor=await _mentor(services),
            pairing_id=pairing_id,
            checkin_id=checkin_id,
            report=report,
            source_event_id=f"view:{services.clock.now().isoformat()}",
            channel="slack",
            now=services.clock.now(),
            config=services.config,
        )


async def _remind(services: Services, row: Checkin) -> bool:
    async with services.sessions() as session, session.begin():
        attached = await session.get(Checkin, row.id)
        assert attached is not None
        return await rounds.remind_checkin(
            session, checkin=attached, now=services.clock.now(), config=services.config
        )


async def _escalate(services: Services, row: Checkin) -> bool:
    async with services.sessions() as session, session.begin():
        attached = await session.get(Checkin, row.id)
        assert attached is not None
        return await rounds.escalate_checkin(
            session, checkin=attached, now=services.clock.now(), config=services.config
        )


# --------------------------------------------------------------------------- the round


async def test_a_due_round_asks_the_checkin_and_arms_its_reminder_and_escalation(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, mentor_id = await make_pair(services)
    assert await due_round(services, clock, pairing_id)
    assert clock.now() == DECEMBER_ROUND
    # the same round again: no longer due, nothing twice
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        assert not await rounds.monthly_round(
            session, pairing=pairing, now=clock.now(), config=services.config
        )

    row = await _checkin(services, pairing_id, "2026-12")
    assert row.remind_at == DECEMBER_ROUND + timedelta(days=4)
    assert row.escalate_at == DECEMBER_ROUND + timedelta(days=10)
    assert row.reminded_at is None
    asks = await _deliveries(services, "checkin.ask")
    assert [(d.idempotency_key, d.person_id, d.priority) for d in asks] == [
        (f"checkin:{pairing_id}:2026-12:ask", mentor_id, Priority.NORMAL)
    ]
    pairing = await _pairing(services, pairing_id)
    assert pairing.mentor_silent_rounds == 0
    assert pairing.next_checkin_due_at == datetime(2027, 1, 2, 9, tzinfo=UTC)


async def test_a_paused_or_undue_pair_gets_no_round(services: Services, clock: FixedClock) -> None:
    pairing_id, _, _ = await make_pair(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        # not due yet (due on 2 December)
        assert not await rounds.monthly_round(
            session, pairing=pairing, now=clock.now(), config=services.config
        )
        change_status(pairing, PairingStatus.PAUSED, now=clock.now(), config=services.config)
        pairing.next_checkin_due_at = clock.now()
        assert not await rounds.monthly_round(
            session, pairing=pairing, now=clock.now(), config=services.config
        )
    assert await _deliveries(services, "checkin.ask") == []


async def test_unanswered_rounds_count_up_and_any_answer_resets(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    counts = []
    await due_round(services, clock, pairing_id)  # December: no earlier check-in
    counts.append((await _pairing(services, pairing_id)).mentor_silent_rounds)
    await due_round(services, clock, pairing_id)  # January: December left unanswered
    counts.append((await _pairing(services, pairing_id)).mentor_silent_rounds)
    await due_round(services, clock, pairing_id)  # February: January too
    counts.append((await _pairing(services, pairing_id)).mentor_silent_rounds)
    # "not yet" is an answer (no contact, but the mentor is there)
    await _answer(services, (await _checkin(services, pairing_id, "2027-02")).id, "not_yet")
    await due_round(services, clock, pairing_id)  # March
    counts.append((await _pairing(services, pairing_id)).mentor_silent_rounds)
    await due_round(services, clock, pairing_id)  # April: March unanswered
    counts.append((await _pairing(services, pairing_id)).mentor_silent_rounds)
    # a contact logged from the App Home during April, check-in left untouched
    clock.advance(timedelta(days=1))
    await _log_contact(services, pairing_id, None)
    await due_round(services, clock, pairing_id)  # May
    counts.append((await _pairing(services, pairing_id)).mentor_silent_rounds)
    assert counts == [0, 1, 2, 0, 1, 0]
    assert len(await _deliveries(services, "checkin.ask")) == 6
    assert await _deliveries(services, "silence.ask") == []


async def test_after_three_silent_rounds_the_question_replaces_the_checkin(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, mentor_id = await make_pair(services)
    await silent_until_asked(services, clock, pairing_id)  # December, January, February, March
    assert clock.now() == datetime(2027, 3, 2, 9, tzinfo=UTC)
    asks = await _deliveries(services, "checkin.ask")
    assert [d.idempotency_key.split(":")[2] for d in asks] == ["2026-12", "2027-01", "2027-02"]
    [question] = await _deliveries(services, "silence.ask")
    assert (question.idempotency_key, question.person_id, question.channel) == (
        f"continue:{pairing_id}:2027-03:mentor",
        mentor_id,
        "slack",
    )
    assert question.priority == Priority.NORMAL
    assert question.context["choices"] == [
        ["choice.silence.continue", f"cm:{pairing_id}:continue"],
        ["choice.silence.pause", f"cm:{pairing_id}:pause"],
        ["choice.silence.stop", f"cm:{pairing_id}:stop"],
    ]
    sent = await as_sent(services, question.context)
    assert (sent["mentee"], sent["rounds"]) == ("Inès", 3)
    pairing = await _pairing(services, pairing_id)
    # summer time from 28 March: 10:00 in Paris is 08:00 UTC
    assert pairing.next_checkin_due_at == datetime(2027, 4, 2, 8, tzinfo=UTC)

    # once per period: asking again this month queues nothing
    async with services.sessions() as session, session.begin():
        attached = await session.get(Pairing, pairing_id)
        assert attached is not None
        assert not await rounds.ask_to_continue(
            session, pairing=attached, period="2027-03", now=clock.now()
        )
    assert len(await _deliveries(services, "silence.ask")) == 1

    # still no answer in April: the question again (its own month), still no check-in
    await due_round(services, clock, pairing_id)
    questions = await _deliveries(services, "silence.ask")
    assert [q.idempotency_key for q in questions] == [
        f"continue:{pairing_id}:2027-03:mentor",
        f"continue:{pairing_id}:2027-04:mentor",
    ]
    assert len(await _deliveries(services, "checkin.ask")) == 3


# --------------------------------------------------------------------------- reminder


async def test_one_reminder_and_never_a_second(services: Services, clock: FixedClock) -> None:
    pairing_id, _, mentor_id = await make_pair(services)
    await due_round(services, clock, pairing_id)
    row = await _checkin(services, pairing_id, "2026-12")
    assert row.remind_at is not None
    clock.set(row.remind_at)
    assert await _remind(services, row)
    assert not await _remind(services, row)  # the tick again: nothing
    reminded = await _checkin(services, pairing_id, "2026-12")
    assert (reminded.remind_at, reminded.reminded_at) == (None, clock.now())
    [reminder] = await _deliveries(services, "checkin.reminder")
    assert (reminder.idempotency_key, reminder.person_id, reminder.priority) == (
        f"checkin:{pairing_id}:2026-12:remind",
        mentor_id,
        Priority.NORMAL,
    )
    [ask] = await _deliveries(services, "checkin.ask")
    assert reminder.context["choices"] == ask.context["choices"]

    # starting this month's check-in again (e.g. after "continue") re-arms no reminder
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        again = await rounds.open_checkin(
            session, pairing=pairing, now=clock.now(), config=services.config
        )
        assert again.remind_at is None
    assert len(await _deliveries(services, "checkin.reminder")) == 1


async def test_not_yet_remind_me_replaces_the_automatic_reminder(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    await due_round(services, clock, pairing_id)
    row = await _checkin(services, pairing_id, "2026-12")
    clock.advance(timedelta(days=2))
    await _answer(services, row.id, "not_yet")
    async with services.sessions() as session, session.begin():
        await checkin.remind_later(
            session,
            mentor=await _mentor(services),
            checkin_id=row.id,
            now=clock.now(),
            config=services.config,
        )
    row = await _checkin(services, pairing_id, "2026-12")
    # asked on day 2 for day 5: the automatic one of day 4 is gone, one reminder in all
    assert row.remind_at == DECEMBER_ROUND + timedelta(days=5)
    clock.set(row.remind_at)
    assert await _remind(services, row)
    assert not await _remind(services, await _checkin(services, pairing_id, "2026-12"))
    assert [d.idempotency_key for d in await _deliveries(services, "checkin.reminder")] == [
        f"checkin:{pairing_id}:2026-12:remind"
    ]

    # the mentor asks once more after that reminder: their request is honoured, under its
    # own key; nothing automatic follows
    await _answer(services, row.id, "not_yet")
    async with services.sessions() as session, session.begin():
        await checkin.remind_later(
            session,
            mentor=await _mentor(services),
            checkin_id=row.id,
            now=clock.now(),
            config=services.config,
        )
    row = await _checkin(services, pairing_id, "2026-12")
    assert row.remind_at is not None
    clock.set(row.remind_at)
    assert await _remind(services, row)
    keys = [d.idempotency_key for d in await _deliveries(services, "checkin.reminder")]
    assert keys == [
        f"checkin:{pairing_id}:2026-12:remind",
        f"checkin:{pairing_id}:2026-12:remind:20261210T0900",
    ]
    assert (await _checkin(services, pairing_id, "2026-12")).remind_at is None


async def test_no_reminder_once_answered_contact_logged_or_pair_paused(
    services: Services, clock: FixedClock
) -> None:
    answered, _, _ = await make_pair(services, youth_name="Inès")
    logged, _, _ = await make_pair(services, youth_name="Sami")
    paused, _, _ = await make_pair(services, youth_name="Léa", mentor_slack="UMENTOR2")
    for pairing_id in (answered, logged, paused):
        clock.set(DECEMBER_ROUND)
        await due_round(services, clock, pairing_id)
    clock.advance(timedelta(days=1))
    await _answer(services, (await _checkin(services, answered, "2026-12")).id, "unreachable")
    await _log_contact(services, logged, None)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, paused)
        assert pairing is not None
        change_status(pairing, PairingStatus.PAUSED, now=clock.now(), config=services.config)
    clock.set(DECEMBER_ROUND + timedelta(days=4))
    for pairing_id in (answered, logged, paused):
        row = await _checkin(services, pairing_id, "2026-12")
        assert not await _remind(services, row)
        assert (await _checkin(services, pairing_id, "2026-12")).remind_at is None
    assert await _deliveries(services, "checkin.reminder") == []


async def test_a_checkin_asked_on_the_28th_keeps_its_reminder_into_next_month(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        pairing.checkin_day = 28
        pairing.next_checkin_due_at = datetime(2026, 11, 28, 9, tzinfo=UTC)
    await due_round(services, clock, pairing_id)
    row = await _checkin(services, pairing_id, "2026-11")
    assert row.remind_at == datetime(2026, 12, 2, 9, tzinfo=UTC)
    clock.set(row.remind_at)
    assert await _remind(services, row)
    # its buttons still work in December, until the escalation
    mentor = await _mentor(services)
    async with services.sessions() as session, session.begin():
        result = await checkin.answer(
            session,
            mentor=mentor,
            checkin_id=row.id,
            choice="yes",
            now=clock.now(),
            config=services.config,
        )
    assert result.form is not None
    clock.set(datetime(2026, 12, 8, 9, tzinfo=UTC))
    async with services.sessions() as session:
        with pytest.raises(NotAllowed) as refused:
            await checkin.answer(
                session,
                mentor=mentor,
                checkin_id=row.id,
                choice="yes",
                now=clock.now(),
                config=services.config,
            )
    assert refused.value.key == "checkin.past_month"


# --------------------------------------------------------------------------- escalation


async def test_an_unanswered_checkin_alerts_staff_once(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    await due_round(services, clock, pairing_id)
    row = await _checkin(services, pairing_id, "2026-12")
    assert row.escalate_at is not None
    clock.set(row.escalate_at)
    assert await _escalate(services, row)
    assert not await _escalate(services, row)
    # armed again by mistake: the alert's key still allows only one
    async with services.sessions() as session, session.begin():
        attached = await session.get(Checkin, row.id)
        assert attached is not None
        attached.escalate_at = clock.now()
    assert not await _escalate(services, row)
    # a case (kind alert), listed in the day's digest of unanswered check-ins
    async with services.sessions() as session:
        [case] = (await session.scalars(select(Case))).all()
    assert (case.kind, case.topic, case.pairing_id, case.person_id) == (
        "alert",
        "checkin_unanswered",
        pairing_id,
        None,
    )
    [digest] = await _deliveries(services, "staff.digest")
    assert (digest.destination, digest.person_id, digest.priority) == (
        "staff",
        None,
        Priority.URGENT,
    )
    sent = await as_sent(services, digest.context)
    assert sent["topic"] == "checkin_unanswered"
    assert [(e["case_id"], e["mentee"], e["mentor"]) for e in sent["entries"]] == [
        (case.id, "Inès", "Claire")
    ]
    assert digest.context["choices"] == [
        ["choice.staff.take_numbered", f"ct:{case.id}", {"case_id": case.id}]
    ]
    assert (await _checkin(services, pairing_id, "2026-12")).escalate_at is None


async def test_not_yet_without_contact_is_escalated_but_an_answer_or_a_contact_is_not(
    services: Services, clock: FixedClock
) -> None:
    not_yet, _, _ = await make_pair(services, youth_name="Inès")
    yes, _, _ = await make_pair(services, youth_name="Sami")
    not_yet_then_logged, _, _ = await make_pair(services, youth_name="Léa", mentor_slack="UMENTOR2")
    for pairing_id in (not_yet, yes, not_yet_then_logged):
        clock.set(DECEMBER_ROUND)
        await due_round(services, clock, pairing_id)
    clock.advance(timedelta(days=1))
    await _answer(services, (await _checkin(services, not_yet, "2026-12")).id, "not_yet")
    await _log_contact(services, yes, (await _checkin(services, yes, "2026-12")).id)
    second_mentor = await _second_mentor(services)
    await _answer_as(services, second_mentor, not_yet_then_logged, "not_yet")
    await _log_contact_as(services, second_mentor, not_yet_then_logged)
    clock.set(DECEMBER_ROUND + timedelta(days=10))
    results = [
        await _escalate(services, await _checkin(services, pairing_id, "2026-12"))
        for pairing_id in (not_yet, yes, not_yet_then_logged)
    ]
    assert results == [True, False, False]
    [digest] = await _deliveries(services, "staff.digest")
    assert [e["pairing"] for e in digest.context["entries"]] == [not_yet]


async def _second_mentor(services: Services) -> Person:
    async with services.sessions() as session:
        mentor = await find_mentor(session, "UMENTOR2")
    assert mentor is not None
    return mentor


async def _answer_as(services: Services, mentor: Person, pairing_id: int, choice: str) -> None:
    row = await _checkin(services, pairing_id, "2026-12")
    async with services.sessions() as session, session.begin():
        await checkin.answer(
            session,
            mentor=mentor,
            checkin_id=row.id,
            choice=choice,
            now=services.clock.now(),
            config=services.config,
        )


async def _log_contact_as(services: Services, mentor: Person, pairing_id: int) -> None:
    report = contact_log.ContactReport(
        how=contact_log.How.MEETING,
        topics=(),
        progress=contact_log.Progress.GOOD,
        note=None,
        needs_staff=False,
        occurred_on=services.clock.now().date(),
    )
    async with services.sessions() as session, session.begin():
        await contact_log.record_contact(
            session,
            mentor=mentor,
            pairing_id=pairing_id,
            checkin_id=None,
            report=report,
            source_event_id="view:LOGGED",
            channel="slack",
            now=services.clock.now(),
            config=services.config,
        )


# --------------------------------------------------------------------------- the answer


async def _continue(services: Services, mentor: Person, pairing_id: int, choice: str) -> list[str]:
    async with services.sessions() as session, session.begin():
        result = await silence.answer_continue(
            session,
            mentor=mentor,
            pairing_id=pairing_id,
            choice=choice,
            now=services.clock.now(),
            config=services.config,
        )
    return [r.key for r in result.replies]


async def test_continue_resets_the_count_and_asks_this_months_checkin_at_once(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    await silent_until_asked(services, clock, pairing_id)
    clock.advance(timedelta(hours=2))
    mentor = await _mentor(services)
    assert await _continue(services, mentor, pairing_id, "continue") == [
        "silence.thanks",
        "checkin.ask",
    ]
    pairing = await _pairing(services, pairing_id)
    assert (pairing.status, pairing.mentor_silent_rounds) == ("active", 0)
    row = await _checkin(services, pairing_id, "2027-03")
    assert row.remind_at == clock.now() + timedelta(days=4)
    assert row.escalate_at == clock.now() + timedelta(days=10)
    # asked in the answer itself, not again through the outbox
    assert [
        d.idempotency_key.split(":")[2] for d in await _deliveries(services, "checkin.ask")
    ] == [
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    assert await _continue(services, mentor, pairing_id, "stop") == ["silence.already_answered"]
    assert (await _pairing(services, pairing_id)).status == "active"


async def test_the_question_is_answered_only_when_pending_and_by_the_pairs_mentor(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    mentor = await _mentor(services)
    # never asked: a forged button changes nothing
    assert await _continue(services, mentor, pairing_id, "stop") == ["silence.already_answered"]
    async with services.sessions() as session, session.begin():
        intruder = await make_mentor(session, clock.now(), "UINTRUDER")
    await silent_until_asked(services, clock, pairing_id)
    with pytest.raises(NotAllowed) as refused:
        await _continue(services, intruder, pairing_id, "stop")
    assert refused.value.key == "mentor.not_your_pair"
    with pytest.raises(NotAllowed) as refused:
        await _continue(services, mentor, pairing_id, "explode")
    assert refused.value.key == "common.stale_button"
    assert await _continue(services, mentor, pairing_id, "pause") == ["silence.paused"]
    assert await _continue(services, mentor, pairing_id, "pause") == ["silence.already_paused"]
    pairing = await _pairing(services, pairing_id)
    assert (pairing.status, pairing.next_checkin_due_at, pairing.mentor_silent_rounds) == (
        "paused",
        None,
        0,
    )


def test_period_bounds_follow_the_programme_time_zone() -> None:
    assert periods.period_bounds("2026-12", PARIS) == (
        datetime(2026, 11, 30, 23, tzinfo=UTC),
        datetime(2026, 12, 31, 23, tzinfo=UTC),
    )
    # April begins in summer time
    assert periods.period_bounds("2027-03", PARIS)[1] == datetime(2027, 3, 31, 22, tzinfo=UTC)
