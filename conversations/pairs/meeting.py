"""The first meeting: the mentor proposes a day and an hour, the youth answers with one
tap, both are reminded the day before, and afterwards the mentor says whether it happened.

    mentor: "Propose a date" (mp:<pairing>) --> form (day and hour, place) --> PROPOSED
        youth, on Telegram: "OK" (ma:<meeting>:ok) ---------> ACCEPTED (mentor told in the
                                                              pair's thread; reminder armed)
                            "another time" (ma:...:other) --> DECLINED (mentor told, may
                                                              propose again)
        a new proposal replaces an open one ----------------> CANCELLED
    the day before (scheduler, `meeting_schedule`): both reminded, once
    after the date: the mentor asked once (mh:<meeting>:yes|no)
        yes --> HELD: the first meeting is logged exactly as the "first meeting held"
                button logs it (the role's own function, passed in)
        no  --> NOT_HELD: the mentor may propose another date

A day and an hour typed in the pair's thread ("jeudi 14h") gets an offer to propose it
(`offer_from_text`). Buttons pressed twice, of a replaced proposal, or by someone else get
a kind answer and change nothing. The states are `MeetingState`; see `meeting.mmd`.

The mentor's proposal is here; the answers to it and after it are in `meeting_answers`,
the dates and the scheduler's messages in `meeting_schedule` (both importable from here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice, FieldKind, Form, FormField, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import Response
from conversations.core.turn import Turn
from conversations.pairs import access
from conversations.pairs.followup import is_followed
from conversations.pairs.meeting_answers import LogFirstMeeting, answer_held, on_youth_answer
from conversations.pairs.meeting_schedule import (
    FOLLOWUP_AFTER,
    moment,
    tell_mentor,
    youth_on_telegram,
    zone_of,
)
from conversations.parsing.moments import find_moment
from storage import audit, meetings, outbox
from storage.models import Pairing, Person, Priority

__all__ = [
    "FORM",
    "MAX_AHEAD",
    "MAX_PLACE",
    "LogFirstMeeting",
    "Proposal",
    "answer_held",
    "offer_from_text",
    "on_youth_answer",
    "open_form",
    "parse_proposal",
    "proposal_form",
    "submit",
]

FORM = "meeting"
# a first meeting is within a few weeks of pairing: a date further than this is a typo
MAX_AHEAD = timedelta(days=92)
MAX_PLACE = 200
_STAMP = "%Y%m%dT%H%M"  # a typed moment carried by the "propose it" button, in UTC


# ------------------------------------------------------------------ the mentor's proposal


def proposal_form(locale: str, pairing_id: int, *, initial: datetime | None = None) -> Form:
    """The form a mentor proposes a first meeting with: a day and an hour, and a place."""
    return Form(
        name=FORM,
        title_key="meeting.mentor.form_title",
        submit_key="meeting.mentor.form_submit",
        fields=(
            FormField("starts_at", FieldKind.DATETIME, "meeting.mentor.form_when", initial=initial),
            FormField(
                "place",
                FieldKind.TEXT,
                "meeting.mentor.form_place",
                required=False,
                max_length=MAX_PLACE,
            ),
        ),
        locale=locale,
        metadata={"pairing": pairing_id},
    )


@dataclass(frozen=True)
class Proposal:
    """A validated proposal form."""

    starts_at: datetime
    place: str | None


def parse_proposal(answers: object, *, now: datetime) -> Proposal | dict[str, str]:
    """The proposal, or the error template key of each wrong field: the moment must be in
    the future and within `MAX_AHEAD`, the place short."""
    values = answers if isinstance(answers, Mapping) else {}
    errors: dict[str, str] = {}
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        errors["starts_at"] = "form.required"
    elif starts_at <= now:
        errors["starts_at"] = "meeting.mentor.error_past"
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = "meeting.mentor.error_too_far"
    place = values.get("place")
    cleaned: str | None = None
    if place is not None and not isinstance(place, str):
        errors["place"] = "form.invalid_choice"
    elif isinstance(place, str):
        cleaned = " ".join(place.split()) or None  # one line, as the youth will read it
        if cleaned is not None and len(cleaned) > MAX_PLACE:
            errors["place"] = "meeting.mentor.error_place_too_long"
    if errors or not isinstance(starts_at, datetime):
        return errors
    return Proposal(starts_at=starts_at.astimezone(UTC), place=cleaned)


async def _proposable(
    session: AsyncSession, mentor: Person, pairing_id: int, now: datetime
) -> tuple[Pairing, Response | None]:
    """The mentor's pair, and what to say instead when no meeting can be proposed in it."""
    pairing = await access.own_open_pairing(session, mentor, pairing_id, now=now)
    said = Response()
    if pairing.first_meeting_at is not None:
        said.say("mentor.first_meeting_already", mentor.locale, when=pairing.first_meeting_at)
    elif not is_followed(pairing.status):
        said.say(
            "meeting.mentor.pair_paused",
            mentor.locale,
            mentee=await access.mentee_name(session, pairing),
        )
    else:
        return pairing, None
    return pairing, said


