"""Starting the bot with a personal invite (`t.me/<bot>?start=inv-...`): a youth imported
from a partner's spreadsheet links their Telegram account to the record staff imported.

    /start inv-<token> -> valid, unused, account new or blank -> linked: greeted by first
                          name, privacy notice, then only the questions the file left open
                       -> unknown, malformed, used (by anyone), record already on Telegram,
                          or this account already registered -> a kind word, normal /start

The account's blank person (the one the engine made for a stranger this very event, or one
who never got past the privacy notice) does not survive: its identity moves to the imported
record and it is deleted. An account with a registration of its own keeps it, and the
invite stays unused (staff can sort it out). The token is consumed with a conditional
UPDATE: a second account using it is refused, the record is not taken from the first.
"""

from __future__ import annotations

import logging

from conversations.core.actor import Actor
from conversations.core.turn import Turn
from conversations.youth import eligibility_flow
from storage import applications, invites, people

__all__ = ["is_invite", "on_start"]

logger = logging.getLogger(__name__)


def is_invite(payload: str | None) -> bool:
    """Whether a /start payload is meant as a personal invite (not a partner source)."""
    return invites.looks_like_invite(payload)


async def on_start(turn: Turn, payload: str) -> bool:
    """Link the account with the invite `payload`; True once linked and the registration
    continued, False after a kind word (the caller then does the normal /start)."""
    found = await invites.find(turn.session, payload) if invites.valid_token(payload) else None
    if found is None:
        logger.info("unknown invite used on %s", turn.actor.channel)
        turn.say("invite.unknown")
        return False
    person = turn.person
    if found.person_id == person.id:
        return False  # their own invite again: they are linked already, /start as usual
    if found.used or await invites.has_identity_on(
        turn.session, found.person_id, turn.actor.channel
    ):
        logger.info("used invite started again on %s", turn.actor.channel)
        turn.say("invite.used")
        return False
    if not await invites.is_blank(turn.session, person):
        turn.say("invite.already_registered")
        return False
    if await invites.consume(turn.session, payload, turn.now) is None:
        turn.say("invite.used")  # another account took it a moment ago
        return False
    await _link(turn, found.person_id)
    return True


async def _link(turn: Turn, person_id: int) -> None:
    blank = turn.person
    actor = turn.actor
    locale = blank.locale  # what the account's Telegram language made it
    linked = await invites.move_identity(
        turn.session,
        blank=blank,
        channel=actor.channel,
        external_id=actor.external_id,
        to_person_id=person_id,
    )
    linked.locale = locale
    turn.actor = Actor(actor.channel, actor.external_id, linked, is_staff=actor.is_staff)
    turn.state = await people.get_state(turn.session, linked.id)
    logger.info("invite used: person %s linked on %s", linked.id, actor.channel)
    turn.say("invite.welcome", name=linked.display_name)
    application = await applications.latest(turn.session, linked.id)
    # the privacy notice first, as for anyone; the file's answers wait in the application
    await eligibility_flow.begin(turn, application.source if application else None)
