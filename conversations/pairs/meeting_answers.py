"""The answers to a first meeting's questions: the youth's "OK" or "another time" to a
proposal (`ma:<meeting>:ok|other`), and the mentor's "did it happen?" after the date
(`mh:<meeting>:yes|no`). See `meeting` for the whole flow and `meeting.mmd` for its states.

A button pressed twice, of a replaced proposal, of a pair no longer active, or by someone
else gets a kind answer and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import Response
from conversations.core.turn import Turn
from conversations.pairs import access
from conversations.pairs.followup import is_followed
from conversations.pairs.meeting_schedule import (
    mentor_context,
    moment,
    propose_again,
    reminder_time,
    tell_mentor,
)
from conversations.rules.calendar import Place
from storage import audit, outbox
from storage.models import Meeting, MeetingState, Pairing, Person, Priority

__all__ = ["LogFirstMeeting", "answer_held", "on_youth_answer"]

_ANSWERED = (MeetingState.ACCEPTED, MeetingState.DECLINED, MeetingState.HELD, MeetingState.NOT_HELD)


class LogFirstMeeting(Protocol):
    """The mentor's "first meeting held" (`contact_log.first_meeting`), which `answer_held`
    reuses so the follow-up rules see a confirmed meeting exactly as a logged one."""

    async def __call__(
        self,
        session: AsyncSession,
        *,
        mentor: Person,
        pairing_id: int,
        source_event_id: str,
        channel: str,
        now: datetime,
        config: ProgrammeConfig,
    ) -> Response: ...


# ------------------------------------------------------------------ the youth's answer


async def on_youth_answer(turn: Turn, button: codec.Button) -> None:
    """ "OK" or "another time" pressed by the youth (`ma:<meeting>:ok|other`)."""
    session, youth, now = turn.session, turn.person, turn.now
    meeting = await session.get(Meeting, button.id)
    pairing = await session.get(Pairing, meeting.pairing_id) if meeting is not None else None
    if meeting is None or pairing is None or pairing.youth_id != youth.id:
        await audit.record(
            session,
            actor=f"youth:{youth.id}",
            action="foreign_meeting_refused",
            now=now,
            detail={"meeting": button.id},
        )
        turn.say("meeting.youth.not_yours")
        return
    if button.value not in ("ok", "other"):
        turn.say("common.stale_button")
        return
    mentor = await session.get(Person, pairing.mentor_id)
    name = (mentor.display_name if mentor else None) or ""
    shown = moment(meeting, youth, turn.config)
    if not is_followed(pairing.status):
        turn.say("meeting.youth.pair_not_active", mentor=name)
    elif meeting.state == MeetingState.CANCELLED:
        turn.say("meeting.youth.replaced", mentor=name)
    elif meeting.state in _ANSWERED:
        answer = "other" if meeting.state == MeetingState.DECLINED else "ok"
        _tell_youth(
            turn, "meeting.youth.already_answered", {**shown, "mentor": name, "answer": answer}
        )
    elif meeting.starts_at <= now:
        _tell_youth(turn, "meeting.youth.past", {**shown, "mentor": name})
    elif button.value == "ok":
        await _accept(turn, meeting, pairing, name, shown)
    else:
        await _decline(turn, meeting, pairing, name, shown)


async def _accept(
    turn: Turn, meeting: Meeting, pairing: Pairing, mentor_name: str, shown: dict[str, Any]
) -> None:
    now, config = turn.now, turn.config
    meeting.state, meeting.answered_at = MeetingState.ACCEPTED, now
    place = Place.of_region(turn.person.region, config.zone)
    meeting.reminder_due_at = reminder_time(meeting.starts_at, now, config.nudges.window, place)
    await _answer_to_mentor(turn, meeting, pairing, "meeting.mentor.accepted", [])
    reminder = meeting.reminder_due_at is not None
    _tell_youth(
        turn, "meeting.youth.accepted", {**shown, "mentor": mentor_name, "reminder": reminder}
    )


async def _decline(
    turn: Turn, meeting: Meeting, pairing: Pairing, mentor_name: str, shown: dict[str, Any]
) -> None:
    meeting.state, meeting.answered_at = MeetingState.DECLINED, turn.now
    meeting.reminder_due_at = meeting.followup_due_at = None
    again = [["choice.meeting.propose", codec.encode("mp", pairing.id)]]
    await _answer_to_mentor(turn, meeting, pairing, "meeting.mentor.declined", again)
    _tell_youth(turn, "meeting.youth.other", {**shown, "mentor": mentor_name})


def _tell_youth(turn: Turn, key: str, context: dict[str, object]) -> None:
    turn.replies.append(Reply(key, context=context, locale=turn.locale))


async def _answer_to_mentor(
    turn: Turn, meeting: Meeting, pairing: Pairing, template: str, choices: list[list[str]]
) -> None:
    """The youth's answer, to the mentor in the pair's thread: between people, at once."""
    session = turn.session
    mentor = await session.get(Person, pairing.mentor_id)
    context = await mentor_context(
        session, pairing, live=True, **moment(meeting, mentor, turn.config)
    )
    if choices:
        context["choices"] = choices
    await outbox.enqueue(
        session,
        key=f"meeting:{meeting.id}:answer",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template=template,
        context=context,
        now=turn.now,
        priority=Priority.URGENT,
        order_key=f"pair:{pairing.id}:to_mentor",
    )


# ------------------------------------------------------------------ after the date


async def answer_held(
    session: AsyncSession,
    *,
    mentor: Person,
    meeting_id: int,
    choice: str,
    now: datetime,
    config: ProgrammeConfig,
    log_first_meeting: LogFirstMeeting,
) -> Response:
    """The mentor's answer to "did it happen?" (`mh:<meeting>:yes|no`): yes logs the first
    meeting, no offers to propose another date."""
    result = Response()
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or choice not in ("yes", "no"):
        result.say("common.stale_button", mentor.locale)
        return result
    pairing = await access.own_open_pairing(session, mentor, meeting.pairing_id, now=now)
    shown = moment(meeting, mentor, config)
    if meeting.state in (MeetingState.HELD, MeetingState.NOT_HELD):
        key = "meeting.mentor.held_already"
        await tell_mentor(session, result, mentor, pairing, key, {**shown, "answer": meeting.state})
        return result
    if meeting.state in (MeetingState.CANCELLED, MeetingState.DECLINED):
        await tell_mentor(session, result, mentor, pairing, "meeting.mentor.replaced", shown)
        return result
    if now < meeting.starts_at:
        await tell_mentor(session, result, mentor, pairing, "meeting.mentor.not_yet", shown)
        return result
    meeting.followup_due_at = meeting.reminder_due_at = None
    meeting.followed_up_at = meeting.followed_up_at or now
    if choice == "no":
        meeting.state = MeetingState.NOT_HELD
        await tell_mentor(
            session,
            result,
            mentor,
            pairing,
            "meeting.mentor.not_held",
            shown,
            propose_again(pairing),
        )
        return result
    meeting.state = MeetingState.HELD
    # the same source as the "first meeting held" button: whichever comes first logs it
    return await log_first_meeting(
        session,
        mentor=mentor,
        pairing_id=pairing.id,
        source_event_id=f"first_meeting:{pairing.id}",
        channel=Channel.SLACK,
        now=now,
        config=config,
    )