async def open_form(
    session: AsyncSession, *, mentor: Person, pairing_id: int, value: str, now: datetime
) -> Response:
    """ "Propose a date" pressed: the form, filled in with the moment the button carries (a
    day and an hour typed in the thread) when it is still ahead."""
    pairing, instead = await _proposable(session, mentor, pairing_id, now)
    if instead is not None:
        return instead
    initial: datetime | None = None
    try:
        initial = datetime.strptime(value, _STAMP).replace(tzinfo=UTC) if value else None
    except ValueError:
        initial = None
    if initial is not None and not now < initial <= now + MAX_AHEAD:
        initial = None
    return Response(form=proposal_form(mentor.locale, pairing.id, initial=initial))


async def submit(
    session: AsyncSession,
    *,
    mentor: Person,
    pairing_id: int,
    answers: object,
    source_event_id: str,
    channel: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Response:
    """The proposal form submitted: errors shown in place, or the proposal sent to the youth
    (replacing an open one) and the mentor told."""
    proposal = parse_proposal(answers, now=now)
    if not isinstance(proposal, Proposal):
        return Response(form_errors=proposal)
    pairing, instead = await _proposable(session, mentor, pairing_id, now)
    if instead is not None:
        return instead
    replaced = await meetings.cancel_open(session, pairing.id)
    meeting = await meetings.add(
        session,
        pairing_id=pairing.id,
        starts_at=proposal.starts_at,
        place=proposal.place,
        now=now,
        followup_due_at=proposal.starts_at + FOLLOWUP_AFTER,
    )
    youth = await session.get(Person, pairing.youth_id)
    result = Response()
    if await youth_on_telegram(session, youth):
        # between people: delivered at once, in order with the mentor's relayed messages
        await outbox.enqueue(
            session,
            key=f"meeting:{meeting.id}:proposed",
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="meeting.youth.proposed",
            context={
                "mentor": outbox.person_ref(mentor.id),
                "again": bool(replaced),
                "live": True,
                "choices": [
                    ["choice.meeting.ok", codec.encode("ma", meeting.id, value="ok")],
                    ["choice.meeting.other", codec.encode("ma", meeting.id, value="other")],
                ],
                **moment(meeting, youth, config),
            },
            now=now,
            priority=Priority.URGENT,
            order_key=f"pair:{pairing.id}:to_youth",
        )
        key = "meeting.mentor.proposed"
    else:
        key = "meeting.mentor.youth_unreachable"
    await audit.record(
        session,
        actor=f"mentor:{mentor.id}",
        action="meeting_proposed",
        now=now,
        detail={"pairing": pairing.id, "meeting": meeting.id, "replaces": [m.id for m in replaced]},
    )
    await tell_mentor(session, result, mentor, pairing, key, moment(meeting, mentor, config))
    return result


# ------------------------------------------------------------------ typed in the thread


async def offer_from_text(turn: Turn, pairing_id: int, text: str) -> None:
    """A mentor's message in the pair's thread naming a day and an hour ("jeudi 14h"),
    while no first meeting is logged: offer to propose it formally (a button opening the
    form filled in with it). Anything else adds nothing."""
    mentor = turn.actor.person
    pairing = await turn.session.get(Pairing, pairing_id)
    if (
        mentor is None
        or pairing is None
        or pairing.mentor_id != mentor.id
        or not is_followed(pairing.status)
        or pairing.first_meeting_at is not None
    ):
        return
    zone = zone_of(mentor, turn.config)
    found = find_moment(text, turn.now, zone)
    if found is None or found > turn.now + MAX_AHEAD:
        return
    found = found.astimezone(UTC)
    current = await meetings.open_of_pairing(turn.session, pairing.id)
    if current is not None and current.starts_at == found:
        return  # already proposed
    stamp = found.strftime(_STAMP)
    turn.replies.append(
        Reply(
            "meeting.mentor.offer",
            context={
                "mentee": await access.mentee_name(turn.session, pairing),
                "starts_at": found.isoformat(),
                "time_zone": zone.key,
            },
            choices=(
                Choice("choice.meeting.propose_this", codec.encode("mp", pairing.id, value=stamp)),
            ),
            locale=mentor.locale,
            thread=turn.incoming.thread,
        )
    )
