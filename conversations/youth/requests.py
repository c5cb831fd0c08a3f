"""A youth asking for a person on the staff: `/human`, or "ask the team" from the FAQ.

One request: a `SupportRequest` (listed by `mentorbot review`) and a case posted to the staff
channel (taken and resolved there or with `mentorbot cases`); resolving either resolves both.
"""

from __future__ import annotations

from conversations.core.turn import Turn
from conversations.pairs import cases
from storage import mentoring, privacy, support

__all__ = ["MAX_MESSAGE", "ask_team"]

# what the team reads of the youth's words (the case and the request keep this much)
MAX_MESSAGE = 1000


async def ask_team(turn: Turn, message: str | None) -> bool:
    """Open a request for a person on the staff (unless one is open already) and say so;
    returns whether a new one was opened."""
    session = turn.session
    waiting = await privacy.open_request(session, turn.person.id, "human")
    if waiting is not None:
        turn.say("human.already_requested", since=waiting.created_at)
        return False
    text = message.strip()[:MAX_MESSAGE] if message and message.strip() else None
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
