"""Sending the youth's monthly pulse: its buttons, the once-per-period `Checkin` row, and
"continue, pause or stop?" instead of a pulse after silent rounds (see `pulse` for the
answers and the whole picture)."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.agreement import PulseAnswer
from conversations.pairs.periods import next_due, period_of, previous_period
from storage import checkins, outbox, people
from storage.models import (
    Checkin,
    Pairing,
    PairingStatus,
    Person,
    Priority,
    Role,
)

logger = logging.getLogger(__name__)

# button prefixes (Telegram's callback_data is at most 64 bytes: ids and codes only)
CONTACT_PREFIX = "pu"
PROGRESS_PREFIX = "pj"
CONTINUE_PREFIX = "cy"
ACTIONS = frozenset({CONTACT_PREFIX, PROGRESS_PREFIX, CONTINUE_PREFIX})


class JobSearch(StrEnum):
    """ "How is the job search going?" (stored in `Checkin.progress`)."""

    GOOD = "good"
    HARD = "hard"
    FOUND = "found"


class Continuation(StrEnum):
    CONTINUE = "continue"
    PAUSE = "pause"
    STOP = "stop"


# ============================================================================ sending


def contact_choices(checkin_id: int) -> list[list[str]]:
    """The pulse's buttons, as stored with the outbox message."""
    return [
        [f"choice.pulse.{answer}", codec.encode(CONTACT_PREFIX, checkin_id, value=answer)]
        for answer in PulseAnswer
    ]


def progress_choices(checkin_id: int) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"choice.pulse.{value}", codec.encode(PROGRESS_PREFIX, checkin_id, value=value))
        for value in JobSearch
    )


def continue_choices(pairing_id: int) -> list[list[str]]:
    return [
        [f"choice.continue.{value}", codec.encode(CONTINUE_PREFIX, pairing_id, value=value)]
        for value in Continuation
    ]


async def youth_checkin(session: AsyncSession, pairing_id: int, period: str) -> Checkin | None:
    return await checkins.find(session, pairing_id, period, Role.YOUTH)


def _continue_key(pairing_id: int, period: str) -> str:
    return f"continue:{pairing_id}:{period}:youth"


async def _reachable_on_telegram(session: AsyncSession, youth: Person | None) -> bool:
    if youth is None or youth.erased_at is not None or youth.unreachable_at is not None:
        return False
    identity = await people.identity_id_on(session, youth.id, Channel.TELEGRAM)
    return identity is not None


async def send_pulse(
    session: AsyncSession, *, pairing: Pairing, now: datetime, config: ProgrammeConfig
) -> bool:
    """Ask the youth of an active pairing about this month (once per period) and move
    `pairing.next_pulse_due_at` to next month; returns whether a message was queued.

    After `config.nudges.silent_rounds_before_asking` pulses unanswered in a row, the youth
    is asked whether to continue, pause or stop instead (once per period).
    """
    if pairing.status != PairingStatus.ACTIVE:
        pairing.next_pulse_due_at = None  # armed again when the pairing resumes
        return False
    zone = config.zone
    period = period_of(now, zone)
    # keep the pair's pulse day (chosen at pairing, apart from the mentor's check-in day)
    day = (
        pairing.next_pulse_due_at.astimezone(zone).day
        if pairing.next_pulse_due_at is not None
        else pairing.checkin_day
    )
    pairing.next_pulse_due_at = next_due(now, day, zone)
    youth = await session.get(Person, pairing.youth_id)
    if not await _reachable_on_telegram(session, youth):
        return False
    if await youth_checkin(session, pairing.id, period) is not None or await outbox.is_queued(
        session, _continue_key(pairing.id, period)
    ):
        return False  # this month's round was already asked
    previous = await youth_checkin(session, pairing.id, previous_period(period))
    if previous is not None and previous.answer is None:
        pairing.youth_silent_rounds += 1
    if pairing.youth_silent_rounds >= config.nudges.silent_rounds_before_asking:
        # programme rule: after a few silent rounds, ask rather than nudge again
        queued = await outbox.enqueue(
            session,
            key=_continue_key(pairing.id, period),
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="pulse.ask_continue",
            context={
                "mentor": outbox.person_ref(pairing.mentor_id),
                "choices": continue_choices(pairing.id),
            },
            now=now,
            priority=Priority.NORMAL,
        )
        return queued is not None
    row = await checkins.ask(session, pairing.id, period, Role.YOUTH, now)
    queued = await outbox.enqueue(
        session,
        key=f"pulse:{pairing.id}:{period}",
        person_id=pairing.youth_id,
        channel=Channel.TELEGRAM,
        template="pulse.ask",
        context={
            "mentor": outbox.person_ref(pairing.mentor_id),
            "period": period,
            "choices": contact_choices(row.id),
        },
        now=now,
        priority=Priority.LOW,
    )
    return queued is not None
