"""The whole cohort's assignment: optimal under the mentors' capacities (checked against
every possible assignment on small random cases), and never a youth on a mentor the
filters rule out."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from conversations.staff.assignment import assign, best_assignment
from tests.conversations.staff.test_matching import NOW, RULES, TODAY, mentor, youth


def brute_force(scores: Sequence[Sequence[float | None]], seats: Sequence[int]) -> float:
    """The best total over every assignment (None: that youth waits)."""
    best = 0.0
    columns = range(len(seats))
    for choice in itertools.product([None, *columns], repeat=len(scores)):
        used = Counter(j for j in choice if j is not None)
        if any(used[j] > seats[j] for j in used):
            continue
        if any(j is not None and scores[i][j] is None for i, j in enumerate(choice)):
            continue
        best = max(best, sum(scores[i][j] or 0.0 for i, j in enumerate(choice) if j is not None))
    return best


def total(scores: Sequence[Sequence[float | None]], chosen: Sequence[int | None]) -> float:
    return sum(scores[i][j] or 0.0 for i, j in enumerate(chosen) if j is not None)


@pytest.mark.parametrize("seed", range(200))
def test_the_assignment_is_optimal_on_small_random_cases(seed: int) -> None:
    chance = random.Random(seed)
    youths, mentors = chance.randint(0, 5), chance.randint(0, 3)
    scores: list[list[float | None]] = [
        [None if chance.random() < 0.3 else round(chance.uniform(0, 10), 2) for _ in range(mentors)]
        for _ in range(youths)
    ]
    seats = [chance.randint(0, 2) for _ in range(mentors)]
    chosen = best_assignment(scores, seats)
    assert len(chosen) == youths
    used = Counter(j for j in chosen if j is not None)
    assert all(used[j] <= seats[j] for j in used)
    assert all(j is None or scores[i][j] is not None for i, j in enumerate(chosen))
    assert total(scores, chosen) == pytest.approx(brute_force(scores, seats), abs=1e-6)


def test_an_allowed_pair_worth_nothing_is_still_made() -> None:
    assert best_assignment([[0.0], [None]], [1]) == [0, None]
    assert best_assignment([], [3]) == []
    assert best_assignment([[1.0, 2.0]], []) == [None]


def test_the_longest_waiting_youth_gets_the_last_seat() -> None:
    newcomer = youth(person_id=1, waiting_since=NOW - timedelta(days=1))
    patient = youth(person_id=2, waiting_since=NOW - timedelta(days=40))
    one_seat = mentor(10, capacity=1)
    found = assign([newcomer, patient], [one_seat], RULES, now=NOW, today=TODAY)
    assert [(p.youth.person_id, p.candidate.mentor.person_id) for p in found.proposals] == [(2, 10)]
    assert [y.person_id for y in found.unassigned] == [1]
    assert found.total == pytest.approx(found.proposals[0].candidate.score)


def test_capacities_are_shared_out_for_the_best_total() -> None:
    web = youth(person_id=1, field="développement web")
    bank = youth(person_id=2, field="banque")
    also_web = youth(person_id=3, field="développement web", region="ara")
    developer = mentor(10, sector="Développement web", capacity=2, open_count=1)
    banker = mentor(11, sector="Banque", capacity=3, open_count=1)
    found = assign([web, bank, also_web], [developer, banker], RULES, now=NOW, today=TODAY)
    pairs = {p.youth.person_id: p.candidate.mentor.person_id for p in found.proposals}
    # the developer has one seat left: it goes where the field and the region both count
    assert pairs == {1: 10, 2: 11, 3: 11}
    assert found.unassigned == ()


def test_youths_and_mentors_the_filters_rule_out() -> None:
    waiting = youth(person_id=1)
    not_eligible = youth(person_id=2, decision="review")
    paired = youth(person_id=3, open_pairing_id=7, open_mentor_id=11)
    on_holiday = mentor(10, paused_until=TODAY + timedelta(days=3))
    full = mentor(11, capacity=1, open_count=1)
    found = assign([waiting, not_eligible, paired], [on_holiday, full], RULES, now=NOW, today=TODAY)
    assert found.proposals == ()
    assert sorted(y.person_id for y in found.unassigned) == [1, 2, 3]
    assert found.total == 0
    # once back from holiday, that mentor takes the eligible youth only
    back = replace(on_holiday, paused_until=None)
    found = assign([waiting, not_eligible, paired], [back, full], RULES, now=NOW, today=TODAY)
    assert [(p.youth.person_id, p.candidate.mentor.person_id) for p in found.proposals] == [(1, 10)]
