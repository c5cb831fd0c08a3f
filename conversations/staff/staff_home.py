"""A staff member's App Home: last month's main figures, the open cases (how many, the
oldest few) and the youths waiting for a mentor (how many, the longest-waiting few, each
with a "Suggest mentors" button). A staff member who is also a mentor sees their own pairs
below, built as the mentor's App Home builds them (`conversations.pairs.access`)."""

from __future__ import annotations

from conversations.core.response import CaseLine, Home, StaffHome, WaitingLine
from conversations.core.turn import Turn
from conversations.pairs import access
from conversations.pairs.followup import waiting_days
from conversations.staff.figures import last_full_month, programme_figures
from conversations.staff.programme_report import report_context
from storage import figures
from storage.models import MentorProfile, Person

__all__ = ["SHOWN", "home_of"]

# cases and waiting youths named on the Home (the counts cover them all)
SHOWN = 5


async def _cases(turn: Turn) -> tuple[CaseLine, ...]:
    lines = []
    for case in await figures.oldest_open_cases(turn.session, SHOWN):
        person = await turn.session.get(Person, case.person_id) if case.person_id else None
        lines.append(
            CaseLine(
                case_id=case.id,
                case_kind=case.kind,
                topic=case.topic or "",
                opened_at=case.opened_at,
                who=(person.display_name if person else None) or "",
                pairing=case.pairing_id,
            )
        )
    return tuple(lines)


async def staff_part(turn: Turn) -> StaffHome:
    """The staff part of the Home."""
    config, session = turn.config, turn.session
    month = last_full_month(turn.now, config.zone)
    found = await programme_figures(
        session, month=month, region=None, now=turn.now, config=config, span=1
    )
    waiting, oldest = await figures.waiting_youths(session, SHOWN)
    return StaffHome(
        period=month,
        figures=report_context(found, config) if found.current.has_data else {},
        open_cases=await figures.open_case_count(session),
        cases=await _cases(turn),
        waiting=waiting,
        youths=tuple(
            WaitingLine(
                youth_id=youth.person_id,
                name=youth.name,
                region=youth.region,
                waiting_days=waiting_days(youth.decided_at, turn.now),
            )
            for youth in oldest
        ),
    )


async def home_of(turn: Turn) -> Home:
    """The App Home of a staff member (and their pairs when they are a mentor too)."""
    staff = await staff_part(turn)
    if not turn.actor.is_mentor:
        return Home(locale=turn.locale, known=False, staff=staff)
    mentor = turn.person
    profile = await turn.session.get(MentorProfile, mentor.id)
    pairs = await access.pairs_of(turn.session, mentor.id)
    return Home(
        locale=mentor.locale,
        known=True,
        pairs=tuple(pairs),
        paused_until=profile.checkins_paused_until if profile else None,
        announcements=mentor.announcements_opt_out_at is None,
        accepting=profile.accepting if profile else True,
        staff=staff,
    )
