"""Pairings: the state machine, registering mentors, and pairing a youth with a mentor.

    PROPOSED --start--> ACTIVE --pause--> PAUSED
        |                 |  ^--resume------'  |
        '----close--------+----close-----------'--> CLOSED (with a reason from a fixed list)

`next_status` is the single pure rule of which moves are legal; every change of a pairing's
status goes through `change_status`, which applies it, stamps the dates and audit-logs it.
A new pairing is told to the mentor (Slack) and to the youth (Telegram) through the outbox,
in the same transaction as the pairing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.access import STAFF_DESTINATION
from conversations.pairs.periods import next_due
from storage import applications, audit, mentoring, outbox, people
from storage.models import (
    ApplicationStatus,
    CloseReason,
    Identity,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Priority,
    Role,
)

OPEN_STATUSES = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)
# Which statuses each status may move to. CLOSED is final.
ALLOWED: dict[PairingStatus, frozenset[PairingStatus]] = {
    PairingStatus.PROPOSED: frozenset({PairingStatus.ACTIVE, PairingStatus.CLOSED}),
    PairingStatus.ACTIVE: frozenset({PairingStatus.PAUSED, PairingStatus.CLOSED}),
    PairingStatus.PAUSED: frozenset({PairingStatus.ACTIVE, PairingStatus.CLOSED}),
    PairingStatus.CLOSED: frozenset(),
}
MAX_CAPACITY = 10
# reminders about a first meeting not logged: mentor, both, then staff
FIRST_MEETING_STAGES = 3


class IllegalTransition(ValueError):
    """A status change the state machine does not allow."""


class PairingError(Exception):
    """A pairing action that cannot be done; the message says why, for the staff member."""


def next_status(
    current: PairingStatus, target: PairingStatus, reason: CloseReason | None = None
) -> PairingStatus:
    """The status after moving `current` to `target`; raises `IllegalTransition` otherwise.

    Closing needs a reason from `CloseReason`; any other move must not give one.
    """
    if target not in ALLOWED[current]:
        raise IllegalTransition(f"a {current} pairing cannot become {target}")
    if target is PairingStatus.CLOSED and reason is None:
        raise IllegalTransition("closing a pairing needs a reason")
    if target is not PairingStatus.CLOSED and reason is not None:
        raise IllegalTransition(f"only closing takes a reason, not moving to {target}")
    return target


def change_status(
    pairing: Pairing,
    target: PairingStatus,
    *,
    now: datetime,
    config: ProgrammeConfig,
    reason: CloseReason | None = None,
) -> None:
    """Apply a legal status change to `pairing` and keep its dates consistent."""
    current = PairingStatus(pairing.status)
    pairing.status = next_status(current, target, reason)
    if target is PairingStatus.ACTIVE:
        if pairing.started_at is None:
            pairing.started_at = now
            local = now.astimezone(config.zone)
            # programme rule: a check-in every month, on the day of the month the pair began
            # (28 at most so that every month has that day)
            pairing.checkin_day = min(local.day, 28)
        pairing.paused_at = None
        pairing.next_checkin_due_at = next_due(now, pairing.checkin_day, config.zone)
        _arm_follow_up(pairing, now, config)
    elif target is PairingStatus.PAUSED:
        pairing.paused_at = now
        pairing.next_checkin_due_at = None
        _disarm_follow_up(pairing)
    elif target is PairingStatus.CLOSED:
        pairing.closed_at = now
        pairing.close_reason = reason.value if reason is not None else None
        pairing.next_checkin_due_at = None
        _disarm_follow_up(pairing)


def _arm_follow_up(pairing: Pairing, now: datetime, config: ProgrammeConfig) -> None:
    """The scheduler's due dates for an active pair (at its start, or when it resumes)."""
    nudges = config.nudges
    started = pairing.started_at or now
    stage = pairing.first_meeting_stage or 0  # None on a pairing not yet flushed
    if pairing.first_meeting_at is None and stage < FIRST_MEETING_STAGES:
        # on a resume the tick works out which reminder is next from the start date
        pairing.first_meeting_due_at = (
            max(now, started + timedelta(days=nudges.first_meeting_mentor_days))
            if stage == 0
            else now
        )
    last = max(d for d in (pairing.last_contact_at, pairing.started_at, now) if d is not None)
    pairing.at_risk_due_at = last + timedelta(days=nudges.silence_days)
    # the youth's pulse: two weeks after the mentor's check-in, so they are not asked together
    pairing.next_pulse_due_at = next_due(
        now, ((pairing.checkin_day or 1) + 13) % 28 + 1, config.zone
    )


