"""Staff's lists of youths, mentors and pairs: filters, a page at a time, in an order that
puts what needs attention first (two queries a page: its lines and their total)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import pairings
from storage.directory.lines import (
    ELIGIBLE,
    OPEN,
    Health,
    HealthCutoffs,
    MentorFilter,
    MentorLine,
    Page,
    PairFilter,
    PairLine,
    YouthFilter,
    YouthLine,
    YouthStatus,
)
from storage.models import (
    Application,
    ApplicationStatus,
    Checkin,
    CheckinAnswer,
    MentorProfile,
    MentorStatus,
    Pairing,
    PairingStatus,
    Person,
    Role,
)

__all__ = ["mentors", "pairs", "youths"]


# --------------------------------------------------------------------------- youths


def _youth_query() -> tuple[Select[Any], ColumnElement[str], ColumnElement[Any]]:
    """The youths' lines (unfiltered), their status and their waiting-since expression."""
    latest = (
        select(func.max(Application.id).label("id"))
        .where(Application.person_id.is_not(None))
        .group_by(Application.person_id)
        .subquery()
    )
    application = aliased(Application)
    latest_application = select(application).join(latest, latest.c.id == application.id).subquery()
    app = aliased(Application, latest_application)
    open_pair = (
        select(Pairing.youth_id, func.min(Pairing.id).label("pairing_id"))
        .where(Pairing.status.in_(OPEN))
        .group_by(Pairing.youth_id)
        .subquery()
    )
    closed = (
        select(Pairing.youth_id, func.max(Pairing.closed_at).label("closed_at"))
        .where(Pairing.status == PairingStatus.CLOSED)
        .group_by(Pairing.youth_id)
        .subquery()
    )
    decided = app.status == ApplicationStatus.DECIDED
    status = case(
        (open_pair.c.pairing_id.is_not(None), YouthStatus.PAIRED.value),
        (pairings.has_or_had_a_mentor(Person.id), YouthStatus.ENDED.value),
        (and_(decided, app.decision == "eligible"), YouthStatus.WAITING.value),
        (and_(decided, app.decision == "not_eligible"), YouthStatus.NOT_ELIGIBLE.value),
        (
            or_(
                app.status == ApplicationStatus.IN_PROGRESS, and_(decided, app.decision == "review")
            ),
            YouthStatus.SCREENING.value,
        ),
        else_=YouthStatus.REGISTERED.value,
    )
    since = case((closed.c.closed_at > app.decided_at, closed.c.closed_at), else_=app.decided_at)
    query = (
        select(
            Person,
            status.label("status"),
            app.answers["email"].as_string().label("email"),
            app.region.label("application_region"),
            app.decided_at,
            closed.c.closed_at,
            open_pair.c.pairing_id,
        )
        .outerjoin(app, app.person_id == Person.id)
        .outerjoin(open_pair, open_pair.c.youth_id == Person.id)
        .outerjoin(closed, closed.c.youth_id == Person.id)
        .where(Person.role == Role.YOUTH, Person.erased_at.is_(None))
    )
    region = func.lower(func.coalesce(Person.region, app.region))
    return query.add_columns(region.label("region")), status, since


async def youths(
    session: AsyncSession, filters: YouthFilter, *, limit: int = 50, offset: int = 0
) -> Page[YouthLine]:
    """Youths matching `filters`: waiting ones first, longest waiting first, then by id."""
    query, status, since = _youth_query()
    conditions: list[ColumnElement[bool]] = []
    if filters.region:
        conditions.append(query.selected_columns.region == filters.region.lower())
    if filters.status == ELIGIBLE:
        conditions.append(status.in_((YouthStatus.WAITING.value, YouthStatus.PAIRED.value)))
    elif filters.status:
        conditions.append(status == filters.status)
    if filters.waiting_before is not None:
        conditions += [status == YouthStatus.WAITING.value, since <= filters.waiting_before]
    if filters.person_ids is not None:
        conditions.append(Person.id.in_(filters.person_ids))
    query = query.where(*conditions)
    total = await _count(session, query)
    waiting_first = case((status == YouthStatus.WAITING.value, 0), else_=1)
    rows = await session.execute(
        query.order_by(waiting_first, since, Person.id).limit(limit).offset(offset)
    )
    return Page(tuple(_youth_line(row) for row in rows.all()), total, offset)


def _youth_line(row: Any) -> YouthLine:
    person: Person = row.Person
    status = YouthStatus(row.status)
    decided, closed = row.decided_at, row.closed_at
    since = max(d for d in (decided, closed) if d is not None) if decided or closed else None
    return YouthLine(
        person_id=person.id,
        name=person.display_name or "",
        region=row.region,
        status=status,
        email=row.email or None,
        registered_at=person.created_at,
        decided_at=decided,
        waiting_since=since if status is YouthStatus.WAITING else None,
        pairing_id=row.pairing_id,
    )


# --------------------------------------------------------------------------- mentors


