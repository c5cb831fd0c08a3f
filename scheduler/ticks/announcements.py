"""The announcement and event-reminder ticks.

    due_announcements    from "send at" on, writes recipients to the outbox in batches (one
                         transaction each: a restart resumes, no duplicate, no skip), tells
                         the staff channel when it starts, at each quarter and when done;
                         at "not after" cancels what is still unsent and counts it
    due_event_reminders  the day before: "I'll come" and "Maybe"; about an hour before:
                         "I'll come" only; nobody else, nothing once the event has started

The outbox delivers them as any proactive message (announcements at priority LOW); each
row carries its `not_after`, which the dispatcher checks before sending too, so a late tick
never means a late message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs.alerts import digest_to_staff
from conversations.pairs.event_notices import notify_answerers
from conversations.staff import announcements
from scheduler.ticks.batch import BATCH
from storage import events
from storage.models import (
    Announcement,
    AnnouncementStatus,
    DeliveryStatus,
    Priority,
    RsvpAnswer,
)

__all__ = ["due_announcements", "due_event_reminders"]

QUARTERS = (25, 50, 75)
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)


async def due_announcements(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of recipients per due announcement; returns at least BATCH while some are
    still to be written (so the runner goes on), less once everything is written."""
    handled = 0
    for announcement in await events.due_announcements(session, now):
        if announcement.not_after <= now:
            await _expire(session, announcement, now, config)
            continue
        if announcement.status == AnnouncementStatus.PAUSED:
            continue
        announcement.status = AnnouncementStatus.SENDING
        if announcement.queued_at is None:
            written = await announcements.queue_recipients(
                session, announcement, now=now, zone=config.zone
            )
            if announcement.queued_at is None:
                handled += max(written, BATCH)  # more to write: the runner goes on
                continue
            # all written: nothing more to do now (under BATCH, so the runner stops here)
            handled += min(written, BATCH - 1)
            await _tell_staff(
                session, announcement, "started", now, config, {"pending": announcement.queued}
            )
            continue
        await _progress(session, announcement, now, config)
    return handled


async def _expire(
    session: AsyncSession, announcement: Announcement, now: datetime, config: ProgrammeConfig
) -> None:
    """ "Not after" has passed: what is unsent is cancelled and counted, never sent late."""
    await events.expire_unsent(session, announcement.id, now)
    # with the rows the dispatcher found too late and cancelled itself
    announcement.expired = await events.cancelled_count(session, announcement.id)
    announcement.status = AnnouncementStatus.DONE
    announcement.finished_at = now
    await _tell_staff(session, announcement, "finished", now, config)


async def _progress(
    session: AsyncSession, announcement: Announcement, now: datetime, config: ProgrammeConfig
) -> None:
    counts = await events.delivery_counts(session, announcement.id)
    total = sum(counts.values())
    if not total or not any(counts[status] for status in UNSENT):
        announcement.status = AnnouncementStatus.DONE
        announcement.finished_at = now
        await _tell_staff(session, announcement, "finished", now, config, counts)
        return
    done = total - sum(counts[status] for status in UNSENT)
    for quarter in QUARTERS:
        if done * 100 >= quarter * total:
            await _tell_staff(session, announcement, f"progress_{quarter}", now, config, counts)


async def _tell_staff(
    session: AsyncSession,
    announcement: Announcement,
    step: str,
    now: datetime,
    config: ProgrammeConfig,
    counts: dict[str, int] | None = None,
) -> None:
    """The sending's post in the staff channel, once per announcement and step: posted at
    the start, then updated in place (each later step replaces it once sent)."""
    counts = {
        **{str(status): 0 for status in DeliveryStatus},
        **(counts or await events.delivery_counts(session, announcement.id)),
    }
    template = "events.staff.sending_" + ("progress" if step.startswith("progress") else step)
    await digest_to_staff(
        session,
        key=f"announcement:{announcement.id}:{step}",
        template=template,
        context={
            "announcement": announcement.id,
            "event": announcement.event_id,
            "total": sum(counts.values()),
            "sent": counts[DeliveryStatus.SENT],
            "unreachable": counts[DeliveryStatus.UNDELIVERABLE],
            "failed": counts[DeliveryStatus.FAILED] + counts[DeliveryStatus.IN_DOUBT],
            "expired": announcement.expired,
            "excluded": sum(int(n) for n in announcement.excluded.values()),
            # one post per sending, updated as it goes: later steps replace "started"
            **({} if step == "started" else {"edit_of": f"announcement:{announcement.id}:started"}),
        },
        now=now,
        config=config,
    )


async def due_event_reminders(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """Reminders of the events whose reminder is due; returns how many events."""
    due = await events.due_event_reminders(session, now)
    for event in due:
        hour_due = event.hour_reminder_due_at is not None and event.hour_reminder_due_at <= now
        if event.starts_at > now and hour_due:
            # "about an hour before", with the link or the address: "I'll come" only
            await notify_answerers(
                session,
                event,
                message="reminder_hour",
                answers=(RsvpAnswer.YES,),
                key=f"event:{event.id}:hour:{event.starts_at:%Y%m%dT%H%M}",
                now=now,
                zone=config.zone,
                # asked for by the person (they said they would come): not held back by
                # the day's budget, or it would arrive after the start
                priority=Priority.URGENT,
                waiting_too=False,
            )
        elif event.starts_at > now:
            await notify_answerers(
                session,
                event,
                message="reminder_day",
                answers=(RsvpAnswer.YES, RsvpAnswer.MAYBE),
                key=f"event:{event.id}:day:{event.starts_at:%Y%m%dT%H%M}",
                now=now,
                zone=config.zone,
                waiting_too=False,
            )
            event.day_reminder_due_at = None
            continue
        # the hour reminder went (the day one, if still due, would come after it), or the
        # event has started: nothing more
        event.day_reminder_due_at = event.hour_reminder_due_at = None
    return len(due)