def _disarm_follow_up(pairing: Pairing) -> None:
    pairing.first_meeting_due_at = None
    pairing.at_risk_due_at = None
    pairing.next_pulse_due_at = None


# --------------------------------------------------------------------------- mentors


@dataclass(frozen=True)
class MentorDetails:
    """What staff give when registering a mentor."""

    slack_user_id: str
    display_name: str | None = None
    email: str | None = None
    company: str | None = None
    sector: str | None = None
    region: str | None = None
    capacity: int = 1
    locale: str = "fr"


async def add_mentor(
    session: AsyncSession, details: MentorDetails, *, staff: str, now: datetime
) -> Person:
    """Register a mentor by Slack user id, or update their profile if already known."""
    if not details.slack_user_id.strip():
        raise PairingError("A mentor needs a Slack user id (or an email Slack knows).")
    if not 1 <= details.capacity <= MAX_CAPACITY:
        raise PairingError(f"Capacity must be between 1 and {MAX_CAPACITY}.")
    if not staff.strip():
        raise PairingError("Say who you are (--by) so the action can be audit-logged.")
    person = await people.find_by_identity(session, Channel.SLACK, details.slack_user_id)
    if person is None:
        person = await people.create_person(
            session,
            role=Role.MENTOR,
            channel=Channel.SLACK,
            external_id=details.slack_user_id,
            # posting to a Slack user id writes in the app's direct messages with them
            chat_id=details.slack_user_id,
            locale=details.locale,
            now=now,
        )
    elif person.role != Role.MENTOR:
        raise PairingError(f"Slack user {details.slack_user_id} is already known as {person.role}.")
    person.display_name = details.display_name or person.display_name
    profile = await session.get(MentorProfile, person.id)
    if profile is None:
        profile = MentorProfile(person_id=person.id, created_at=now)
        session.add(profile)
    profile.email = details.email or profile.email
    profile.company = details.company or profile.company
    profile.sector = details.sector or profile.sector
    profile.region = details.region.lower() if details.region else profile.region
    # the region gives the time zone and holidays the scheduler respects
    person.region = profile.region
    profile.capacity = details.capacity
    await session.flush()
    await audit.record(
        session,
        actor=f"staff:{staff.strip()[:100]}",
        action="mentor_added",
        now=now,
        subject_person_id=person.id,
    )
    return person


async def open_pairings_count(session: AsyncSession, mentor_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count(Pairing.id)).where(
                Pairing.mentor_id == mentor_id, Pairing.status.in_(OPEN_STATUSES)
            )
        )
        or 0
    )


async def find_mentor(session: AsyncSession, reference: str) -> Person | None:
    """A mentor by person id, Slack user id or email."""
    reference = reference.strip()
    person: Person | None = None
    person_id = codec.parse_id(reference)
    if person_id is not None:
        person = await session.get(Person, person_id)
    elif "@" in reference:
        profile = await session.scalar(
            select(MentorProfile).where(func.lower(MentorProfile.email) == reference.lower())
        )
        person = await session.get(Person, profile.person_id) if profile else None
    else:
        person = await people.find_by_identity(session, Channel.SLACK, reference)
    if person is None or person.role != Role.MENTOR or person.erased_at is not None:
        return None
    return person


# --------------------------------------------------------------------------- pairing


