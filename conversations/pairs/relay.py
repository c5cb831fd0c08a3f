"""The pair talks through the bot: a mentor on Slack and a youth on Telegram write to each
other without sharing a phone number. What was said is theirs: the bot keeps that a contact
happened (an interaction, last contact), never the text, and drops texts and files once
delivered.

    mentor, in the pair's thread (the introduction's)  --> the youth, signed, nothing back
                        (a day and an hour in it: also an offer to propose the first meeting)
    mentor, outside any pair's thread
        no open pair ---> not the relay's (False: the mentor router answers)
        one open pair --> that mentee, and the mentor is told so
        several ------> "for whom?" one button per open pair (rp:<pairing>); the message
                        waits in the mentor's conversation state (a day at most), sent
                        once to the one picked, then dropped
    youth, outside any question --> the mentor, in the pair's thread ("✓ sent to Claire");
                        before the thread exists, a post of its own that becomes the thread
    paused, closed, the other side unreachable --> the writer is told why, nothing queued
                        (unreachable: staff get a case); failures the dispatcher finds go
                        through `delivery_failed` (wired as the dispatcher's
                        `on_undeliverable`, see `on_undeliverable`)

Sending, reading and recording are in `relay_delivery`, failures in `relay_failures`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import Turn
from conversations.pairs import access, meeting, relay_failures
from conversations.pairs.relay_delivery import (
    KIND,
    MAX_TEXT,
    TOPIC,
    Message,
    Obstacle,
    Side,
    obstacle,
    order_key,
    read,
    record,
    send,
    store,
    tell,
)
from conversations.pairs.relay_failures import delivery_failed
from storage import mentoring, people, relay_files, threads
from storage import relay as relay_rows
from storage.models import Delivery, Pairing, PairingStatus, Person

__all__ = [
    "ACTION",
    "FLOW",
    "HOLD_FOR",
    "KIND",
    "MAX_TEXT",
    "TOPIC",
    "delivery_failed",
    "drop_held",
    "from_mentor",
    "from_youth",
    "mentor_wrote_since",
    "on_undeliverable",
    "order_key",
    "pick_mentee",
]

FLOW = relay_rows.HELD_FLOW
ACTION = "rp"
# a message waiting for the mentor to say whom it is for is dropped after this
HOLD_FOR = timedelta(hours=24)

UndeliverableHandler = Callable[[AsyncSession, Delivery, datetime], Awaitable[None]]


class Step(StrEnum):
    """A mentor's message waiting in the conversation state."""

    PICK = "pick"


