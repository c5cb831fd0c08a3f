"""Personal invites: a single-use token per imported youth, the `start` parameter of their
deep link (`t.me/<bot>?start=<token>`), and linking the Telegram account that uses it.

A token is `inv-` and 32 URL-safe characters: only what Telegram allows in a start
parameter (A-Z a-z 0-9 _ -, at most 64), and the prefix tells it from a partner source
such as `ml75`. It is consumed with one conditional UPDATE, so two accounts starting the
bot with it at the same time cannot both have it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Application,
    Case,
    Delivery,
    Identity,
    Invite,
    Pairing,
    Person,
    Role,
    Rsvp,
    SupportRequest,
)

__all__ = [
    "INVITE_PREFIX",
    "Found",
    "consume",
    "find",
    "has_identity_on",
    "is_blank",
    "looks_like_invite",
    "move_identity",
    "new_token",
    "unused_tokens",
    "valid_token",
]

INVITE_PREFIX = "inv-"
# 24 random bytes: 32 URL-safe characters (192 bits)
_TOKEN_BYTES = 24
_TOKEN = re.compile(rf"^{INVITE_PREFIX}[A-Za-z0-9_-]{{32}}$")
_CHUNK = 500


def new_token() -> str:
    """A fresh invite token (`inv-` and 32 characters Telegram accepts in a start parameter)."""
    return INVITE_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def looks_like_invite(payload: str | None) -> bool:
    """Whether a /start payload is meant as an invite (well formed or not)."""
    return payload is not None and payload.startswith(INVITE_PREFIX)


def valid_token(payload: str) -> bool:
    """Whether a payload has the exact shape of a token (checked before any query)."""
    return _TOKEN.match(payload) is not None


@dataclass(frozen=True)
class Found:
    """An invite and whether it can still be used."""

    person_id: int
    used: bool


async def find(session: AsyncSession, token: str) -> Found | None:
    """The invite with this token, if there is one for a person not erased."""
    row = (
        await session.execute(
            select(Invite.person_id, Invite.used_at)
            .join(Person, Person.id == Invite.person_id)
            .where(Invite.token == token, Person.erased_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    return Found(person_id=row.person_id, used=row.used_at is not None)


async def consume(session: AsyncSession, token: str, now: datetime) -> int | None:
    """Mark the invite used; the person it is for, or None if it was used already (by a
    concurrent start, too: the UPDATE is conditional)."""
    result = await session.execute(
        update(Invite)
        .where(Invite.token == token, Invite.used_at.is_(None))
        .values(used_at=now)
        .returning(Invite.person_id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


async def is_blank(session: AsyncSession, person: Person) -> bool:
    """Whether `person` is an empty record (the one the engine made for a stranger): a youth
    who never consented and has nothing attached, so it can go when their account is linked
    to an imported record."""
    if person.role != Role.YOUTH or person.consent_at is not None or person.import_key:
        return False
    attached = (
        exists().where(Application.person_id == person.id),
        exists().where(Case.person_id == person.id),
        exists().where(SupportRequest.person_id == person.id),
        exists().where(Delivery.person_id == person.id),
        exists().where(Rsvp.person_id == person.id),
        exists().where(or_(Pairing.youth_id == person.id, Pairing.mentor_id == person.id)),
    )
    return not await session.scalar(select(or_(*attached)))


async def move_identity(
    session: AsyncSession, *, blank: Person, channel: str, external_id: str, to_person_id: int
) -> Person:
    """Move `blank`'s account on `channel` to the person `to_person_id` (an imported record)
    and delete `blank` (its conversation state goes with it); the person now behind the
    account, with their identities loaded."""
    target = (
        await session.scalars(
            select(Person).where(Person.id == to_person_id).options(selectinload(Person.identities))
        )
    ).one()
    identity = next(
        i for i in blank.identities if i.channel == channel and i.external_id == external_id
    )
    blank.identities.remove(identity)
    target.identities.append(identity)  # moved, not orphaned: the row is updated
    await session.flush()
    await session.delete(blank)
    await session.flush()
    return target


async def has_identity_on(session: AsyncSession, person_id: int, channel: str) -> bool:
    """Whether the person already has an account on the channel."""
    return bool(
        await session.scalar(
            select(exists().where(Identity.person_id == person_id, Identity.channel == channel))
        )
    )


async def unused_tokens(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, str]:
    """Person id -> their latest unused invite token, for those who have one."""
    wanted: Sequence[int] = list(person_ids)
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = await session.execute(
            select(Invite.person_id, Invite.token)
            .where(Invite.person_id.in_(wanted[start : start + _CHUNK]), Invite.used_at.is_(None))
            .order_by(Invite.id)
        )
        found.update({row.person_id: row.token for row in rows})
    return found
