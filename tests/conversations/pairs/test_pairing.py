"""The pairing state machine (property-based) and pairing a youth with a mentor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.container import Services
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.lifecycle import IllegalTransition, change_status, next_status
from conversations.staff.pairing import PairingError, pair
from storage.models import AuditLog, CloseReason, Delivery, Pairing, PairingStatus
from tests.fakes.mentoring import make_mentor, make_pair, make_youth

# Written out independently of the code: the only legal moves (issue 3).
LEGAL = {
    ("proposed", "active"),
    ("proposed", "closed"),
    ("active", "paused"),
    ("active", "closed"),
    ("paused", "active"),
    ("paused", "closed"),
}
statuses = st.sampled_from(list(PairingStatus))
DAY = timedelta(days=1)
reasons = st.none() | st.sampled_from(list(CloseReason))


@given(current=statuses, target=statuses, reason=reasons)
def test_next_status_allows_exactly_the_legal_moves(
    current: PairingStatus, target: PairingStatus, reason: CloseReason | None
) -> None:
    legal = (current.value, target.value) in LEGAL and (
        (reason is not None) == (target is PairingStatus.CLOSED)
    )
    if legal:
        assert next_status(current, target, reason) is target
    else:
        with pytest.raises(IllegalTransition):
            next_status(current, target, reason)


@given(moves=st.lists(st.tuples(statuses, reasons), max_size=20))
def test_any_sequence_of_attempts_keeps_a_consistent_pairing(
    moves: list[tuple[PairingStatus, CloseReason | None]],
) -> None:
    config = ProgrammeConfig()
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    pairing = Pairing(status=PairingStatus.PROPOSED, checkin_day=1, proposed_at=now)
    history = [PairingStatus.PROPOSED]
    for target, reason in moves:
        before = pairing.status
        try:
            change_status(pairing, target, now=now, config=config, reason=reason)
        except IllegalTransition:
            assert pairing.status == before  # a refused move changes nothing
            continue
        assert (before, target.value) in LEGAL
        history.append(target)
    # closed is final, and a closed pairing has its reason and no check-in due
    if PairingStatus.CLOSED in history:
        assert history[-1] is PairingStatus.CLOSED
        assert history.count(PairingStatus.CLOSED) == 1
        assert pairing.close_reason in {r.value for r in CloseReason}
        assert pairing.next_checkin_due_at is None
    else:
        assert pairing.close_reason is None
    if pairing.status == PairingStatus.ACTIVE:
        assert pairing.next_checkin_due_at is not None
        assert pairing.started_at == now


async def test_pairing_tells_the_mentor_on_slack_and_the_youth_on_telegram(
    services: Services,
) -> None:
    pairing_id, youth_id, mentor_id = await make_pair(services, telegram_id="777")
    async with services.sessions() as session:
        made = await session.get(Pairing, pairing_id)
        deliveries = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
        audit = (await session.scalars(select(AuditLog.action))).all()
    assert made is not None
    assert made.status == PairingStatus.ACTIVE
    # Monday 2 November 2026: check-ins on the 2nd of each month, 10:00 Paris
    assert made.checkin_day == 2
    assert made.next_checkin_due_at == datetime(2026, 12, 2, 9, tzinfo=UTC)
    assert [(d.channel, d.person_id, d.template) for d in deliveries] == [
        ("slack", mentor_id, "mentor.pairing_intro"),
        ("telegram", youth_id, "pairing.youth_paired"),
    ]
    assert deliveries[0].context["choices"] == [
        ["choice.meeting.propose", f"mp:{pairing_id}"],
        ["choice.mentor.first_meeting", f"fm:{pairing_id}"],
    ]
    # no email in the application: no "share my email" button
    assert deliveries[1].context["choices"] == []
    assert "pairing_created" in audit


@pytest.mark.parametrize("decision", ["not_eligible", "review"])
async def test_pairing_refuses_a_youth_who_is_not_eligible(
    services: Services, decision: str
) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, now, decision=decision)
        mentor = await make_mentor(session, now)
        with pytest.raises(PairingError, match="not eligible"):
            await pair(
                session,
                youth_id=youth.id,
                mentor_id=mentor.id,
                staff="Sam",
                now=now,
                config=services.config,
            )
        assert (await session.scalars(select(Pairing))).all() == []


async def test_pairing_refuses_a_mentor_at_capacity_and_a_youth_already_paired(
    services: Services,
) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        mentor = await make_mentor(session, now, "UFULL", capacity=1)
        first = await make_youth(session, now, name="A")
        second = await make_youth(session, now, name="B")
        made = await pair(
            session,
            youth_id=first.id,
            mentor_id=mentor.id,
            staff="Sam",
            now=now,
            config=services.config,
        )
        with pytest.raises(PairingError, match="capacity"):
            await pair(
                session,
                youth_id=second.id,
                mentor_id=mentor.id,
                staff="Sam",
                now=now,
                config=services.config,
            )
        other = await make_mentor(session, now, "UOTHER", capacity=3)
        with pytest.raises(PairingError, match="already has an open pairing"):
            await pair(
                session,
                youth_id=first.id,
                mentor_id=other.id,
                staff="Sam",
                now=now,
                config=services.config,
            )
        # once the first pairing is closed, the mentor has room again
        change_status(
            made, PairingStatus.CLOSED, now=now, config=services.config, reason=CloseReason.MISMATCH
        )
        again = await pair(
            session,
            youth_id=second.id,
            mentor_id=mentor.id,
            staff="Sam",
            now=now,
            config=services.config,
        )
        assert again.status == PairingStatus.ACTIVE


async def _pause_then_resume(
    services: Services, pairing_id: int, *, paused_days: int, resumed_days: int, stage: int = 0
) -> Pairing:
    config = services.config
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        assert pairing.started_at is not None
        started = pairing.started_at
        pairing.first_meeting_stage = stage
        change_status(pairing, PairingStatus.PAUSED, now=started + DAY * paused_days, config=config)
        assert (pairing.first_meeting_due_at, pairing.at_risk_due_at) == (None, None)
        change_status(
            pairing, PairingStatus.ACTIVE, now=started + DAY * resumed_days, config=config
        )
        return pairing


@pytest.mark.parametrize(
    ("stage", "resumed_days", "first_meeting_due_days"),
    [
        (0, 5, 7),  # the mentor's reminder is still to come, on its day
        (0, 10, 10),  # its day passed during the pause: at the next tick
        (1, 10, 14),  # the reminder to both sides is next, on its day
        (2, 30, 30),  # staff's is overdue: at the next tick
        (3, 30, None),  # every reminder went out: nothing more
    ],
)
async def test_resuming_arms_the_first_meeting_reminder_the_pair_is_at(
    services: Services, stage: int, resumed_days: int, first_meeting_due_days: int | None
) -> None:
    pairing_id, _, _ = await make_pair(services)
    pairing = await _pause_then_resume(
        services, pairing_id, paused_days=3, resumed_days=resumed_days, stage=stage
    )
    assert pairing.started_at is not None
    expected = (
        pairing.started_at + DAY * first_meeting_due_days
        if first_meeting_due_days is not None
        else None
    )
    assert pairing.first_meeting_due_at == expected


async def test_resuming_gives_a_whole_silence_before_the_pair_is_at_risk(
    services: Services,
) -> None:
    pairing_id, _, _ = await make_pair(services)
    pairing = await _pause_then_resume(services, pairing_id, paused_days=3, resumed_days=100)
    assert pairing.started_at is not None
    silence = DAY * services.config.nudges.silence_days
    # paused for longer than a silence: the weeks on hold do not count against the pair
    assert pairing.at_risk_due_at == pairing.started_at + DAY * 100 + silence
