"""Search by name or email: candidates found in SQL (accents or not, exact substrings
first), ranked with rapidfuzz, then shown as the lists show them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.lines import (
    HealthCutoffs,
    MentorFilter,
    MentorLine,
    Page,
    PairFilter,
    PairLine,
    YouthFilter,
    YouthLine,
)
from storage.directory.lists import mentors, pairs, youths
from storage.models import Application, MentorProfile, Person, Role

__all__ = ["fold", "search_mentors", "search_pairs", "search_youths"]

T = TypeVar("T")
# the people a search looks at before ranking (exact substrings first), and the lowest
# rapidfuzz score still shown
CANDIDATES = 500
MIN_SCORE = 70
# vowels (and any letter beyond ASCII) may carry an accent: any character matches them in
# SQL ("Ines" finds "Inès"), rapidfuzz then ranks on the names with accents folded
_VOWELS = frozenset("aeiouy")
_WORD = re.compile(r"\w{2,}")


def fold(text: str) -> str:
    """Lower case without accents ("Inès" -> "ines"), for ranking."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pattern(word: str) -> str:
    """A LIKE pattern (escape "\\") matching `word` with or without accents."""
    escaped = "".join("\\" + c if c in "%_\\" else c for c in word)
    return "%" + "".join("_" if c in _VOWELS or not c.isascii() else c for c in escaped) + "%"


def _score(typed: str, name: str, email: str | None) -> float:
    wanted = fold(typed)
    if email and wanted == email.lower():
        return 100.0
    best = fuzz.WRatio(wanted, fold(name)) if name else 0.0
    if email and len(wanted) >= 3 and wanted in email.lower():
        best = max(best, 90.0)
    return best


async def _ranked(session: AsyncSession, role: Role, typed: str) -> list[int]:
    """The ids of people of `role` whose name or email matches `typed`, best first."""
    words = _WORD.findall(typed.lower())[:5]
    text = typed.strip().lower()
    if role is Role.YOUTH:
        # only the latest application's email counts (as `storage.people` finds people)
        email: ColumnElement[Any] = (
            select(Application.answers["email"].as_string())
            .where(Application.person_id == Person.id)
            .order_by(Application.id.desc())
            .limit(1)
            .scalar_subquery()
        )
    else:
        email = (
            select(MentorProfile.email).where(MentorProfile.person_id == Person.id)
        ).scalar_subquery()
    name = func.lower(Person.display_name)
    matches: list[ColumnElement[bool]] = [name.like(_pattern(word), escape="\\") for word in words]
    if len(text) >= 3:
        matches.append(func.lower(email).contains(text, autoescape=True))
    if not matches:
        return []
    exact = or_(*(name.contains(word, autoescape=True) for word in words)) if words else None
    query = (
        select(Person.id, Person.display_name, email)
        .where(Person.role == role, Person.erased_at.is_(None), or_(*matches))
        .order_by(case((exact, 0), else_=1) if exact is not None else Person.id, Person.id)
        .limit(CANDIDATES)
    )
    scored = [
        (_score(typed, name or "", address), person_id)
        for person_id, name, address in (await session.execute(query)).all()
    ]
    return [
        person_id
        for score, person_id in sorted(scored, key=lambda s: (-s[0], s[1]))
        if score >= MIN_SCORE
    ]


def _in_order(lines: Sequence[T], ids: Sequence[int], key: str) -> list[T]:
    rank = {person_id: place for place, person_id in enumerate(ids)}
    return sorted(lines, key=lambda line: rank.get(getattr(line, key), len(rank)))


async def search_youths(
    session: AsyncSession, typed: str, *, limit: int = 10, offset: int = 0
) -> Page[YouthLine]:
    """Youths whose name or email matches `typed`, best match first."""
    ids = await _ranked(session, Role.YOUTH, typed)
    wanted = ids[offset : offset + limit]
    found = await youths(session, YouthFilter(person_ids=tuple(wanted)), limit=limit)
    return Page(tuple(_in_order(found.items, wanted, "person_id")), len(ids), offset)


async def search_mentors(
    session: AsyncSession, typed: str, *, limit: int = 10, offset: int = 0
) -> Page[MentorLine]:
    """Mentors whose name or email matches `typed`, best match first."""
    ids = await _ranked(session, Role.MENTOR, typed)
    wanted = ids[offset : offset + limit]
    found = await mentors(session, MentorFilter(person_ids=tuple(wanted)), limit=limit)
    return Page(tuple(_in_order(found.items, wanted, "person_id")), len(ids), offset)


async def search_pairs(
    session: AsyncSession,
    typed: str,
    cutoffs: HealthCutoffs,
    *,
    limit: int = 10,
    offset: int = 0,
) -> Page[PairLine]:
    """Pairs whose youth or mentor matches `typed` (a pair number finds that pair), pairs
    of the best-matching people first."""
    number = typed.strip().removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) <= 18:
        return await pairs(session, PairFilter(pairing_ids=(int(number),)), cutoffs, limit=limit)
    ids = await _ranked(session, Role.YOUTH, typed) + await _ranked(session, Role.MENTOR, typed)
    if not ids:
        return Page((), 0, offset)
    found = await pairs(session, PairFilter(person_ids=tuple(ids)), cutoffs, limit=CANDIDATES)
    rank = {person_id: place for place, person_id in enumerate(ids)}
    ordered = sorted(
        found.items,
        key=lambda p: min(rank.get(p.youth_id, len(rank)), rank.get(p.mentor_id, len(rank))),
    )
    return Page(tuple(ordered[offset : offset + limit]), len(ordered), offset)
