"""When a relayed message cannot reach the other side: the writer is told why, and staff
get one case about the pair (not one per message).

    known when writing (the youth blocked the bot, the mentor's account is deactivated,
    the other side erased their data)  --> the writer is answered at once, case opened
    found by the dispatcher (Telegram 403, Slack `account_inactive`...) --> `delivery_failed`:
    a message queued to the writer (once a day per pair and side), case opened

Private to the relay (`conversations.pairs.relay` exposes `delivery_failed`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs import cases
from conversations.pairs.relay_delivery import (
    TO_MENTOR_TEMPLATES,
    TO_YOUTH_TEMPLATES,
    TOPIC,
    Side,
)
from storage import outbox, threads
from storage import relay as relay_rows
from storage.models import Delivery, Pairing, Person, Priority

__all__ = ["delivery_failed", "open_case"]

logger = logging.getLogger(__name__)


async def open_case(
    session: AsyncSession,
    pairing: Pairing,
    *,
    writer_id: int,
    now: datetime,
    config: ProgrammeConfig,
) -> bool:
    """One open case for staff about the pair's messages not getting through (none if one
    is open already); returns whether a new one was opened."""
    if await relay_rows.open_case_about(session, pairing.id, TOPIC) is not None:
        return False
    # an alert like the scheduler's: a line in the day's digest of its topic
    opened = await cases.open_alert(
        session,
        pairing=pairing,
        topic=TOPIC,
        since=now,
        actor=f"person:{writer_id}",
        now=now,
        config=config,
    )
    return opened is not None


async def delivery_failed(
    session: AsyncSession, delivery: Delivery, now: datetime, *, config: ProgrammeConfig
) -> None:
    """The dispatcher marked `delivery` undeliverable: if it was a relayed message, tell
    its writer why and open a case for staff; a staff answer in a case, say so in its
    thread. Anything else is left alone."""
    if delivery.template in TO_YOUTH_TEMPLATES:
        to = Side.YOUTH
    elif delivery.template in TO_MENTOR_TEMPLATES:
        to = Side.MENTOR
    else:
        # not relayed: perhaps a staff answer in a case, which staff must know went nowhere
        await cases.answer_undelivered(session, delivery, now, config=config)
        return
    pairing_id = delivery.context.get("pairing") if isinstance(delivery.context, dict) else None
    pairing = await session.get(Pairing, pairing_id) if isinstance(pairing_id, int) else None
    if pairing is None:
        logger.warning("relayed delivery %s names no pairing", delivery.id)
        return
    writer = to.other
    writer_id = pairing.mentor_id if writer is Side.MENTOR else pairing.youth_id
    writer_person = await session.get(Person, writer_id)
    if writer_person is None or writer_person.erased_at is not None:
        return
    day = now.astimezone(config.zone).date().isoformat()
    context: dict[str, Any] = {"pairing": pairing.id, "live": True}
    if writer is Side.MENTOR:
        context["mentee"] = outbox.person_ref(pairing.youth_id)
        thread = await threads.of_pairing(session, pairing.id)
        if thread is not None:
            context["thread_ts"] = thread.ts
    else:
        context["mentor"] = outbox.person_ref(pairing.mentor_id)
    await outbox.enqueue(
        session,
        key=f"relay:{pairing.id}:to_{to}:undelivered:{day}",
        person_id=writer_id,
        channel=writer.channel,
        template=f"relay.{writer}.undelivered",
        context=context,
        now=now,
        priority=Priority.URGENT,
    )
    await open_case(session, pairing, writer_id=writer_id, now=now, config=config)