async def pair(
    session: AsyncSession,
    *,
    youth_id: int,
    mentor_id: int,
    staff: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Pairing:
    """Pair an eligible youth with a mentor who has room; both are told through the outbox."""
    if not staff.strip():
        raise PairingError("Say who you are (--by) so the pairing can be audit-logged.")
    youth = await session.get(Person, youth_id)
    if youth is None or youth.role != Role.YOUTH or youth.erased_at is not None:
        raise PairingError(f"No youth {youth_id}.")
    application = await applications.latest(session, youth_id)
    if (
        application is None
        or application.status != ApplicationStatus.DECIDED
        or application.decision != "eligible"
    ):
        raise PairingError(
            f"Youth {youth_id} is not eligible (decision: "
            f"{application.decision if application else 'none'}): no pairing."
        )
    already = await session.scalar(
        select(Pairing.id).where(Pairing.youth_id == youth_id, Pairing.status.in_(OPEN_STATUSES))
    )
    if already is not None:
        raise PairingError(f"Youth {youth_id} already has an open pairing ({already}).")
    mentor = await session.get(Person, mentor_id)
    profile = await session.get(MentorProfile, mentor_id)
    if mentor is None or profile is None or mentor.erased_at is not None:
        raise PairingError(f"No mentor {mentor_id} (register them with `mentorbot mentor add`).")
    if await open_pairings_count(session, mentor_id) >= profile.capacity:
        raise PairingError(
            f"Mentor {mentor_id} is at capacity ({profile.capacity} open pairing(s))."
        )
    pairing = Pairing(
        youth_id=youth_id,
        mentor_id=mentor_id,
        status=PairingStatus.PROPOSED,
        proposed_at=now,
        created_by=staff.strip()[:100],
        checkin_day=1,
    )
    session.add(pairing)
    await session.flush()
    change_status(pairing, PairingStatus.ACTIVE, now=now, config=config)
    await audit.record(
        session,
        actor=f"staff:{pairing.created_by}",
        action="pairing_created",
        now=now,
        subject_person_id=youth_id,
        detail={"pairing": pairing.id, "mentor": mentor_id},
    )
    await _announce(session, pairing, youth, application.answers, mentor, now)
    return pairing


async def _announce(
    session: AsyncSession,
    pairing: Pairing,
    youth: Person,
    answers: dict[str, object],
    mentor: Person,
    now: datetime,
) -> None:
    # only what the youth agreed to share with a mentor: first name, field and region
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:intro_mentor",
        person_id=mentor.id,
        channel=Channel.SLACK,
        template="mentor.pairing_intro",
        context={
            "pairing": pairing.id,
            "mentee": youth.display_name or "",
            "field": str(answers.get("field") or ""),
            "region": str(answers.get("region") or ""),
            "choices": [["choice.mentor.first_meeting", codec.encode("fm", pairing.id)]],
            # once delivered, the Slack sender republishes the mentor's App Home with this pair
            "refresh_home": True,
        },
        now=now,
        priority=Priority.URGENT,
    )
    youth_identity = await session.scalar(
        select(Identity).where(Identity.person_id == youth.id, Identity.channel == Channel.TELEGRAM)
    )
    if youth_identity is not None:
        await outbox.enqueue(
            session,
            key=f"pairing:{pairing.id}:intro_youth",
            person_id=youth.id,
            channel=Channel.TELEGRAM,
            template="pairing.youth_paired",
            context={"mentor": mentor.display_name or ""},
            now=now,
            priority=Priority.URGENT,
        )


async def youth_leaves(
    session: AsyncSession, *, youth_id: int, now: datetime, config: ProgrammeConfig
) -> None:
    """The youth erased their data: close their open pairings (reason: gave up) and tell
    each mentor and the staff channel, without naming the youth."""
    open_pairings = (
        await session.scalars(
            select(Pairing).where(Pairing.youth_id == youth_id, Pairing.status.in_(OPEN_STATUSES))
        )
    ).all()
    for pairing in open_pairings:
        change_status(
            pairing, PairingStatus.CLOSED, now=now, config=config, reason=CloseReason.GAVE_UP
        )
        await audit.record(
            session,
            actor=f"person:{youth_id}",
            action="pairing_closed",
            now=now,
            subject_person_id=youth_id,
            detail={"pairing": pairing.id, "reason": "youth_erased_data"},
        )
        await outbox.enqueue(
            session,
            key=f"pairing:{pairing.id}:youth_left",
            person_id=pairing.mentor_id,
            channel=Channel.SLACK,
            template="mentor.youth_left",
            context={"pairing": pairing.id},
            now=now,
        )
        await mentoring.enqueue_to(
            session,
            key=f"alert:pairing:{pairing.id}:youth_left",
            destination=STAFF_DESTINATION,
            channel=Channel.SLACK,
            template="staff.youth_left",
            locale=config.default_locale,
            context={"pairing": pairing.id},
            now=now,
        )
