"""Imported people (mentors and youths from a partner's spreadsheet): what the database
already holds for a file, and writing the new ones in bulk.

The caller runs everything in one transaction: any database error rolls the whole import
back. Rows are written in batches, a few statements each (one multi-row INSERT per table),
so 5,000 people take a fraction of a second on SQLite. Each imported person carries an
`import_key` (sha256 of role and normalised email, unique): importing the same file again
finds them instead of adding them twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage import invites
from storage.models import (
    Application,
    ApplicationStatus,
    Base,
    Identity,
    Invite,
    MentorProfile,
    MentorStatus,
    Person,
    Role,
)

__all__ = [
    "BATCH",
    "Known",
    "NewMentor",
    "NewYouth",
    "Written",
    "import_key",
    "known_mentors",
    "known_youths",
    "write_mentors",
    "write_youths",
]

# people per batch: one INSERT per table and batch
BATCH = 1000
# values per `IN (...)` when looking up what the database holds
_CHUNK = 500
SLACK = "slack"


def _table(model: type[Base]) -> Table:
    # Core inserts on the tables: one executemany per batch (the ORM's bulk path runs
    # one statement per row here)
    return cast(Table, model.__table__)


def import_key(role: str, email: str) -> str:
    """An imported person's key: sha256 of their role and normalised (trimmed, lower case)
    email, so the same person in the same role is found again whatever the file's case."""
    return hashlib.sha256(f"{role}:{email.strip().lower()}".encode()).hexdigest()


@dataclass(frozen=True)
class NewMentor:
    """A mentor to create (validated): a person, a profile, a Slack identity if known."""

    email: str
    first_name: str
    slack_id: str | None = None
    company: str | None = None
    sector: str | None = None
    expertise: str | None = None
    region: str | None = None
    capacity: int = 1
    languages: tuple[str, ...] = ()
    remote: bool = True

    @property
    def key(self) -> str:
        return import_key(Role.MENTOR, self.email)


@dataclass(frozen=True)
class NewYouth:
    """A youth to create (validated): a person, an application in progress with the answers
    the file gives (keys as the eligibility questions store them), an invite."""

    email: str
    first_name: str
    region: str | None = None
    source: str | None = None
    answers: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return import_key(Role.YOUTH, self.email)


@dataclass(frozen=True)
class Known:
    """What the database holds for a file's people."""

    # import key -> the person imported with it
    keys: dict[str, int]
    # normalised email -> a person already registered with it (imported or not)
    emails: dict[str, int]
    # Slack user id -> the person whose account it is
    slack_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """A person written by an import, and (youths) their invite token."""

    person_id: int
    key: str
    token: str | None = None


def _chunks(values: Collection[str]) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[start : start + _CHUNK] for start in range(0, len(ordered), _CHUNK)]


