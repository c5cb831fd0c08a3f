"""Announcing an event from Slack, staff only: "Announce" (or `/mentorbot announce ID`)
opens the announcement form: the audience (filters that compose), the template in French
and in English (or one for all), when to send and "not after". Problems are shown in place,
a template's with its line; otherwise the draft is previewed to the staff member: what a
youth and a mentor see, whom it reaches, how long sending takes, with "Send", "Test send to
me" and "Cancel". "Send" twice sends once (the second finds it already sent).

`/mentorbot report ID` (an event), `/mentorbot pause|resume ID` (an announcement).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from conversations.core import codec
from conversations.core.messages import Choice, FieldKind, Form, FormField, Reply
from conversations.core.turn import Turn
from conversations.pairs.rsvp import rsvp_choices
from conversations.rules.regions import REGIONS
from conversations.staff import announcements, event_report
from conversations.staff.announcement_template import VARIABLES, TemplateProblem
from conversations.staff.announcements import AnnouncementProblems
from conversations.staff.event_forms import event_context
from storage.events import Audience
from storage.models import Announcement, AnnouncementStatus, Event, EventState, Role

__all__ = [
    "ANNOUNCE_FORM",
    "announce_form",
    "on_announcement_button",
    "open_announce_form",
    "pause_or_resume",
    "report",
    "submit_announce",
]

ANNOUNCE_FORM = "announce"
ROLES = (Role.YOUTH.value, Role.MENTOR.value)
KEY = "events.staff."
MAX_TEMPLATE = 3000
# where each of the core's codes is shown in the form
CODE_FIELDS = {
    "audience_roles": "roles",
    "audience_region": "regions",
    "audience_status": "youth_status",
    "audience_eligibility": "eligibility",
    "audience_empty": "roles",
    "template_missing": "template_fr",
    "event_cancelled": "roles",
    "event_started": "roles",
    "send_at_past": "send_at",
    "send_at_after_not_after": "send_at",
    "not_after_after_start": "not_after",
    "naive_time": "send_at",
}


def _choices(area: str, values: Iterable[str]) -> tuple[Choice, ...]:
    return tuple(Choice(f"{KEY}{area}_{value}", value) for value in values)


def announce_form(locale: str, event: Event) -> Form:
    regions = tuple(Choice(f"{KEY}form_region_option", code, {"code": code}) for code in REGIONS)
    fields = (
        FormField("roles", FieldKind.MULTI, f"{KEY}form_roles", _choices("role", ROLES)),
        FormField("regions", FieldKind.MULTI, f"{KEY}form_regions", regions, required=False),
        FormField("keywords", FieldKind.TEXT, f"{KEY}form_keywords", required=False,
                  max_length=300),
        FormField("youth_status", FieldKind.SINGLE, f"{KEY}form_youth_status",
                  _choices("status", announcements.YOUTH_STATUSES), required=False),
        FormField("eligibility", FieldKind.MULTI, f"{KEY}form_eligibility",
                  _choices("decision", announcements.DECISIONS), required=False),
        FormField("template_fr", FieldKind.TEXT, f"{KEY}form_template_fr", required=False,
                  max_length=MAX_TEMPLATE),
        FormField("template_en", FieldKind.TEXT, f"{KEY}form_template_en", required=False,
                  max_length=MAX_TEMPLATE),
        FormField("send_at", FieldKind.DATETIME, f"{KEY}form_send_at", required=False),
        FormField("not_after", FieldKind.DATETIME, f"{KEY}form_not_after", required=False),
    )  # fmt: skip
    return Form(
        name=ANNOUNCE_FORM,
        title_key=f"{KEY}form_announce_heading",
        submit_key=f"{KEY}form_preview",
        fields=fields,
        locale=locale,
        metadata={"event": event.id},
        intro=Reply(
            f"{KEY}announce_intro",
            {**event_context(event), "variables": VARIABLES},
            locale=locale,
        ),
    )


async def open_announce_form(turn: Turn, reference: str) -> None:
    event_id = codec.parse_id(reference)
    event = await turn.session.get(Event, event_id) if event_id is not None else None
    if event is None:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
    elif event.state == EventState.CANCELLED or event.starts_at <= turn.now:
        code = "event_cancelled" if event.state == EventState.CANCELLED else "event_started"
        turn.response.replies.append(_problems(turn, [code]))
    else:
        turn.response.form = announce_form(turn.locale, event)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item) for item in value if isinstance(item, str) and item)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _moment(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def audience_of(answers: dict[str, object]) -> Audience:
    status = answers.get("youth_status")
    keywords = _text(answers.get("keywords")) or ""
    return Audience(
        roles=_strings(answers.get("roles")),
        regions=_strings(answers.get("regions")),
        keywords=tuple(word.strip() for word in keywords.split(",") if word.strip())[:20],
        youth_status=status if isinstance(status, str) and status else None,
        eligibility=_strings(answers.get("eligibility")),
    )


def _time_codes(
    send_at: datetime | None, not_after: datetime | None, event: Event, now: datetime
) -> list[str]:
    """The core's rules for the times (`announcements.send`), checked before the preview
    so that they are shown in the form."""
    codes: list[str] = []
    if send_at is not None and send_at < now:
        codes.append("send_at_past")
    if (not_after or event.starts_at) <= (send_at or now):
        codes.append("send_at_after_not_after")
    if not_after is not None and not_after > event.starts_at:
        codes.append("not_after_after_start")
    return codes


def _in_place(turn: Turn, codes: Iterable[str], problems: Iterable[TemplateProblem]) -> None:
    errors = turn.response.form_errors
    for code in codes:
        errors.setdefault(CODE_FIELDS.get(code, "roles"), KEY + "error_" + code)
    for problem in problems:
        name = f"template_{problem.locale}"
        if name in errors:
            continue
        errors[name] = f"{KEY}template_{problem.code}"
        turn.response.form_error_context[name] = {
            "locale": problem.locale, "line": problem.line, "detail": problem.detail[:200],
        }  # fmt: skip


async def submit_announce(turn: Turn) -> None:
    """The form submitted: problems in place, or the draft stored and previewed."""
    answers = dict(turn.incoming.answers)
    raw = turn.incoming.metadata.get("event")
    event_id = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
    send_at, not_after = _moment(answers.get("send_at")), _moment(answers.get("not_after"))
    try:
        made = await announcements.create_announcement(
            turn.session,
            event_id=event_id,
            audience=audience_of(answers),
            template_fr=_text(answers.get("template_fr")),
            template_en=_text(answers.get("template_en")),
            author=turn.actor.external_id,
            now=turn.now,
            zone=turn.config.zone,
        )
    except LookupError:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
        return
    except AnnouncementProblems as refused:
        _in_place(turn, refused.codes, refused.templates)
        return
    announcement, event = await announcements.load(turn.session, made.id)
    seen = await announcements.preview(
        turn.session, made.id, now=turn.now, zone=turn.config.zone,
        rates=turn.config.send_rates, locale=turn.locale,
    )  # fmt: skip
    codes = _time_codes(send_at, not_after, event, turn.now)
    if seen.reach.total == 0:
        codes.append("audience_empty")
    if codes or seen.problems:
        _in_place(turn, codes, seen.problems)
        return
    # kept on the draft until "Send" (a draft is not sent by anything else)
    announcement.send_at = send_at
    announcement.not_after = not_after or event.starts_at
    for header, shown in (("preview_youth", seen.youth), ("preview_mentor", seen.mentor)):
        if shown is not None:
            labels = [choice.label_key for choice in rsvp_choices(announcement.id)]
            turn.response.replies.append(
                Reply(KEY + header, {"buttons": labels}, locale=turn.locale)
            )
            # its buttons are the recipients' (an answer), not staff's
            turn.response.replies.append(dataclasses.replace(shown, choices=()))
    turn.response.replies.append(_reach(turn, announcement, seen.reach, seen.seconds))


def _reach(turn: Turn, announcement: Announcement, reach: Any, seconds: float) -> Reply:
    buttons = (
        Choice(f"{KEY}button_send", codec.encode("as", announcement.id)),
        Choice(f"{KEY}button_test", codec.encode("ad", announcement.id)),
        Choice(f"{KEY}button_withdraw", codec.encode("ax", announcement.id)),
    )
    context = {
        "announcement": announcement.id,
        "total": reach.total,
        "telegram": reach.channels.get("telegram", 0),
        "slack": reach.channels.get("slack", 0),
        "excluded": reach.total_excluded,
        "excluded_by": {reason: count for reason, count in reach.excluded.items() if count},
        "minutes": round(seconds) // 60,
        "seconds": round(seconds) % 60,
        "send_at": announcement.send_at,
        "not_after": announcement.not_after,
    }
    return Reply(f"{KEY}preview_reach", context, buttons, turn.locale, columns=3)


def _problems(turn: Turn, codes: Iterable[str]) -> Reply:
    keys = [KEY + "error_" + code for code in codes]
    return Reply(f"{KEY}problems", {"keys": keys}, locale=turn.locale)


async def on_announcement_button(turn: Turn, button: codec.Button) -> None:
    """ "Send", "Test send to me", "Cancel" under a preview."""
    staff, now, zone = turn.actor.external_id, turn.now, turn.config.zone
    replies = turn.response.replies
    try:
        if button.action == "ad":
            sent = await announcements.send_test(
                turn.session, button.id, staff=staff, now=now, zone=zone, locale=turn.locale
            )
            replies.append(
                Reply(f"{KEY}test_{'queued' if sent else 'refused'}", locale=turn.locale)
            )
            return
        if button.action == "ax":
            await announcements.cancel(turn.session, button.id, staff=staff, now=now)
            turn.response.answered = True
            replies.append(
                Reply(f"{KEY}withdrawn", {"announcement": button.id}, locale=turn.locale)
            )
            return
        draft, _event = await announcements.load(turn.session, button.id)
        if draft.status != AnnouncementStatus.DRAFT:
            # pressed again (or sent from the command line): it is on its way already
            turn.response.answered = True
            replies.append(_problems(turn, ["already_sent"]))
            return
        # a time chosen at preview that has passed since: it goes now
        send_at = draft.send_at if draft.send_at is not None and draft.send_at > now else None
        made = await announcements.send(
            turn.session, button.id, staff=staff, now=now, zone=zone, send_at=send_at,
            not_after=draft.not_after,
        )  # fmt: skip
    except LookupError:
        replies.append(Reply(f"{KEY}unknown_announcement", locale=turn.locale))
        return
    except AnnouncementProblems as refused:
        # sent already (a second press): its buttons go
        turn.response.answered = "already_sent" in refused.codes
        replies.append(_problems(turn, refused.codes or ("template_changed",)))
        return
    turn.response.answered = True
    replies.append(
        Reply(
            f"{KEY}{'scheduled' if send_at else 'sending'}",
            {"announcement": made.id, "send_at": made.send_at, "not_after": made.not_after},
            locale=turn.locale,
        )
    )


async def report(turn: Turn, reference: str) -> None:
    """`/mentorbot report ID`: what the outbox did for each announcement, the answers, the
    waiting list, who came."""
    event_id = codec.parse_id(reference)
    try:
        found = await event_report.event_report(turn.session, event_id or 0)
    except LookupError:
        turn.response.replies.append(Reply(f"{KEY}unknown_event", locale=turn.locale))
        return
    parts = [
        {
            "announcement": part.announcement.id,
            "status": part.announcement.status,
            "recipients": part.recipients,
            "counts": part.counts,
            "pending": part.pending,
            "failures": part.failures,
            "excluded": part.announcement.excluded or {},
        }
        for part in found.announcements
    ]
    context = {
        **event_context(found.event),
        "announcements": parts,
        "answers": found.answers,
        "waiting_list": [{"rank": rank, "name": name} for rank, _id, name in found.waiting],
    }
    turn.response.replies.append(Reply(f"{KEY}report", context, locale=turn.locale))


async def pause_or_resume(turn: Turn, verb: str, reference: str) -> None:
    announcement_id = codec.parse_id(reference)
    change = announcements.pause if verb == "pause" else announcements.resume
    try:
        count = await change(
            turn.session, announcement_id or 0, staff=turn.actor.external_id, now=turn.now
        )
    except LookupError:
        turn.response.replies.append(Reply(f"{KEY}unknown_announcement", locale=turn.locale))
        return
    except AnnouncementProblems as refused:
        turn.response.replies.append(_problems(turn, refused.codes))
        return
    key = f"{KEY}{'paused' if verb == 'pause' else 'resumed'}"
    turn.response.replies.append(
        Reply(key, {"announcement": announcement_id, "count": count}, locale=turn.locale)
    )
