"""The youth's monthly pulse on Telegram, the outcome questions after "I found a job!", and
the question asked instead of a pulse to a youth who has gone silent.

    send_pulse --outbox--> "in touch with your mentor this month?"  (pu:<checkin>:yes|no)
        any answer --> "how is the job search going?"               (pj:<checkin>:good|hard|found)
            good / hard --> a friendly word, done
            found ------> the outcome questions (`job_outcome`, state in conversation_state):
                          CONTRACT -> [AT_LEVEL] -> START_DATE -> outcome stored, staff told

    three pulses unanswered in a row --> instead of the pulse: "continue, pause or stop?"
        (cy:<pairing>:continue|pause|stop): continue resets the count, pause and stop change
        the pairing (audit-logged) and staff are told; on stop the mentor is told too.

A pulse is one `Checkin` row (respondent "youth") per pairing and period, so sending it twice
changes nothing twice; its buttons stay valid until the next pulse of the pair goes out (a
youth answering a few days into the next month still counts). Typed answers ("oui",
"ça va", "j'ai trouvé"...) are read too, matched against the pulse still open, if any.
Both sides' answers are kept: a youth saying "no contact" two months in a row while the
mentor said "yes" both months is flagged to staff, once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import parsing
from conversations.core import codec
from conversations.core.messages import Channel, Choice
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import MAX_TEXT, Turn
from conversations.pairs import lifecycle as pairings
from conversations.pairs.agreement import PulseAnswer, check_disagreement
from conversations.pairs.periods import next_due, period_of, previous_period
from conversations.rules.eligibility import Tristate
from conversations.youth import job_outcome
from conversations.youth.job_outcome import alert_staff
from storage import audit, outbox
from storage.models import (
    Checkin,
    CloseReason,
    Identity,
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


def _progress_choices(checkin_id: int) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"choice.pulse.{value}", codec.encode(PROGRESS_PREFIX, checkin_id, value=value))
        for value in JobSearch
    )


def continue_choices(pairing_id: int) -> list[list[str]]:
    return [
        [f"choice.continue.{value}", codec.encode(CONTINUE_PREFIX, pairing_id, value=value)]
        for value in Continuation
    ]


async def _youth_checkin(session: AsyncSession, pairing_id: int, period: str) -> Checkin | None:
    return await session.scalar(
        select(Checkin).where(
            Checkin.pairing_id == pairing_id,
            Checkin.period == period,
            Checkin.respondent_role == Role.YOUTH,
        )
    )


def _continue_key(pairing_id: int, period: str) -> str:
    return f"continue:{pairing_id}:{period}:youth"


async def _reachable_on_telegram(session: AsyncSession, youth: Person | None) -> bool:
    if youth is None or youth.erased_at is not None or youth.unreachable_at is not None:
        return False
    identity = await session.scalar(
        select(Identity.id).where(
            Identity.person_id == youth.id, Identity.channel == Channel.TELEGRAM
        )
    )
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
    if await _youth_checkin(session, pairing.id, period) is not None or await outbox.is_queued(
        session, _continue_key(pairing.id, period)
    ):
        return False  # this month's round was already asked
    previous = await _youth_checkin(session, pairing.id, previous_period(period))
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
                "mentor": await _mentor_name(session, pairing),
                "choices": continue_choices(pairing.id),
            },
            now=now,
            priority=Priority.NORMAL,
        )
        return queued is not None
    row = Checkin(
        pairing_id=pairing.id,
        period=period,
        respondent_role=Role.YOUTH,
        asked_at=now,
        topics=[],
        needs_staff=False,
    )
    session.add(row)
    await session.flush()
    queued = await outbox.enqueue(
        session,
        key=f"pulse:{pairing.id}:{period}",
        person_id=pairing.youth_id,
        channel=Channel.TELEGRAM,
        template="pulse.ask",
        context={
            "mentor": await _mentor_name(session, pairing),
            "period": period,
            "choices": contact_choices(row.id),
        },
        now=now,
        priority=Priority.LOW,
    )
    return queued is not None


async def _mentor_name(session: AsyncSession, pairing: Pairing) -> str:
    mentor = await session.get(Person, pairing.mentor_id)
    return (mentor.display_name if mentor and mentor.erased_at is None else None) or ""


# ============================================================================ answers


async def on_choice(turn: Turn) -> None:
    """A pulse or continue button (`pu:`, `pj:`, `cy:`)."""
    button = codec.decode(turn.incoming.choice)
    if button is None or not button.ids:
        turn.say("common.stale_button")
        return
    prefix, value = button.action, button.value
    if prefix == CONTINUE_PREFIX:
        await _on_continue(turn, button.id, value)
        return
    found = await _own_pulse(turn, button.id)
    if found is None:
        return
    row, pairing = found
    if prefix == CONTACT_PREFIX and value in tuple(PulseAnswer):
        await _on_contact(turn, row, pairing, PulseAnswer(value))
    elif prefix == PROGRESS_PREFIX and value in tuple(JobSearch):
        await _on_progress(turn, row, pairing, JobSearch(value))
    else:
        turn.say("common.stale_button")


async def on_text(turn: Turn) -> bool:
    """A typed answer to the pulse still open, if any; False when there is none."""
    open_pulse = await _open_pulse(turn)
    if open_pulse is None:
        return False
    row, pairing = open_pulse
    text = turn.incoming.text.strip()
    if row.answer is None:
        contact = _parse_contact(text) if len(text) <= MAX_TEXT else None
        if contact is None:
            turn.say("pulse.not_understood")
            turn.say("pulse.ask", _buttons(contact_choices(row.id)), columns=2, **_ask_context(row))
            return True
        await _on_contact(turn, row, pairing, contact)
        return True
    progress = parse_job_search(text) if len(text) <= MAX_TEXT else None
    if progress is None:
        turn.say("pulse.not_understood")
        _ask_progress(turn, row)
        return True
    await _on_progress(turn, row, pairing, progress)
    return True


def _buttons(stored: list[list[str]]) -> tuple[Choice, ...]:
    return tuple(Choice(label, value) for label, value in stored)


def _ask_context(row: Checkin) -> dict[str, Any]:
    return {"mentor": "", "period": row.period, "again": True}


def _ask_progress(turn: Turn, row: Checkin) -> None:
    turn.say("pulse.ask_progress", _progress_choices(row.id))


async def _latest_youth_checkin(session: AsyncSession, pairing_id: int) -> Checkin | None:
    return await session.scalar(
        select(Checkin)
        .where(Checkin.pairing_id == pairing_id, Checkin.respondent_role == Role.YOUTH)
        .order_by(Checkin.period.desc())
        .limit(1)
    )


async def _open_pulse(turn: Turn) -> tuple[Checkin, Pairing] | None:
    """The pulse of the youth's active pairing still waiting for an answer, if any."""
    pairing = await turn.session.scalar(
        select(Pairing)
        .where(Pairing.youth_id == turn.person.id, Pairing.status == PairingStatus.ACTIVE)
        .order_by(Pairing.id.desc())
        .limit(1)
    )
    if pairing is None:
        return None
    row = await _latest_youth_checkin(turn.session, pairing.id)
    if row is None or (row.answer is not None and row.progress is not None):
        return None
    return row, pairing


