"""A youth asking for a person on the staff: `/human`, or "ask the team" from the FAQ.

One request: a `SupportRequest` (listed by `mentorbot review`) and a case posted to the staff
channel (taken and resolved there or with `mentorbot cases`); resolving either resolves both.

    /human <text>  --> the request, with the text, at once
    /human alone   --> "what is it about?" (flow `FLOW`, step `ASK`) --> the next message is
                       the request's text; /cancel sends nothing; a command in between is
                       answered and the question stays; whatever the youth was in the
                       middle of is asked again afterwards
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from conversations.core import flow
from conversations.core.messages import Kind
from conversations.core.turn import Turn
from conversations.pairs import cases
from storage import mentoring, privacy, support

__all__ = ["FLOW", "MAX_MESSAGE", "HumanStep", "ask_team", "human", "on_input"]

# what the team reads of the youth's words (the case and the request keep this much)
MAX_MESSAGE = 1000
FLOW = "human"


class HumanStep(StrEnum):
    """The one question of `/human` alone."""

    ASK = "ask"


async def ask_team(turn: Turn, message: str | None) -> bool:
    """Open a request for a person on the staff (unless one is open already) and say so;
    returns whether a new one was opened."""
    session = turn.session
    waiting = await privacy.open_request(session, turn.person.id, "human")
    if waiting is not None:
        turn.say("human.already_requested", since=waiting.created_at)
        return False
    if message and len(message.strip()) > MAX_MESSAGE:
        # not cut behind their back: they shorten it (nothing is opened meanwhile)
        turn.say("human.too_long", limit=MAX_MESSAGE)
        return False
    text = message.strip() if message and message.strip() else None
    support.add_request(session, person_id=turn.person.id, kind="human", message=text, now=turn.now)
    paired = await mentoring.youth_pairing(session, turn.person.id)
    await cases.open_case(
        session,
        kind="human",
        person_id=turn.person.id,
        pairing_id=paired.pairing.id if paired is not None else None,
        text=text,
        now=turn.now,
        config=turn.config,
    )
    turn.say("human.requested", review_delay_days=turn.config.review_delay_days)
    return True


async def human(turn: Turn, args: str) -> None:
    """`/human`: with a text, the request at once; alone, ask what it is about (unless a
    request is already waiting)."""
    if args.strip():
        await ask_team(turn, args)
        return
    waiting = await privacy.open_request(turn.session, turn.person.id, "human")
    if waiting is not None:
        turn.say("human.already_requested", since=waiting.created_at)
        return
    await flow.enter_aside(turn, flow=FLOW, step=HumanStep.ASK)
    turn.say("human.ask_what")


async def on_input(turn: Turn) -> bool:
    """The youth's answer to "what is it about?"; False when it is not one (another command,
    a button, a question left for weeks), for the youth's usual routing to handle. After
    True the caller asks again whatever the youth was in the middle of before."""
    state = turn.state
    if state is None or state.flow != FLOW:
        return False
    incoming = turn.incoming
    if turn.now - state.updated_at > timedelta(days=turn.config.resume_after_days):
        await _back(turn)  # weeks later, a message is not the answer any more
        return False
    if incoming.kind is Kind.COMMAND:
        if incoming.command.lower() != "cancel":
            return False
        await _back(turn)
        turn.say("human.cancelled")
        return True
    if incoming.kind not in (Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED):
        return False
    if incoming.kind is not Kind.TEXT:
        turn.say("human.ask_in_words")
        return True
    text = turn.typed_answer()
    if text is None:
        turn.say("human.ask_what")
        return True
    await _back(turn)
    await ask_team(turn, text)
    return True


async def _back(turn: Turn) -> None:
    """Leave the question: back to the flow the youth was in, if any."""
    await flow.leave_aside(turn)
