"""What only staff do in Slack: `/mentorbot show <pair>`, the "View the pair" button of
staff alerts, a case's "I'll take it" and "Resolved" buttons, and messages in the staff
channel (a reply in a case's thread reaches the person who asked). The engine lets only
staff through (refusals are audit-logged there, and said to nobody in the channel)."""

from __future__ import annotations

from conversations.core import codec
from conversations.core.messages import Channel, Kind, Reply
from conversations.core.turn import Turn
from conversations.pairs import access
from conversations.staff import case_answers, cases
from storage import mentoring
from storage.models import Pairing, Person

__all__ = ["STAFF_ACTIONS", "STAFF_VERBS", "StaffRouter", "pair_details"]

STAFF_VERBS = frozenset({"show", "pair"})
# what someone posts in a channel the bot is in (the adapter marks it `in_channel`)
CHANNEL_KINDS = frozenset({Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED})
STAFF_ACTIONS = frozenset({"sp", "ct", "cr2"})
CASE_ACTIONS = frozenset({"ct", "cr2"})


async def pair_details(turn: Turn, reference: str) -> Reply:
    """A pair's details for staff, by its id as typed or carried by a button."""
    locale = turn.locale
    pairing_id = codec.parse_id(reference)
    pairing = await turn.session.get(Pairing, pairing_id) if pairing_id is not None else None
    if pairing is None:
        return Reply("staff.unknown_pair", {"pairing": reference[:20]}, locale=locale)
    mentor = await turn.session.get(Person, pairing.mentor_id)
    return Reply(
        "staff.pair",
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
        },
        locale=locale,
    )


async def _on_case_button(turn: Turn, button: codec.Button) -> None:
    """Take or resolve a case; the staff member is told what happened."""
    staff = turn.actor.external_id
    change = cases.take_case if button.action == "ct" else cases.resolve_case
    done = await change(turn.session, case_id=button.id, staff=staff, now=turn.now)
    turn.response.replies.append(
        Reply(
            f"staff.case_{done.outcome}",
            {"case_id": button.id, "owner": done.case.owner if done.case else None},
            locale=turn.locale,
        )
    )


class StaffRouter:
    """Routes staff-only commands and buttons."""

    staff_only = True

    def claims(self, turn: Turn) -> bool:
        incoming = turn.incoming
        if incoming.channel is not Channel.SLACK:
            return False
        if incoming.metadata.get("in_channel"):
            return incoming.kind in CHANNEL_KINDS
        if incoming.kind is Kind.COMMAND:
            return incoming.command.lower() in STAFF_VERBS
        if incoming.kind is Kind.CHOICE:
            button = codec.decode(incoming.choice)
            return button is not None and button.action in STAFF_ACTIONS
        return False

    async def handle(self, turn: Turn) -> None:
        incoming = turn.incoming
        if incoming.metadata.get("in_channel"):
            if incoming.kind is not Kind.UNSUPPORTED:
                await case_answers.staff_replied(turn)
            return
        if incoming.kind is Kind.CHOICE:
            button = codec.decode(incoming.choice)
            if button is not None and button.action in CASE_ACTIONS:
                await _on_case_button(turn, button)
                return
            reference = str(button.id) if button is not None and button.ids else ""
            details = await pair_details(turn, reference)
            # from a button, a window of its own; the adapter posts it where it has none
            turn.response.info = details
            return
        reference = incoming.args.split()[0] if incoming.args.split() else ""
        turn.response.replies.append(await pair_details(turn, reference))
