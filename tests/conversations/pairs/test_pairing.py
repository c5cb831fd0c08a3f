"""The pairing state machine (property-based) and pairing a youth with a mentor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import Services
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.lifecycle import (
    IllegalTransition,
    PairingError,
    change_status,
    next_status,
    pair,
)
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
    assert deliveries[0].context["choices"] == [["choice.mentor.first_meeting", f"fm:{pairing_id}"]]
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
