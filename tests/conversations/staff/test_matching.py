"""Ranking mentors for a youth on small hand-made cases: the filters never give way, the
weights order what is left, and every score comes with its reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from conversations.rules.matching import MatchingFilters, MatchingRules, MatchingWeights
from conversations.staff.matching import (
    Exclusion,
    ReasonCode,
    YouthRefusal,
    exclusion,
    field_match,
    fold,
    rank,
    score,
    youth_refusal,
)
from storage.candidates import MentorFacts, YouthFacts

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 2)
RULES = MatchingRules(version="test")


def youth(**changes: object) -> YouthFacts:
    base = YouthFacts(
        person_id=1,
        name="Inès",
        locale="fr",
        region="idf",
        field="Développement web",
        decision="eligible",
        waiting_since=NOW - timedelta(days=15),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def mentor(person_id: int, **changes: object) -> MentorFacts:
    base = MentorFacts(
        person_id=person_id,
        name=f"M{person_id}",
        locale="fr",
        region="idf",
        company="ACME",
        sector="Banque",
        expertise=None,
        languages=(),
        remote=True,
        accepting=True,
        status="active",
        capacity=2,
        open_count=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def codes(found: object) -> list[str]:
    return [str(r.code) for r in getattr(found, "reasons", ())]


def test_words_are_folded_and_fields_matched_by_tokens() -> None:
    assert fold("  Ressources Humaines, RH ") == "ressources humaines rh"
    assert fold("Gestion de projet") == "gestion projet"
    assert fold("DÉVELOPPEMENT Web") == "developpement web"
    # the mentor's own term is given back, as they typed it
    web = mentor(2, sector="Informatique", expertise="Développement, data ; RH")
    assert field_match("développement WEB", web) == ("Développement", 100.0)
    assert field_match("Marketing digital", mentor(3, expertise="digital marketing")) == (
        "digital marketing",
        100.0,
    )
    found = field_match("ressources humaines", web)
    assert found is not None
    assert found[1] < RULES.field_similarity_minimum
    assert field_match(None, web) is None
    assert field_match("web", mentor(4, sector=None, expertise=" , - ")) is None


def test_a_better_field_beats_the_same_region() -> None:
    wanted = youth()
    near = mentor(2, region="ara", sector="IT", expertise="développement web, cloud")
    local = mentor(3, region="IDF", sector="Banque")
    ranking = rank(wanted, [local, near], RULES, now=NOW, today=TODAY)
    assert [c.mentor.person_id for c in ranking.candidates] == [2, 3]
    first, second = ranking.candidates
    assert codes(first) == ["field", "remote", "capacity", "language", "waited"]
    assert codes(second) == ["region", "capacity", "language", "waited"]
    field = first.reason(ReasonCode.FIELD)
    assert field is not None
    assert (field.value, field.points) == ("développement web", 4.0)
    remote = first.reason(ReasonCode.REMOTE)
    assert remote is not None
    assert (remote.value, remote.points) == ("ara", 1.5)
    # 2 seats of 2 free: the whole capacity weight; 15 days of 30: half the waiting weight
    assert first.score == pytest.approx(4.0 + 1.5 + 1.0 + 2.0 + 1.0)
    assert second.score == pytest.approx(3.0 + 1.0 + 2.0 + 1.0)
    assert ranking.excluded == {}


def test_region_names_and_codes_are_the_same_region() -> None:
    found = score(youth(region="IDF"), mentor(2, region="Île-de-France"), RULES, NOW)
    region = found.reason(ReasonCode.REGION)
    assert region is not None
    assert region.value == "idf"


def test_capacity_left_language_and_waiting_are_weighed() -> None:
    roomy = mentor(2, capacity=4, open_count=1)
    found = score(youth(waiting_since=NOW - timedelta(days=90)), roomy, RULES, NOW)
    capacity = found.reason(ReasonCode.CAPACITY)
    assert capacity is not None
    assert (capacity.value, capacity.points) == (3, 0.75)
    waited = found.reason(ReasonCode.WAITED)
    assert waited is not None
    # past waiting_full_days the wait counts at its full weight, no more
    assert (waited.value, waited.points) == (90, 2.0)
    # a mentor who named languages is matched on them; one who named none, on their own
    english = youth(locale="en", waiting_since=None)
    assert codes(score(english, mentor(3, languages=("fr", "EN")), RULES, NOW))[-1] == "language"
    assert "language" not in codes(score(english, mentor(4), RULES, NOW))
    assert "waited" not in codes(score(english, mentor(4), RULES, NOW))


def test_ties_go_to_the_most_free_seats_then_the_lowest_id() -> None:
    weights = MatchingWeights(field=0, region=0, remote=0, capacity=0, language=0, waiting=0)
    flat = replace(RULES, weights=weights)
    mentors = [mentor(5), mentor(3), mentor(4, capacity=5, open_count=1)]
    ranking = rank(youth(), mentors, flat, now=NOW, today=TODAY, limit=2)
    assert [c.mentor.person_id for c in ranking.candidates] == [4, 3]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"person_id": 1}, Exclusion.SAME_PERSON),
        ({"erased": True}, Exclusion.ERASED),
        ({"status": "pending"}, Exclusion.NOT_APPROVED),
        ({"status": "declined"}, Exclusion.NOT_APPROVED),
        ({"accepting": False}, Exclusion.NOT_ACCEPTING),
        ({"paused_until": TODAY + timedelta(days=1)}, Exclusion.ON_HOLIDAY),
        ({"open_count": 2}, Exclusion.FULL),
        ({"capacity": 1, "open_count": 3}, Exclusion.FULL),
    ],
)
def test_the_fixed_filters_never_give_way(changes: dict[str, object], why: Exclusion) -> None:
    # the best mentor there could be, but for one thing
    best = replace(mentor(2, sector="Développement web"), **changes)  # type: ignore[arg-type]
    assert exclusion(youth(), best, RULES, TODAY) is why
    ranking = rank(youth(), [best, mentor(3)], RULES, now=NOW, today=TODAY)
    assert [c.mentor.person_id for c in ranking.candidates] == [3]
    assert ranking.excluded == {why: 1}


def test_holidays_ending_today_and_the_current_mentor() -> None:
    back = mentor(2, paused_until=TODAY)
    assert exclusion(youth(), back, RULES, TODAY) is None
    assert exclusion(youth(), back, RULES, TODAY, excluded_ids={2}) is Exclusion.CURRENT_MENTOR


def test_the_strict_rules_staff_may_add() -> None:
    far = mentor(2, region="ara", remote=False)
    foreign = mentor(3, languages=("en",))
    assert exclusion(youth(), far, RULES, TODAY) is None
    assert exclusion(youth(), foreign, RULES, TODAY) is None
    strict = replace(RULES, filters=MatchingFilters(region_or_remote=True, shared_language=True))
    assert exclusion(youth(), far, strict, TODAY) is Exclusion.OTHER_REGION
    assert exclusion(youth(), foreign, strict, TODAY) is Exclusion.NO_SHARED_LANGUAGE
    # a mentor far away who does not mentor remotely scores no region at all
    assert "remote" not in codes(score(youth(), far, RULES, NOW))
    assert "region" not in codes(score(youth(), far, RULES, NOW))


def test_youths_who_get_no_suggestions() -> None:
    assert youth_refusal(youth()) is None
    assert youth_refusal(youth(decision="review")) is YouthRefusal.NOT_ELIGIBLE
    assert youth_refusal(youth(decision=None)) is YouthRefusal.NOT_ELIGIBLE
    assert youth_refusal(youth(erased=True)) is YouthRefusal.ERASED
    paired = youth(open_pairing_id=9, open_mentor_id=2)
    assert youth_refusal(paired) is YouthRefusal.ALREADY_PAIRED
    # re-pairing: the pair being replaced is the one open pairing allowed
    assert youth_refusal(paired, repair_of=9) is None
    assert youth_refusal(paired, repair_of=8) is YouthRefusal.ALREADY_PAIRED
