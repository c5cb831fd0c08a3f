"""Events from Slack, staff only: `/mentorbot event` opens the event form (a modal), its
answers checked by `events.check` and shown in place when wrong; the event made once per
form (the view id is the request key) and answered with its id and "Announce", "Edit",
"Cancel event" buttons. `/mentorbot events` lists those to come with their answers.

The date-time pickers answer an instant (Slack shows them in the staff member's own time
zone); the event's time zone says how the times are shown to people (overseas youths see
their own).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from conversations.core import codec
from conversations.core.messages import Choice, FieldKind, Form, FormField, Reply
from conversations.core.response import Response
from conversations.core.turn import Turn
from conversations.rules.regions import REGION_TIMEZONES
from conversations.staff import events
from conversations.staff.events import EventDraft, EventError, EventProblems
from storage import rsvps
from storage.models import Event

__all__ = [
    "EDIT_FORM",
    "EVENT_FORM",
    "event_buttons",
    "event_context",
    "event_form",
    "list_upcoming",
    "on_cancel_button",
    "open_edit_form",
    "parse_event",
    "submit_edit",
    "submit_event",
]

EVENT_FORM = "event"
EDIT_FORM = "event_edit"
# the longest list `/mentorbot events` shows
MAX_LISTED = 20
TEXTS = ("title", "place", "link", "description")
KEY = "events.staff."


def _zones(default: str) -> tuple[str, ...]:
    """The programme's time zone, then the overseas regions' ones."""
    others = sorted({zone for zone in REGION_TIMEZONES.values() if zone != default})
    return (default, *others)


def event_form(locale: str, zone: str, *, event: Event | None = None) -> Form:
    """The form an event is created with; with `event`, the one it is edited with (every
    field optional: what is left empty does not change)."""
    editing = event is not None
    label = "form_edit_" if editing else "form_"
    kinds = tuple(Choice(f"{KEY}kind_{kind}", kind) for kind in events.KINDS)
    zones = tuple(Choice(f"{KEY}form_zone_option", name, {"zone": name}) for name in _zones(zone))
    fields_ = (
        FormField("title", FieldKind.TEXT, f"{KEY}{label}title", required=not editing,
                  max_length=events.MAX_TITLE),
        FormField("kind", FieldKind.SINGLE, f"{KEY}form_kind", kinds, required=not editing),
        FormField("starts_at", FieldKind.DATETIME, f"{KEY}form_starts_at", required=not editing,
                  initial=event.starts_at if event else None),
        FormField("ends_at", FieldKind.DATETIME, f"{KEY}form_ends_at", required=not editing,
                  initial=event.ends_at if event else None),
        FormField("zone", FieldKind.SINGLE, f"{KEY}form_zone", zones, required=False),
        FormField("place", FieldKind.TEXT, f"{KEY}{label}place", required=False,
                  max_length=events.MAX_PLACE),
        FormField("link", FieldKind.TEXT, f"{KEY}{label}link", required=False,
                  max_length=events.MAX_LINK),
        FormField("description", FieldKind.TEXT, f"{KEY}{label}description", required=False,
                  max_length=events.MAX_DESCRIPTION),
        FormField("capacity", FieldKind.TEXT, f"{KEY}{label}capacity", required=False,
                  max_length=7),
    )  # fmt: skip
    return Form(
        name=EDIT_FORM if editing else EVENT_FORM,
        title_key=f"{KEY}{label}heading",
        submit_key=f"{KEY}form_submit",
        fields=fields_,
        locale=locale,
        metadata={"event": event.id} if event else {},
        intro=Reply(f"{KEY}event", event_context(event), locale=locale) if event else None,
    )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_event(
    answers: dict[str, object] | Any, default_zone: str, *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields answered (names of `EventDraft`), and the error key of each field that
    cannot be read. With `partial` (an edit), an empty field is left out."""
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in TEXTS:
        text = _text(answers.get(name))
        if text is not None or not partial:
            found[name] = text
    kind = answers.get("kind")
    if isinstance(kind, str) and kind:
        found["kind"] = kind
    elif not partial:
        errors["kind"] = "form.required"
    for name in ("starts_at", "ends_at"):
        moment = answers.get(name)
        if isinstance(moment, datetime):
            found[name] = moment
        elif not partial:
            errors[name] = "form.required"
    zone = answers.get("zone")
    if isinstance(zone, str) and zone:
        found["zone"] = zone
    elif not partial:
        found["zone"] = default_zone
    capacity = _text(answers.get("capacity"))
    if capacity is not None:
        number = codec.parse_id(capacity) if capacity != "0" else 0
        if number is None:
            errors["capacity"] = f"{KEY}error_capacity_invalid"
        else:
            found["capacity"] = number
    elif not partial:
        found["capacity"] = None
    return found, errors


