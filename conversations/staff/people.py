"""Finding the person staff mean, from whatever they have at hand.

One rule for every staff command, so the id a listing shows is the id a command accepts:

- `#12` is always a person id, the one visible id (`mentorbot review`, `mentorbot status`
  and every staff message show people as `#12 Inès`);
- `12`, a bare number, is a person id too. Telegram user ids are numbers as well, so a bare
  number of more than 6 digits is also looked up as one; when the two name different people
  the reference is ambiguous (type `#12` or `tg:1234567` instead);
- `tg:1234567` is always a Telegram user id;
- `U0123ABCD` or `W0123ABCD` (capitals and digits) is a Slack user id;
- anything with an `@` is an email, case-insensitive: a youth's is the one in their latest
  application, a mentor's the one in their mentor profile.

Numbers are ASCII digits only ("²" or "١٢" are not numbers) and within the range of a
database id. People who erased their data are never found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from storage import people
from storage.models import Person

__all__ = [
    "AmbiguousPerson",
    "FindError",
    "PersonNotFound",
    "find_person",
    "label",
]

TELEGRAM_PREFIX = "tg:"
# Telegram user ids in use are far above a programme's person ids: a bare number this long
# may be either, shorter ones are person ids only
_PERSON_ID_DIGITS = 6
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")
# what `find_person` accepts, for messages that say how to name someone
ACCEPTED = "a person id (#12), an email, a Slack user id (U…) or a Telegram id (tg:123456789)"


class FindError(LookupError):
    """A reference that names nobody, or several people; the message says what was looked
    up, for the staff member."""


class PersonNotFound(FindError):
    """Nobody (of the wanted role) matches the reference."""


class AmbiguousPerson(FindError):
    """Several people match the reference; `candidates` lists them."""

    def __init__(self, message: str, candidates: tuple[Person, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


def label(person_id: int, name: str | None) -> str:
    """How a person is named to staff: their visible id and first name, `#12 Inès`."""
    return f"#{person_id} {name}" if name else f"#{person_id}"


@dataclass(frozen=True)
class _Match:
    person: Person
    how: str


async def find_person(session: AsyncSession, reference: str, *, role: str | None = None) -> Person:
    """The one person, not erased and of `role` if given, that `reference` names (see the
    module's docstring for the forms accepted).

    Raises `PersonNotFound` (the message says what was looked up) or `AmbiguousPerson`
    (the message lists the candidates).
    """
    typed = reference.strip()
    who = role or "person"
    tried, matches = await _matches(session, typed)
    if tried is None:
        raise PersonNotFound(f"No {who} found for {typed!r}: it is not {ACCEPTED}.")
    living = [m for m in matches if m.person.erased_at is None]
    found = _unique(m for m in living if role is None or m.person.role == role)
    if not found:
        others = "".join(
            f" {label(m.person.id, m.person.display_name)} is a {m.person.role}, not a {who}."
            for m in _unique(living)
        )
        raise PersonNotFound(f"No {who} found for {typed!r} (looked up as {tried}).{others}")
    if len(found) > 1:
        listed = ", ".join(
            f"{label(m.person.id, m.person.display_name)} ({m.person.role}, by {m.how})"
            for m in found
        )
        raise AmbiguousPerson(
            f"{typed!r} matches {len(found)} people: {listed}. "
            f"Name one of them by its id (e.g. #{found[0].person.id}).",
            tuple(m.person for m in found),
        )
    return found[0].person


async def _matches(session: AsyncSession, typed: str) -> tuple[str | None, list[_Match]]:
    """What `typed` was looked up as (None: not a form we accept) and who matched."""
    if typed.startswith("#"):
        person_id = codec.parse_id(typed[1:])
        if person_id is None:
            return None, []
        return f"person id {person_id}", await _by_id(session, person_id)
    if typed.lower().startswith(TELEGRAM_PREFIX):
        telegram_id = codec.parse_id(typed[len(TELEGRAM_PREFIX) :])
        if telegram_id is None:
            return None, []
        return f"Telegram id {telegram_id}", await _by_telegram(session, telegram_id)
    if "@" in typed:
        return "an email", await _by_email(session, typed)
    if _SLACK_USER_ID.fullmatch(typed):
        found = await people.find_by_identity(session, Channel.SLACK, typed)
        return f"Slack user id {typed}", [_Match(found, "Slack id")] if found else []
    number = codec.parse_id(typed)
    if number is None:
        return None, []
    if len(str(number)) <= _PERSON_ID_DIGITS:
        return f"person id {number}", await _by_id(session, number)
    either = await _by_id(session, number) + await _by_telegram(session, number)
    return f"person id {number} and Telegram id {number}", either


async def _by_id(session: AsyncSession, person_id: int) -> list[_Match]:
    person = await session.get(Person, person_id)
    return [_Match(person, "person id")] if person is not None else []


async def _by_telegram(session: AsyncSession, telegram_id: int) -> list[_Match]:
    person = await people.find_by_identity(session, Channel.TELEGRAM, str(telegram_id))
    return [_Match(person, "Telegram id")] if person is not None else []


async def _by_email(session: AsyncSession, email: str) -> list[_Match]:
    address = email.lower()
    mentors = await people.mentors_by_email(session, address)
    # a youth's email is in their application's answers; only the latest one counts
    youths = await people.youths_by_application_email(session, address)
    return [_Match(p, "mentor email") for p in mentors] + [
        _Match(p, "application email") for p in youths
    ]


def _unique(matches: Iterable[_Match]) -> list[_Match]:
    """One match per person (the first way they were found), in order."""
    seen: dict[int, _Match] = {}
    for match in matches:
        seen.setdefault(match.person.id, match)
    return list(seen.values())