async def mentors(
    session: AsyncSession, filters: MentorFilter, *, limit: int = 50, offset: int = 0
) -> Page[MentorLine]:
    """Mentors matching `filters`: sign-ups waiting for staff first, then by id."""
    carried = (
        select(Pairing.mentor_id, func.count(Pairing.id).label("open_pairs"))
        .where(Pairing.status.in_(OPEN))
        .group_by(Pairing.mentor_id)
        .subquery()
    )
    open_pairs = func.coalesce(carried.c.open_pairs, 0)
    query = (
        select(Person, MentorProfile, open_pairs.label("open_pairs"))
        .join(MentorProfile, MentorProfile.person_id == Person.id)
        .outerjoin(carried, carried.c.mentor_id == Person.id)
        .where(Person.role == Role.MENTOR, Person.erased_at.is_(None))
    )
    if filters.region:
        region = func.lower(func.coalesce(MentorProfile.region, Person.region))
        query = query.where(region == filters.region.lower())
    if filters.status:
        query = query.where(MentorProfile.status == filters.status)
    if filters.accepting is not None:
        query = query.where(MentorProfile.accepting.is_(filters.accepting))
    if filters.with_room is not None:
        room = MentorProfile.capacity - open_pairs > 0
        query = query.where(room if filters.with_room else ~room)
    if filters.person_ids is not None:
        query = query.where(Person.id.in_(filters.person_ids))
    total = await _count(session, query)
    pending_first = case((MentorProfile.status == MentorStatus.PENDING.value, 0), else_=1)
    rows = await session.execute(
        query.order_by(pending_first, Person.id).limit(limit).offset(offset)
    )
    return Page(tuple(_mentor_line(*row) for row in rows.all()), total, offset)


def _mentor_line(person: Person, profile: MentorProfile, open_pairs: int) -> MentorLine:
    return MentorLine(
        person_id=person.id,
        name=person.display_name or "",
        email=profile.email,
        company=profile.company,
        sector=profile.sector,
        expertise=profile.expertise,
        region=profile.region or person.region,
        status=profile.status,
        accepting=profile.accepting,
        remote=profile.remote,
        capacity=profile.capacity,
        open_pairs=int(open_pairs),
    )


# --------------------------------------------------------------------------- pairs


def health_of(cutoffs: HealthCutoffs) -> ColumnElement[str | None]:
    """An active pair's health as SQL (None for other pairs); see the module docstring."""
    active = Pairing.status == PairingStatus.ACTIVE
    quiet = cutoffs.silent_before
    silent = and_(
        active,
        Pairing.started_at <= quiet,
        or_(Pairing.last_contact_at.is_(None), Pairing.last_contact_at <= quiet),
        or_(Pairing.first_meeting_at.is_(None), Pairing.first_meeting_at <= quiet),
    )
    earlier = aliased(Checkin)
    latest = (
        select(func.max(earlier.id))
        .where(earlier.pairing_id == Pairing.id, earlier.respondent_role == Role.MENTOR)
        .correlate(Pairing)
        .scalar_subquery()
    )
    # the latest check-in, asked after the last contact (a contact since answers it)
    pending = and_(
        Checkin.id == latest,
        or_(Pairing.last_contact_at.is_(None), Checkin.asked_at > Pairing.last_contact_at),
    )
    waiting = or_(Checkin.answer.is_(None), Checkin.answer == CheckinAnswer.NOT_YET)
    troubled = exists().where(
        pending,
        or_(
            Checkin.answer == CheckinAnswer.UNREACHABLE,
            and_(waiting, Checkin.asked_at <= cutoffs.escalated_before),
        ),
    )
    at_risk = and_(
        active,
        or_(
            and_(
                Pairing.first_meeting_at.is_(None),
                Pairing.started_at <= cutoffs.first_meeting_before,
            ),
            Pairing.mentor_silent_rounds >= 1,
            troubled,
        ),
    )
    due = and_(active, exists().where(pending, waiting))
    return case(
        (silent, Health.SILENT.value),
        (at_risk, Health.AT_RISK.value),
        (due, Health.CHECKIN_DUE.value),
        (active, Health.ON_TRACK.value),
        else_=None,
    )


async def pairs(
    session: AsyncSession,
    filters: PairFilter,
    cutoffs: HealthCutoffs,
    *,
    limit: int = 50,
    offset: int = 0,
) -> Page[PairLine]:
    """Pairs matching `filters`: worst health first, open before closed, newest first."""
    youth, mentor = aliased(Person), aliased(Person)
    health = health_of(cutoffs)
    query = (
        select(Pairing, youth.display_name, mentor.display_name, youth.region, health)
        .join(youth, youth.id == Pairing.youth_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
    )
    if filters.region:
        query = query.where(func.lower(youth.region) == filters.region.lower())
    if filters.status:
        query = query.where(Pairing.status == filters.status)
    if filters.health:
        query = query.where(health == filters.health)
    if filters.person_ids is not None:
        query = query.where(
            or_(Pairing.youth_id.in_(filters.person_ids), Pairing.mentor_id.in_(filters.person_ids))
        )
    if filters.pairing_ids is not None:
        query = query.where(Pairing.id.in_(filters.pairing_ids))
    total = await _count(session, query)
    worst_first = case(
        (health == Health.SILENT.value, 0),
        (health == Health.AT_RISK.value, 1),
        (health == Health.CHECKIN_DUE.value, 2),
        (health == Health.ON_TRACK.value, 3),
        (Pairing.status == PairingStatus.CLOSED, 5),
        else_=4,
    )
    rows = await session.execute(
        query.order_by(worst_first, Pairing.id.desc()).limit(limit).offset(offset)
    )
    return Page(tuple(_pair_line(*row) for row in rows.all()), total, offset)


def _pair_line(
    pairing: Pairing, youth: str | None, mentor: str | None, region: str | None, health: Any
) -> PairLine:
    return PairLine(
        pairing_id=pairing.id,
        status=pairing.status,
        youth_id=pairing.youth_id,
        youth_name=youth or "",
        mentor_id=pairing.mentor_id,
        mentor_name=mentor or "",
        region=region,
        started_at=pairing.started_at,
        last_contact_at=pairing.last_contact_at,
        closed_at=pairing.closed_at,
        close_reason=pairing.close_reason,
        health=Health(health) if health else None,
    )


async def _count(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
