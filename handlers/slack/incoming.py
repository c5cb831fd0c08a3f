"""Slack payloads as `Incoming` events: slash commands, buttons, modal submissions, events.

Each gets a stable event id from its payload, so a retried request (Slack retries events,
a person double-clicks, a proxy replays) is recognised by the engine and changes nothing
twice: events by `event_id`, slash commands by their `trigger_id`, buttons by who pressed
what when (`action_ts`), submissions by the view id (a modal closes once submitted; one
answered with errors stored nothing, so its corrected submission is new).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.core.messages import Channel, Incoming, Kind

# a slash command's verb and arguments: what the longest verb and a date or id need
MAX_COMMAND_TEXT = 500


def read_form(values: Mapping[str, Mapping[str, Any]]) -> dict[str, object]:
    """A modal's `state.values` as plain answers (field name -> value)."""
    answers: dict[str, object] = {}
    for block_id, actions in values.items():
        if not isinstance(actions, Mapping):
            continue
        for state in actions.values():
            if not isinstance(state, Mapping):
                continue
            kind = state.get("type")
            if kind in ("radio_buttons", "static_select"):
                selected = state.get("selected_option")
                answers[block_id] = selected.get("value") if selected else None
            elif kind == "checkboxes":
                answers[block_id] = [o.get("value") for o in state.get("selected_options") or []]
            elif kind == "datepicker":
                raw = state.get("selected_date")
                try:
                    answers[block_id] = date.fromisoformat(raw) if raw else None
                except (TypeError, ValueError):
                    answers[block_id] = None
            else:
                answers[block_id] = state.get("value")
    return answers


def _user(body: Mapping[str, Any]) -> str:
    user = body.get("user")
    return str((user.get("id") if isinstance(user, Mapping) else user) or "")


def command(payload: Mapping[str, Any]) -> Incoming:
    """`/mentorbot verb args...`"""
    words = str(payload.get("text") or "")[:MAX_COMMAND_TEXT].split(maxsplit=1)
    trigger = str(payload.get("trigger_id") or "") or None
    return Incoming(
        Channel.SLACK,
        str(payload.get("user_id") or ""),
        Kind.COMMAND,
        text=str(payload.get("text") or "")[:MAX_COMMAND_TEXT],
        command=words[0].lower() if words else "help",
        args=words[1] if len(words) > 1 else "",
        event_id=f"command:{trigger}" if trigger else None,
        chat_id=str(payload.get("channel_id") or "") or None,
        trigger_id=trigger,
    )


def button(body: Mapping[str, Any]) -> Incoming:
    """A button pressed in a message, a modal or the App Home."""
    actions = body.get("actions") or [{}]
    action = actions[0] if isinstance(actions[0], Mapping) else {}
    user = _user(body)
    value = str(action.get("value") or "")
    trigger = str(body.get("trigger_id") or "") or None
    stamp = str(action.get("action_ts") or "")
    return Incoming(
        Channel.SLACK,
        user,
        Kind.CHOICE,
        choice=value,
        event_id=f"action:{user}:{stamp}:{value}"[:200] if stamp else None,
        trigger_id=trigger,
    )


def submission(body: Mapping[str, Any]) -> Incoming:
    """A modal submitted: its name, answers and the ids in its `private_metadata`."""
    view = body.get("view") or {}
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    state = view.get("state") or {}
    values = state.get("values") if isinstance(state, Mapping) else {}
    callback = str(view.get("callback_id") or "")
    return Incoming(
        Channel.SLACK,
        _user(body),
        Kind.FORM,
        form=callback,
        answers=read_form(values if isinstance(values, Mapping) else {}),
        metadata=metadata if isinstance(metadata, dict) else {},
        event_id=f"view:{view.get('id')}"[:200],
        trigger_id=str(body.get("trigger_id") or "") or None,
    )


def home_opened(body: Mapping[str, Any]) -> Incoming | None:
    """The App Home tab opened (the Messages tab is not ours to draw)."""
    event = body.get("event") or {}
    if event.get("tab") != "home":
        return None
    return Incoming(
        Channel.SLACK,
        str(event.get("user") or ""),
        Kind.OPENED,
        text="home",
        event_id=str(body.get("event_id") or "") or None,
    )


def direct_message(body: Mapping[str, Any]) -> Incoming | None:
    """Free text written in the app's Messages tab; None for the bot's own posts, edits and
    messages in channels."""
    event = body.get("event") or {}
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return None
    return Incoming(
        Channel.SLACK,
        str(event.get("user") or ""),
        Kind.TEXT,
        text=str(event.get("text") or ""),
        event_id=str(body.get("event_id") or "") or None,
        chat_id=str(event.get("channel") or "") or None,
        thread=str(event.get("thread_ts") or "") or None,
    )
