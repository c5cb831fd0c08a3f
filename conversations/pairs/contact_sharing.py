"""The youth shares her email with her mentor, with her consent: a button in her
introduction (`es:<pairing>:yes`).

Pressing it records the consent (`pairing.youth_email_shared_at`, audit-logged) and sends
the mentor, in the pair's thread, the email of her application, which the outbox forgets
once delivered. Nothing else personal is passed on, and no phone number is ever asked.
Pressed twice, it is sent once; with no email on file, she is told how else to reach her
mentor.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import parsing
from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.turn import Turn
from conversations.pairs.followup import is_followed
from conversations.pairs.meeting_schedule import mentor_context
from storage import applications, audit, outbox
from storage.models import Pairing, Person, Priority

__all__ = ["email_on_file", "on_share", "share_choice"]


async def email_on_file(session: AsyncSession, youth_id: int) -> str | None:
    """The email the youth gave in her latest application that has one, if any."""
    for application in reversed(await applications.of_person(session, youth_id)):
        given = application.answers.get("email")
        address = parsing.parse_email(given) if isinstance(given, str) else None
        if address is not None:
            return address
    return None


def share_choice(pairing_id: int) -> list[str]:
    """The introduction's button, as the outbox stores it ([label key, value])."""
    return ["choice.sharing.share_email", codec.encode("es", pairing_id, value="yes")]


async def on_share(turn: Turn, button: codec.Button) -> None:
    """ "Share my email" pressed."""
    session, youth, now = turn.session, turn.person, turn.now
    pairing = await session.get(Pairing, button.id)
    if pairing is None or pairing.youth_id != youth.id:
        await audit.record(
            session,
            actor=f"youth:{youth.id}",
            action="foreign_pair_refused",
            now=now,
            detail={"pairing": button.id},
        )
        turn.say("sharing.youth.not_yours")
        return
    if button.value != "yes":
        turn.say("common.stale_button")
        return
    mentor = await session.get(Person, pairing.mentor_id)
    name = (mentor.display_name if mentor else None) or ""
    if pairing.youth_email_shared_at is not None:
        turn.say("sharing.youth.already", mentor=name, shared_at=pairing.youth_email_shared_at)
        return
    if not is_followed(pairing.status) or mentor is None or mentor.erased_at is not None:
        turn.say("sharing.youth.pair_not_active", mentor=name)
        return
    email = await email_on_file(session, youth.id)
    if email is None:
        turn.say("sharing.youth.no_email", mentor=name)
        return
    pairing.youth_email_shared_at = now
    await audit.record(
        session,
        actor=f"youth:{youth.id}",
        action="youth_email_shared",
        now=now,
        subject_person_id=youth.id,
        detail={"pairing": pairing.id, "mentor": pairing.mentor_id},
    )
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:youth_email",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="sharing.mentor.email",
        # the address is not kept in the outbox once delivered
        context=await mentor_context(session, pairing, email=email, live=True, drop=["email"]),
        now=now,
        priority=Priority.URGENT,
        order_key=f"pair:{pairing.id}:to_mentor",
    )
    turn.say("sharing.youth.done", mentor=name, email=email)
