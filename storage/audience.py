"""Who an announcement is for, as SQL: the filters (`Audience`), who they reach and who
they leave out (`reach`), each person's copy of a context (`Variant`), and the one
`INSERT … SELECT` into the outbox the writers share (announcements, notices to those who
answered). Never a loop over people in Python."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Application,
    ApplicationStatus,
    Delivery,
    Identity,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Role,
)

__all__ = [
    "DELIVERY_COLUMNS",
    "EXCLUSIONS",
    "Audience",
    "Reach",
    "Variant",
    "chat_join",
    "exclusions",
    "insert_from_select",
    "matches",
    "reach",
    "reachable",
    "role_channel",
    "variant_case",
]

# why someone the filters match gets nothing, in the order they are told apart
EXCLUSIONS = ("erased", "opted_out", "unreachable")
OPEN_PAIRINGS = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)
# where each role is written to
ROLE_CHANNELS = {Role.YOUTH: "telegram", Role.MENTOR: "slack"}


@dataclass(frozen=True)
class Audience:
    """Who an announcement is for: the filters compose (all must hold); a person matched
    several ways is one recipient."""

    # "youth", "mentor" or both
    roles: tuple[str, ...] = (Role.YOUTH,)
    # region codes ("idf", "reu"); empty: everywhere
    regions: tuple[str, ...] = ()
    # words in a youth's field or a mentor's sector (any of them); empty: any
    keywords: tuple[str, ...] = ()
    # youths only: "waiting" (eligible, no mentor yet), "paired", or None for both
    youth_status: str | None = None
    # youths only: their eligibility decision ("eligible", "review", "not_eligible")
    eligibility: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "roles": list(self.roles),
            "regions": list(self.regions),
            "keywords": list(self.keywords),
            "youth_status": self.youth_status,
            "eligibility": list(self.eligibility),
        }

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> Audience:
        return cls(
            roles=tuple(stored.get("roles") or ()),
            regions=tuple(stored.get("regions") or ()),
            keywords=tuple(stored.get("keywords") or ()),
            youth_status=stored.get("youth_status"),
            eligibility=tuple(stored.get("eligibility") or ()),
        )


@dataclass(frozen=True)
class Reach:
    """How many people an audience reaches, per channel, and who is left out, per reason."""

    channels: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.channels.values())

    @property
    def total_excluded(self) -> int:
        return sum(self.excluded.values())


@dataclass(frozen=True)
class Variant:
    """One version of a queued context: for people of `locale` (None: any) living in one
    of `regions` (None: anywhere). The first that fits a person is theirs."""

    context: Mapping[str, Any]
    locale: str | None = None
    regions: tuple[str, ...] | None = None


# ------------------------------------------------------------------ the audience as SQL


def role_channel() -> ColumnElement[str]:
    return case((Person.role == Role.YOUTH, "telegram"), else_="slack")


def _contains_any(column: Any, words: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(func.lower(column).contains(word.lower(), autoescape=True) for word in words))


def _youth(audience: Audience) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [
        Person.role == Role.YOUTH,
        # only youths who accepted the privacy notice are in the programme
        or_(Person.consent_at.is_not(None), Person.erased_at.is_not(None)),
    ]
    open_pair = exists().where(Pairing.youth_id == Person.id, Pairing.status.in_(OPEN_PAIRINGS))
    if audience.youth_status == "paired":
        conditions.append(open_pair)
    elif audience.youth_status == "waiting":
        eligible = exists().where(
            Application.person_id == Person.id,
            Application.status == ApplicationStatus.DECIDED,
            Application.decision == "eligible",
        )
        conditions += [eligible, ~open_pair]
    if audience.eligibility:
        conditions.append(
            exists().where(
                Application.person_id == Person.id,
                Application.status == ApplicationStatus.DECIDED,
                Application.decision.in_(audience.eligibility),
            )
        )
    if audience.keywords:
        conditions.append(
            exists().where(
                Application.person_id == Person.id,
                _contains_any(Application.answers["field"].as_string(), audience.keywords),
            )
        )
    return and_(*conditions)


def _mentor(audience: Audience) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [
        Person.role == Role.MENTOR,
        # a sign-up staff have not approved (or declined) is not a mentor of the programme
        exists().where(MentorProfile.person_id == Person.id, MentorProfile.status == "active"),
    ]
    if audience.keywords:
        conditions.append(
            exists().where(
                MentorProfile.person_id == Person.id,
                _contains_any(MentorProfile.sector, audience.keywords),
            )
        )
    return and_(*conditions)


def matches(audience: Audience) -> ColumnElement[bool]:
    """The filters, before exclusions."""
    roles: list[ColumnElement[bool]] = []
    if Role.YOUTH in audience.roles:
        roles.append(_youth(audience))
    if Role.MENTOR in audience.roles:
        roles.append(_mentor(audience))
    if not roles:
        return false()
    condition = or_(*roles)
    if audience.regions:
        condition = and_(condition, func.lower(Person.region).in_(audience.regions))
    return condition


def chat_join() -> ColumnElement[bool]:
    """The person's identity on their role's channel, with a chat to write to (joined, so
    the database looks it up by index once per person)."""
    return and_(
        Identity.person_id == Person.id,
        Identity.channel == role_channel(),
        Identity.chat_id.is_not(None),
    )


def reachable() -> ColumnElement[bool]:
    """With the chat joined: nothing keeps the bot from writing to them."""
    return and_(
        Person.erased_at.is_(None),
        Person.announcements_opt_out_at.is_(None),
        Person.unreachable_at.is_(None),
    )


def _why() -> ColumnElement[str]:
    """Each matched person's channel, or why they are left out (chat outer-joined)."""
    return case(
        (Person.erased_at.is_not(None), "erased"),
        (Person.announcements_opt_out_at.is_not(None), "opted_out"),
        (or_(Person.unreachable_at.is_not(None), Identity.id.is_(None)), "unreachable"),
        else_=role_channel(),
    )


