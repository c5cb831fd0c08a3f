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
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import parsing
from conversations.core import codec
from conversations.core.messages import Channel, Choice
from conversations.core.turn import MAX_TEXT, Turn
from conversations.pairs import lifecycle as pairings
from conversations.pairs.agreement import PulseAnswer, check_disagreement
from conversations.rules.eligibility import Tristate
from conversations.youth import job_outcome
from conversations.youth.job_outcome import tell_staff
from conversations.youth.pulse_sending import (
    ACTIONS,
    CONTACT_PREFIX,
    CONTINUE_PREFIX,
    PROGRESS_PREFIX,
    Continuation,
    JobSearch,
    contact_choices,
    continue_choices,
    progress_choices,
    send_pulse,
)
from storage import audit, checkins, outbox
from storage import pairings as pairing_rows
from storage.models import (
    Checkin,
    CloseReason,
    Pairing,
    PairingStatus,
    Role,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ACTIONS",
    "Continuation",
    "JobSearch",
    "PulseAnswer",
    "check_disagreement",
    "contact_choices",
    "continue_choices",
    "on_choice",
    "on_text",
    "parse_job_search",
    "send_pulse",
]

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
    turn.say("pulse.ask_progress", progress_choices(row.id))


async def _latestyouth_checkin(session: AsyncSession, pairing_id: int) -> Checkin | None:
    return await checkins.latest(session, pairing_id, Role.YOUTH)


async def _open_pulse(turn: Turn) -> tuple[Checkin, Pairing] | None:
    """The pulse of the youth's active pairing still waiting for an answer, if any."""
    pairing = await pairing_rows.latest_of_youth(turn.session, turn.person.id, PairingStatus.ACTIVE)
    if pairing is None:
        return None
    row = await _latestyouth_checkin(turn.session, pairing.id)
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
    latest = await _latestyouth_checkin(session, pairing.id)
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
            turn.session,
            pairing=pairing,
            period=row.period,
            now=turn.now,
            config=turn.config,
            actor=f"person:{turn.person.id}",
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
        await tell_staff(
            turn,
            pairing,
            "staff.youth_paused",
            f"alert:pairing:{pairing.id}:youth_pause",
            kind="youth_paused",
        )
        # the mentor would otherwise wonder why the check-ins stopped
        await outbox.enqueue(
            session,
            key=f"pairing:{pairing.id}:youth_paused:{turn.now:%Y-%m-%d}",
            person_id=pairing.mentor_id,
            channel=Channel.SLACK,
            template="mentor.youth_paused",
            context={"pairing": pairing.id, "mentee": outbox.person_ref(turn.person.id)},
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
    await tell_staff(
        turn,
        pairing,
        "staff.youth_stopped",
        f"alert:pairing:{pairing.id}:youth_stop",
        kind="youth_stopped",
    )
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:youth_stopped",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="mentor.youth_stopped",
        context={"pairing": pairing.id, "mentee": outbox.person_ref(turn.person.id)},
        now=turn.now,
    )
    turn.say("pulse.stopped")