def on_undeliverable(config: ProgrammeConfig) -> UndeliverableHandler:
    """`delivery_failed` for the dispatcher's `on_undeliverable` (it passes no settings)."""

    async def handler(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
        await delivery_failed(session, delivery, now, config=config)

    return handler


# ------------------------------------------------------------------ the mentor writes


async def from_mentor(turn: Turn) -> bool:
    """A mentor's message in the bot's direct messages goes to a mentee; False (nothing
    said) when it is for nobody: outside any pair's thread with no open pair, or in a
    thread that is not a pair's (a case's)."""
    incoming, session = turn.incoming, turn.session
    mentor = turn.person
    thread = incoming.thread
    if thread and incoming.chat_id:
        found = await threads.find(session, Channel.SLACK, incoming.chat_id, thread)
        if found is not None and found.pairing_id is None:
            return False
        if found is not None and found.pairing_id is not None:
            pairing = await access.own_pairing(session, mentor, found.pairing_id, now=turn.now)
            message = read(turn, Side.MENTOR, thread)
            if message is not None and await _to_youth(turn, pairing, message, thread=thread):
                # "jeudi 14h" in the thread: also offered as the first meeting's proposal
                await meeting.offer_from_text(turn, pairing.id, message.text)
            return True
    pairs = await _open_pairs(turn)
    if not pairs:
        return False
    message = read(turn, Side.MENTOR, thread)
    if message is None:
        return True
    if len(pairs) == 1:
        # one mentee: a busy mentor means them; they are told, with where to write next time
        pairing = pairs[0]
        if await _to_youth(turn, pairing, message, thread=thread):
            tell(turn, Side.MENTOR, "sent", thread, mentee=await _mentee(turn, pairing))
        return True
    await _hold(turn, message, pairs, thread)
    return True


async def pick_mentee(turn: Turn, pairing_id: int) -> None:
    """The mentor pressed "for <mentee>" under a message waiting for a recipient: it goes
    to that mentee, once (a second press, or an old button, sends nothing)."""
    session, mentor = turn.session, turn.person
    state = turn.state
    offered = state.data.get("pairs") if state is not None and state.flow == FLOW else None
    if state is None or not isinstance(offered, list) or pairing_id not in offered:
        tell(turn, Side.MENTOR, "nothing_held")
        return
    pairing = await access.own_pairing(session, mentor, pairing_id, now=turn.now)
    data = dict(state.data)
    await people.clear_state(session, mentor.id)
    turn.state = None
    stored = _stored(data)
    if turn.now - state.updated_at > HOLD_FOR:
        await _drop_files(session, stored)
        tell(turn, Side.MENTOR, "expired")
        return
    text = data.get("text")
    source = data.get("source")
    message = Message(
        text=text if isinstance(text, str) else "",
        stored=tuple(stored),
        source=source if isinstance(source, str) else None,
    )
    if await _to_youth(turn, pairing, message, thread=None):
        tell(turn, Side.MENTOR, "sent", mentee=await _mentee(turn, pairing), picked=True)


async def drop_held(turn: Turn) -> None:
    """Forget a mentor's message still waiting for a recipient, with its files."""
    state = turn.state
    if state is None or state.flow != FLOW:
        return
    await _drop_files(turn.session, _stored(state.data))
    await people.clear_state(turn.session, turn.person.id)
    turn.state = None


async def _hold(turn: Turn, message: Message, pairs: list[Pairing], thread: str | None) -> None:
    await drop_held(turn)
    stored = [await store(turn.session, attachment, turn.now) for attachment in message.files]
    turn.state = await people.set_state(
        turn.session,
        turn.person.id,
        flow=FLOW,
        step=Step.PICK,
        data={
            "text": message.text,
            "files": stored,
            "source": message.source,
            "pairs": [pairing.id for pairing in pairs],
        },
        now=turn.now,
    )
    choices: list[Choice] = []
    for pairing in pairs:
        label = await _mentee(turn, pairing) or f"#{pairing.id}"
        choices.append(Choice("choice.raw", codec.encode(ACTION, pairing.id), {"label": label}))
    turn.response.replies.append(
        Reply("relay.mentor.pick", choices=tuple(choices), locale=turn.locale, thread=thread)
    )


async def _to_youth(turn: Turn, pairing: Pairing, message: Message, *, thread: str | None) -> bool:
    """Queue the mentor's message for the youth, or tell the mentor why it cannot go."""
    session, now = turn.session, turn.now
    problem = await obstacle(session, pairing, Side.YOUTH)
    if problem is not None:
        await _drop_files(session, list(message.stored))
        tell(turn, Side.MENTOR, problem, thread, mentee=await _mentee(turn, pairing))
        if problem is Obstacle.UNREACHABLE:
            await relay_failures.open_case(
                session, pairing, writer_id=turn.person.id, now=now, config=turn.config
            )
        return False
    await send(session, pairing, message, Side.YOUTH, now)
    await record(
        session,
        pairing,
        writer=Side.MENTOR,
        writer_id=turn.person.id,
        channel=Channel.SLACK,
        source=message.source,
        now=now,
        config=turn.config,
    )
    return True


async def _open_pairs(turn: Turn) -> list[Pairing]:
    summaries = await access.pairs_of(turn.session, turn.person.id)
    found: list[Pairing] = []
    for summary in summaries:
        if summary.status == PairingStatus.CLOSED:
            continue
        pairing = await turn.session.get(Pairing, summary.pairing_id)
        if pairing is not None:
            found.append(pairing)
    return found


async def _mentee(turn: Turn, pairing: Pairing) -> str:
    return await access.mentee_name(turn.session, pairing)


def _stored(data: dict[str, Any]) -> list[int]:
    files = data.get("files")
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, int) and not isinstance(f, bool)]


async def _drop_files(session: AsyncSession, file_ids: list[int]) -> None:
    for file_id in file_ids:
        await relay_files.drop(session, file_id)


# ------------------------------------------------------------------ the youth writes


async def from_youth(turn: Turn, pairing: Pairing) -> None:
    """What a paired youth wrote outside any question goes to her mentor, in the pair's
    thread; she sees that it went ("✓ sent to Claire"), or why it could not."""
    session, now = turn.session, turn.now
    message = read(turn, Side.YOUTH)
    if message is None:
        return
    mentor = await session.get(Person, pairing.mentor_id)
    name = (mentor.display_name if mentor is not None and mentor.erased_at is None else "") or ""
    problem = await obstacle(session, pairing, Side.MENTOR)
    if problem is not None:
        tell(turn, Side.YOUTH, problem, mentor=name)
        if problem is Obstacle.UNREACHABLE:
            await relay_failures.open_case(
                session, pairing, writer_id=turn.person.id, now=now, config=turn.config
            )
        return
    await send(session, pairing, message, Side.MENTOR, now)
    await record(
        session,
        pairing,
        writer=Side.YOUTH,
        writer_id=turn.person.id,
        channel=turn.incoming.channel,
        source=message.source,
        now=now,
        config=turn.config,
    )
    tell(turn, Side.YOUTH, "sent", mentor=name)


async def mentor_wrote_since(session: AsyncSession, pairing_id: int, moment: datetime) -> bool:
    """Whether the mentor wrote to the youth after `moment` (then the youth's "oui" answers
    her mentor, not a question the bot asked before)."""
    last = await mentoring.last_interaction_at(session, pairing_id, KIND, channel=Channel.SLACK)
    return last is not None and last > moment
