"""The check-in, contact-log and outcome flows, without any platform."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel
from conversations.core.response import NotAllowed
from conversations.mentor import checkin, contact_log, outcome
from conversations.pairs import periods
from conversations.pairs.lifecycle import change_status
from conversations.staff.pairing import find_mentor
from storage.models import (
    AuditLog,
    Case,
    Checkin,
    CloseReason,
    Delivery,
    Interaction,
    Outcome,
    Pairing,
    PairingStatus,
    Person,
)
from tests.conftest import BACKENDS, database_url_for
from tests.fakes.mentoring import make_mentor, make_pair

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 2)


def test_period_is_the_month_in_the_programme_time_zone() -> None:
    # 30 November 23:30 UTC is already 1 December in Paris
    assert periods.period_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), PARIS) == "2026-12"
    assert periods.period_of(datetime(2026, 11, 30, 22, 59, tzinfo=UTC), PARIS) == "2026-11"
    assert periods.period_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), ZoneInfo("UTC")) == (
        "2026-11"
    )


def test_next_due_is_next_month_at_ten_local_time() -> None:
    assert periods.next_due(datetime(2026, 12, 15, 9, tzinfo=UTC), 2, PARIS) == datetime(
        2027, 1, 2, 9, tzinfo=UTC
    )
    # summer time: 10:00 in Paris is 08:00 UTC
    assert periods.next_due(datetime(2027, 5, 31, 9, tzinfo=UTC), 31, PARIS) == datetime(
        2027, 6, 28, 8, tzinfo=UTC
    )


async def _mentor(services: Services, slack_id: str = "UMENTOR1") -> Person:
    async with services.sessions() as session:
        mentor = await find_mentor(session, slack_id)
        assert mentor is not None
        return mentor


async def _start(services: Services, pairing_id: int) -> int:
    async with services.sessions() as session, session.begin():
        made = await checkin.start_checkin(
            session, pairing_id=pairing_id, now=services.clock.now(), config=services.config
        )
        return made.id


async def test_starting_a_checkin_twice_asks_once(services: Services) -> None:
    pairing_id, _, mentor_id = await make_pair(services)
    first = await _start(services, pairing_id)
    second = await _start(services, pairing_id)
    assert first == second
    async with services.sessions() as session:
        asks = (
            await session.scalars(select(Delivery).where(Delivery.template == "checkin.ask"))
        ).all()
        pairing = await session.get(Pairing, pairing_id)
    assert [(d.idempotency_key, d.person_id) for d in asks] == [
        (f"checkin:{pairing_id}:2026-11:ask", mentor_id)
    ]
    assert asks[0].context["choices"][0] == ["choice.checkin.yes", f"ci:{first}:yes"]
    assert pairing is not None
    assert pairing.next_checkin_due_at == datetime(2026, 12, 2, 9, tzinfo=UTC)


async def test_yes_opens_the_form_and_a_submission_is_recorded_once(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services)
    checkin_id = await _start(services, pairing_id)
    mentor = await _mentor(services)
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        result = await checkin.answer(
            session,
            mentor=mentor,
            checkin_id=checkin_id,
            choice="yes",
            now=now,
            config=services.config,
        )
    assert result.form is not None
    assert result.form.metadata == {"pairing": pairing_id, "checkin": checkin_id}
    assert "occurred_on" not in [f.name for f in result.form.fields]

    report = contact_log.parse_contact(
        {"how": "video", "topics": ["cv", "morale"], "progress": "good", "note": " ok "},
        today=TODAY,
        with_date=False,
        with_pairing=False,
    )
    assert isinstance(report, contact_log.ContactReport)
    for _ in range(2):
        async with services.sessions() as session, session.begin():
            result = await contact_log.record_contact(
                session,
                mentor=mentor,
                pairing_id=pairing_id,
                checkin_id=checkin_id,
                report=report,
                source_event_id="view:V1",
                channel="slack",
                now=now,
                config=services.config,
            )
    assert [r.key for r in result.replies] == ["mentor.already_recorded"]
    async with services.sessions() as session:
        logged = (await session.scalars(select(Interaction))).all()
        answered = await session.get(Checkin, checkin_id)
        pairing = await session.get(Pairing, pairing_id)
    assert [(i.kind, i.how, i.topics, i.note) for i in logged] == [
        ("contact", "video", ["cv", "morale"], "ok")
    ]
    assert answered is not None
    assert (answered.answer, answered.progress) == ("yes", "good")
    assert pairing is not None
    assert pairing.last_contact_at == now


async def test_not_yet_offers_a_reminder_in_three_days(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services)
    checkin_id = await _start(services, pairing_id)
    mentor = await _mentor(services)
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        result = await checkin.answer(
            session,
            mentor=mentor,
            checkin_id=checkin_id,
            choice="not_yet",
            now=now,
            config=services.config,
        )
        assert result.replies[0].key == "checkin.not_yet"
        assert [c.value for c in result.replies[0].choices] == [f"cr:{checkin_id}"]
        await checkin.remind_later(
            session, mentor=mentor, checkin_id=checkin_id, now=now, config=services.config
        )
    async with services.sessions() as session:
        row = await session.get(Checkin, checkin_id)
    assert row is not None
    assert row.answer == "not_yet"
    assert row.remind_at == now + timedelta(days=3)


async def test_buttons_of_a_past_month_or_a_closed_pair_are_explained(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services)
    checkin_id = await _start(services, pairing_id)
    mentor = await _mentor(services)
    clock.set(datetime(2026, 12, 3, 9, tzinfo=UTC))
    async with services.sessions() as session, session.begin():
        with pytest.raises(NotAllowed) as refused:
            await checkin.answer(
                session,
                mentor=mentor,
                checkin_id=checkin_id,
                choice="yes",
                now=clock.now(),
                config=services.config,
            )
        assert refused.value.key == "checkin.past_month"
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing,
            PairingStatus.CLOSED,
            now=clock.now(),
            config=services.config,
            reason=CloseReason.JOB,
        )
    async with services.sessions() as session:
        with pytest.raises(NotAllowed) as refused:
            await checkin.answer(
                session,
                mentor=mentor,
                checkin_id=checkin_id,
                choice="yes",
                now=clock.now(),
                config=services.config,
            )
    assert refused.value.key == "checkin.pair_closed"


async def test_a_mentor_cannot_answer_or_log_for_another_mentors_pair(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services)
    checkin_id = await _start(services, pairing_id)
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        intruder = await make_mentor(session, now, "UINTRUDER")
    report = contact_log.parse_contact(
        {"how": "call", "progress": "slow"}, today=TODAY, with_date=False, with_pairing=False
    )
    assert isinstance(report, contact_log.ContactReport)
    async with services.sessions() as session, session.begin():
        with pytest.raises(NotAllowed) as refused:
            await checkin.answer(
                session,
                mentor=intruder,
                checkin_id=checkin_id,
                choice="unreachable",
                now=now,
                config=services.config,
            )
        assert refused.value.key == "mentor.not_your_pair"
    async with services.sessions() as session, session.begin():
        with pytest.raises(NotAllowed):
            await contact_log.record_contact(
                session,
                mentor=intruder,
                pairing_id=pairing_id,
                checkin_id=None,
                report=report,
                source_event_id="view:V9",
                channel="slack",
                now=now,
                config=services.config,
            )
    async with services.sessions() as session:
        assert (await session.scalars(select(Interaction))).all() == []
        refusals = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "foreign_pair_refused"))
        ).all()
    assert len(refusals) == 2  # each refusal is audit-logged


def test_contact_form_validation() -> None:
    errors = contact_log.parse_contact(
        {"how": "pigeon", "occurred_on": date(2026, 11, 3), "note": "x" * 5001},
        today=TODAY,
        with_date=True,
        with_pairing=True,
    )
    assert errors == {
        "how": "form.invalid_choice",
        "progress": "form.required",
        "note": "form.note_too_long",
        "occurred_on": "form.date_future",
        "pairing": "form.required",
    }
    ok = contact_log.parse_contact(
        {
            "how": "meeting",
            "progress": "hard",
            "note": "<!channel> " + "x" * 4989,
            "occurred_on": TODAY,
            "pairing": "3",
            "needs_staff": True,
        },
        today=TODAY,
        with_date=True,
        with_pairing=True,
    )
    assert isinstance(ok, contact_log.ContactReport)
    assert ok.note is not None
    assert len(ok.note) == 5000
    assert (ok.pairing_id, ok.needs_staff, ok.occurred_on) == (3, True, TODAY)


def test_outcome_form_validation() -> None:
    assert outcome.parse_outcome({"kind": "job", "occurred_on": TODAY}, today=TODAY) == {
        "contract": "form.required",
        "at_level": "form.required",
    }
    assert outcome.parse_outcome({"occurred_on": date(2027, 1, 1)}, today=TODAY) == {
        "kind": "form.required",
        "occurred_on": "form.date_future",
    }
    report = outcome.parse_outcome(
        {"kind": "job", "contract": "cdi", "at_level": "yes", "occurred_on": TODAY}, today=TODAY
    )
    assert report == outcome.OutcomeReport(
        outcome.OutcomeKind.JOB, outcome.Contract.CDI, True, TODAY
    )
    studies = outcome.parse_outcome({"kind": "further_studies", "occurred_on": TODAY}, today=TODAY)
    assert isinstance(studies, outcome.OutcomeReport)


async def test_help_and_outcome_alert_staff_through_the_outbox(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services)
    mentor = await _mentor(services)
    now = services.clock.now()
    report = contact_log.parse_contact(
        {"how": "call", "progress": "hard", "note": "Il ne répond plus", "needs_staff": True},
        today=TODAY,
        with_date=False,
        with_pairing=False,
    )
    assert isinstance(report, contact_log.ContactReport)
    result_report = outcome.parse_outcome(
        {"kind": "job", "contract": "cdd", "at_level": "no", "occurred_on": TODAY}, today=TODAY
    )
    assert isinstance(result_report, outcome.OutcomeReport)
    async with services.sessions() as session, session.begin():
        said = await contact_log.record_contact(
            session,
            mentor=mentor,
            pairing_id=pairing_id,
            checkin_id=None,
            report=report,
            source_event_id="view:V2",
            channel="slack",
            now=now,
            config=services.config,
        )
        assert [r.key for r in said.replies] == [
            "mentor.contact_logged",
            "mentor.staff_will_answer",
        ]
        for event in ("view:V3", "view:V4"):
            await outcome.report_outcome(
                session,
                mentor=mentor,
                pairing_id=pairing_id,
                report=result_report,
                source_event_id=event,
                channel="slack",
                now=now,
                config=services.config,
            )
    async with services.sessions() as session:
        alerts = (
            await session.scalars(select(Delivery).where(Delivery.template == "staff.alert"))
        ).all()
        [help_case] = (
            await session.scalars(select(Delivery).where(Delivery.template == "staff.case_opened"))
        ).all()
        outcomes = (await session.scalars(select(Outcome))).all()
    # asking for help opens a case (staff answer the mentor in its thread); an outcome alerts
    assert [(a.person_id, a.destination, a.context["kind"]) for a in alerts] == [
        (None, "staff", "outcome_job"),
    ]
    assert (help_case.destination, help_case.context["case_kind"]) == ("staff", "help")
    assert help_case.context["text"] == "Il ne répond plus"
    assert [(o.kind, o.contract, o.at_diploma_level) for o in outcomes] == [("job", "cdd", False)]


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """These flows run on SQLite, then on PostgreSQL when it is configured."""
    return await database_url_for(request.param, tmp_path)


async def test_we_could_not_reach_each_other_opens_a_case_for_staff(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services)
    checkin_id = await _start(services, pairing_id)
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        mentor = await session.get(Person, pairing.mentor_id)
        assert mentor is not None
        result = await checkin.answer(
            session,
            mentor=mentor,
            checkin_id=checkin_id,
            choice="unreachable",
            now=now,
            config=services.config,
        )
    assert "l'équipe du programme est prévenue" in " ".join(
        services.renderer.render(reply, Channel.SLACK).text for reply in result.replies
    )
    async with services.sessions() as session:
        [case] = (await session.scalars(select(Case))).all()
    assert (case.kind, case.topic, case.pairing_id) == ("help", "unreachable", pairing_id)
