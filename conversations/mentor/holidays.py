"""A mentor's holidays: `/mentorbot pause <date>` stops their check-ins until then."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import parsing
from conversations.core.messages import Channel
from conversations.core.response import NotAllowed, Response
from storage import mentoring, outbox
from storage.models import MentorProfile, Person

__all__ = ["parse_until", "pause", "pause_checkins"]

RESUME_WORDS = frozenset({"off", "stop", "fin", "end", "reprise", "resume"})
# "jusqu'au 5 janvier", "until 5/1": the words before the date
_UNTIL = re.compile(r"^(?:jusqu'?\s*(?:au|a|à)|jusqu au|until|till|to|au)\s+", re.IGNORECASE)
# holidays longer than this are a typo (or a stop, which is another conversation)
MAX_PAUSE = timedelta(days=366)


def parse_until(text: str, today: date) -> date | None:
    """The last day of the holidays: "2027-01-05", "5 janvier", "05/01", "jusqu'au 5/1";
    a date without a year is the next such day. None when it is not a date."""
    cleaned = _UNTIL.sub("", text.strip().replace("’", "'")).strip()
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    horizon = today + MAX_PAUSE
    found = parsing.parse_birth_date(cleaned, horizon)
    if isinstance(found, date):
        return found
    for year in (today.year, today.year + 1):
        candidate = parsing.parse_birth_date(f"{cleaned} {year}", horizon)
        if isinstance(candidate, date) and candidate > today:
            return candidate
    return None


def example_date(today: date) -> date:
    """A date three weeks ahead, for the help's example (never in the past)."""
    return today + timedelta(days=21)


async def _tell_mentees(
    session: AsyncSession, mentor: Person, until: date, *, now: datetime
) -> None:
    """The youths of the mentor's pairs are told why things go quiet (once per holiday)."""
    reachable = await mentoring.active_pairings_of_mentor(
        session, mentor.id, youth_reachable_on=Channel.TELEGRAM
    )
    for pairing in reachable:
        await outbox.enqueue(
            session,
            key=f"holiday:{pairing.id}:{until.isoformat()}",
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="pairing.mentor_on_holiday",
            context={"mentor": outbox.person_ref(mentor.id), "until": until.isoformat()},
            now=now,
        )


async def pause_checkins(
    session: AsyncSession,
    mentor: Person,
    until: date | None,
    *,
    today: date,
    now: datetime | None = None,
) -> Response:
    """Stop check-ins until a date (holidays); None resumes them."""
    profile = await session.get(MentorProfile, mentor.id)
    result = Response()
    now = now or datetime.combine(today, time(12), tzinfo=UTC)
    if profile is None:
        raise NotAllowed("mentor.unknown")
    if until is not None and until <= today:
        result.say("mentor.pause_past", mentor.locale)
        return result
    profile.checkins_paused_until = until
    if until is not None:
        await _tell_mentees(session, mentor, until, now=now)
    result.say("mentor.paused" if until else "mentor.resumed", mentor.locale, until=until)
    result.refresh_home = True
    return result


async def pause(
    session: AsyncSession, mentor: Person, args: str, *, today: date, now: datetime | None = None
) -> Response:
    """`/mentorbot pause <date>` or `/mentorbot pause off`."""
    words = args.strip().lower()
    if words in RESUME_WORDS:
        return await pause_checkins(session, mentor, None, today=today, now=now)
    until = parse_until(args, today) if words else None
    if until is None:
        result = Response()
        result.say("mentor.pause_usage", mentor.locale, example=example_date(today))
        return result
    return await pause_checkins(session, mentor, until, today=today, now=now)
