"""Staff pause, resume, close and re-pair a pair: the state machine's moves, both sides told
through the outbox, every action audit-logged, and each refusal changing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.staff import pair_actions
from conversations.staff.pair_actions import PairActionError
from conversations.staff.pairing import PairingError
from storage.models import AuditLog, Delivery, Interaction, MentorProfile, Pairing
from tests.fakes.mentoring import make_mentor, make_pair


async def _state(services: Services, pairing_id: int) -> Pairing:
    async with services.sessions() as session:
        found = await session.get(Pairing, pairing_id)
    assert found is not None
    return found


async def _told(services: Services) -> list[tuple[int | None, str]]:
    async with services.sessions() as session:
        rows = await session.scalars(select(Delivery).order_by(Delivery.id))
        return [(d.person_id, d.template) for d in rows if "pair_actions" in d.template]


async def _audited(services: Services) -> list[tuple[str, str, dict[str, object]]]:
    async with services.sessions() as session:
        rows = await session.scalars(select(AuditLog).order_by(AuditLog.id))
        return [(a.actor, a.action, a.detail) for a in rows if a.actor == "staff:Camille"]


async def _do(services: Services, action: str, pairing_id: int, **more: object) -> Pairing:
    act = getattr(pair_actions, f"{action}_pair")
    async with services.sessions() as session, session.begin():
        done: Pairing = await act(
            session,
            pairing_id=pairing_id,
            staff="Camille",
            now=services.clock.now(),
            config=services.config,
            **more,
        )
        return done


async def test_pause_then_resume_tells_both_sides(services: Services) -> None:
    pairing_id, youth_id, mentor_id = await make_pair(services, telegram_id="7001")

    await _do(services, "pause", pairing_id)
    paused = await _state(services, pairing_id)
    assert paused.status == "paused"
    assert paused.next_checkin_due_at is None
    assert paused.at_risk_due_at is None

    await _do(services, "resume", pairing_id)
    resumed = await _state(services, pairing_id)
    assert resumed.status == "active"
    assert resumed.next_checkin_due_at is not None
    assert await _told(services) == [
        (mentor_id, "mentor.pair_actions.paused"),
        (youth_id, "pairing.pair_actions.paused"),
        (mentor_id, "mentor.pair_actions.resumed"),
        (youth_id, "pairing.pair_actions.resumed"),
    ]
    assert [(action, detail["pairing"]) for _, action, detail in await _audited(services)] == [
        ("pairing_paused", pairing_id),
        ("pairing_resumed", pairing_id),
    ]


@pytest.mark.parametrize(
    ("first", "then", "code", "message"),
    [
        ("pause", "pause", "paused", "is already paused"),
        (None, "resume", "not_paused", "is not paused: nothing to resume"),
        ("close", "pause", "closed", "is already closed"),
        ("close", "close", "closed", "is already closed"),
        ("close", "resume", "closed", "is already closed"),
    ],
)
async def test_moves_the_state_machine_refuses_change_nothing(
    services: Services, first: str | None, then: str, code: str, message: str
) -> None:
    pairing_id, _youth, _mentor = await make_pair(services, telegram_id="7002")
    more = {"reason": "gave_up"}
    if first is not None:
        await _do(services, first, pairing_id, **(more if first == "close" else {}))
    before = await _state(services, pairing_id)
    told = await _told(services)

    with pytest.raises(PairActionError, match=message) as refused:
        await _do(services, then, pairing_id, **(more if then == "close" else {}))

    assert refused.value.code == code
    assert (await _state(services, pairing_id)).status == before.status
    assert await _told(services) == told


async def test_unknown_pair_bad_reason_and_no_staff_are_refused(services: Services) -> None:
    pairing_id, _youth, _mentor = await make_pair(services)
    with pytest.raises(PairingError, match="No pair 999"):
        await _do(services, "pause", 999)
    with pytest.raises(PairActionError, match="Unknown reason 'bored'") as refused:
        await _do(services, "close", pairing_id, reason="bored")
    assert refused.value.code == "reason"
    with pytest.raises(PairActionError, match="too long"):
        await _do(services, "close", pairing_id, reason="job", note="x" * 1001)
    async with services.sessions() as session, session.begin():
        with pytest.raises(PairActionError, match="audit-logged"):
            await pair_actions.pause_pair(
                session,
                pairing_id=pairing_id,
                staff="  ",
                now=services.clock.now(),
                config=services.config,
            )
    assert (await _state(services, pairing_id)).status == "active"


async def test_closing_keeps_the_reason_and_the_note(services: Services) -> None:
    pairing_id, youth_id, mentor_id = await make_pair(services, telegram_id="7003")

    await _do(services, "close", pairing_id, reason="job", note="  CDI chez ACME  ")

    closed = await _state(services, pairing_id)
    assert (closed.status, closed.close_reason) == ("closed", "job")
    async with services.sessions() as session:
        [note] = (await session.scalars(select(Interaction))).all()
    assert (note.kind, note.note) == ("staff_note", "CDI chez ACME")
    assert await _told(services) == [
        (mentor_id, "mentor.pair_actions.closed"),
        (youth_id, "pairing.pair_actions.closed"),
    ]
    [(_, action, detail)] = await _audited(services)
    # the note's text stays out of the audit log
    assert (action, detail) == (
        "pairing_closed",
        {"pairing": pairing_id, "reason": "job", "note": True},
    )


async def test_repairing_closes_the_pair_and_pairs_the_youth_again(services: Services) -> None:
    pairing_id, youth_id, first_mentor = await make_pair(services, telegram_id="7004")
    async with services.sessions() as session, session.begin():
        second = await make_mentor(session, services.clock.now(), "USECOND", name="Marc")
        second_id = second.id

    made = await _do(services, "repair", pairing_id, mentor_id=second_id)

    old = await _state(services, pairing_id)
    assert (old.status, old.close_reason) == ("closed", "mismatch")
    new = await _state(services, made.id)
    assert (new.status, new.youth_id, new.mentor_id) == ("active", youth_id, second_id)
    async with services.sessions() as session:
        templates = [(d.person_id, d.template) for d in await session.scalars(select(Delivery))]
    assert (first_mentor, "mentor.pair_actions.repaired") in templates
    assert (youth_id, "pairing.pair_actions.repaired") in templates
    assert (second_id, "mentor.pairing_intro") in templates
    assert [action for _, action, _ in await _audited(services)] == [
        "pairing_closed",
        "pairing_created",
        "pairing_repaired",
    ]


async def test_repairing_with_a_mentor_who_cannot_take_them_changes_nothing(
    services: Services,
) -> None:
    pairing_id, _youth, first_mentor = await make_pair(services, telegram_id="7005")
    async with services.sessions() as session, session.begin():
        full = await make_mentor(session, services.clock.now(), "UFULL", name="Zoé", capacity=1)
        away = await make_mentor(session, services.clock.now(), "UAWAY", name="Léo")
        profile = await session.get(MentorProfile, away.id)
        assert profile is not None
        profile.accepting = False
        full_id, away_id = full.id, away.id
    await make_pair(services, mentor_slack="UFULL", youth_name="Samir")

    for mentor_id, message in (
        (full_id, "at capacity"),
        (away_id, "takes no new mentee"),
        (first_mentor, "is already pair"),
        (424242, "No mentor 424242"),
    ):
        with pytest.raises(PairActionError, match=message):
            await _do(services, "repair", pairing_id, mentor_id=mentor_id)
    assert (await _state(services, pairing_id)).status == "active"
    assert await _told(services) == []
