"""A youth and event announcements: `/announcements` (`/annonces`) says whether she gets
them, with a button to change it; `/announcements off` and `on` change it at once; the
"I'll come / Maybe / No" buttons under an announcement (`conversations.pairs.rsvp`).

Turning announcements off stops new announcements only: the events she already answered
keep their reminders, and an old announcement's buttons still work.
"""

from __future__ import annotations

import dataclasses

from conversations.core import codec
from conversations.core.messages import Choice
from conversations.core.turn import Turn
from conversations.pairs import rsvp
from storage import events

__all__ = ["ACTION", "ACTIONS", "COMMANDS", "on_button", "on_command", "parse_switch"]

ACTION = "an"
# the buttons of proactive messages this module answers, whatever the youth is doing
ACTIONS = frozenset({ACTION, rsvp.ACTION})
COMMANDS = frozenset({"announcements", "annonces"})
_ON = frozenset({"on", "oui", "yes", "activer", "active", "enable"})
_OFF = frozenset({"off", "non", "no", "stop", "désactiver", "desactiver", "disable"})
# RSVP answers after which the answer may still change: they carry the three buttons again
# (Telegram takes a pressed message's buttons away)
_CHANGEABLE = frozenset(
    {"rsvp_confirmed", "rsvp_waitlisted", "rsvp_maybe", "rsvp_no", "rsvp_unchanged"}
)


def parse_switch(text: str) -> bool | None:
    """ "on" -> True, "off" -> False (a few words of both languages too), None otherwise."""
    word = text.strip().lower()[:20]
    if word in _ON:
        return True
    if word in _OFF:
        return False
    return None


def switch_choices() -> tuple[Choice, ...]:
    """The two buttons: on, off."""
    return (
        Choice("choice.announcements.on", codec.encode(ACTION, value="on")),
        Choice("choice.announcements.off", codec.encode(ACTION, value="off")),
    )


async def on_command(turn: Turn) -> None:
    """`/announcements [on|off]`."""
    args = turn.incoming.args.strip()
    wanted = parse_switch(args) if args else None
    if wanted is None:
        on = turn.person.announcements_opt_out_at is None
        turn.say(
            "announcements.youth.state",
            switch_choices(),
            columns=2,
            on=on,
            unknown=args[:20] if args else "",
        )
        return
    await _switch(turn, wanted)


async def on_button(turn: Turn, button: codec.Button) -> None:
    """An RSVP button under an announcement, or the on/off buttons."""
    if button.action == rsvp.ACTION:  # decoded with its announcement id
        await rsvp.on_rsvp(turn, button)
        replies = turn.response.replies
        if replies and replies[-1].key.rpartition(".")[2] in _CHANGEABLE:
            replies[-1] = dataclasses.replace(
                replies[-1], choices=rsvp.rsvp_choices(button.id), columns=3
            )
        return
    wanted = {"on": True, "off": False}.get(button.value)
    if wanted is None:
        turn.say("common.stale_button")
        return
    await _switch(turn, wanted)


async def _switch(turn: Turn, on: bool) -> None:
    changed = await events.set_announcements(turn.session, turn.person, on, turn.now)
    turn.say("announcements.youth.set", on=on, changed=changed)