async def _own_pulse(turn: Turn, checkin_id: int) -> tuple[Checkin, Pairing] | None:
    """The youth's pulse behind a button, or None once the youth was told why not."""
    session = turn.session
    row = await session.get(Checkin, checkin_id)
    pairing = await session.get(Pairing, row.pairing_id) if row is not None else None
    if (
        row is None
        or pairing is None
        or row.respondent_role != Role.YOUTH
        or pairing.youth_id != turn.person.id
    ):
        turn.say("common.stale_button")
        return None
    if pairing.status != PairingStatus.ACTIVE:
        turn.say("pulse.pair_not_active", status=pairing.status)
        return None
    latest = await _latest_youth_checkin(session, pairing.id)
    if latest is not None and latest.id != row.id:
        turn.say("pulse.past", period=row.period)
        return None
    return row, pairing


async def _on_contact(turn: Turn, row: Checkin, pairing: Pairing, answer: PulseAnswer) -> None:
    if row.answer is not None:
        turn.say("pulse.already_answered")
        if row.progress is None:
            _ask_progress(turn, row)
        return
    row.answer, row.answered_at = answer, turn.now
    pairing.youth_silent_rounds = 0
    turn.say("pulse.contact_noted", answer=answer.value)
    _ask_progress(turn, row)
    if answer is PulseAnswer.NO:
        await check_disagreement(
            turn.session, pairing=pairing, period=row.period, now=turn.now, config=turn.config
        )