async def _keys(session: AsyncSession, keys: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        rows = await session.execute(
            select(Person.import_key, Person.id).where(Person.import_key.in_(chunk))
        )
        found.update({row.import_key: row.id for row in rows})
    return found


async def _pairs(
    session: AsyncSession,
    column: ColumnElement[Any] | InstrumentedAttribute[Any],
    person: ColumnElement[Any] | InstrumentedAttribute[Any],
    values: Collection[str],
) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(values):
        rows = await session.execute(select(column, person).where(column.in_(chunk)))
        for value, person_id in rows:
            found.setdefault(str(value), int(person_id))
    return found


async def known_mentors(
    session: AsyncSession,
    *,
    keys: Collection[str],
    emails: Collection[str],
    slack_ids: Collection[str],
) -> Known:
    """Mentors already imported (by key) or registered (profile email, lower case), and
    the people behind the Slack ids."""
    email = func.lower(MentorProfile.email)
    slack = (
        select(Identity.external_id, Identity.person_id).where(Identity.channel == SLACK).subquery()
    )
    return Known(
        keys=await _keys(session, keys),
        emails=await _pairs(session, email, MentorProfile.person_id, emails),
        slack_ids=await _pairs(session, slack.c.external_id, slack.c.person_id, slack_ids),
    )


async def known_youths(
    session: AsyncSession, *, keys: Collection[str], emails: Collection[str]
) -> Known:
    """Youths already imported (by key) or registered with this email in their latest
    application (as `storage.people.youths_by_application_email` reads it)."""
    latest = (
        select(func.max(Application.id).label("id"))
        .where(Application.person_id.is_not(None))
        .group_by(Application.person_id)
        .subquery()
    )
    given = (
        select(
            func.lower(Application.answers["email"].as_string()).label("email"),
            Application.person_id,
        )
        .join(latest, latest.c.id == Application.id)
        .subquery()
    )
    return Known(
        keys=await _keys(session, keys),
        emails=await _pairs(session, given.c.email, given.c.person_id, emails),
    )


async def _insert_people(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """The new people's ids, in the order of `rows`."""
    table = _table(Person)
    result = await session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return list(result.scalars())


def _person(
    role: str, key: str, name: str, region: str | None, locale: str, now: datetime
) -> dict[str, Any]:
    return {
        "role": role,
        "display_name": name,
        "locale": locale,
        "created_at": now,
        "region": region,
        "import_key": key,
    }


async def write_mentors(
    session: AsyncSession,
    mentors: Sequence[NewMentor],
    *,
    now: datetime,
    by: str,
    done: Callable[[int], None] | None = None,
) -> list[Written]:
    """Create the mentors (active at once: staff imported them), in batches; `done` is told
    how many were written after each batch."""
    written: list[Written] = []
    for start in range(0, len(mentors), BATCH):
        batch = mentors[start : start + BATCH]
        ids = await _insert_people(
            session,
            [
                _person(
                    Role.MENTOR,
                    m.key,
                    m.first_name,
                    m.region,
                    # the bot writes to them in English only if it is their only language
                    "en" if m.languages == ("en",) else "fr",
                    now,
                )
                for m in batch
            ],
        )
        await session.execute(
            insert(_table(MentorProfile)),
            [
                {
                    "person_id": person_id,
                    "email": m.email,
                    "company": m.company,
                    "sector": m.sector,
                    "expertise": m.expertise,
                    "region": m.region,
                    "capacity": m.capacity,
                    "languages": list(m.languages),
                    "remote": m.remote,
                    "accepting": True,
                    "status": MentorStatus.ACTIVE,
                    "approved_at": now,
                    "approved_by": by[:100],
                    "created_at": now,
                }
                for person_id, m in zip(ids, batch, strict=True)
            ],
        )
        slack = [
            # posting to a Slack user id writes in the app's direct messages with them
            {
                "person_id": person_id,
                "channel": SLACK,
                "external_id": m.slack_id,
                "chat_id": m.slack_id,
            }
            for person_id, m in zip(ids, batch, strict=True)
            if m.slack_id
        ]
        if slack:
            await session.execute(insert(_table(Identity)), slack)
        written += [Written(i, m.key) for i, m in zip(ids, batch, strict=True)]
        if done is not None:
            done(len(batch))
    return written


async def write_youths(
    session: AsyncSession,
    youths: Sequence[NewYouth],
    *,
    now: datetime,
    by: str,
    done: Callable[[int], None] | None = None,
) -> list[Written]:
    """Create the youths, each with an application in progress and a single-use invite, in
    batches; `done` is told how many were written after each batch."""
    written: list[Written] = []
    for start in range(0, len(youths), BATCH):
        batch = youths[start : start + BATCH]
        ids = await _insert_people(
            session, [_person(Role.YOUTH, y.key, y.first_name, y.region, "fr", now) for y in batch]
        )
        await session.execute(
            insert(_table(Application)),
            [
                {
                    "person_id": person_id,
                    "status": ApplicationStatus.IN_PROGRESS,
                    "source": y.source,
                    "answers": dict(y.answers),
                    "reasons": [],
                    "started_at": now,
                }
                for person_id, y in zip(ids, batch, strict=True)
            ],
        )
        tokens = [invites.new_token() for _ in batch]
        await session.execute(
            insert(_table(Invite)),
            [
                {"token": token, "person_id": person_id, "created_at": now, "created_by": by[:100]}
                for person_id, token in zip(ids, tokens, strict=True)
            ],
        )
        written += [
            Written(i, y.key, token) for i, y, token in zip(ids, batch, tokens, strict=True)
        ]
        if done is not None:
            done(len(batch))
    return written
