"""What staff do about pairings: register a mentor, find one, pair an eligible youth with
a mentor who has room, and tell both sides.

A new pairing starts at once (`conversations.pairs.lifecycle.change_status`, which arms
the follow-up) and is announced to the mentor (Slack) and to the youth (Telegram) through
the outbox, in the same transaction as the pairing itself. Every action is audit-logged
with the staff member who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs import contact_sharing
from conversations.pairs.lifecycle import OPEN_STATUSES, change_status
from conversations.staff.people import FindError, find_person
from storage import applications, audit, mentoring, outbox, pairings, people
from storage.models import (
    ApplicationStatus,
    MentorProfile,
    MentorStatus,
    Pairing,
    PairingStatus,
    Person,
    Priority,
    Role,
)

__all__ = [
    "MAX_CAPACITY",
    "MentorDetails",
    "PairingError",
    "add_mentor",
    "find_mentor",
    "open_pairings_count",
    "pair",
]

# mentees a mentor may follow at a time, at most
MAX_CAPACITY = 10


class PairingError(Exception):
    """A pairing action that cannot be done; the message says why, for the staff member."""


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
        person = await _imported_without_slack(session, details)
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
        profile = mentoring.add_mentor_profile(session, person.id, now)
    profile.email = details.email or profile.email
    profile.company = details.company or profile.company
    profile.sector = details.sector or profile.sector
    profile.region = details.region.lower() if details.region else profile.region
    # the region gives the time zone and holidays the scheduler respects
    person.region = profile.region
    profile.capacity = details.capacity
    if profile.status != MentorStatus.ACTIVE:
        # staff registering someone whose own sign-up waits (or was declined) approves them
        profile.status = MentorStatus.ACTIVE
        profile.approved_at, profile.approved_by = now, f"staff:{staff.strip()[:100]}"
    await session.flush()
    await audit.record(
        session,
        actor=f"staff:{staff.strip()[:100]}",
        action="mentor_added",
        now=now,
        subject_person_id=person.id,
    )
    return person


async def _imported_without_slack(session: AsyncSession, details: MentorDetails) -> Person | None:
    """The mentor a spreadsheet imported with this email and no Slack account yet, who gets
    this Slack id (instead of a second person being made)."""
    if not details.email:
        return None
    found = []
    for mentor in await people.mentors_by_email(session, details.email.strip().lower()):
        await session.refresh(mentor, ["identities"])
        if people.identity_on(mentor, Channel.SLACK) is None:
            found.append(mentor)
    if len(found) != 1:
        return None
    await people.add_identity(
        session,
        found[0],
        channel=Channel.SLACK,
        external_id=details.slack_user_id,
        chat_id=details.slack_user_id,
    )
    return found[0]


async def open_pairings_count(session: AsyncSession, mentor_id: int) -> int:
    return await pairings.count_of_mentor(session, mentor_id, OPEN_STATUSES)


async def find_mentor(session: AsyncSession, reference: str) -> Person | None:
    """A mentor by any reference `staff.people.find_person` accepts (person id, Slack user
    id, email...); None if it names no mentor, or several people."""
    try:
        return await find_person(session, reference, role=Role.MENTOR)
    except FindError:
        return None


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
    already = await pairings.one_of_youth_in(session, youth_id, OPEN_STATUSES)
    if already is not None:
        raise PairingError(f"Youth {youth_id} already has an open pairing ({already}).")
    mentor = await session.get(Person, mentor_id)
    profile = await session.get(MentorProfile, mentor_id)
    if mentor is None or profile is None or mentor.erased_at is not None:
        raise PairingError(f"No mentor {mentor_id} (register them with `mentorbot mentor add`).")
    if profile.status != MentorStatus.ACTIVE:
        # a sign-up staff have not approved (or declined): see conversations.mentor.join
        raise PairingError(f"Mentor {mentor_id} is not approved (sign-up {profile.status}).")
    if await open_pairings_count(session, mentor_id) >= profile.capacity:
        raise PairingError(
            f"Mentor {mentor_id} is at capacity ({profile.capacity} open pairing(s))."
        )
    pairing = await pairings.propose(
        session,
        youth_id=youth_id,
        mentor_id=mentor_id,
        now=now,
        created_by=staff.strip()[:100],
        checkin_day=1,
    )
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
            "mentee": outbox.person_ref(youth.id),
            "field": str(answers.get("field") or ""),
            "region": str(answers.get("region") or ""),
            "choices": [
                ["choice.meeting.propose", codec.encode("mp", pairing.id)],
                ["choice.mentor.first_meeting", codec.encode("fm", pairing.id)],
            ],
            # once delivered, the Slack sender republishes the mentor's App Home with this pair
            "refresh_home": True,
            # once posted, its thread is the pair's: what the mentor writes there reaches the youth
            "anchor": {"pairing": pairing.id},
        },
        now=now,
        priority=Priority.URGENT,
    )
    youth_identity = await people.find_identity_on(session, youth.id, Channel.TELEGRAM)
    if youth_identity is not None:
        # her email reaches her mentor only if she presses this (and gave one)
        shares = await contact_sharing.email_on_file(session, youth.id) is not None
        await outbox.enqueue(
            session,
            key=f"pairing:{pairing.id}:intro_youth",
            person_id=youth.id,
            channel=Channel.TELEGRAM,
            template="pairing.youth_paired",
            context={
                "mentor": outbox.person_ref(mentor.id),
                "email_on_file": shares,
                "choices": [contact_sharing.share_choice(pairing.id)] if shares else [],
            },
            now=now,
            priority=Priority.URGENT,
        )
