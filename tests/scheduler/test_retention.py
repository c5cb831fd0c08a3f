"""What the privacy notice promises: each kind of data kept for its period at most, then
removed by the daily purge (in batches, every run audit-logged)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.pairs.cases import open_case
from conversations.pairs.lifecycle import change_status
from conversations.staff.case_answers import answer_case
from scheduler.ticks import Ticks
from scheduler.ticks import retention as retention_tick
from storage import applications, audit, people, support
from storage.cases import resolve
from storage.database import upgrade
from storage.models import (
    AuditLog,
    Case,
    CloseReason,
    Delivery,
    DeliveryStatus,
    Pairing,
    PairingStatus,
    Person,
    Role,
    SupportRequest,
)
from tests.conftest import make_settings
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


# --------------------------------------------------------------------------- each period
DAY = timedelta(days=1)
PERIODS = {
    "MENTORBOT_RETENTION_UNFINISHED_DAYS": "30",
    "MENTORBOT_RETENTION_REFUSED_DAYS": "60",
    "MENTORBOT_RETENTION_CLOSED_DAYS": "90",
    "MENTORBOT_RETENTION_CASES_DAYS": "45",
    "MENTORBOT_RETENTION_AUDIT_DAYS": "400",
}


@pytest.fixture
async def periods(any_database_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    """The services with a period of its own for each kind, on SQLite and PostgreSQL."""
    built = build(make_settings(any_database_url, **PERIODS), clock)
    await upgrade(built.db)
    yield built
    await built.close()


async def _stranger(services: Services) -> int:
    """Someone who opened the bot and never answered the privacy notice."""
    async with services.sessions() as session, session.begin():
        person = await people.create_person(
            session,
            role=Role.YOUTH,
            channel="telegram",
            external_id="8000001",
            chat_id="8000001",
            locale="fr",
            now=services.clock.now(),
        )
        return person.id


async def _set_pairing(services: Services, pairing_id: int, **values: object) -> None:
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        for name, value in values.items():
            setattr(pairing, name, value)


async def _purge_entries(services: Services) -> list[AuditLog]:
    async with services.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AuditLog)
                    .where(AuditLog.action == "retention_purge")
                    .order_by(AuditLog.id)
                )
            ).all()
        )


async def test_each_kind_of_youth_goes_after_its_own_period(
    periods: Services, clock: FixedClock
) -> None:
    services = periods
    start = clock.now()
    unfinished = await _youth(services, "Brouillon", None)
    stranger = await _stranger(services)
    refused = await _youth(services, "Refus", "not_eligible")
    waiting = await _youth(services, "Attend", "eligible")
    talking = await _youth(services, "Bavarde", None)
    asking = await _youth(services, "Demande", None)
    lost_pair, lost, mentor = await make_pair(services, mentor_slack="UM1")
    kept_pair, kept, _ = await make_pair(services, mentor_slack="UM2")
    again_pair, again, _ = await make_pair(services, mentor_slack="UM3")
    async with services.sessions() as session, session.begin():
        await open_case(
            session,
            kind="human",
            person_id=asking,
            pairing_id=None,
            text="Une question",
            now=start,
            config=services.config,
        )
    # the lost pair's last contact is 95 days old when it closes 5 days before the purge
    await _set_pairing(services, lost_pair, last_contact_at=start + 5 * DAY)
    await _set_pairing(services, kept_pair, last_contact_at=start + 20 * DAY)
    for pairing_id in (kept_pair, again_pair):
        clock.set(start + 30 * DAY)
        await _close(services, pairing_id)
    clock.set(start + 40 * DAY)  # applies again after the mentoring: eligible, waits
    async with services.sessions() as session, session.begin():
        application = await applications.start(session, again, None, clock.now())
        application.status, application.decision = "decided", "eligible"
        application.decided_at = clock.now()
    clock.set(start + 50 * DAY)
    recently_refused = await _youth(services, "Refus-Recent", "not_eligible")
    clock.set(start + 80 * DAY)
    recently_started = await _youth(services, "Brouillon-Recent", None)
    async with services.sessions() as session, session.begin():
        await people.set_state(
            session, talking, flow="eligibility", step="diploma", data={}, now=clock.now()
        )
    clock.set(start + 95 * DAY)
    await _close(services, lost_pair)
    clock.set(start + 100 * DAY)

    removed = await Ticks(services.sessions, services.config).retention_purge(clock.now())

    assert removed == 4
    async with services.sessions() as session:
        everyone = {p.id: p for p in (await session.scalars(select(Person))).all()}
    erased = {pid for pid, p in everyone.items() if p.erased_at is not None}
    assert erased == {unfinished, stranger, refused, lost}
    for person_id in (waiting, talking, asking, kept, again, recently_refused, recently_started):
        assert everyone[person_id].erased_at is None
    assert everyone[mentor].display_name == "Claire"  # mentors are not erased by retention
    [entry] = await _purge_entries(services)
    assert entry.actor == "retention"
    assert entry.detail == {
        "unfinished": 2,
        "refused": 1,
        "closed": 1,
        "cases": 0,
        "case_messages": 0,
        "requests": 0,
        "audit": 0,
    }


async def test_resolved_cases_lose_what_people_wrote_after_the_cases_period(
    periods: Services, clock: FixedClock
) -> None:
    services = periods
    start = clock.now()
    asker = await _youth(services, "Attend", "eligible")  # waits for a mentor: kept
    case_ids = []
    async with services.sessions() as session, session.begin():
        for text in ("Secret ancien", "Secret récent", "Secret ouvert"):
            case = await open_case(
                session,
                kind="human",
                person_id=asker,
                pairing_id=None,
                text=text,
                now=start,
                config=services.config,
            )
            case_ids.append(case.id)
        await answer_case(
            session,
            case_id=case_ids[0],
            staff="USTAFF1",
            text="Réponse secrète",
            now=start,
            config=services.config,
        )
        old_request = support.add_request(
            session, person_id=asker, kind="human", message="Demande ancienne", now=start
        )
        old_request.resolved_at = start + DAY
        support.add_request(
            session, person_id=asker, kind="human", message="Demande en cours", now=start
        )
        await session.execute(update(Delivery).values(status=DeliveryStatus.SENT))
    old, recent, still_open = case_ids
    for case_id, day in ((old, 10), (recent, 70)):
        async with services.sessions() as session, session.begin():
            resolved = await session.get(Case, case_id)
            assert resolved is not None
            resolve(resolved, by="USTAFF1", now=start + day * DAY)
    clock.set(start + 100 * DAY)

    assert await Ticks(services.sessions, services.config).retention_purge(clock.now()) == 4

    async with services.sessions() as session:
        texts = {c.id: c.text for c in (await session.scalars(select(Case))).all()}
        deliveries = (await session.scalars(select(Delivery))).all()
        requests = (await session.scalars(select(SupportRequest))).all()
        asker_row = await session.get(Person, asker)
    assert texts == {old: None, recent: "Secret récent", still_open: "Secret ouvert"}
    about_old = [d for d in deliveries if d.context.get("case_id") == old]
    assert about_old
    assert all(not d.context.get("text") for d in about_old)
    assert any(d.context.get("text") == "Secret récent" for d in deliveries)
    assert sorted(r.message or "" for r in requests) == ["", "Demande en cours"]
    assert asker_row is not None
    assert asker_row.erased_at is None
    [entry] = await _purge_entries(services)
    assert (entry.detail["cases"], entry.detail["requests"]) == (1, 1)
    assert entry.detail["case_messages"] == len(about_old) == 2  # the post, the answer


async def test_audit_entries_older_than_their_period_are_deleted_but_the_last_rules_file(
    periods: Services, clock: FixedClock
) -> None:
    services = periods
    start = clock.now()
    async with services.sessions() as session, session.begin():
        for days_ago, action, detail in (
            (500, "rules_file", {"file": "eligibility.toml", "sha256": "a"}),
            (450, "rules_file", {"file": "eligibility.toml", "sha256": "b"}),
            (450, "pairing_created", {"pairing": 1}),
            (300, "case_taken", {"case": 2}),
        ):
            await audit.record(
                session,
                actor="staff:USTAFF1",
                action=action,
                now=start - days_ago * DAY,
                detail=detail,
            )

    assert await Ticks(services.sessions, services.config).retention_purge(clock.now()) == 2

    async with services.sessions() as session:
        left = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(e.action, e.detail.get("sha256")) for e in left] == [
        ("rules_file", "b"),  # the bot compares the file it starts with against it
        ("case_taken", None),
        ("retention_purge", None),
    ]
    assert left[-1].detail["audit"] == 2


async def test_the_purge_goes_in_batches_and_says_so_once_a_day_when_nothing_goes(
    services: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_tick, "BATCH", 2)
    for index in range(5):
        await _youth(services, f"Brouillon-{index}", None)
    clock.set(clock.now() + YEAR)
    ticks = Ticks(services.sessions, services.config)

    assert [await ticks.retention_purge(clock.now()) for _ in range(4)] == [2, 2, 1, 0]
    assert [e.detail["unfinished"] for e in await _purge_entries(services)] == [2, 2, 1]

    clock.set(clock.now() + DAY)  # the next day: nothing is past its period
    assert await ticks.retention_purge(clock.now()) == 0
    assert await ticks.retention_purge(clock.now()) == 0
    entries = await _purge_entries(services)
    assert len(entries) == 4
    assert set(entries[-1].detail.values()) == {0}
