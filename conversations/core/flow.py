"""The machinery every question-and-answer flow shares: ask, read a button or a typed answer,
accept it or reject it with a reason, and ask again.

A flow is data (its questions: a step, buttons, how a typed answer is read) plus small
functions; the reading of answers is written once here, so every flow treats a stale button,
a sticker, an empty or too-long message and a typed button number the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conversations.core import codec
from conversations.core.messages import Choice, Kind
from conversations.core.turn import Turn
from storage import people

__all__ = ["Accepted", "Parsed", "Rejected", "enter_aside", "leave_aside", "read_answer"]


@dataclass(frozen=True)
class Accepted:
    """An answer the flow can store."""

    value: str


@dataclass(frozen=True)
class Rejected:
    """The answer could not be used; `key` is the template explaining why."""

    key: str
    context: dict[str, Any] = field(default_factory=dict)


Parsed = Accepted | Rejected


def read_answer(
    turn: Turn,
    *,
    step: str,
    choices: tuple[Choice, ...],
    parse: Callable[[str, Turn], Parsed],
    numbered: bool = False,
) -> str | None:
    """The answer to the question `step` in what the person sent, or None after saying why
    it cannot be used (the caller then asks the question again).

    A button must be one of this question's (`choices`); a typed answer is read by `parse`
    and, when `numbered`, a typed button number ("2") picks that button (the console shows
    numbered options).
    """
    incoming = turn.incoming
    if incoming.kind is Kind.CHOICE:
        button = codec.decode(incoming.choice)
        allowed = {choice.value for choice in choices}
        if button is None or button.action != step or incoming.choice not in allowed:
            turn.say("common.stale_button")
            return None
        return button.value
    text = turn.typed_answer()
    if text is None:
        return None
    parsed = parse(text, turn)
    if isinstance(parsed, Rejected) and numbered:
        index = codec.button_number(text, len(choices))
        button = codec.decode(choices[index].value) if index is not None else None
        if button is not None and button.action == step:
            parsed = Accepted(button.value)
    if isinstance(parsed, Rejected):
        turn.say(parsed.key, **parsed.context)
        return None
    return parsed.value


async def enter_aside(turn: Turn, *, flow: str, step: str) -> None:
    """A question asked aside (a confirmation, "what is it about?"): where the person was
    is kept in the new state, so that `leave_aside` takes them back there. Asked again while
    already aside, the place kept is the one from before."""
    previous = turn.state
    resume = (
        {"flow": previous.flow, "step": previous.step, "data": previous.data}
        if previous is not None
        else None
    )
    if previous is not None and previous.flow == flow:
        resume = previous.data.get("resume")
    turn.state = await people.set_state(
        turn.session, turn.person.id, flow=flow, step=step, data={"resume": resume}, now=turn.now
    )


async def leave_aside(turn: Turn) -> bool:
    """Done with the question asked aside: back to the flow kept by `enter_aside` (True),
    or to no flow at all (False)."""
    state = turn.state
    resume = state.data.get("resume") if state is not None else None
    if resume:
        turn.state = await people.set_state(
            turn.session,
            turn.person.id,
            flow=resume["flow"],
            step=resume["step"],
            data=resume.get("data") or {},
            now=turn.now,
        )
        return True
    await people.clear_state(turn.session, turn.person.id)
    turn.state = None
    return False
