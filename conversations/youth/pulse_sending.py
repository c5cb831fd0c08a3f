"""Sending the youth's monthly pulse: its buttons, the once-per-period `Checkin` row, and
"continue, pause or stop?" instead of a pulse after silent rounds (see `pulse` for the
answers and the whole picture)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.agreement import PulseAnswer
from conversations.pairs.periods import next_due, period_of, previous_period
from storage import batches, checkins, outbox
from storage.models import (
    Checkin,
    Pairing,
    PairingStatus,
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


async def send_pulse(
    session: AsyncSession, *, pairing: Pairing, now: datetime, config: ProgrammeConfig
) -> bool:
    """Ask the youth of an active pairing about this month (once per period) and move
    `pairing.next_pulse_due_at` to next month; returns whether a message was queued.

    After `config.nudges.silent_rounds_before_asking` pulses unanswered in a row, the youth
    is asked whether to continue, pause or stop instead (once per period).
    """
    return bool(await send_pulses(session, [pairing], now=now, config=config))


async def send_pulses(
    session: AsyncSession, pairings: Sequence[Pairing], *, now: datetime, config: ProgrammeConfig
) -> set[int]:
    """`send_pulse` for a batch of pairings (the scheduler's way: a few statements for the
    whole batch); returns the ids of the pairings whose youth got a message queued now."""
    zone = config.zone
    period = period_of(now, zone)
    active = []
    for pairing in pairings:
        if pairing.status != PairingStatus.ACTIVE:
            pairing.next_pulse_due_at = None  # armed again when the pairing resumes
            continue
        # keep the pair's pulse day (chosen at pairing, apart from the mentor's check-in day)
        day = (
            pairing.next_pulse_due_at.astimezone(zone).day
            if pairing.next_pulse_due_at is not None
            else pairing.checkin_day
        )
        pairing.next_pulse_due_at = next_due(now, day, zone)
        active.append(pairing)
    reachable = await batches.reachable_on(
        session, {pairing.youth_id for pairing in active}, Channel.TELEGRAM
    )
    candidates = [pairing for pairing in active if pairing.youth_id in reachable]
    ids = [pairing.id for pairing in candidates]
    asked = await checkins.find_many(session, ids, period, Role.YOUTH)
    asked_to_continue = await outbox.queued_keys(
        session, [_continue_key(pairing_id, period) for pairing_id in ids]
    )
    # this month's round already asked: nothing more
    fresh = [
        pairing
        for pairing in candidates
        if pairing.id not in asked and _continue_key(pairing.id, period) not in asked_to_continue
    ]
    previous = await checkins.find_many(
        session, [pairing.id for pairing in fresh], previous_period(period), Role.YOUTH
    )
    for pairing in fresh:
        before = previous.get(pairing.id)
        if before is not None and before.answer is None:
            pairing.youth_silent_rounds += 1
    # programme rule: after a few silent rounds, ask rather than nudge again
    rounds = config.nudges.silent_rounds_before_asking
    asking = [pairing for pairing in fresh if pairing.youth_silent_rounds >= rounds]
    pulsed = [pairing for pairing in fresh if pairing.youth_silent_rounds < rounds]
    rows = await checkins.ask_many(
        session, [pairing.id for pairing in pulsed], period, Role.YOUTH, now
    )
    messages = [
        outbox.Message(
            key=_continue_key(pairing.id, period),
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="pulse.ask_continue",
            context={
                "mentor": outbox.person_ref(pairing.mentor_id),
                "choices": continue_choices(pairing.id),
            },
            priority=Priority.NORMAL,
        )
        for pairing in asking
    ] + [
        outbox.Message(
            key=f"pulse:{pairing.id}:{period}",
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="pulse.ask",
            context={
                "mentor": outbox.person_ref(pairing.mentor_id),
                "period": period,
                "choices": contact_choices(rows[pairing.id].id),
            },
            priority=Priority.LOW,
        )
        for pairing in pulsed
    ]
    owners = asking + pulsed
    keys = {message.key: owner.id for message, owner in zip(messages, owners, strict=True)}
    return {keys[key] for key in await outbox.enqueue_many(session, messages, now)}
