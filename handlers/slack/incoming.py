"""Slack payloads as `Incoming` events: slash commands, buttons, modal submissions, events.

A message a person posts becomes text as they see it (mentions, links and entities read
back into plain characters) and, with files, the list of those to download.

Each gets a stable event id from its payload, so a retried request (Slack retries events,
a person double-clicks, a proxy replays) is recognised by the engine and changes nothing
twice: events by `event_id`, slash commands by their `trigger_id`, buttons by who pressed
what when (`action_ts`), submissions by the view id (a modal closes once submitted; one
answered with errors stored nothing, so its corrected submission is new).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from conversations.core.messages import Channel, Incoming, Kind
from handlers import files
from handlers.files import safe_filename

# a slash command's verb and arguments: what the longest verb and a date or id need
MAX_COMMAND_TEXT = 500
# a message is taken whole up to Slack's own limit (the relay splits it for Telegram)
MAX_MESSAGE_TEXT = 40_000
# message subtypes that are a person saying something (others: edits, deletions, joins...)
_PERSON_POSTS = frozenset({None, "file_share", "thread_broadcast"})
# `<@U1>`, `<#C1|name>`, `<!here>`, `<https://x|label>`: what Slack sends for mentions, links
_SPECIAL = re.compile(r"<([^<>\n]+)>")


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
            elif kind in ("checkboxes", "multi_static_select"):
                answers[block_id] = [o.get("value") for o in state.get("selected_options") or []]
            elif kind == "datetimepicker":
                answers[block_id] = _instant(state.get("selected_date_time"))
            elif kind == "datepicker":
                raw = state.get("selected_date")
                try:
                    answers[block_id] = date.fromisoformat(raw) if raw else None
                except (TypeError, ValueError):
                    answers[block_id] = None
            else:
                answers[block_id] = state.get("value")
    return answers


def _instant(raw: object) -> datetime | None:
    """A `datetimepicker`'s answer (epoch seconds) as an aware UTC datetime."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


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
    # pressed in an open modal: a form it opens goes on top of it (views.push)
    in_modal = (body.get("container") or {}).get("type") == "view" and (
        (body.get("view") or {}).get("type") == "modal"
    )
    return Incoming(
        Channel.SLACK,
        user,
        Kind.CHOICE,
        choice=value,
        event_id=f"action:{user}:{stamp}:{value}"[:200] if stamp else None,
        trigger_id=trigger,
        metadata={"in_modal": True} if in_modal else {},
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


@dataclass(frozen=True)
class SharedFile:
    """A file posted with a message, to download (with the bot token) before the engine
    sees the message."""

    name: str
    mime_type: str
    url: str


@dataclass(frozen=True)
class Posted:
    """A message a person posted: the event for the engine, and the files it still needs."""

    incoming: Incoming
    downloads: tuple[SharedFile, ...] = ()


def plain_text(mrkdwn: str) -> str:
    """What a person typed in Slack, as they see it: `<@U1>` is "@U1", `<http://x|label>`
    "label (http://x)", `<!channel>` "@channel", and `&amp; &lt; &gt;` the characters."""
    text = _SPECIAL.sub(_readable, mrkdwn)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _readable(found: re.Match[str]) -> str:
    inside = found.group(1)
    target, _, label = inside.partition("|")
    if target.startswith("@") or target.startswith("#"):
        return target[0] + (label.lstrip(target[0]) if label else target[1:])
    if target.startswith("!"):
        if label:
            return label
        return "@" + target[1:].split("^", 1)[0]
    address = target.removeprefix("mailto:")
    if not label or label in (target, address):
        return address
    return f"{label} ({address})"


def message(body: Mapping[str, Any], staff_channel: str | None = None) -> Posted | None:
    """A message a person posted: in the app's Messages tab (text or files, in a pair's
    thread or not), or as a reply in a thread of the staff channel (`metadata`
    `in_channel`). None for the bot's own posts, edits, deletions, joins, top-level posts
    in the staff channel and anything in other channels."""
    event = body.get("event") or {}
    if not isinstance(event, Mapping) or event.get("bot_id") or not event.get("user"):
        return None
    if event.get("subtype") not in _PERSON_POSTS:
        return None
    channel = str(event.get("channel") or "")
    thread = str(event.get("thread_ts") or "") or None
    metadata: dict[str, object] = {}
    if event.get("channel_type") != "im":
        in_a_thread = thread is not None and thread != str(event.get("ts") or "")
        if not staff_channel or channel != staff_channel or not in_a_thread:
            return None
        metadata["in_channel"] = True
    downloads, refused = _files(event.get("files"))
    kind = Kind.FILE if downloads or refused else Kind.TEXT
    incoming = Incoming(
        Channel.SLACK,
        str(event.get("user")),
        kind,
        text=plain_text(str(event.get("text") or ""))[:MAX_MESSAGE_TEXT],
        event_id=str(body.get("event_id") or "") or None,
        chat_id=channel or None,
        thread=thread,
        metadata=metadata,
        file_refused=refused,
    )
    return Posted(incoming, downloads)


def _files(listed: object) -> tuple[tuple[SharedFile, ...], str]:
    """The files to download, and why one of the others cannot be taken ("" if none)."""
    if not isinstance(listed, list):
        return (), ""
    downloads: list[SharedFile] = []
    refused = ""
    for item in listed:
        if not isinstance(item, Mapping):
            continue
        name = safe_filename(str(item.get("name") or item.get("title") or ""))
        size = item.get("size")
        why = files.refusal(name, str(item.get("mimetype") or ""), _size(size))
        url = str(item.get("url_private_download") or item.get("url_private") or "")
        mime = files.mime_type(name, str(item.get("mimetype") or ""))
        if not why and (not url or mime is None):
            # hidden (a plan's limit), deleted, or held outside Slack
            why = files.DOWNLOAD_FAILED
        if why or mime is None:
            refused = refused or why
            continue
        downloads.append(SharedFile(name, mime, url))
    return tuple(downloads), refused


def _size(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
