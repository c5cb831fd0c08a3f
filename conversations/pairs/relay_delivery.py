"""One message from one side of a pair to the other: what of it can pass, whether it can
reach the other side now, its deliveries in the outbox, and the contact it counts as.

    read      a text, a caption and files; a sticker, a voice note, a refused file or an
              empty message get a short explanation instead (to the writer)
    obstacle  the pair is paused or closed, or the other side cannot be reached (blocked
              the bot, Slack account deactivated, data erased): nothing is queued
    send      one outbox row for the text, one per file, in the pair's order for that side,
              delivered at once (`live`), the text dropped once delivered (`drop`)
    record    one interaction (kind "message", the writer's channel, no text), last
              contact, the writer's silent rounds back to 0, the at-risk date moved on

Everything here is private to the relay (`conversations.pairs.relay`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Attachment, Channel, Kind, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import Turn
from conversations.pairs import followup
from storage import mentoring, outbox, people, relay_files, threads
from storage import relay as relay_rows
from storage.models import Pairing, PairingStatus, Person, Priority

# the interaction a relayed message adds to the pair's log (no text)
KIND = relay_rows.MESSAGE_KIND
# Slack's own limit on a message; Telegram's 4,096 are the sender's to split
MAX_TEXT = 40_000
# the case staff get when messages cannot reach one side
TOPIC = "relay_failed"

# what each side receives: a message, a file
FROM_MENTOR = "relay.youth.from_mentor"
FILE_FROM_MENTOR = "relay.youth.file_from_mentor"
FROM_YOUTH = "relay.mentor.from_youth"
FILE_FROM_YOUTH = "relay.mentor.file_from_youth"
TO_YOUTH_TEMPLATES = frozenset({FROM_MENTOR, FILE_FROM_MENTOR})
TO_MENTOR_TEMPLATES = frozenset({FROM_YOUTH, FILE_FROM_YOUTH})


class Side(StrEnum):
    """One side of a pair; also the template folder of what that side reads."""

    YOUTH = "youth"
    MENTOR = "mentor"

    @property
    def other(self) -> Side:
        return Side.MENTOR if self is Side.YOUTH else Side.YOUTH

    @property
    def channel(self) -> Channel:
        """Where this side is written to."""
        return Channel.TELEGRAM if self is Side.YOUTH else Channel.SLACK


class Obstacle(StrEnum):
    """Why a message cannot go to the other side now."""

    PAUSED = "paused"
    CLOSED = "closed"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Message:
    """What passes of one thing a person sent: its text, files still to store, files
    already stored (a message held for the mentor to say whom it is for), and the platform
    event it came from (None in the terminal)."""

    text: str
    files: tuple[Attachment, ...] = ()
    stored: tuple[int, ...] = ()
    source: str | None = None


def order_key(pairing_id: int, to: Side) -> str:
    """The outbox order of a pair's messages to one side: none overtakes an earlier one."""
    return f"pair:{pairing_id}:to_{to}"


def source_of(turn: Turn) -> str | None:
    """The platform event a message came from, as interactions and outbox keys name it."""
    incoming = turn.incoming
    if incoming.event_id is None:
        return None
    return f"relay:{incoming.channel}:{incoming.event_id}"[:128]


def tell(turn: Turn, side: Side, name: str, thread: str | None = None, **context: Any) -> None:
    """Say `relay.<side>.<name>` to the person writing (in their thread on Slack)."""
    turn.response.replies.append(
        Reply(f"relay.{side}.{name}", context=context, locale=turn.locale, thread=thread)
    )


def read(turn: Turn, side: Side, thread: str | None = None) -> Message | None:
    """What can pass of what the person sent; None once they were told why nothing can.

    A refused file is explained, and its caption still passes."""
    incoming = turn.incoming
    if incoming.kind is Kind.UNSUPPORTED:
        tell(turn, side, "cannot_pass", thread, what=incoming.text[:32])
        return None
    if incoming.kind not in (Kind.TEXT, Kind.FILE):
        return None
    text = incoming.text.strip()
    files = incoming.files if incoming.kind is Kind.FILE else ()
    if incoming.kind is Kind.FILE and (incoming.file_refused or not files):
        tell(turn, side, "file_refused", thread, refused=incoming.file_refused or "download_failed")
        if not text:
            return None
    if not text and not files:
        tell(turn, side, "empty", thread)
        return None
    if len(text) > MAX_TEXT:
        tell(turn, side, "too_long", thread, limit=MAX_TEXT)
        return None
    return Message(text=text, files=tuple(files), source=source_of(turn))


