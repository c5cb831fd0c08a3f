"""What pairing suggestions weigh, read in a few queries: the youths waiting for a mentor
and the mentors who could take one, as plain facts (`YouthFacts`, `MentorFacts`).

The mentors' open pairings are counted in one GROUP BY for all of them, never one query
per mentor; the youths' latest applications and last closed pairings likewise. Which
pairing statuses are "open" is the caller's (`conversations.pairs.lifecycle.OPEN_STATUSES`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import pairings
from storage.models import (
    Application,
    ApplicationStatus,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Role,
)

__all__ = [
    "MentorFacts",
    "YouthFacts",
    "mentor",
    "mentors",
    "waiting_youths",
    "youth",
]

ELIGIBLE = "eligible"


@dataclass(frozen=True)
class YouthFacts:
    """A youth as matching sees them."""

    person_id: int
    name: str | None
    locale: str
    region: str | None
    # what they want to work in, as they typed it (`Application.answers["field"]`)
    field: str | None
    # their latest application's decision once decided ("eligible", "review"...), else None
    decision: str | None
    # since when they wait for a mentor: the decision, or the end of their last pairing
    waiting_since: datetime | None
    open_pairing_id: int | None = None
    open_mentor_id: int | None = None
    erased: bool = False


@dataclass(frozen=True)
class MentorFacts:
    """A mentor as matching sees them."""

    person_id: int
    name: str | None
    locale: str
    region: str | None
    company: str | None
    sector: str | None
    expertise: str | None
    languages: tuple[str, ...]
    remote: bool
    accepting: bool
    status: str
    capacity: int
    open_count: int
    # holidays: no new mentee before this day (programme time zone)
    paused_until: date | None = None
    erased: bool = False


def _latest_applications() -> Select[int | None, int]:
    return select(Application.person_id, func.max(Application.id).label("latest")).group_by(
        Application.person_id
    )


def _youth_facts(
    person: Person,
    application: Application | None,
    last_closed: datetime | None,
    open_pair: tuple[int, int] | None,
) -> YouthFacts:
    answers: Mapping[str, object] = application.answers if application is not None else {}
    decided = application is not None and application.status == ApplicationStatus.DECIDED
    field = answers.get("field")
    region = (application.region if application else None) or person.region
    decided_at = application.decided_at if decided and application is not None else None
    since = [moment for moment in (decided_at, last_closed) if moment is not None]
    return YouthFacts(
        person_id=person.id,
        name=person.display_name,
        locale=person.locale,
        region=region or (str(answers["region"]) if answers.get("region") else None),
        field=str(field) if field else None,
        decision=application.decision if decided and application else None,
        waiting_since=max(since) if since else None,
        open_pairing_id=open_pair[0] if open_pair else None,
        open_mentor_id=open_pair[1] if open_pair else None,
        erased=person.erased_at is not None,
    )


async def youth(
    session: AsyncSession, youth_id: int, open_statuses: Collection[PairingStatus]
) -> YouthFacts | None:
    """The youth `youth_id` (erased or not, eligible or not, so a refusal can say why);
    None when no youth has that id."""
    person = await session.get(Person, youth_id)
    if person is None or person.role != Role.YOUTH:
        return None
    application = await session.scalar(
        select(Application)
        .where(Application.person_id == youth_id)
        .order_by(Application.id.desc())
        .limit(1)
    )
    last_closed = await session.scalar(
        select(func.max(Pairing.closed_at)).where(
            Pairing.youth_id == youth_id, Pairing.status == PairingStatus.CLOSED
        )
    )
    open_pair = (
        await session.execute(
            select(Pairing.id, Pairing.mentor_id)
            .where(Pairing.youth_id == youth_id, Pairing.status.in_(open_statuses))
            .order_by(Pairing.id.desc())
            .limit(1)
        )
    ).first()
    return _youth_facts(
        person, application, last_closed, (open_pair[0], open_pair[1]) if open_pair else None
    )


async def waiting_youths(
    session: AsyncSession, open_statuses: Collection[PairingStatus]
) -> list[YouthFacts]:
    """Youths whose latest application was decided eligible, not erased, with no open
    pairing: who has waited longest first."""
    latest = _latest_applications().subquery()
    closed = (
        select(Pairing.youth_id, func.max(Pairing.closed_at).label("closed_at"))
        .where(Pairing.status == PairingStatus.CLOSED)
        .group_by(Pairing.youth_id)
        .subquery()
    )
    rows = await session.execute(
        select(Person, Application, closed.c.closed_at)
        .join(latest, latest.c.person_id == Person.id)
        .join(Application, Application.id == latest.c.latest)
        .outerjoin(closed, closed.c.youth_id == Person.id)
        .where(
            Person.role == Role.YOUTH,
            Person.erased_at.is_(None),
            Application.status == ApplicationStatus.DECIDED,
            Application.decision == ELIGIBLE,
            ~exists().where(Pairing.youth_id == Person.id, Pairing.status.in_(open_statuses)),
            ~pairings.has_or_had_a_mentor(Person.id),
        )
        .order_by(Application.decided_at, Person.id)
    )
    found = [
        _youth_facts(person, application, last_closed, None)
        for person, application, last_closed in rows.all()
    ]
    return sorted(found, key=lambda y: (y.waiting_since is None, y.waiting_since, y.person_id))


async def _open_counts(
    session: AsyncSession, open_statuses: Collection[PairingStatus], ids: Iterable[int] | None
) -> dict[int, int]:
    statement = (
        select(Pairing.mentor_id, func.count(Pairing.id))
        .where(Pairing.status.in_(open_statuses))
        .group_by(Pairing.mentor_id)
    )
    if ids is not None:
        statement = statement.where(Pairing.mentor_id.in_(list(ids)))
    return {mentor_id: int(count) for mentor_id, count in (await session.execute(statement)).all()}


def _mentor_facts(person: Person, profile: MentorProfile, open_count: int) -> MentorFacts:
    return MentorFacts(
        person_id=person.id,
        name=person.display_name,
        locale=person.locale,
        region=profile.region or person.region,
        company=profile.company,
        sector=profile.sector,
        expertise=profile.expertise,
        languages=tuple(str(code) for code in profile.languages or ()),
        remote=profile.remote,
        accepting=profile.accepting,
        status=profile.status,
        capacity=profile.capacity,
        open_count=open_count,
        paused_until=profile.checkins_paused_until,
        erased=person.erased_at is not None,
    )


async def mentors(
    session: AsyncSession, open_statuses: Collection[PairingStatus]
) -> list[MentorFacts]:
    """Every mentor with a profile who has not erased their data, whatever their status
    (matching says why one cannot be suggested), by id; two queries in all."""
    counts = await _open_counts(session, open_statuses, None)
    rows = await session.execute(
        select(Person, MentorProfile)
        .join(MentorProfile, MentorProfile.person_id == Person.id)
        .where(Person.erased_at.is_(None))
        .order_by(Person.id)
    )
    return [
        _mentor_facts(person, profile, counts.get(person.id, 0)) for person, profile in rows.all()
    ]


async def mentor(
    session: AsyncSession, mentor_id: int, open_statuses: Collection[PairingStatus]
) -> MentorFacts | None:
    """The mentor `mentor_id` (erased or not); None when nobody with a mentor profile has
    that id."""
    person = await session.get(Person, mentor_id)
    profile = await session.get(MentorProfile, mentor_id)
    if person is None or profile is None:
        return None
    counts = await _open_counts(session, open_statuses, (mentor_id,))
    return _mentor_facts(person, profile, counts.get(mentor_id, 0))
