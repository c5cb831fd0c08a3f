"""Answers to the questions youths ask most, from a FAQ the team edits.

The FAQ is one TOML file per locale (`bot/faq/<locale>.toml`, the folder given by the caller):
entries with a stable `id` and the `questions` people ask, in several phrasings. The answer
to entry `x` is the template `faq.x` in each locale, so its copy lives with every other
message. A question is matched against the phrasings of every locale (a youth may write in
either language) and answered in the youth's language.

    free text, not an answer to anything --> `answer`          /faq <text> --> `search`
        one entry close enough --> its answer  [that answers it] [ask a person]
        several equally close  --> "which one?" [topic]... [ask a person]
        none                   --> "I don't know, shall I ask the team?"  [yes] [no]
    /faq alone --> `ask_index`: the topics as buttons (faq:t.<id>) --> that answer
    ask a person / yes --> a SupportRequest(kind="human") with the question, as `/human` does
    that answers it / no --> a kind word; anything else the youth does drops the offer

The question waits for those buttons in the conversation state (flow `FLOW`), and only when
the youth is in no other flow: an offer made in the middle of a flow sends the request
without the question's text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conversations.core import codec
from conversations.core.messages import Choice, Kind
from conversations.core.turn import MAX_TEXT, Turn
from conversations.youth import requests
from conversations.youth.faq_matching import (
    DEFAULT_FAQ_DIR,
    MAX_QUESTION,
    THRESHOLD,
    Entry,
    Faq,
    FaqError,
    is_too_short,
    load,
    match,
    prepare,
    scores,
)
from storage import people

__all__ = [
    "ACTION",
    "DEFAULT_FAQ_DIR",
    "FLOW",
    "THRESHOLD",
    "Entry",
    "Faq",
    "FaqError",
    "answer",
    "ask_index",
    "intercept",
    "is_too_short",
    "load",
    "match",
    "on_button",
    "scores",
    "search",
]

logger = logging.getLogger(__name__)

FLOW = "faq"
ACTION = "faq"


class Step(StrEnum):
    """What the youth was offered, waiting in the conversation state."""

    OFFERED = "offered"


_TOPIC = "t."


# ------------------------------------------------------------------ the conversation


def _faq(turn: Turn) -> Faq:
    directory = turn.config.faq_dir
    return load(directory if directory is not None else DEFAULT_FAQ_DIR)


async def answer(turn: Turn) -> bool:
    """Answer free text from the FAQ; False (nothing said) when it is not a question the
    FAQ can take: not text, too short or too long, or one word that matches nothing
    ("merci", "lol"). Drops a FAQ offer still waiting: the youth has moved on."""
    incoming = turn.incoming
    if incoming.kind is not Kind.TEXT:
        return False
    text = incoming.text.strip()
    await _drop_offer(turn)
    if is_too_short(text) or len(text) > MAX_TEXT:
        return False
    faq = _faq(turn)
    found = match(faq, text)
    if not found and len(prepare(text, faq.ignored).split()) < 2 and "?" not in text:
        return False  # "merci", "lol": small talk, not a question to pass on
    await _reply(turn, text, found)
    return True


def ask_index(turn: Turn) -> None:
    """`/faq` alone: the topics, as buttons, in the youth's language."""
    turn.say("faq.index", _topics(_faq(turn).ids(turn.locale)))


async def search(turn: Turn, text: str) -> None:
    """`/faq <text>`: the answer to `text`, or the offer to ask the team; the topics when
    `text` is too short to be a question."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        turn.say("human.too_long", limit=MAX_TEXT)
        return
    if is_too_short(text):
        ask_index(turn)
        return
    await _reply(turn, text, match(_faq(turn), text))


async def intercept(turn: Turn) -> bool:
    """Take a FAQ button (True: handled); any other event drops a FAQ offer still waiting,
    so the youth's next move is read as if no offer had been made (False)."""
    incoming = turn.incoming
    button = codec.decode(incoming.choice) if incoming.kind is Kind.CHOICE else None
    if button is not None and button.action == ACTION:
        await on_button(turn)
        return True
    await _drop_offer(turn)
    return False


