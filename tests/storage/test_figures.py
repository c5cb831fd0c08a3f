"""The programme's figures on the seeded programme (`tests/fakes/programme.py`), checked
against numbers derived by hand from the seed (each derivation in a comment)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.container import Services
from conversations.core.programme import NudgePolicy
from conversations.staff.health import cutoffs
from storage import figures
from storage.figures import Months
from tests.conftest import BACKENDS, database_url_for
from tests.fakes.programme import NOW, seed_programme

PARIS = ZoneInfo("Europe/Paris")
MONTHS = Months.ending("2026-10", 2, PARIS)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The figures' queries on SQLite, then on PostgreSQL when it is configured (stricter
    about GROUP BY)."""
    return await database_url_for(request.param, tmp_path)


@pytest.fixture
async def seeded(services: Services) -> Services:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
    return services


def test_months_are_the_programme_s() -> None:
    # October 2026 in Paris: 1 Oct 00:00 CEST (30 Sep 22:00 UTC) to 1 Nov 00:00 CET (31 Oct
    # 23:00 UTC: the clocks went back on 25 October)
    assert MONTHS.labels == ("2026-09", "2026-10")
    assert [bound.isoformat() for bound in MONTHS.bounds] == [
        "2026-09-01T00:00:00+02:00",
        "2026-10-01T00:00:00+02:00",
        "2026-11-01T00:00:00+01:00",
    ]
    assert Months.ending("2027-01", 3, PARIS).labels == ("2026-11", "2026-12", "2027-01")


async def test_people_by_region_and_month(seeded: Services) -> None:
    async with seeded.sessions() as session:
        found = await figures.people_by_month(session, MONTHS)
    # registrations: September Y1 (idf), Y7 (ara); October Y2 (idf: 30 Sep 22:30 UTC is
    # 1 Oct in Paris), Y3 and Y4 (ara; Y4 erased still counts); Y5 started on 1 Nov in
    # Paris; Y6, Y8, Y10, Y11 registered before September
    assert found["registrations"] == {
        ("idf", "2026-09"): 1,
        ("ara", "2026-09"): 1,
        ("idf", "2026-10"): 1,
        ("ara", "2026-10"): 2,
    }
    # screened: September Y1 (idf), Y7 (ara); October Y2 (idf), Y3 and Y4 (ara)
    assert found["screened"] == {
        ("idf", "2026-09"): 1,
        ("ara", "2026-09"): 1,
        ("idf", "2026-10"): 1,
        ("ara", "2026-10"): 2,
    }
    # eligible: the same less Y3 (not eligible)
    assert found["eligible"] == {
        ("idf", "2026-09"): 1,
        ("ara", "2026-09"): 1,
        ("idf", "2026-10"): 1,
        ("ara", "2026-10"): 1,
    }
    # paired (started): September Y6 (idf), Y7 (ara); October Y1 and Y2 (idf), Y4 (ara);
    # Y1's cancelled proposal never started
    assert found["paired"] == {
        ("idf", "2026-09"): 1,
        ("ara", "2026-09"): 1,
        ("idf", "2026-10"): 2,
        ("ara", "2026-10"): 1,
    }


async def test_a_region_filters_every_count(seeded: Services) -> None:
    async with seeded.sessions() as session:
        found = await figures.people_by_month(session, MONTHS, "ara")
        delays = await figures.delays_by_month(session, MONTHS, "ara")
    assert found["registrations"] == {("ara", "2026-09"): 1, ("ara", "2026-10"): 2}
    assert found["paired"] == {("ara", "2026-09"): 1, ("ara", "2026-10"): 1}
    # Y7: 1 Sep -> 10 Sep; Y4: 10 Oct -> 22 Oct
    assert delays == {"2026-09": {9: 1}, "2026-10": {12: 1}}


async def test_delays_from_registration_to_pairing(seeded: Services) -> None:
    async with seeded.sessions() as session:
        found = await figures.delays_by_month(session, MONTHS)
    # September: Y6 1 Aug -> 5 Sep = 35 days, Y7 1 Sep -> 10 Sep = 9 days
    # October: Y1 10 Sep -> 2 Oct = 22, Y2 30 Sep 22:30 -> 15 Oct 22:30 = 15, Y4 (erased:
    # from the day the bot met her, 10 Oct) -> 22 Oct = 12
    assert found == {"2026-09": {35: 1, 9: 1}, "2026-10": {22: 1, 15: 1, 12: 1}}


