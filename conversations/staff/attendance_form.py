"""After an event, staff mark who came from Slack: `/mentorbot attend ID` opens a list of
the people who answered "I'll come" or "maybe" (and those already marked), to tick."""

from __future__ import annotations

from conversations.core import codec
from conversations.core.messages import Choice, FieldKind, Form, FormField, Reply
from conversations.core.turn import Turn
from conversations.staff import events as staff_events
from storage import rsvps
from storage.models import Event, EventState, Person, RsvpAnswer

__all__ = ["ATTEND_FORM", "open_attendance_form", "submit_attendance"]

ATTEND_FORM = "event_attend"
KEY = "events.staff."
# what Slack's multi-select holds; a longer list is marked with `mentorbot event attend --csv`
MAX_LISTED = 100


async def open_attendance_form(turn: Turn, reference: str) -> None:
    """The list to tick, or why there is none (unknown event, cancelled, not begun)."""
    event_id = codec.parse_id(reference)
    event = await turn.session.get(Event, event_id) if event_id is not None else None
    if event is None:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
        return
    if event.state == EventState.CANCELLED or event.starts_at > turn.now:
        turn.response.replies.append(
            Reply(f"{KEY}attend_not_yet", {"event": event.id}, locale=turn.locale)
        )
        return
    options: list[Choice] = []
    for rsvp in await rsvps.of_event(turn.session, event.id):
        if rsvp.answer not in (RsvpAnswer.YES, RsvpAnswer.MAYBE) and not rsvp.attended:
            continue
        person = await turn.session.get(Person, rsvp.person_id)
        if person is None or person.erased_at is not None:
            continue
        options.append(
            Choice(
                f"{KEY}attend_option",
                str(person.id),
                {"name": person.display_name or "", "person": person.id, "answer": rsvp.answer},
            )
        )
    if not options:
        turn.response.replies.append(
            Reply(f"{KEY}attend_nobody", {"event": event.id}, locale=turn.locale)
        )
        return
    turn.response.form = Form(
        name=ATTEND_FORM,
        title_key=f"{KEY}attend_heading",
        submit_key=f"{KEY}form_submit",
        fields=(
            FormField(
                "people", FieldKind.MULTI, f"{KEY}attend_people", tuple(options[:MAX_LISTED])
            ),
        ),
        locale=turn.locale,
        metadata={"event": event.id},
        intro=Reply(
            f"{KEY}attend_intro",
            {
                "title": event.title,
                "listed": min(len(options), MAX_LISTED),
                "more": len(options) > MAX_LISTED,
            },
            locale=turn.locale,
        ),
    )


async def submit_attendance(turn: Turn) -> None:
    """The ticked people came; the staff member is told how many were marked."""
    incoming = turn.incoming
    event_id = incoming.metadata.get("event")
    ticked = incoming.answers.get("people")
    people = (
        [int(value) for value in ticked if str(value).isdigit()] if isinstance(ticked, list) else []
    )
    if not people:
        turn.response.form_errors = {"people": f"{KEY}attend_none_ticked"}
        return
    try:
        marked = await staff_events.mark_attendance(
            turn.session,
            int(event_id) if isinstance(event_id, int | str) and str(event_id).isdigit() else -1,
            people,
            staff=turn.actor.external_id,
            now=turn.now,
        )
    except LookupError:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
        return
    turn.response.replies.append(
        Reply(
            f"{KEY}attend_marked",
            {"event": event_id, "ticked": len(set(people)), "marked": marked},
            locale=turn.locale,
        )
    )
