"""Which mentors suit a waiting youth, best first, and why: pure functions over the facts
`storage.candidates` reads.

Rules that must hold are filters, never outweighed: a mentor at capacity, on holiday
(`paused_until` after today), not taking new mentees, whose sign-up is not approved, who
erased their data, or the youth themself is never suggested; a youth who is not eligible,
erased or already in an open pairing gets no suggestions at all. Staff may add two strict
rules in the weights file (`filters`).

Everything else is a weight (`conversations.rules.matching`): the youth's field close to
the mentor's sector or expertise (rapidfuzz token matching, case and accents folded), the
same region or a mentor who mentors remotely, the mentor's free seats, a shared language,
and how long the youth has waited. Each reason is a code and a value; templates say it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from rapidfuzz import fuzz, process

from conversations.pairs.followup import waiting_days
from conversations.rules.matching import MatchingRules
from conversations.rules.regions import REGION_ALIASES, REGION_NAMES
from storage.candidates import MentorFacts, YouthFacts
from storage.models import MentorStatus

__all__ = [
    "Candidate",
    "Exclusion",
    "Ranking",
    "Reason",
    "ReasonCode",
    "YouthRefusal",
    "exclusion",
    "field_match",
    "fold",
    "rank",
    "score",
    "youth_refusal",
]

ELIGIBLE = "eligible"
# words that say nothing of a field ("gestion de projet" and "chef de projet" share
# "projet", not "de")
_STOP_WORDS = frozenset(
    {
        "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "ou",
        "pour", "sur", "un", "une", "and", "for", "in", "of", "or", "the",
    }
)  # fmt: skip
_SEPARATORS = re.compile(r"[,;/|+\n]+")
# a mentor's term shorter than this ("a", "-") matches anything and means nothing
_SHORTEST_TERM = 2


class ReasonCode(StrEnum):
    """Why a mentor scores: each says one thing, with one value."""

    FIELD = "field"  # the mentor's sector or expertise close to the youth's field (the term)
    REGION = "region"  # the same region (its code)
    REMOTE = "remote"  # another region, but the mentor mentors remotely (their region)
    CAPACITY = "capacity"  # seats still free (how many)
    LANGUAGE = "language"  # a language in common (its code)
    WAITED = "waited"  # the youth has waited (days)


class Exclusion(StrEnum):
    """Why a mentor cannot be suggested for this youth."""

    SAME_PERSON = "same_person"
    ERASED = "erased"
    NOT_APPROVED = "not_approved"
    NOT_ACCEPTING = "not_accepting"
    ON_HOLIDAY = "on_holiday"
    FULL = "full"
    CURRENT_MENTOR = "current_mentor"
    OTHER_REGION = "other_region"
    NO_SHARED_LANGUAGE = "no_shared_language"


class YouthRefusal(StrEnum):
    """Why a youth gets no suggestions."""

    ERASED = "erased"
    NOT_ELIGIBLE = "not_eligible"
    ALREADY_PAIRED = "already_paired"


@dataclass(frozen=True)
class Reason:
    """One thing that counts for a mentor: its code, its value, and the points it adds."""

    code: ReasonCode
    value: str | int
    points: float


@dataclass(frozen=True)
class Candidate:
    """A mentor who may be suggested, their score and its reasons (in `ReasonCode` order)."""

    mentor: MentorFacts
    score: float
    reasons: tuple[Reason, ...]

    @property
    def free_seats(self) -> int:
        return self.mentor.capacity - self.mentor.open_count

    def reason(self, code: ReasonCode) -> Reason | None:
        """The reason of that code, if it counts for this mentor."""
        return next((r for r in self.reasons if r.code is code), None)


@dataclass(frozen=True)
class Ranking:
    """Mentors for a youth, best first, and how many were left out for each reason."""

    candidates: tuple[Candidate, ...]
    excluded: Mapping[Exclusion, int] = field(default_factory=dict)


# ------------------------------------------------------------------ words


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, no empty words ("Ressources Humaines,
    RH" -> "ressources humaines rh")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^\w]+", " ", letters).split()
    return " ".join(word for word in words if word not in _STOP_WORDS)


def _terms(mentor: MentorFacts) -> list[str]:
    """The mentor's sector and expertise, one term per comma (as they typed them)."""
    raw = [mentor.sector or "", *_SEPARATORS.split(mentor.expertise or "")]
    return [term.strip() for term in raw if len(fold(term)) >= _SHORTEST_TERM]


def field_match(youth_field: str | None, mentor: MentorFacts) -> tuple[str, float] | None:
    """The mentor's term closest to the youth's field and its likeness (0-100), or None
    when the youth gave no field or the mentor no sector or expertise."""
    wanted = fold(youth_field or "")
    terms = _terms(mentor)
    if not wanted or not terms:
        return None
    found = process.extractOne(wanted, [fold(term) for term in terms], scorer=fuzz.token_set_ratio)
    if found is None:
        return None
    _, likeness, index = found
    return terms[index], float(likeness)