async def obstacle(session: AsyncSession, pairing: Pairing, to: Side) -> Obstacle | None:
    """Why nothing can go to side `to` of the pair now, if anything stops it."""
    if pairing.status == PairingStatus.PAUSED:
        return Obstacle.PAUSED
    if pairing.status == PairingStatus.CLOSED:
        return Obstacle.CLOSED
    recipient_id = pairing.youth_id if to is Side.YOUTH else pairing.mentor_id
    recipient = await session.get(Person, recipient_id)
    if recipient is None or recipient.erased_at is not None or recipient.unreachable_at:
        return Obstacle.UNREACHABLE
    identity = await people.find_identity_on(session, recipient_id, to.channel)
    # a bot cannot write first on Telegram: the youth must have a chat with it
    if identity is None or (to is Side.YOUTH and identity.chat_id is None):
        return Obstacle.UNREACHABLE
    return None


async def send(
    session: AsyncSession, pairing: Pairing, message: Message, to: Side, now: datetime
) -> None:
    """Queue the message for side `to`: its text, then each file, in the pair's order."""
    base = message.source or f"relay:{uuid.uuid4().hex}"
    context: dict[str, Any] = {"pairing": pairing.id, "live": True}
    if to is Side.YOUTH:
        recipient_id = pairing.youth_id
        context["mentor"] = outbox.person_ref(pairing.mentor_id)
        text_template, file_template = FROM_MENTOR, FILE_FROM_MENTOR
    else:
        recipient_id = pairing.mentor_id
        context["mentee"] = outbox.person_ref(pairing.youth_id)
        text_template, file_template = FROM_YOUTH, FILE_FROM_YOUTH
        thread = await threads.of_pairing(session, pairing.id)
        if thread is not None:
            context.update(thread_ts=thread.ts, in_thread=True)
        else:
            # no thread yet: posted on its own, and its thread becomes the pair's
            context.update(anchor={"pairing": pairing.id}, in_thread=False)

    async def queue(suffix: str, template: str, extra: dict[str, Any]) -> None:
        await outbox.enqueue(
            session,
            key=f"{base}:{suffix}",
            person_id=recipient_id,
            channel=to.channel,
            template=template,
            context={**context, **extra},
            now=now,
            priority=Priority.URGENT,
            order_key=order_key(pairing.id, to),
        )

    if message.text:
        await queue("text", text_template, {"text": message.text, "drop": ["text"]})
    stored = list(message.stored)
    for attachment in message.files:
        stored.append(await store(session, attachment, now))
    for number, file_id in enumerate(stored):
        await queue(f"file:{number}", file_template, {"file": file_id})


async def store(session: AsyncSession, attachment: Attachment, now: datetime) -> int:
    """Keep a file until it is delivered."""
    return await relay_files.store(
        session,
        filename=attachment.filename,
        mime_type=attachment.mime_type,
        content=attachment.content,
        now=now,
    )


async def record(
    session: AsyncSession,
    pairing: Pairing,
    *,
    writer: Side,
    writer_id: int,
    channel: str,
    source: str | None,
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    """The message counts as contact: one interaction (once per platform event), and what
    the follow-up rules read moves on, so a pair that talks is never nagged."""
    if source is not None and await mentoring.interaction_by_source(session, source) is not None:
        return
    mentoring.add_interaction(
        session,
        pairing_id=pairing.id,
        kind=KIND,
        occurred_at=now,
        logged_at=now,
        logged_by=writer_id,
        channel=channel,
        source_event_id=source,
    )
    if pairing.last_contact_at is None or now > pairing.last_contact_at:
        pairing.last_contact_at = now
    if writer is Side.MENTOR:
        pairing.mentor_silent_rounds = 0
    else:
        pairing.youth_silent_rounds = 0
    if followup.is_followed(pairing.status):
        pairing.at_risk_due_at = followup.silence_check(
            status=pairing.status,
            last_contact_at=pairing.last_contact_at,
            first_meeting_at=pairing.first_meeting_at,
            started_at=pairing.started_at,
            now=now,
            silence_days=config.nudges.silence_days,
        ).due_at