async def _on_progress(turn: Turn, row: Checkin, pairing: Pairing, answer: JobSearch) -> None:
    if row.progress is not None:
        turn.say("pulse.already_answered")
        return
    row.progress = answer
    if row.answered_at is None:
        row.answered_at = turn.now
    pairing.youth_silent_rounds = 0
    if answer is JobSearch.FOUND:
        await job_outcome.begin(turn, pairing)
        return
    turn.say(f"pulse.progress_{answer.value}")


# typed answers: "found" is matched first and only without a negation ("pas encore trouvé"
# is asked again with the buttons), "hard" before "good" so "ça va pas" is not read as good
_FOUND = parsing.phrases.words("job_search", "found")
_NEGATION = parsing.phrases.words("job_search", "negations")
_HARD = parsing.phrases.words("job_search", "hard")
_GOOD = parsing.phrases.words("job_search", "good")


def parse_job_search(text: str) -> JobSearch | None:
    """ "ça va", "difficile", "j'ai trouvé !" (or 1, 2, 3 for the buttons), or None."""
    words = parsing.padded_words(text)
    stripped = words.strip().rstrip(".)")
    index = codec.button_number(stripped, len(JobSearch))
    if index is not None:
        return list(JobSearch)[index]
    if parsing.has_phrase(words, _FOUND):
        return None if parsing.has_phrase(words, _NEGATION) else JobSearch.FOUND
    if " pas mal " in words:
        return JobSearch.GOOD
    if parsing.has_phrase(words, _HARD):
        return JobSearch.HARD
    if parsing.has_phrase(words, _GOOD):
        return JobSearch.GOOD
    return None


def _parse_contact(text: str) -> PulseAnswer | None:
    index = codec.button_number(text, len(PulseAnswer))
    if index is not None:
        return list(PulseAnswer)[index]
    said = parsing.parse_tristate(text)
    return {Tristate.YES: PulseAnswer.YES, Tristate.NO: PulseAnswer.NO}.get(said) if said else None


# ============================================================================ continue?


async def _on_continue(turn: Turn, pairing_id: int, value: str) -> None:
    session = turn.session
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None or pairing.youth_id != turn.person.id or value not in tuple(Continuation):
        turn.say("common.stale_button")
        return
    if pairing.status != PairingStatus.ACTIVE:
        turn.say("pulse.pair_not_active", status=pairing.status)
        return
    if pairing.youth_silent_rounds < turn.config.nudges.silent_rounds_before_asking:
        turn.say("pulse.continue_answered")  # answered already, or they answered a pulse since
        return
    choice = Continuation(value)
    pairing.youth_silent_rounds = 0
    if choice is Continuation.CONTINUE:
        turn.say("pulse.continue_thanks")
        return
    actor = f"person:{turn.person.id}"
    if choice is Continuation.PAUSE:
        pairings.change_status(pairing, PairingStatus.PAUSED, now=turn.now, config=turn.config)
        await audit.record(
            session,
            actor=actor,
            action="pairing_paused",
            now=turn.now,
            subject_person_id=turn.person.id,
            detail={"pairing": pairing.id, "reason": "youth_asked"},
        )
        await alert_staff(
            turn, pairing, "staff.youth_paused", f"alert:pairing:{pairing.id}:youth_pause"
        )
        # the mentor would otherwise wonder why the check-ins stopped
        await outbox.enqueue(
            session,
            key=f"pairing:{pairing.id}:youth_paused:{turn.now:%Y-%m-%d}",
            person_id=pairing.mentor_id,
            channel=Channel.SLACK,
            template="mentor.youth_paused",
            context={"pairing": pairing.id, "mentee": turn.person.display_name or ""},
            now=turn.now,
        )
        turn.say("pulse.paused")
        return
    pairings.change_status(
        pairing,
        PairingStatus.CLOSED,
        now=turn.now,
        config=turn.config,
        reason=CloseReason.GAVE_UP,
    )
    await audit.record(
        session,
        actor=actor,
        action="pairing_closed",
        now=turn.now,
        subject_person_id=turn.person.id,
        detail={"pairing": pairing.id, "reason": "youth_stopped"},
    )
    await alert_staff(
        turn, pairing, "staff.youth_stopped", f"alert:pairing:{pairing.id}:youth_stop"
    )
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:youth_stopped",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="mentor.youth_stopped",
        context={"pairing": pairing.id, "mentee": turn.person.display_name or ""},
        now=turn.now,
    )
    turn.say("pulse.stopped")
