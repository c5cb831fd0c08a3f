"""Finding youths, mentors and pairs: each status, filter and health on hand-made people,
pages and their totals, and search by name (accents or not) or email."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Services
from conversations.core.programme import NudgePolicy
from conversations.pairs.lifecycle import change_status
from conversations.staff import pairing
from conversations.staff.health import cutoffs
from storage import applications, checkins, directory, people, privacy
from storage.directory import Health, MentorFilter, PairFilter, YouthFilter, YouthStatus
from storage.models import (
    ApplicationStatus,
    CloseReason,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Role,
)
from tests.conftest import START
from tests.fakes.mentoring import make_mentor, make_youth

DAY = timedelta(days=1)
NUDGES = NudgePolicy()


async def registered(session: AsyncSession, name: str, *, in_progress: bool = False) -> Person:
    person = await people.create_person(
        session,
        role=Role.YOUTH,
        channel="telegram",
        external_id=f"tg-{name}",
        chat_id=None,
        locale="fr",
        now=START,
    )
    person.display_name = name
    if in_progress:
        await applications.start(session, person.id, None, START)
    await session.flush()
    return person


async def paired(
    session: AsyncSession, services: Services, youth: Person, mentor: Person, at: datetime
) -> Pairing:
    return await pairing.pair(
        session,
        youth_id=youth.id,
        mentor_id=mentor.id,
        staff="tests",
        now=at,
        config=services.config,
    )


async def test_youths_by_status_region_and_waiting_time(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        new = await registered(session, "Nadia")
        answering = await registered(session, "Omar", in_progress=True)
        review = await make_youth(session, START, name="Rita", decision="review")
        refused = await make_youth(session, START, name="Paul", decision="not_eligible")
        long_wait = await make_youth(session, START - 30 * DAY, name="Léa")
        short_wait = await make_youth(session, START - 2 * DAY, name="Sami")
        with_mentor = await make_youth(session, START, name="Inès")
        short_wait.region = "reu"
        mentor = await make_mentor(session, START)
        await paired(session, services, with_mentor, mentor, START)

    async with services.sessions() as session:
        everyone = await directory.youths(session, YouthFilter())
        waiting = await directory.youths(session, YouthFilter(status="waiting"))
        eligible = await directory.youths(session, YouthFilter(status="eligible"))
        overdue = await directory.youths(session, YouthFilter(waiting_before=START - 20 * DAY))
        in_reunion = await directory.youths(session, YouthFilter(region="REU"))
        page = await directory.youths(session, YouthFilter(), limit=3, offset=3)

    statuses = {line.person_id: line.status for line in everyone.items}
    assert statuses == {
        new.id: YouthStatus.REGISTERED,
        answering.id: YouthStatus.SCREENING,
        review.id: YouthStatus.SCREENING,
        refused.id: YouthStatus.NOT_ELIGIBLE,
        long_wait.id: YouthStatus.WAITING,
        short_wait.id: YouthStatus.WAITING,
        with_mentor.id: YouthStatus.PAIRED,
    }
    # waiting youths first, the longest waiting first
    assert [line.person_id for line in everyone.items[:2]] == [long_wait.id, short_wait.id]
    assert everyone.items[0].waiting_since == START - 30 * DAY
    assert [line.person_id for line in waiting.items] == [long_wait.id, short_wait.id]
    assert {line.person_id for line in eligible.items} == {
        long_wait.id,
        short_wait.id,
        with_mentor.id,
    }
    assert [line.person_id for line in overdue.items] == [long_wait.id]
    assert [line.person_id for line in in_reunion.items] == [short_wait.id]
    assert (len(page.items), page.total) == (3, 7)
    [line] = [line for line in everyone.items if line.person_id == with_mentor.id]
    assert line.pairing_id is not None


async def test_a_youth_whose_pair_ended_waits_since_its_end(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, START - 60 * DAY)
        mentor = await make_mentor(session, START - 60 * DAY)
        made = await paired(session, services, youth, mentor, START - 50 * DAY)
        change_status(
            made,
            PairingStatus.CLOSED,
            now=START - 5 * DAY,
            config=services.config,
            reason=CloseReason.MISMATCH,
        )

    async with services.sessions() as session:
        [line] = (await directory.youths(session, YouthFilter(status="waiting"))).items
        overdue = await directory.youths(session, YouthFilter(waiting_before=START - 20 * DAY))
    assert line.waiting_since == START - 5 * DAY
    assert overdue.items == ()


async def test_mentors_by_status_accepting_and_room(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        full = await make_mentor(session, START, "UFULL", name="Claire", capacity=1)
        roomy = await make_mentor(session, START, "UROOMY", name="Marc", capacity=3)
        paused = await make_mentor(session, START, "UPAUSE", name="Zoé")
        pending = await make_mentor(session, START, "UPEND", name="Yann")
        for person, change in ((paused, "accepting"), (pending, "status")):
            profile = await session.get(MentorProfile, person.id)
            assert profile is not None
            if change == "accepting":
                profile.accepting = False
            else:
                profile.status = "pending"
        await paired(session, services, await make_youth(session, START), full, START)
        await paired(session, services, await make_youth(session, START), roomy, START)

    async with services.sessions() as session:
        everyone = await directory.mentors(session, MentorFilter())
        with_room = await directory.mentors(session, MentorFilter(with_room=True))
        without = await directory.mentors(session, MentorFilter(with_room=False))
        closed = await directory.mentors(session, MentorFilter(accepting=False))
        waiting = await directory.mentors(session, MentorFilter(status="pending"))
        elsewhere = await directory.mentors(session, MentorFilter(region="bre"))

    assert everyone.items[0].person_id == pending.id  # sign-ups waiting for staff first
    rooms = {line.person_id: (line.open_pairs, line.room) for line in everyone.items}
    assert rooms[full.id] == (1, 0)
    assert rooms[roomy.id] == (1, 2)
    assert {line.person_id for line in with_room.items} == {roomy.id, paused.id, pending.id}
    assert [line.person_id for line in without.items] == [full.id]
    assert [line.person_id for line in closed.items] == [paused.id]
    assert [line.person_id for line in waiting.items] == [pending.id]
    assert elsewhere.total == 0


async def _pair_started(services: Services, name: str, started: datetime) -> int:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, started, name=name)
        mentor = await make_mentor(session, started, f"U{name.upper()}", name=f"M{name}")
        return (await paired(session, services, youth, mentor, started)).id


async def _health(services: Services, now: datetime) -> dict[int, Health | None]:
    async with services.sessions() as session:
        page = await directory.pairs(session, PairFilter(), cutoffs(now, NUDGES))
    return {line.pairing_id: line.health for line in page.items}


async def test_the_health_of_pairs_at_their_boundaries(services: Services) -> None:
    fresh = await _pair_started(services, "Ana", START - 3 * DAY)
    no_meeting = await _pair_started(services, "Bea", START - 21 * DAY)
    almost = await _pair_started(services, "Cid", START - 20 * DAY)
    quiet = await _pair_started(services, "Dan", START - 60 * DAY)
    asked = await _pair_started(services, "Eve", START - 10 * DAY)
    escalated = await _pair_started(services, "Fay", START - 30 * DAY)
    paused = await _pair_started(services, "Gus", START - 3 * DAY)
    async with services.sessions() as session, session.begin():
        for pairing_id in (quiet, escalated, almost):
            made = await session.get(Pairing, pairing_id)
            assert made is not None
            made.first_meeting_at = made.started_at
        quiet_pair = await session.get(Pairing, quiet)
        assert quiet_pair is not None
        # exactly the silence period since the last contact: silent
        quiet_pair.last_contact_at = START - timedelta(days=NUDGES.silence_days)
        await checkins.ask(session, asked, "2026-11", "mentor", START - DAY)
        await checkins.ask(session, escalated, "2026-10", "mentor", START - 10 * DAY)
        paused_pair = await session.get(Pairing, paused)
        assert paused_pair is not None
        change_status(paused_pair, PairingStatus.PAUSED, now=START, config=services.config)

    assert await _health(services, START) == {
        fresh: Health.ON_TRACK,
        no_meeting: Health.AT_RISK,
        almost: Health.ON_TRACK,
        quiet: Health.SILENT,
        asked: Health.CHECKIN_DUE,
        escalated: Health.AT_RISK,
        paused: None,
    }
    # a contact after the check-in was asked answers it
    async with services.sessions() as session, session.begin():
        made = await session.get(Pairing, asked)
        assert made is not None
        made.last_contact_at = START
    assert (await _health(services, START))[asked] is Health.ON_TRACK

    async with services.sessions() as session:
        page = await directory.pairs(session, PairFilter(health="at_risk"), cutoffs(START, NUDGES))
        worst = await directory.pairs(session, PairFilter(), cutoffs(START, NUDGES), limit=1)
    assert {line.pairing_id for line in page.items} == {no_meeting, escalated}
    assert (worst.items[0].pairing_id, worst.total) == (quiet, 7)


async def test_search_by_name_with_or_without_accents_and_by_email(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        ines = await make_youth(session, START, name="Inès")
        await make_youth(session, START, name="Samir")
        ilyes = await make_youth(session, START, name="Ilyes")
        gone = await make_youth(session, START, name="Inès")
        application = await applications.latest(session, ilyes.id)
        assert application is not None
        application.answers = {**application.answers, "email": "ilyes.b@example.org"}
        application.status = ApplicationStatus.DECIDED
        claire = await make_mentor(session, START, "UCLAIRE", name="Claire")
        await privacy.erase_person(session, gone, START)
        made = await paired(session, services, ines, claire, START)

    async with services.sessions() as session:
        unaccented = await directory.search_youths(session, "ines")
        accented = await directory.search_youths(session, "INÈS")
        by_email = await directory.search_youths(session, "Ilyes.B@example.org")
        by_part = await directory.search_youths(session, "example.org")
        wildcard = await directory.search_youths(session, "%_")
        mentor = await directory.search_mentors(session, "uclaire@example.org")
        pairs = await directory.search_pairs(session, "claire", cutoffs(START, NUDGES))
        numbered = await directory.search_pairs(session, f"#{made.id}", cutoffs(START, NUDGES))

    assert [line.person_id for line in unaccented.items] == [ines.id]
    assert [line.person_id for line in accented.items] == [ines.id]
    assert [line.person_id for line in by_email.items] == [ilyes.id]
    assert by_email.items[0].email == "ilyes.b@example.org"
    assert [line.person_id for line in by_part.items] == [ilyes.id]
    assert wildcard.items == ()
    assert [line.person_id for line in mentor.items] == [claire.id]
    assert [line.pairing_id for line in pairs.items] == [made.id]
    assert [line.pairing_id for line in numbered.items] == [made.id]