async def reach(session: AsyncSession, audience: Audience) -> Reach:
    """Who the audience reaches now, per channel, and who it leaves out, per reason (one
    grouped query)."""
    found = await _grouped(session, audience)
    return Reach(
        channels={channel: found.get(channel, 0) for channel in ("telegram", "slack")},
        excluded={reason: found.get(reason, 0) for reason in EXCLUSIONS},
    )


async def _grouped(
    session: AsyncSession, audience: Audience, *, excluded_only: bool = False
) -> dict[str, int]:
    why = _why().label("why")
    query = (
        select(why, func.count())
        .select_from(Person)
        .outerjoin(Identity, chat_join())
        .where(matches(audience))
        .group_by(why)
    )
    if excluded_only:
        query = query.where(or_(~reachable(), Identity.id.is_(None)))
    rows = await session.execute(query)
    return {str(reason): int(count) for reason, count in rows.all()}


async def exclusions(session: AsyncSession, audience: Audience) -> dict[str, int]:
    """Who the audience leaves out, per reason (`reach` without counting the recipients)."""
    found = await _grouped(session, audience, excluded_only=True)
    return {reason: found.get(reason, 0) for reason in EXCLUSIONS}


# ------------------------------------------------------------------ writing the outbox


def _json(session: AsyncSession, context: Mapping[str, Any]) -> ColumnElement[Any]:
    text = literal(json.dumps(context, ensure_ascii=False, sort_keys=True), String)
    if session.get_bind().dialect.name == "sqlite":
        return text  # SQLite keeps JSON as text (a CAST would make it a number)
    return cast(text, JSON)


def _first_fit(
    session: AsyncSession, variants: Sequence[Variant], fallback: ColumnElement[Any]
) -> ColumnElement[Any]:
    whens: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = []
    for variant in variants:
        conditions: list[ColumnElement[bool]] = [true()]
        if variant.locale is not None:
            conditions.append(Person.locale == variant.locale)
        if variant.regions is not None:
            conditions.append(func.lower(Person.region).in_(variant.regions))
        whens.append((and_(*conditions), _json(session, variant.context)))
    return case(*whens, else_=fallback) if whens else fallback


def variant_case(session: AsyncSession, variants: Sequence[Variant]) -> ColumnElement[Any]:
    """The context each person gets, as SQL: the first variant that fits them (the last one,
    for anyone, is the fallback). Variants for some regions are tried first, and only for
    people of those regions: most people (no such region) are told apart in two tests."""
    if not variants or variants[-1].regions is not None:
        raise ValueError("the last context must be for anyone (no regions)")
    fallback = _json(session, variants[-1].context)
    regional = [v for v in variants[:-1] if v.regions is not None]
    general = _first_fit(session, [v for v in variants[:-1] if v.regions is None], fallback)
    if not regional:
        return general
    regions = sorted({region for v in regional for region in v.regions or ()})
    return case(
        (func.lower(Person.region).in_(regions), _first_fit(session, regional, general)),
        else_=general,
    )


async def insert_from_select(session: AsyncSession, query: Any, columns: Sequence[str]) -> int:
    """`INSERT INTO delivery (columns) <query> ON CONFLICT (idempotency_key) DO NOTHING`;
    how many rows were written."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(Delivery)
        .from_select(list(columns), query)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


DELIVERY_COLUMNS = (
    "idempotency_key",
    "person_id",
    "priority",
    "channel",
    "template",
    "context",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)
