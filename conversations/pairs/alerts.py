"""Alerts to staff: the one place that queues anything for the staff channel.

    alert_staff       about a pair (a concern, a call for help, an outcome, a check-in left
                      unanswered, a pair at risk, ...): the pair's summary, a "View the pair"
                      button, once per idempotency key, audit-logged "staff_alerted"
    digest_to_staff   about no pair in particular (the weekly unpaired digest), once per key
    case_to_staff     a case's post (who, what, "I'll take it" and "Resolved"), once per key

Both go through the outbox to `STAFF_DESTINATION`, which the Slack sender maps to the staff
channel, as URGENT messages (first in line, outside any person's one-a-day budget).
Alerts are about to become cases (a thread staff take and resolve): that change happens
here, so no flow or tick writes to the staff destination itself (a test greps for it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.access import STAFF_DESTINATION
from storage import audit, mentoring, outbox, people
from storage.models import Pairing, Priority

__all__ = [
    "NOTE_PREVIEW",
    "alert_staff",
    "case_to_staff",
    "digest_to_staff",
    "preview",
    "view_pair_choice",
]

# how much of a note a staff alert shows (the whole note is stored with the interaction)
NOTE_PREVIEW = 500


def preview(note: str | None) -> str:
    """The start of a note, for places with little room."""
    if not note:
        return ""
    return note if len(note) <= NOTE_PREVIEW else note[:NOTE_PREVIEW].rstrip() + "…"


def view_pair_choice(pairing_id: int) -> list[str]:
    """The "View the pair" button of an alert, as stored with the outbox message."""
    return ["choice.staff.view_pair", codec.encode("sp", pairing_id)]


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
) -> bool:
    """Queue a digest for staff (about no pair in particular), once per outbox `key`;
    returns whether it was queued."""
    return await _enqueue(
        session, key=key, template=template, context=dict(context), now=now, config=config
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
    )
    return queued is not None
