"""The due ticks work in set-based batches: a mixed batch (monthly check-ins, reminders,
escalations, pulses, first-meeting stages, at-risk alerts, a mentor on holiday, a youth
unreachable) ends exactly as when each row is its own batch (the way the ticks ran before,
one pair at a time), with a handful of statements per batch; a row that fails does not
lose the others."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.container import Services, build
from conversations.core.clock import FixedClock
from scheduler.ticks import Ticks, batch
from storage.database import upgrade
from storage.models import (
    AuditLog,
    Case,
    Checkin,
    Delivery,
    MentorProfile,
    Pairing,
    Person,
)
from tests.conftest import BACKENDS, START, database_url_for, make_settings
from tests.fakes.mentoring import make_pair

PAIRS = 12


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return await database_url_for(request.param, tmp_path)


async def _programme(services: Services) -> list[int]:
    """PAIRS pairs made over two weeks; one mentor on holiday in December, one youth
    unreachable; then three months with nobody answering anything."""
    clock = services.clock
    assert isinstance(clock, FixedClock)
    made = []
    for n in range(PAIRS):
        pairing_id, youth_id, mentor_id = await make_pair(services, mentor_slack=f"UM{n}")
        made.append(pairing_id)
        if n == 3:
            async with services.sessions() as session, session.begin():
                profile = await session.get(MentorProfile, mentor_id)
                assert profile is not None
                profile.checkins_paused_until = date(2026, 12, 20)
        if n == 5:
            async with services.sessions() as session, session.begin():
                youth = await session.get(Person, youth_id)
                assert youth is not None
                youth.unreachable_at = clock.now()
        clock.advance(timedelta(days=1, hours=3))
    return made


async def _months(
    services: Services, days: int = 95, step: timedelta = timedelta(hours=20)
) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    ticks = Ticks(services.sessions, services.config)
    end = clock.now() + timedelta(days=days)
    while clock.now() < end:
        await ticks.run(clock.now())
        clock.advance(timedelta(hours=20))


async def _state(services: Services) -> dict[str, Any]:
    """What the ticks left, without the ids rows got on the way."""
    async with services.sessions() as session:
        deliveries = (await session.execute(select(Delivery))).scalars().all()
        checkins = (await session.execute(select(Checkin))).scalars().all()
        cases = (await session.execute(select(Case))).scalars().all()
        pairings = (await session.execute(select(Pairing).order_by(Pairing.id))).scalars().all()
        alerted = await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "staff_alerted")
        )
        return {
            "messages": sorted(
                (d.idempotency_key, d.template, d.person_id or 0, d.destination or "")
                for d in deliveries
                # the cases tick lists a batch's cases in one post by design: not compared
                if d.template != "staff.raised_again"
            ),
            "digest_lines": sorted(
                (d.idempotency_key, len(d.context.get("entries", [])))
                for d in deliveries
                if d.template == "staff.digest"
            ),
            "checkins": sorted(
                (c.pairing_id, c.period, c.respondent_role, c.remind_at, c.escalate_at)
                for c in checkins
            ),
            "checkin_reminded": sorted(
                (c.pairing_id, c.period, c.reminded_at is not None) for c in checkins
            ),
            "cases": sorted((c.pairing_id or 0, c.topic or "", c.opened_at) for c in cases),
            "pairings": [
                (
                    p.next_checkin_due_at,
                    p.next_pulse_due_at,
                    p.first_meeting_due_at,
                    p.first_meeting_stage,
                    p.at_risk_due_at,
                    p.mentor_silent_rounds,
                    p.youth_silent_rounds,
                )
                for p in pairings
            ],
            "alerted": alerted,
        }


async def _run(tmp_path: Path, name: str) -> dict[str, Any]:
    services = build(make_settings(f"sqlite+aiosqlite:///{tmp_path / name}"), FixedClock(START))
    await upgrade(services.db)
    try:
        await _programme(services)
        await _months(services)
        return await _state(services)
    finally:
        await services.close()


async def test_a_mixed_batch_ends_as_one_row_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batched = await _run(tmp_path, "batched.db")
    monkeypatch.setattr(batch, "BATCH", 1)
    one_by_one = await _run(tmp_path, "one-by-one.db")
    assert batched == one_by_one
    templates = {template for _, template, _, _ in batched["messages"]}
    # the mix really was mixed: every kind of due work happened
    assert {
        "checkin.ask",
        "checkin.reminder",
        "pulse.ask",
        "mentor.first_meeting_reminder",
        "pairing.first_meeting_reminder",
        "staff.digest",
    } <= templates
    topics = {topic for _, topic, _ in batched["cases"]}
    assert {"first_meeting_missing", "checkin_unanswered", "at_risk"} <= topics


async def test_a_batch_costs_a_few_statements_whatever_its_size(
    services: Services, clock: FixedClock
) -> None:
    for n in range(40):
        await make_pair(services, mentor_slack=f"UM{n}")
    clock.advance(timedelta(days=31))  # 2 December: every pair's check-in is due
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(services.db.sync_engine, "before_cursor_execute", count)
    try:
        report = await Ticks(services.sessions, services.config).run(clock.now())
    finally:
        event.remove(services.db.sync_engine, "before_cursor_execute", count)
    assert report.counts["checkin"] == 40
    checkin_inserts = [s for s in statements if s.startswith("INSERT INTO checkin")]
    delivery_inserts = [s for s in statements if s.startswith("INSERT INTO delivery")]
    assert len(checkin_inserts) == 1
    # the check-in questions in one; the pulses due the same day in another
    assert len(delivery_inserts) <= 3
    assert len(statements) < 80  # 40 pairs, every tick: not ~10 statements per pair


async def test_a_failing_row_is_set_aside_and_the_others_go_through(
    services: Services, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    pairs = [(await make_pair(services, mentor_slack=f"UM{n}"))[0] for n in range(4)]
    clock.advance(timedelta(days=31))
    now = clock.now()
    async with services.sessions() as session, session.begin():
        for pairing_id in pairs:
            pairing = await session.get(Pairing, pairing_id)
            assert pairing is not None
            pairing.next_checkin_due_at = now - timedelta(minutes=1)
        # a check-in written by hand with a month that is not one: its reminder cannot be
        # worked out (the others' can)
        broken = pairs[1]
        for pairing_id in pairs:
            session.add(
                Checkin(
                    pairing_id=pairing_id,
                    period="2026-1x" if pairing_id == broken else "2026-11",
                    respondent_role="mentor",
                    asked_at=now - timedelta(days=5),
                    topics=[],
                    needs_staff=False,
                    remind_at=now - timedelta(minutes=1),
                )
            )
    with caplog.at_level(logging.ERROR, logger="scheduler.ticks.batch"):
        report = await Ticks(services.sessions, services.config).run(now)
    assert report.counts["checkin"] == 4
    assert report.counts["checkin_reminder"] == 4
    async with services.sessions() as session:
        reminders = set(
            (
                await session.scalars(
                    select(Delivery.idempotency_key).where(Delivery.template == "checkin.reminder")
                )
            ).all()
        )
        bad = await session.scalar(select(Checkin).where(Checkin.period == "2026-1x"))
    assert reminders == {f"checkin:{p}:2026-11:remind" for p in pairs if p != broken}
    assert bad is not None
    # tried again later, not in every batch of this run
    assert bad.remind_at == now + batch.RETRY_AFTER
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        "checkin_reminder" in r.getMessage() and "failed" in r.getMessage() for r in failures
    )
    assert all(r.exc_info for r in failures)  # the traceback is kept
    # the next run in an hour meets it again; nothing else is sent twice
    clock.advance(batch.RETRY_AFTER)
    await Ticks(services.sessions, services.config).run(clock.now())
    async with services.sessions() as session:
        again = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.template == "checkin.reminder")
        )
    assert again == len(pairs) - 1
