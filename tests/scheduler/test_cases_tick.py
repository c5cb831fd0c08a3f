"""Raising again: an open case nobody took for 2 working days is raised again once, in one
post for all the cases due; a case taken or resolved meanwhile is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel
from conversations.pairs import cases
from conversations.staff import cases as staff_cases
from scheduler.ticks import Ticks
from storage.models import Case, Delivery, Pairing
from tests.fakes.mentoring import as_sent, make_pair


async def _open(services: Services, person_id: int | None, text: str = "Bonjour") -> Case:
    async with services.sessions() as session, session.begin():
        return await cases.open_case(
            session,
            kind="human",
            person_id=person_id,
            pairing_id=None,
            text=text,
            now=services.clock.now(),
            config=services.config,
        )


async def _raised(services: Services) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.template == "staff.raised_again").order_by(Delivery.id)
        )
        return list(rows.all())


async def _tick(services: Services, clock: FixedClock) -> int:
    report = await Ticks(services.sessions, services.config).run(clock.now())
    return report.counts.get("cases_again", 0)


async def test_untaken_cases_are_raised_again_once_in_one_post(
    services: Services, clock: FixedClock
) -> None:
    # Monday 2 November 2026, 10:00 in Paris
    _, ines, _ = await make_pair(services)
    _, samir, _ = await make_pair(services, mentor_slack="UMENTOR2", youth_name="Samir")
    first = await _open(services, ines)
    taken = await _open(services, samir)
    async with services.sessions() as session, session.begin():
        pairing = (await session.scalars(select(Pairing))).first()
        assert pairing is not None
        alert = await cases.open_alert(
            session,
            pairing=pairing,
            topic="at_risk",
            since=clock.now() - timedelta(days=45),
            actor="scheduler",
            now=clock.now(),
            config=services.config,
            days=45,
        )
        await staff_cases.take_case(session, case_id=taken.id, staff="USTAFF1", now=clock.now())
    assert alert is not None
    # Wednesday 9:59 in Paris: not yet
    clock.set(datetime(2026, 11, 4, 8, 59, tzinfo=UTC))
    assert await _tick(services, clock) == 0
    assert await _raised(services) == []
    clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))
    assert await _tick(services, clock) == 2
    [post] = await _raised(services)
    assert post.destination == "staff"
    sent = await as_sent(services, post.context)
    assert [(w["case_id"], w["who"], w["topic"]) for w in sent["waiting"]] == [
        (first.id, "Inès", ""),
        (alert.id, "", "at_risk"),
    ]
    assert post.context["choices"] == [
        ["choice.staff.take_numbered", f"ct:{first.id}", {"case_id": first.id}],
        ["choice.staff.take_numbered", f"ct:{alert.id}", {"case_id": alert.id}],
    ]
    text = services.renderer.text("staff.raised_again", "fr", Channel.SLACK, sent)
    assert "2 demandes attendent depuis 2 jours ouvrés" in text
    async with services.sessions() as session:
        stored = {c.id: c for c in (await session.scalars(select(Case))).all()}
    assert stored[first.id].raised_again_at == clock.now()
    assert stored[first.id].raise_again_at is None
    assert stored[taken.id].raised_again_at is None
    # once: a week later, still untaken, nothing more
    clock.advance(timedelta(days=7))
    assert await _tick(services, clock) == 0
    assert len(await _raised(services)) == 1


async def test_a_case_resolved_before_its_time_is_not_raised_again(
    services: Services, clock: FixedClock
) -> None:
    _, ines, _ = await make_pair(services)
    case = await _open(services, ines)
    async with services.sessions() as session, session.begin():
        await staff_cases.resolve_case(session, case_id=case.id, staff="USTAFF1", now=clock.now())
    clock.advance(timedelta(days=10))
    assert await _tick(services, clock) == 0
    assert await _raised(services) == []