def _region_code(value: str | None) -> str | None:
    """A region as its code, whether stored as a code ("IDF") or a name ("Île-de-France")."""
    if not value or not value.strip():
        return None
    code = value.strip().casefold()
    if code in REGION_NAMES:
        return code
    folded = fold(value)
    for name_code, name in REGION_NAMES.items():
        if fold(name) == folded:
            return name_code
    for alias, alias_code in REGION_ALIASES.items():
        if fold(alias) == folded:
            return alias_code
    return code


def _languages(mentor: MentorFacts) -> frozenset[str]:
    """The languages a mentor mentors in; their own language when they named none."""
    named = {code.strip().casefold() for code in mentor.languages if code.strip()}
    return frozenset(named or {mentor.locale.casefold()})


# ------------------------------------------------------------------ filters


def youth_refusal(youth: YouthFacts, *, repair_of: int | None = None) -> YouthRefusal | None:
    """Why `youth` gets no suggestions, or None. For a re-pair (`repair_of`, the pairing to
    replace), that pairing is the one open pairing allowed."""
    if youth.erased:
        return YouthRefusal.ERASED
    if youth.decision != ELIGIBLE:
        return YouthRefusal.NOT_ELIGIBLE
    if youth.open_pairing_id is not None and youth.open_pairing_id != repair_of:
        return YouthRefusal.ALREADY_PAIRED
    return None


def exclusion(
    youth: YouthFacts,
    mentor: MentorFacts,
    rules: MatchingRules,
    today: date,
    *,
    excluded_ids: Iterable[int] = (),
) -> Exclusion | None:
    """Why `mentor` cannot be suggested for `youth` today, or None (the first rule broken,
    in the order of `Exclusion`)."""
    if mentor.person_id == youth.person_id:
        return Exclusion.SAME_PERSON
    if mentor.erased:
        return Exclusion.ERASED
    if mentor.status != MentorStatus.ACTIVE:
        return Exclusion.NOT_APPROVED
    if not mentor.accepting:
        return Exclusion.NOT_ACCEPTING
    if mentor.paused_until is not None and mentor.paused_until > today:
        return Exclusion.ON_HOLIDAY
    if mentor.open_count >= mentor.capacity:
        return Exclusion.FULL
    if mentor.person_id in set(excluded_ids):
        return Exclusion.CURRENT_MENTOR
    same_region = _same_region(youth, mentor)
    if rules.filters.region_or_remote and not same_region and not mentor.remote:
        return Exclusion.OTHER_REGION
    if rules.filters.shared_language and youth.locale.casefold() not in _languages(mentor):
        return Exclusion.NO_SHARED_LANGUAGE
    return None


def _same_region(youth: YouthFacts, mentor: MentorFacts) -> bool:
    code = _region_code(youth.region)
    return code is not None and code == _region_code(mentor.region)


# ------------------------------------------------------------------ weights


def score(youth: YouthFacts, mentor: MentorFacts, rules: MatchingRules, now: datetime) -> Candidate:
    """What `mentor` scores for `youth` and why (the filters are `exclusion`'s)."""
    weights = rules.weights
    reasons: list[Reason] = []
    matched = field_match(youth.field, mentor)
    if matched is not None and matched[1] >= rules.field_similarity_minimum:
        term, likeness = matched
        reasons.append(Reason(ReasonCode.FIELD, term, weights.field * likeness / 100))
    if _same_region(youth, mentor):
        reasons.append(Reason(ReasonCode.REGION, _region_code(mentor.region) or "", weights.region))
    elif mentor.remote:
        reasons.append(Reason(ReasonCode.REMOTE, _region_code(mentor.region) or "", weights.remote))
    free = max(mentor.capacity - mentor.open_count, 0)
    if free and mentor.capacity > 0:
        reasons.append(Reason(ReasonCode.CAPACITY, free, weights.capacity * free / mentor.capacity))
    language = youth.locale.casefold()
    if language in _languages(mentor):
        reasons.append(Reason(ReasonCode.LANGUAGE, language, weights.language))
    days = waiting_days(youth.waiting_since, now)
    if days > 0:
        share = min(days, rules.waiting_full_days) / rules.waiting_full_days
        reasons.append(Reason(ReasonCode.WAITED, days, weights.waiting * share))
    return Candidate(mentor, sum(r.points for r in reasons), tuple(reasons))


def rank(
    youth: YouthFacts,
    mentors: Sequence[MentorFacts],
    rules: MatchingRules,
    *,
    now: datetime,
    today: date,
    excluded_ids: Iterable[int] = (),
    limit: int | None = None,
) -> Ranking:
    """The mentors who may be suggested for `youth`, best score first (then the most free
    seats, then the lowest id), at most `limit`; and how many were left out, by reason.
    The youth's own refusal (`youth_refusal`) is the caller's to check first."""
    left_out: Counter[Exclusion] = Counter()
    scored: list[Candidate] = []
    excluded = frozenset(excluded_ids)
    for mentor in mentors:
        why = exclusion(youth, mentor, rules, today, excluded_ids=excluded)
        if why is not None:
            left_out[why] += 1
            continue
        scored.append(score(youth, mentor, rules, now))
    scored.sort(key=lambda c: (-c.score, -c.free_seats, c.mentor.person_id))
    shown = scored if limit is None else scored[:limit]
    return Ranking(tuple(shown), dict(left_out))