def _in_place(problems: tuple[EventError, ...]) -> dict[str, str]:
    """Each problem under its field (the first one when a field has several)."""
    shown: dict[str, str] = {}
    for problem in problems:
        name = problem.field if problem.field != "event" else "title"
        shown.setdefault(name, problem.key)
    return shown


def event_context(event: Event) -> dict[str, Any]:
    return {
        "event": event.id,
        "title": event.title,
        "event_kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "zone": event.zone,
        "place": event.place,
        "link": event.link,
        "capacity": event.capacity,
        "state": event.state,
    }


def event_buttons(event_id: int) -> tuple[Choice, ...]:
    return (
        Choice(f"{KEY}button_announce", codec.encode("ea", event_id)),
        Choice(f"{KEY}button_edit", codec.encode("ee", event_id)),
        Choice(f"{KEY}button_cancel_event", codec.encode("ec", event_id)),
    )


def _event_reply(key: str, event: Event, locale: str, **more: Any) -> Reply:
    return Reply(
        key, {**event_context(event), **more}, choices=event_buttons(event.id), locale=locale,
        columns=3,
    )  # fmt: skip


def open_event_form(turn: Turn) -> None:
    turn.response.form = event_form(turn.locale, turn.config.zone.key)


async def submit_event(turn: Turn) -> None:
    """The event form submitted: errors in place, or the event made (once per form)."""
    incoming = turn.incoming
    found, errors = parse_event(dict(incoming.answers), turn.config.zone.key)
    if errors:
        turn.response.form_errors = errors
        return
    try:
        made = await events.create_event(
            turn.session,
            EventDraft(**found),
            staff=turn.actor.external_id,
            now=turn.now,
            request_key=incoming.event_id or None,
        )
    except EventProblems as refused:
        turn.response.form_errors = _in_place(refused.errors)
        return
    turn.response.replies.append(_event_reply(f"{KEY}created", made.event, turn.locale))


async def _event_of(turn: Turn, event_id: int | None) -> Event | None:
    event = await turn.session.get(Event, event_id) if event_id is not None else None
    if event is None:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
    return event


async def open_edit_form(turn: Turn, event_id: int) -> None:
    event = await _event_of(turn, event_id)
    if event is not None:
        turn.response.form = event_form(turn.locale, turn.config.zone.key, event=event)


async def submit_edit(turn: Turn) -> None:
    """The edit form submitted: only what was filled in changes; those who answered "I'll
    come" or "Maybe" are told of a new date, time or place."""
    raw = turn.incoming.metadata.get("event")
    event_id = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    found, errors = parse_event(dict(turn.incoming.answers), turn.config.zone.key, partial=True)
    if errors:
        turn.response.form_errors = errors
        return
    known = {f.name for f in fields(EventDraft)}
    changes = {name: value for name, value in found.items() if name in known}
    try:
        event, told = await events.edit_event(
            turn.session,
            event_id or 0,
            changes,
            staff=turn.actor.external_id,
            now=turn.now,
            zone=turn.config.zone,
        )
    except LookupError:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
        return
    except EventProblems as refused:
        turn.response.form_errors = _in_place(refused.errors)
        return
    turn.response.replies.append(_event_reply(f"{KEY}edited", event, turn.locale, told=told))


async def on_cancel_button(turn: Turn, button: codec.Button) -> None:
    """ "Cancel event": asked to confirm first; confirmed, the event is cancelled and those
    who answered are told."""
    if button.value != "yes":
        event = await _event_of(turn, button.id)
        if event is not None:
            confirm = Choice(
                f"{KEY}button_cancel_confirm", codec.encode("ec", event.id, value="yes")
            )
            turn.response.replies.append(
                Reply(f"{KEY}cancel_confirm", event_context(event), (confirm,), turn.locale)
            )
        return
    try:
        event, told = await events.cancel_event(
            turn.session, button.id, staff=turn.actor.external_id, now=turn.now,
            zone=turn.config.zone,
        )  # fmt: skip
    except LookupError:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
        return
    turn.response.answered = True
    turn.response.replies.append(
        Reply(f"{KEY}cancelled_event", {**event_context(event), "told": told}, locale=turn.locale)
    )


async def list_upcoming(turn: Turn) -> Response:
    """`/mentorbot events`: those not over yet, with their answers so far."""
    response = Response()
    found = list(await events.list_events(turn.session, turn.now))[:MAX_LISTED]
    if not found:
        response.replies.append(Reply(f"{KEY}list_empty", locale=turn.locale))
        return response
    items = [
        {**event_context(event), "answers": await rsvps.answer_counts(turn.session, event.id)}
        for event in found
    ]
    response.replies.append(Reply(f"{KEY}list", {"events": items}, locale=turn.locale))
    return response