async def test_active_pairs_by_health(seeded: Services) -> None:
    rule = cutoffs(NOW, NudgePolicy())
    async with seeded.sessions() as session:
        found = await figures.health_counts(session, rule)
        ara = await figures.health_counts(session, rule, "ara")
    # 2 Nov less 45 days is 18 Sep: P7 (started 10 Sep, met 15 Sep, nothing since) is
    # silent; P1 (started 2 Oct, no first meeting 21 days later) at risk; P2 (its mentor's
    # check-in asked on 3 Oct, unanswered past the 10 days of escalation) at risk too; P8
    # (contact on 30 Oct) on track; P4 and P6 are closed
    assert found == {"silent": 1, "at_risk": 2, "checkin_due": 0, "on_track": 1}
    assert ara == {"silent": 1, "at_risk": 0, "checkin_due": 0, "on_track": 0}


async def test_checkins_and_contacts_by_month(seeded: Services) -> None:
    async with seeded.sessions() as session:
        checkins = await figures.checkins_by_month(session, MONTHS)
        contacts = await figures.contacts_by_month(session, MONTHS)
    # September: P7 unanswered, P8 answered; October: P2 unanswered, P8 both sides and
    # P1 ("not yet" is an answer) answered
    assert checkins == {"2026-09": (2, 1), "2026-10": (4, 3)}
    # contacts: September P7's first meeting; October P8's contact and two relayed
    # messages, P2's first meeting (its concern is no contact; P1's message on 31 Oct
    # 23:30 UTC is in November in Paris). Pairs under way: September P6, P7, P8; October
    # P1, P2, P4, P6, P7, P8 (the cancelled proposal never started)
    assert contacts == {"2026-09": (1, 3), "2026-10": (4, 6)}


async def test_events_answers_and_attendance(seeded: Services) -> None:
    async with seeded.sessions() as session:
        found = await figures.events_by_month(session, MONTHS)
        ara = await figures.events_by_month(session, MONTHS, "ara")
    # October: E1 (announced; E2 cancelled, E3 only drafted): Y1 yes and came, Y8 yes and
    # did not, Y2 maybe, Y3 no; September: E4, Y7 yes and came
    assert found == {
        "2026-09": {"events": 1, "yes": 1, "maybe": 0, "no": 0, "attended": 1},
        "2026-10": {"events": 1, "yes": 2, "maybe": 1, "no": 1, "attended": 1},
    }
    # in ara, only Y3's "no" to E1 and Y7's "yes" to E4; events themselves have no region
    assert ara["2026-10"] == {"events": 1, "yes": 0, "maybe": 0, "no": 1, "attended": 0}
    assert ara["2026-09"] == {"events": 1, "yes": 1, "maybe": 0, "no": 0, "attended": 1}


async def test_exits_by_kind_and_positive_outcomes(seeded: Services) -> None:
    async with seeded.sessions() as session:
        exits, positive = await figures.exits_by_month(session, MONTHS)
    # October: P6 (idf) a job at diploma level, P4 (ara, erased youth) gave up; Y1's
    # proposal cancelled before it started is no exit
    assert exits == {("idf", "2026-10", "job"): 1, ("ara", "2026-10", "gave_up"): 1}
    assert positive == {("idf", "2026-10"): 1, ("ara", "2026-10"): 0}


async def test_waiting_youths_and_open_cases(seeded: Services) -> None:
    async with seeded.sessions() as session:
        count, oldest = await figures.waiting_youths(session, 5)
        cases = await figures.open_case_count(session)
        first = await figures.oldest_open_cases(session, 1)
    # Y10 (decided 25 Aug) and Y11 (decided 21 Aug) were never paired; Y11 waits longest
    assert count == 2
    assert [(youth.name, youth.region) for youth in oldest] == [("Omar", "ara"), ("Lina", "idf")]
    # two cases not resolved; the taken one was opened first (27 Oct)
    assert cases == 2
    assert [case.kind for case in first] == ["alert"]


async def test_an_empty_programme_counts_nothing(services: Services) -> None:
    rule = cutoffs(NOW, NudgePolicy())
    async with services.sessions() as session:
        people = await figures.people_by_month(session, MONTHS)
        health = await figures.health_counts(session, rule)
        contacts = await figures.contacts_by_month(session, MONTHS)
        events = await figures.events_by_month(session, MONTHS)
    assert all(grid == {} for grid in people.values())
    assert set(health.values()) == {0}
    assert contacts == {"2026-09": (0, 0), "2026-10": (0, 0)}
    assert events["2026-10"] == {"events": 0, "yes": 0, "maybe": 0, "no": 0, "attended": 0}
