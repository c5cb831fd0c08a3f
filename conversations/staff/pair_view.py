"""A pair as staff see it (`/mentorbot show 12`, the "View the pair" button of alerts and of
`/mentorbot find`): its dates, its health, and the buttons that fit its status (pause or
resume, close, re-pair)."""

from __future__ import annotations

from conversations.core import codec
from conversations.core.messages import Choice, Reply
from conversations.core.turn import Turn
from conversations.pairs import access
from conversations.staff.health import cutoffs
from storage import directory, mentoring
from storage.directory import PairFilter
from storage.models import Pairing, PairingStatus, Person

__all__ = ["BUTTON", "pair_buttons", "pair_details"]

BUTTON = "staff.pair_actions.button_"


def pair_buttons(pairing_id: int, status: str) -> tuple[Choice, ...]:
    """Pause (active) or resume (paused), then close and re-pair (open pairs: a closed
    pair's youth is paired again from their own suggestions, `/mentorbot suggest`)."""
    buttons: list[Choice] = []
    if status == PairingStatus.ACTIVE:
        buttons.append(Choice(f"{BUTTON}pause", codec.encode("pp", pairing_id)))
    elif status == PairingStatus.PAUSED:
        buttons.append(Choice(f"{BUTTON}resume", codec.encode("pr", pairing_id)))
    if status != PairingStatus.CLOSED:
        buttons.append(Choice(f"{BUTTON}close", codec.encode("pc", pairing_id)))
        buttons.append(Choice(f"{BUTTON}repair", codec.encode("pq", pairing_id)))
    return tuple(buttons)


async def pair_details(turn: Turn, reference: str) -> Reply:
    """A pair's details for staff, by its id as typed or carried by a button."""
    locale = turn.locale
    pairing_id = codec.parse_id(reference)
    pairing = await turn.session.get(Pairing, pairing_id) if pairing_id is not None else None
    if pairing is None:
        return Reply("staff.unknown_pair", {"pairing": reference[:20]}, locale=locale)
    mentor = await turn.session.get(Person, pairing.mentor_id)
    found = await directory.pairs(
        turn.session,
        PairFilter(pairing_ids=(pairing.id,)),
        cutoffs(turn.now, turn.config.nudges),
        limit=1,
    )
    health = found.items[0].health if found.items else None
    return Reply(
        "staff.pair_actions.view",
        {
            "pairing": pairing.id,
            "status": pairing.status,
            "close_reason": pairing.close_reason,
            "mentee": await access.mentee_name(turn.session, pairing),
            "mentor": (mentor.display_name if mentor else None) or "",
            "started_at": pairing.started_at,
            "first_meeting_at": pairing.first_meeting_at,
            "last_contact_at": pairing.last_contact_at,
            "interactions": await mentoring.count_interactions(turn.session, pairing.id),
            "health": health.value if health is not None else "",
        },
        choices=pair_buttons(pairing.id, pairing.status),
        columns=4,
        locale=locale,
    )
