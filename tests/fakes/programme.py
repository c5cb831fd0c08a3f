"""A small seeded programme for the figures' tests: youths in two regions over September and
October 2026 (Paris time), their applications, pairings, check-ins, contacts, events and
exits, written as rows. The numbers each test expects are derived by hand from this seed
in `tests/storage/test_figures.py`.

    Y1 idf  registered 10 Sep, eligible 12 Sep, a proposal cancelled 1 Oct, paired 2 Oct
            (no first meeting: at risk on 2 Nov), mentor's October check-in "not yet"
    Y2 idf  registered 30 Sep 22:30 UTC (1 Oct in Paris), eligible 5 Oct, paired 15 Oct
            22:30 UTC, first meeting 20 Oct, October check-in unanswered (check-in due)
    Y3 ara  registered 3 Oct, not eligible 4 Oct
    Y4 ara  registered 10 Oct, eligible 20 Oct, paired 22 Oct, gave up 28 Oct, erased
            (the application lost its person, as an erasure does)
    Y5 idf  started 31 Oct 23:30 UTC: 1 Nov in Paris, outside October
    Y6 idf  registered 1 Aug, paired 5 Sep, closed 10 Oct with a job at diploma level
    Y7 ara  registered 1 Sep, eligible 2 Sep, paired 10 Sep, first meeting 15 Sep, nothing
            since (silent on 2 Nov), September check-in unanswered
    Y8 idf  registered 1 Jul, paired 1 Aug, met 10 Aug, last contact 30 Oct (on track)
    Y10 idf, Y11 ara  eligible in August, never paired: waiting
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Announcement,
    Application,
    Case,
    Checkin,
    Event,
    Interaction,
    Outcome,
    Pairing,
    Person,
    Rsvp,
)

# the moment the figures are looked at: Monday 2 November 2026, 10:00 in Paris
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Seeded:
    """The ids the tests look up."""

    youths: dict[str, int]
    pairings: dict[str, int]


async def _youth(
    session: AsyncSession,
    name: str,
    region: str,
    *,
    started: datetime,
    decided: datetime | None = None,
    decision: str = "eligible",
    erased: bool = False,
) -> Person:
    person = Person(
        role="youth",
        display_name=None if erased else name,
        locale="fr",
        created_at=started,
        region=region,
        erased_at=NOW if erased else None,
    )
    session.add(person)
    await session.flush()
    session.add(
        Application(
            person_id=None if erased else person.id,
            status="decided" if decided else "in_progress",
            answers={},
            reasons=[],
            decision=decision if decided else None,
            region=region,
            started_at=started,
            decided_at=decided,
        )
    )
    return person


async def _pair(
    session: AsyncSession,
    youth: Person,
    mentor: Person,
    *,
    started: datetime | None,
    status: str = "active",
    first_meeting: datetime | None = None,
    last_contact: datetime | None = None,
    closed: datetime | None = None,
    reason: str | None = None,
) -> Pairing:
    pairing = Pairing(
        youth_id=youth.id,
        mentor_id=mentor.id,
        status=status,
        proposed_at=started or closed or NOW,
        started_at=started,
        first_meeting_at=first_meeting,
        last_contact_at=last_contact,
        closed_at=closed,
        close_reason=reason,
    )
    session.add(pairing)
    await session.flush()
    return pairing


def _checkin(pairing: Pairing, period: str, role: str, answer: str | None) -> Checkin:
    return Checkin(
        pairing_id=pairing.id,
        period=period,
        respondent_role=role,
        asked_at=at(int(period[-2:]), 3),
        answer=answer,
        topics=[],
    )


def _log(pairing: Pairing, kind: str, when: datetime) -> Interaction:
    return Interaction(
        pairing_id=pairing.id, kind=kind, occurred_at=when, logged_at=when, channel="slack"
    )


async def _event(
    session: AsyncSession, starts: datetime, *, announcement: str | None, state: str = "scheduled"
) -> Event:
    event = Event(
        title="Atelier CV",
        kind="workshop",
        starts_at=starts,
        ends_at=starts,
        zone="Europe/Paris",
        state=state,
        created_by="tests",
        created_at=at(8, 1),
        updated_at=at(8, 1),
    )
    session.add(event)
    await session.flush()
    if announcement is not None:
        session.add(
            Announcement(
                event_id=event.id,
                status=announcement,
                not_after=starts,
                author="tests",
                created_at=at(8, 1),
            )
        )
    return event


def _rsvp(event: Event, person: Person, answer: str, attended: bool | None = None) -> Rsvp:
    return Rsvp(event_id=event.id, person_id=person.id, answer=answer, attended=attended)


async def seed_programme(session: AsyncSession) -> Seeded:
    """Write the seeded programme (see the module's docstring)."""
    mentor = Person(role="mentor", display_name="Claire", locale="fr", created_at=at(1, 1))
    session.add(mentor)
    y1 = await _youth(session, "Inès", "idf", started=at(9, 10), decided=at(9, 12))
    y2 = await _youth(session, "Samir", "idf", started=at(9, 30, 22, 30), decided=at(10, 5))
    y3 = await _youth(
        session, "Léa", "ara", started=at(10, 3), decided=at(10, 4), decision="not_eligible"
    )
    y4 = await _youth(session, "Nora", "ara", started=at(10, 10), decided=at(10, 20), erased=True)
    y5 = await _youth(session, "Paul", "idf", started=at(10, 31, 23, 30))
    y6 = await _youth(session, "Yanis", "idf", started=at(8, 1), decided=at(8, 2))
    y7 = await _youth(session, "Malik", "ara", started=at(9, 1), decided=at(9, 2))
    y8 = await _youth(session, "Jade", "idf", started=at(7, 1), decided=at(7, 2))
    y10 = await _youth(session, "Lina", "idf", started=at(8, 20), decided=at(8, 25))
    y11 = await _youth(session, "Omar", "ara", started=at(8, 20), decided=at(8, 21))
    await session.flush()

    await _pair(
        session, y1, mentor, started=None, status="closed", closed=at(10, 1), reason="cancelled"
    )
    p1 = await _pair(session, y1, mentor, started=at(10, 2))
    p2 = await _pair(session, y2, mentor, started=at(10, 15, 22, 30), first_meeting=at(10, 20))
    p4 = await _pair(
        session,
        y4,
        mentor,
        started=at(10, 22),
        status="closed",
        closed=at(10, 28),
        reason="gave_up",
    )
    p6 = await _pair(
        session, y6, mentor, started=at(9, 5), status="closed", closed=at(10, 10), reason="job"
    )
    p7 = await _pair(session, y7, mentor, started=at(9, 10), first_meeting=at(9, 15))
    p8 = await _pair(
        session, y8, mentor, started=at(8, 1), first_meeting=at(8, 10), last_contact=at(10, 30)
    )
    session.add(
        Outcome(
            pairing_id=p6.id,
            kind="job",
            contract="cdi",
            at_diploma_level=True,
            occurred_on=date(2026, 10, 8),
            reported_at=at(10, 10),
        )
    )
    session.add_all(
        [
            _checkin(p2, "2026-10", "mentor", None),
            _checkin(p8, "2026-10", "mentor", "yes"),
            _checkin(p8, "2026-10", "youth", "yes"),
            _checkin(p1, "2026-10", "mentor", "not_yet"),
            _checkin(p7, "2026-09", "mentor", None),
            _checkin(p8, "2026-09", "mentor", "yes"),
            _log(p8, "contact", at(10, 30)),
            _log(p8, "message", at(10, 12)),
            _log(p8, "message", at(10, 13)),
            _log(p2, "first_meeting", at(10, 20)),
            _log(p2, "concern", at(10, 21)),
            _log(p1, "message", at(10, 31, 23, 30)),
            _log(p7, "first_meeting", at(9, 15)),
        ]
    )
    e1 = await _event(session, at(10, 8), announcement="done")
    e2 = await _event(session, at(10, 20), announcement="done", state="cancelled")
    await _event(session, at(10, 25), announcement="draft")
    e4 = await _event(session, at(9, 15), announcement="done")
    session.add_all(
        [
            _rsvp(e1, y1, "yes", attended=True),
            _rsvp(e1, y2, "maybe"),
            _rsvp(e1, y3, "no"),
            _rsvp(e1, y8, "yes", attended=False),
            _rsvp(e2, y1, "yes"),
            _rsvp(e4, y7, "yes", attended=True),
        ]
    )
    session.add_all(
        [
            Case(kind="human", person_id=y10.id, state="open", opened_at=at(10, 29)),
            Case(
                kind="alert", pairing_id=p7.id, topic="at_risk", state="taken", opened_at=at(10, 27)
            ),
            Case(kind="human", person_id=y3.id, state="resolved", opened_at=at(10, 1)),
        ]
    )
    await session.flush()
    youths = {"y1": y1, "y2": y2, "y3": y3, "y4": y4, "y5": y5, "y6": y6, "y7": y7, "y8": y8}
    youths |= {"y10": y10, "y11": y11}
    return Seeded(
        youths={key: person.id for key, person in youths.items()},
        pairings={"p1": p1.id, "p2": p2.id, "p4": p4.id, "p6": p6.id, "p7": p7.id, "p8": p8.id},
    )