async def on_button(turn: Turn) -> None:
    """A FAQ button: a topic, "that answers it", "ask a person", "yes" or "no"."""
    button = codec.decode(turn.incoming.choice)
    value = button.value if button is not None and button.action == ACTION else ""
    if value.startswith(_TOPIC):
        entry_id = value.removeprefix(_TOPIC)
        if entry_id not in _faq(turn).ids(turn.locale):
            turn.say("common.stale_button")
            return
        await _show(turn, entry_id, _waiting_question(turn))
        return
    if value not in ("ok", "no", "human"):
        turn.say("common.stale_button")
        return
    offer = _offer(turn)
    await _drop_offer(turn)
    turn.response.answered = True
    if value == "ok":
        turn.say("faq.glad")
    elif value == "no":
        turn.say("faq.not_asked")
    else:
        await _ask_team(turn, offer)


async def _reply(turn: Turn, question: str, found: tuple[str, ...]) -> None:
    if len(found) == 1:
        await _show(turn, found[0], question)
        return
    if found:
        turn.say("faq.which", (*_topics(found), _choice("human")))
    else:
        turn.say("faq.unknown", (_choice("human", "yes"), _choice("no")), columns=2)
    await _keep_offer(turn, question, None)


async def _show(turn: Turn, entry_id: str, question: str | None) -> None:
    turn.say(f"faq.{entry_id}", (_choice("ok"), _choice("human")), **_context(turn))
    await _keep_offer(turn, question, entry_id)


def _context(turn: Turn) -> dict[str, Any]:
    """What an answer may say: the programme's rules and delays, from the settings."""
    rules, config = turn.rules, turn.config
    return {
        "rules": {
            "age_limit": rules.age_limit,
            "age_limit_inclusive": rules.age_limit_inclusive,
            "diploma_minimum": rules.diploma_minimum.value,
            "minimum_age": rules.minimum_age,
        },
        "review_delay_days": config.review_delay_days,
        "pairing_delay_weeks": config.pairing_delay_weeks,
        **config.retention.notice(),
    }


def _choice(value: str, label: str | None = None) -> Choice:
    return Choice(f"choice.faq.{label or value}", codec.encode(ACTION, value=value))


def _topics(entry_ids: Iterable[str]) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"choice.faq.topic.{entry_id}", codec.encode(ACTION, value=_TOPIC + entry_id))
        for entry_id in entry_ids
    )


# ------------------------------------------------------------------ the offer


@dataclass(frozen=True)
class _Offer:
    question: str | None
    entry_id: str | None


def _offer(turn: Turn) -> _Offer | None:
    state = turn.state
    if state is None or state.flow != FLOW:
        return None
    question, entry_id = state.data.get("question"), state.data.get("entry")
    return _Offer(
        question if isinstance(question, str) else None,
        entry_id if isinstance(entry_id, str) else None,
    )


def _waiting_question(turn: Turn) -> str | None:
    offer = _offer(turn)
    return offer.question if offer is not None else None


async def _keep_offer(turn: Turn, question: str | None, entry_id: str | None) -> None:
    """Keep the question for the buttons, unless the youth is in another flow (whose state
    must not be replaced)."""
    state = turn.state
    if state is not None and state.flow != FLOW:
        return
    turn.state = await people.set_state(
        turn.session,
        turn.person.id,
        flow=FLOW,
        step=Step.OFFERED,
        data={"question": question[:MAX_QUESTION] if question else None, "entry": entry_id},
        now=turn.now,
    )


async def _drop_offer(turn: Turn) -> None:
    if turn.state is not None and turn.state.flow == FLOW:
        await people.clear_state(turn.session, turn.person.id)
        turn.state = None


async def _ask_team(turn: Turn, offer: _Offer | None) -> None:
    """What `/human` does, with the question the FAQ could not answer well enough."""
    message = None
    if offer is not None:
        # a topic picked from the list: its title tells the team what it was about
        topic = turn.label(f"choice.faq.topic.{offer.entry_id}") if offer.entry_id else None
        message = offer.question or topic
    if await requests.ask_team(turn, message):
        logger.info("FAQ: person %s asked the team", turn.person.id)
