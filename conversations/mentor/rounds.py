"""The check-in's monthly round, as the scheduler runs it: sending a check-in, its one
reminder, the staff escalation, and the question to a mentor silent for several rounds.

    monthly_round (scheduler, when `next_checkin_due_at` is due)
        previous check-in unanswered? --> mentor_silent_rounds + 1, else back to 0
        silent rounds reached the setting --> "continue, pause or stop?" (`silence`), no check-in
        otherwise --> start_checkin --outbox--> "did you have contact this month?"
                      remind_at = +4 days (one automatic reminder), escalate_at = +10 days
    remind_checkin (scheduler, at remind_at) --> one reminder, unless answered or contact logged
    escalate_checkin (scheduler, at escalate_at) --> staff alert if still no answer nor contact

The mentor's answers to the check-in are in `checkin`, the answer to "continue, pause or
stop?" in `silence`; both diagrams are beside those modules (`checkin.mmd`, `silence.mmd`).
A check-in is unique per pairing, period ("YYYY-MM" in the programme's time zone) and
respondent, so starting it twice changes nothing twice. Every message has its own outbox
key, so a tick run twice sends nothing twice.

The work is done for a whole batch of pairs at once in `round_batch` (the scheduler's
way); the functions here are the same for one pair.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.mentor.round_batch import (
    SETTLED,
    ContinueChoice,
    answerable,
    choices,
    contacts_logged,
    continue_choices,
    escalate_checkins,
    monthly_rounds,
    open_checkins,
    remind_checkins,
    start_checkins,
)
from conversations.mentor.round_batch import ask_to_continue as ask_many_to_continue
from storage.models import Checkin, Pairing, PairingStatus

__all__ = [
    "SETTLED",
    "CheckinError",
    "ContinueChoice",
    "answerable",
    "ask_to_continue",
    "choices",
    "contact_logged",
    "continue_choices",
    "escalate_checkin",
    "monthly_round",
    "open_checkin",
    "remind_checkin",
    "start_checkin",
]


class CheckinError(Exception):
    """A check-in that cannot be started; the message says why, for the staff member."""


async def start_checkin(
    session: AsyncSession,
    *,
    pairing_id: int,
    now: datetime,
    config: ProgrammeConfig,
    notify: bool = True,
) -> Checkin:
    """Ask the mentor of an active pairing about this month (once per month) and move the
    pairing's next due date to next month. With `notify=False` nothing is queued: the
    caller shows the question itself (the mentor is in the conversation)."""
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None:
        raise CheckinError(f"No pairing {pairing_id}.")
    if pairing.status != PairingStatus.ACTIVE:
        raise CheckinError(f"Pairing {pairing_id} is {pairing.status}: no check-in.")
    made = await start_checkins(session, [pairing], now=now, config=config, notify=notify)
    return made[pairing.id]


async def contact_logged(
    session: AsyncSession, pairing_id: int, since: datetime, until: datetime | None = None
) -> bool:
    """A contact (or the first meeting) of the pair was logged as happening in that time,
    or the mentor wrote to the youth through the bot (a pair that talks is not nagged)."""
    return bool(await contacts_logged(session, [(pairing_id, since, until)]))


async def open_checkin(
    session: AsyncSession,
    *,
    pairing: Pairing,
    now: datetime,
    config: ProgrammeConfig,
    notify: bool = True,
) -> Checkin:
    """Start this month's check-in and arm its follow-up: one automatic reminder (unless the
    mentor already asked for one, or one went out) and the staff escalation."""
    made = await open_checkins(session, [pairing], now=now, config=config, notify=notify)
    return made[pairing.id]


async def ask_to_continue(
    session: AsyncSession, *, pairing: Pairing, period: str, now: datetime
) -> bool:
    """Ask a silent mentor whether to continue, pause or stop (once per period)."""
    return bool(await ask_many_to_continue(session, [pairing], period=period, now=now))


async def monthly_round(
    session: AsyncSession, *, pairing: Pairing, now: datetime, config: ProgrammeConfig
) -> bool:
    """The month's round for a pair whose check-in is due: count the mentor's silence, then
    either start the check-in or, after too many silent rounds, ask whether to continue.

    Returns whether a round ran; a pair that is not active or not due is left alone, so
    calling it twice in a month changes nothing twice.
    """
    return bool(await monthly_rounds(session, [pairing], now=now, config=config))


async def remind_checkin(
    session: AsyncSession, *, checkin: Checkin, now: datetime, config: ProgrammeConfig
) -> bool:
    """The reminder at `remind_at`: asks the check-in's question once more, unless it was
    answered, contact was logged, the pair is no longer active or the check-in has expired.

    The first reminder of a period (automatic, or asked for with "not yet") is the one the
    programme allows; after it, only a reminder the mentor asked for again goes out.
    """
    return bool(await remind_checkins(session, [checkin], now=now, config=config))


async def escalate_checkin(
    session: AsyncSession, *, checkin: Checkin, now: datetime, config: ProgrammeConfig
) -> bool:
    """At `escalate_at`: a check-in still without an answer (or answered "not yet") and no
    contact logged since its month began gets a staff alert instead of a third message."""
    return bool(await escalate_checkins(session, [checkin], now=now, config=config))
