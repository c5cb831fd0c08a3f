"""Pairing every waiting youth at once: the assignment of youths to mentors' free seats
that maximises the total score, a youth left unassigned when no mentor passes the filters
(or every seat that suits them is better used by someone else).

`scipy.optimize.linear_sum_assignment` solves it exactly (the assignment problem): one
row per youth, one column per free seat of each mentor (a mentor with 2 free seats is 2
identical columns), plus one "nobody" column per youth worth 0, so a youth is never forced
onto a mentor the filters rule out (those cells are forbidden, -inf). How long a youth has
waited is part of each of their scores, so when seats are scarce the longest waiting go
first. Pure: facts in, a proposal out; staff approve it before anything is paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from scipy.optimize import linear_sum_assignment

from conversations.rules.matching import MatchingRules
from conversations.staff.matching import Candidate, exclusion, score, youth_refusal
from storage.candidates import MentorFacts, YouthFacts

__all__ = ["Assignment", "Proposal", "assign", "best_assignment"]

# added to every allowed cell, so that between assigning a youth at score 0 and leaving
# them out the solver assigns; far below any weight's effect on the total
_PREFER_ASSIGNED = 1e-9


@dataclass(frozen=True)
class Proposal:
    """One pairing proposed: the youth, and the mentor with their score and reasons."""

    youth: YouthFacts
    candidate: Candidate


@dataclass(frozen=True)
class Assignment:
    """The whole cohort's proposal: pairings (in the youths' order), who is left waiting,
    and the total score."""

    proposals: tuple[Proposal, ...]
    unassigned: tuple[YouthFacts, ...]
    total: float


def best_assignment(
    scores: Sequence[Sequence[float | None]], seats: Sequence[int]
) -> list[int | None]:
    """For each row (a youth), the column (a mentor) it gets, or None; `scores[i][j]` is
    youth i with mentor j (None: not allowed) and mentor j takes at most `seats[j]`
    youths. Maximises the sum of the scores of the pairs made."""
    rows = len(scores)
    if rows == 0:
        return []
    # a mentor never needs more seats than there are youths
    slots = [j for j, free in enumerate(seats) for _ in range(min(max(free, 0), rows))]
    matrix = np.full((rows, len(slots) + rows), -np.inf)
    # the "nobody" columns: any youth may be left waiting, at no score
    matrix[:, len(slots) :] = 0.0
    for i, row in enumerate(scores):
        for column, j in enumerate(slots):
            value = row[j]
            if value is not None:
                matrix[i, column] = value + _PREFER_ASSIGNED
    chosen_rows, chosen_columns = _solve(matrix)
    result: list[int | None] = [None] * rows
    for i, column in zip(chosen_rows, chosen_columns, strict=True):
        if column < len(slots) and np.isfinite(matrix[i, column]):
            result[int(i)] = slots[int(column)]
    return result


def _solve(matrix: np.ndarray) -> tuple[list[int], list[int]]:
    chosen_rows, chosen_columns = linear_sum_assignment(matrix, maximize=True)
    return [int(i) for i in chosen_rows], [int(j) for j in chosen_columns]


def assign(
    youths: Sequence[YouthFacts],
    mentors: Sequence[MentorFacts],
    rules: MatchingRules,
    *,
    now: datetime,
    today: date,
) -> Assignment:
    """The proposal for every youth of `youths` who may be suggested mentors (the others
    are left out, unassigned), over the free seats of `mentors`."""
    waiting = [y for y in youths if youth_refusal(y) is None]
    cells: list[list[Candidate | None]] = [
        [
            score(youth, mentor, rules, now)
            if exclusion(youth, mentor, rules, today) is None
            else None
            for mentor in mentors
        ]
        for youth in waiting
    ]
    seats = [max(m.capacity - m.open_count, 0) for m in mentors]
    chosen = best_assignment(
        [[c.score if c is not None else None for c in row] for row in cells], seats
    )
    proposals: list[Proposal] = []
    unassigned: list[YouthFacts] = [y for y in youths if youth_refusal(y) is not None]
    for youth, row, j in zip(waiting, cells, chosen, strict=True):
        candidate = row[j] if j is not None else None
        if candidate is None:
            unassigned.append(youth)
        else:
            proposals.append(Proposal(youth, candidate))
    return Assignment(
        tuple(proposals),
        tuple(unassigned),
        sum(p.candidate.score for p in proposals),
    )
