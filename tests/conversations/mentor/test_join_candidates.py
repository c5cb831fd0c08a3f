"""A mentor who signed up is never suggested before staff approve them, nor once declined,
nor while they say they take no new mentees (`storage.candidates` and the matching rules,
fed by what `/mentorbot join` and `/mentorbot available` store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.mentor import join
from conversations.pairs.lifecycle import OPEN_STATUSES
from conversations.rules.matching import matching_rules
from conversations.staff import matching
from storage import candidates
from storage.models import Person
from tests.conversations.mentor.on_slack import STAFF, Slack, all_of, with_staff
from tests.fakes.mentoring import make_youth

NEWCOMER = "UNEW1"
ANSWERS: dict[str, object] = {
    "first_name": "Claire",
    "sector": "Informatique",
    "expertise": "développement web",
    "region": "idf",
    "capacity": "2",
    "languages": ["fr"],
    "remote": "yes",
}


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    async with with_staff(tmp_path, clock, STAFF) as built:
        yield built


async def offered(services: Services) -> tuple[list[int], dict[str, int]]:
    """The mentors suggested for the waiting youth, and those left out by reason."""
    async with services.sessions() as session:
        [youth] = await candidates.waiting_youths(session, OPEN_STATUSES)
        mentors = await candidates.mentors(session, OPEN_STATUSES)
    now = services.clock.now()
    ranking = matching.rank(youth, mentors, matching_rules(), now=now, today=now.date())
    left_out = {str(why): count for why, count in ranking.excluded.items()}
    return [c.mentor.person_id for c in ranking.candidates], left_out


async def test_only_an_approved_mentor_taking_mentees_is_offered(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_youth(session, services.clock.now())
    newcomer = Slack(services, NEWCOMER)
    await newcomer.submit(join.FORM, ANSWERS)
    [mentor] = [p for p in await all_of(services, Person) if p.display_name == "Claire"]
    assert await offered(services) == ([], {"not_approved": 1})

    await Slack(services, STAFF).press("ja", mentor.id)
    assert await offered(services) == ([mentor.id], {})

    await newcomer.command("available off")
    assert await offered(services) == ([], {"not_accepting": 1})
    await newcomer.command("available on")
    assert await offered(services) == ([mentor.id], {})


async def test_a_declined_mentor_is_never_offered(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_youth(session, services.clock.now())
    await Slack(services, NEWCOMER).submit(join.FORM, ANSWERS)
    [mentor] = [p for p in await all_of(services, Person) if p.display_name == "Claire"]
    await Slack(services, STAFF).press("jd", mentor.id)
    assert await offered(services) == ([], {"not_approved": 1})
