"""What suggestions read: the waiting youths (latest application eligible, no open pair,
waiting since the decision or their last pair's end) and every mentor's open pairings,
counted in one GROUP BY."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.engine import Connection

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs.lifecycle import OPEN_STATUSES
from scheduler.ticks.unpaired import unpaired_query
from storage import applications, candidates, directory, figures
from storage.models import MentorProfile, Pairing, PairingStatus
from tests.fakes.mentoring import make_mentor, make_pair, make_youth


async def test_who_waits_and_since_when(services: Services, clock: FixedClock) -> None:
    now = clock.now()
    pairing_id, paired, _ = await make_pair(services, youth_name="Paired")
    _, left, _ = await make_pair(services, youth_name="Left")
    async with services.sessions() as session, session.begin():
        await make_youth(session, now - timedelta(days=30), name="First")
        again = await make_youth(session, now - timedelta(days=50), name="Again")
        # a new application in progress: the latest one is not decided, not waiting
        await applications.start(session, again.id, None, now)
        erased = await make_youth(session, now - timedelta(days=60), name="Erased")
        erased.erased_at = now
        # decided 100 days ago, their pair ended 3 days ago: they wait since then
        ended = await session.get(Pairing, pairing_id + 1)
        decided = await applications.latest(session, left)
        assert ended is not None
        assert decided is not None
        ended.status, ended.closed_at = PairingStatus.CLOSED, now - timedelta(days=3)
        decided.decided_at = now - timedelta(days=100)
    async with services.sessions() as session:
        waiting = await candidates.waiting_youths(session, OPEN_STATUSES)
        facts = await candidates.youth(session, paired, OPEN_STATUSES)
        gone = await candidates.youth(session, erased.id, OPEN_STATUSES)
    assert [(y.name, y.waiting_since) for y in waiting] == [
        ("First", now - timedelta(days=30)),
        ("Left", now - timedelta(days=3)),
    ]
    assert waiting[0].field == "Développement web"
    assert waiting[0].region == "IDF"
    assert facts is not None
    assert (facts.open_pairing_id, facts.decision) == (pairing_id, "eligible")
    assert gone is not None
    assert gone.erased


async def test_mentors_open_pairings_are_counted_in_one_query(
    services: Services, clock: FixedClock
) -> None:
    now = clock.now()
    _, _, claire = await make_pair(services, mentor_slack="UCLAIRE")
    await make_pair(services, mentor_slack="UCLAIRE")
    async with services.sessions() as session, session.begin():
        for number in range(5):
            await make_mentor(session, now, f"UOTHER{number}", name=f"M{number}")
        profile = await session.get(MentorProfile, claire)
        assert profile is not None
        profile.languages, profile.expertise = ["fr", "ar"], "RH, CV"
    statements: list[str] = []

    def seen(_conn: Connection, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(services.db.sync_engine, "before_cursor_execute", seen)
    try:
        async with services.sessions() as session:
            mentors = await candidates.mentors(session, OPEN_STATUSES)
    finally:
        event.remove(services.db.sync_engine, "before_cursor_execute", seen)
    assert len(statements) == 2
    by_id = {m.person_id: m for m in mentors}
    assert len(by_id) == 6
    assert (by_id[claire].open_count, by_id[claire].capacity) == (2, 2)
    assert by_id[claire].languages == ("fr", "ar")
    assert by_id[claire].expertise == "RH, CV"
    assert sum(m.open_count for m in mentors) == 2


async def test_a_youth_whose_mentoring_ended_for_good_waits_no_more(
    services: Services, clock: FixedClock
) -> None:
    """After a job (or giving up) the youth is not waiting for a mentor; after the mentor
    left (or they did not get on) they are, again: one rule for the suggestions, the staff
    lists, the App Home and the weekly digest."""
    found_job, job_youth, _ = await make_pair(services, mentor_slack="UONE", youth_name="Awa")
    mentor_left, left_youth, _ = await make_pair(services, mentor_slack="UTWO", youth_name="Bo")
    async with services.sessions() as session, session.begin():
        for pairing_id, reason in ((found_job, "job"), (mentor_left, "mentor_unavailable")):
            pairing = await session.get(Pairing, pairing_id)
            assert pairing is not None
            pairing.status, pairing.close_reason = PairingStatus.CLOSED, reason
            pairing.closed_at = clock.now()
    async with services.sessions() as session:
        suggested = {y.person_id for y in await candidates.waiting_youths(session, OPEN_STATUSES)}
        count, oldest = await figures.waiting_youths(session, 10)
        listed = {
            line.person_id: line.status
            for line in (await directory.youths(session, directory.YouthFilter())).items
        }
        digest = {
            person.id
            for _, person in (
                await session.execute(unpaired_query(clock.now() + timedelta(days=60), 20))
            ).all()
        }
    assert suggested == {left_youth}
    assert (count, [y.person_id for y in oldest]) == (1, [left_youth])
    assert listed == {job_youth: "ended", left_youth: "waiting"}
    assert digest == {left_youth}
