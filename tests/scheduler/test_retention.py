"""What the privacy notice promises: data kept while mentored, then `retention_days` at most."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs.lifecycle import change_status
from scheduler.ticks import Ticks
from storage import applications
from storage.models import AuditLog, CloseReason, Pairing, PairingStatus, Person
from tests.fakes.mentoring import make_pair, make_youth

YEAR = timedelta(days=400)  # more than the default 365 days of retention


async def _youth(services: Services, name: str, decision: str | None) -> int:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, services.clock.now(), name=name, decision="eligible")
        if decision is None:  # started, never finished
            latest = await applications.latest(session, youth.id)
            assert latest is not None
            latest.status, latest.decision, latest.decided_at = "in_progress", None, None
        else:
            latest = await applications.latest(session, youth.id)
            assert latest is not None
            latest.decision = decision
        return youth.id


async def _close(services: Services, pairing_id: int) -> None:
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing,
            PairingStatus.CLOSED,
            now=services.clock.now(),
            config=services.config,
            reason=CloseReason.JOB,
        )


async def test_data_past_retention_is_erased_and_nothing_else(
    services: Services, clock: FixedClock
) -> None:
    start = clock.now()
    unfinished = await _youth(services, "Ancien-Brouillon", None)
    refused = await _youth(services, "Ancien-Refus", "not_eligible")
    waiting = await _youth(services, "Attend-Mentor", "eligible")
    long_closed, long_closed_youth, _ = await make_pair(services, mentor_slack="UM1")
    await _close(services, long_closed)
    clock.set(start + YEAR - timedelta(days=300))
    recently_closed, recently_closed_youth, _ = await make_pair(services, mentor_slack="UM2")
    clock.set(start + YEAR - timedelta(days=100))
    await _close(services, recently_closed)
    clock.set(start + YEAR)
    fresh = await _youth(services, "Nouvelle", None)

    ticks = Ticks(services.sessions, services.config)
    assert await ticks.retention_purge(clock.now()) == 3
    assert await ticks.retention_purge(clock.now()) == 0  # once a day

    async with services.sessions() as session:
        people = {p.id: p for p in (await session.scalars(select(Person))).all()}
        erasures = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "erasure"))
        ).all()
    erased = {pid for pid, p in people.items() if p.erased_at is not None}
    assert erased == {unfinished, refused, long_closed_youth}
    for kept in (waiting, recently_closed_youth, fresh):
        assert people[kept].display_name is not None
    assert {e.actor for e in erasures} == {"retention"}
    assert all(people[pid].display_name is None for pid in erased)
