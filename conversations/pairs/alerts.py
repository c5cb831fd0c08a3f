"""Alerts to staff: the one place that queues anything for the staff channel.

    alert_staff       about a pair (a concern, a call for help, an outcome, a pair paused or
                      left...): the pair's summary, a "View the pair" button, once per
                      idempotency key, audit-logged "staff_alerted"
    digest_to_staff   about no pair in particular (the weekly unpaired digest), once per key
    case_to_staff     a case's post (who, what, "I'll take it" and "Resolved"), once per key;
                      its thread, once posted, is the case's
    alert_to_digest   an alert the scheduler raised (a case): one line, with its own "I'll
                      take it", in the day's digest post of its topic
    to_case_thread    a message in a case's thread (the person's reply, an answer given from
                      the command line, a case reopened), delivered at once
    again_to_staff    the cases nobody took for 2 working days, raised again in one post

All go through the outbox to `STAFF_DESTINATION`, which the Slack sender maps to the staff
channel, as URGENT messages (first in line, outside any person's one-a-day budget). No flow
or tick writes to the staff destination itself (a test greps for it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.access import STAFF_DESTINATION
from conversations.rules.calendar import Place, next_open
from storage import audit, cases, mentoring, outbox, people
from storage.models import Case, Pairing, Priority

__all__ = [
    "DIGEST_LINES",
    "NOTE_PREVIEW",
    "again_to_staff",
    "alert_staff",
    "alert_to_digest",
    "alerts_to_digest",
    "case_to_staff",
    "digest_key",
    "digest_to_staff",
    "preview",
    "take_choice",
    "to_case_thread",
    "view_pair_choice",
]

# how much of a note a staff alert shows (the whole note is stored with the interaction)
NOTE_PREVIEW = 500
# cases one digest post lists, each with its button: 100 lines are 3 or 4 sections of text
# and 20 rows of 5 buttons, well inside Slack's 50 blocks a message; a busier day's digest
# goes on in the first post's thread
DIGEST_LINES = 100


def preview(note: str | None) -> str:
    """The start of a note, for places with little room."""
    if not note:
        return ""
    return note if len(note) <= NOTE_PREVIEW else note[:NOTE_PREVIEW].rstrip() + "…"


def view_pair_choice(pairing_id: int) -> list[str]:
    """The "View the pair" button of an alert, as stored with the outbox message."""
    return ["choice.staff.view_pair", codec.encode("sp", pairing_id)]


def take_choice(case_id: int) -> list[Any]:
    """A digest line's "I'll take it" button, naming its case (many share a post)."""
    return ["choice.staff.take_numbered", codec.encode("ct", case_id), {"case_id": case_id}]


def digest_key(topic: str, now: datetime, config: ProgrammeConfig) -> str:
    """The digest post an alert raised at `now` belongs to: one per topic and day, the day
    staff see it (an alert raised in the night is in the next morning's digest)."""
    opens = next_open(now, config.nudges.window, Place(config.zone))
    return f"digest:{topic}:{opens.astimezone(config.zone):%Y-%m-%d}"


async def alert_staff(
    session: AsyncSession,
    *,
    pairing: Pairing,
    kind: str,
    key: str,
    actor: str,
    now: datetime,
    config: ProgrammeConfig,
    template: str = "staff.alert",
    note: str | None = None,
    extra: Mapping[str, Any] | None = None,
    audit_detail: Mapping[str, Any] | None = None,
) -> bool:
    """Queue an alert to staff about `pairing`, once per outbox `key`; returns whether it
    was queued (False: that key was queued before, nothing changes).

    The message's context is the pair's summary (`kind`, `pairing`, `mentor`,
    `mentor_slack`, `mentee`, `note` shortened to `NOTE_PREVIEW`, the "View the pair"
    button) plus `extra` (which wins on a shared key), for `template`. When queued, the
    audit log gets "staff_alerted" by `actor` about the youth, with the pairing, `kind` and
    `audit_detail` (ids and codes only, never names or notes).
    """
    mentor_slack = await people.external_id_on(session, pairing.mentor_id, Channel.SLACK)
    context: dict[str, Any] = {
        "kind": kind,
        "pairing": pairing.id,
        "mentor": outbox.person_ref(pairing.mentor_id),
        "mentor_slack": mentor_slack,
        "mentee": outbox.person_ref(pairing.youth_id),
        "note": preview(note),
        "choices": [view_pair_choice(pairing.id)],
        **(extra or {}),
    }
    if not await _enqueue(
        session, key=key, template=template, context=context, now=now, config=config
    ):
        return False
    await audit.record(
        session,
        actor=actor,
        action="staff_alerted",
        now=now,
        subject_person_id=pairing.youth_id,
        detail={"pairing": pairing.id, "kind": kind, **(audit_detail or {})},
    )
    return True


async def digest_to_staff(
    session: AsyncSession,
    *,
    key: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    config: ProgrammeConfig,
    order_key: str | None = None,
) -> bool:
    """Queue a digest for staff (about no pair in particular), once per outbox `key`;
    returns whether it was queued. Posts sharing an `order_key` go out in the order
    queued (a report's charts)."""
    return await _enqueue(
        session,
        key=key,
        template=template,
        context=dict(context),
        now=now,
        config=config,
        order_key=order_key,
    )


async def case_to_staff(
    session: AsyncSession,
    *,
    key: str,
    context: Mapping[str, Any],
    now: datetime,
    config: ProgrammeConfig,
) -> bool:
    """Queue a case's post in the staff channel (`staff.case_opened`), once per outbox
    `key`; returns whether it was queued."""
    return await _enqueue(
        session,
        key=key,
        template="staff.case_opened",
        context=dict(context),
        now=now,
        config=config,
    )


async def _enqueue(
    session: AsyncSession,
    *,
    key: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    config: ProgrammeConfig,
    order_key: str | None = None,
) -> bool:
    queued = await mentoring.enqueue_to(
        session,
        key=key,
        destination=STAFF_DESTINATION,
        channel=Channel.SLACK,
        template=template,
        locale=config.default_locale,
        context=context,
        now=now,
        priority=Priority.URGENT,
        order_key=order_key,
    )
    return queued is not None


async def alert_to_digest(
    session: AsyncSession,
    *,
    topic: str,
    entry: Mapping[str, Any],
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    """Add an alert case (`entry`: its `case_id`, pair, names and figures) to the day's
    digest post of `topic`: appended while the post waits to be sent; once it is sent (or
    full), a next post in its thread collects the day's later alerts."""
    await alerts_to_digest(session, topic=topic, entries=[entry], now=now, config=config)


async def alerts_to_digest(
    session: AsyncSession,
    *,
    topic: str,
    entries: Sequence[Mapping[str, Any]],
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    """`alert_to_digest` for many alerts of one topic at once (a tick's batch): the last
    post still waiting is filled up to `DIGEST_LINES`, then new posts of at most that many
    lines each; as many writes as posts, not one per alert."""
    if not entries:
        return
    base = digest_key(topic, now, config)
    last, count = await cases.latest_part(session, base)
    lines = [dict(entry) for entry in entries]
    if last is not None:
        room = DIGEST_LINES - len(last.context.get("entries", []))
        if room > 0:
            context = dict(last.context)
            added = lines[:room]
            context["entries"] = [*context.get("entries", []), *added]
            context["choices"] = [
                *context.get("choices", []),
                *(take_choice(int(line["case_id"])) for line in added),
            ]
            if await cases.append_to_pending(session, last, context, now):
                lines = lines[room:]
    first = await cases.first_part(session, base) if count and lines else None
    for start in range(0, len(lines), DIGEST_LINES):
        part = lines[start : start + DIGEST_LINES]
        context = {
            "topic": topic,
            "part": count + 1,
            "entries": part,
            "choices": [take_choice(int(line["case_id"])) for line in part],
        }
        if first is not None and first.sent_ref:
            context["thread_ts"] = first.sent_ref
        await _enqueue(
            session,
            key=base if not count else f"{base}:{count + 1}",
            template="staff.digest",
            context=context,
            now=now,
            config=config,
        )
        count += 1


async def to_case_thread(
    session: AsyncSession,
    case: Case,
    *,
    key: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    config: ProgrammeConfig,
) -> bool:
    """Queue a message for the case's thread in the staff channel (a post of its own while
    the case's post has not gone out yet), delivered at once, after what was queued for the
    thread before it (one order key per case's thread); returns whether it was queued
    (False: that key was queued before)."""
    full: dict[str, Any] = {**context, "live": True, "locale": config.default_locale}
    if case.staff_channel_ts:
        full["thread_ts"] = case.staff_channel_ts
    queued = await outbox.enqueue(
        session,
        key=key,
        destination=STAFF_DESTINATION,
        channel=Channel.SLACK,
        template=template,
        context=full,
        now=now,
        priority=Priority.URGENT,
        # a staff member's "answer sent" and the youth's reply just after it, say, are
        # posted in that order, not by two workers at once
        order_key=cases.thread_order_key(case.id),
    )
    return queued is not None


async def again_to_staff(
    session: AsyncSession,
    *,
    key: str,
    context: Mapping[str, Any],
    now: datetime,
    config: ProgrammeConfig,
) -> bool:
    """Queue the post that raises again the cases nobody took (`staff.raised_again`: a
    line and an "I'll take it" each), once per key."""
    return await _enqueue(
        session,
        key=key,
        template="staff.raised_again",
        context=dict(context),
        now=now,
        config=config,
    )
