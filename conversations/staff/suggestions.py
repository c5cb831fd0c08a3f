"""Mentor suggestions for a waiting youth, and pairing from one (issue 11).

`/mentorbot suggest <youth>` and the "Mentors for #12" buttons of the weekly unpaired
digest (`sg`) list the best mentors available for that youth, each with why and a "Pair"
button (`pm`: youth and mentor ids). A pair's "Change mentor" button (`pq`) lists mentors
for its youth but the current one; their "Pair" buttons carry `r<pairing id>`, and pressing
one replaces the pair (`pair_actions.repair_pair`).

"Pair" checks everything again when pressed: a second press, a mentor who has filled up or
gone on holiday since, a youth paired meanwhile get a clear answer and nothing is done
twice. Pairing itself is `pairing.pair`: both people are told through the outbox and the
follow-up starts. The engine lets only staff through (refusals audit-logged there).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from conversations.core import codec
from conversations.core.messages import Choice, Reply
from conversations.core.turn import Turn
from conversations.pairs.lifecycle import OPEN_STATUSES
from conversations.rules.matching import MatchingRules, matching_rules
from conversations.staff import pair_actions, pairing
from conversations.staff.matching import (
    Candidate,
    Exclusion,
    ReasonCode,
    YouthRefusal,
    exclusion,
    rank,
    youth_refusal,
)
from conversations.staff.people import AmbiguousPerson, FindError, find_person
from storage import candidates
from storage.candidates import MentorFacts, YouthFacts
from storage.models import Pairing, Person, Role

__all__ = [
    "REPAIR_VALUE",
    "candidate_context",
    "match_percent",
    "on_button",
    "on_suggest_command",
    "rules_of",
    "suggestion_reply",
]

logger = logging.getLogger(__name__)

KEY = "staff.suggest."
# a "Pair" button's value when it replaces a pair: `r<pairing id>`
REPAIR_VALUE = re.compile(r"r([0-9]{1,19})")
# how many mentors each exclusion count of `staff.suggest.none` stands for
_LEFT_OUT: Mapping[str, tuple[Exclusion, ...]] = {
    "full_count": (Exclusion.FULL,),
    "holiday_count": (Exclusion.ON_HOLIDAY,),
    "closed_count": (Exclusion.NOT_ACCEPTING,),
    "pending_count": (Exclusion.NOT_APPROVED,),
    "far_count": (Exclusion.OTHER_REGION,),
    "language_count": (Exclusion.NO_SHARED_LANGUAGE,),
}


def rules_of(turn: Turn) -> MatchingRules:
    """The weights suggestions use (`MENTORBOT_MATCHING_FILE`, by default the packaged
    `bot/rules/matching.toml`)."""
    return matching_rules(turn.config.matching_file)


def match_percent(candidate: Candidate, rules: MatchingRules) -> int:
    """A candidate's score as a share of the best score the weights allow."""
    best = rules.weights.best
    return round(100 * candidate.score / best) if best > 0 else 0


def candidate_context(candidate: Candidate, *, show_wait: bool = True) -> dict[str, Any]:
    """What `staff.suggest.reasons` says of a candidate: every reason's variable, given
    even when it does not count (empty), so no outer value shows through."""

    def value(code: ReasonCode) -> str | int:
        found = candidate.reason(code)
        return found.value if found is not None else ""

    remote = candidate.reason(ReasonCode.REMOTE)
    return {
        "field_words": value(ReasonCode.FIELD),
        "region": value(ReasonCode.REGION),
        "remote": remote is not None,
        "remote_from": remote.value if remote is not None else "",
        "seats_count": value(ReasonCode.CAPACITY) or 0,
        "language": value(ReasonCode.LANGUAGE),
        "waited_days": (value(ReasonCode.WAITED) or 0) if show_wait else 0,
    }


async def on_suggest_command(turn: Turn, args: str) -> None:
    """`/mentorbot suggest <youth>`: the best mentors for that youth, or why there are none."""
    reference = args.strip()
    if not reference:
        turn.say(f"{KEY}usage")
        return
    try:
        youth = await find_person(turn.session, reference, role=Role.YOUTH)
    except AmbiguousPerson as several:
        turn.say(f"{KEY}ambiguous_youth", reference=reference[:40], count=len(several.candidates))
        return
    except FindError:
        turn.say(f"{KEY}unknown_youth", reference=reference[:40])
        return
    turn.replies.append(await suggestion_reply(turn, youth.id))


async def on_button(turn: Turn, button: codec.Button) -> None:
    """`sg`: suggestions for a youth; `pq`: for a pair's youth, to replace its mentor;
    `pm`: pair (or re-pair) with the mentor chosen."""
    if button.action == "sg":
        turn.replies.append(await suggestion_reply(turn, button.id))
    elif button.action == "pq":
        found = await turn.session.get(Pairing, button.id)
        if found is None or found.status not in OPEN_STATUSES:
            turn.say(f"{KEY}pair_not_open", pairing=button.id)
            return
        turn.replies.append(await suggestion_reply(turn, found.youth_id, repair_of=found.id))
    else:
        await _pair(turn, button)


async def _name(turn: Turn, person_id: int | None) -> str:
    person = await turn.session.get(Person, person_id) if person_id is not None else None
    return (person.display_name or "") if person is not None else ""


async def _refusal_reply(turn: Turn, youth: YouthFacts, refusal: YouthRefusal) -> Reply:
    who = {"youth_id": youth.person_id, "youth": youth.name or ""}
    if refusal is YouthRefusal.ALREADY_PAIRED and youth.open_pairing_id is not None:
        change = Choice("choice.staff.change_mentor", codec.encode("pq", youth.open_pairing_id))
        return Reply(
            f"{KEY}already_paired",
            {
                **who,
                "pairing": youth.open_pairing_id,
                "mentor_id": youth.open_mentor_id,
                "mentor": await _name(turn, youth.open_mentor_id),
            },
            (change,),
            locale=turn.locale,
        )
    if refusal is YouthRefusal.NOT_ELIGIBLE:
        return Reply(
            f"{KEY}not_eligible", {**who, "decision": youth.decision or ""}, locale=turn.locale
        )
    return Reply(f"{KEY}gone", {}, locale=turn.locale)


async def suggestion_reply(turn: Turn, youth_id: int, *, repair_of: int | None = None) -> Reply:
    """The best mentors for youth `youth_id`, each with why and a "Pair" button; for a
    re-pair (`repair_of`, the youth's open pairing), all but its current mentor, and the
    buttons replace that pair. Or why there are none."""
    session = turn.session
    youth = await candidates.youth(session, youth_id, OPEN_STATUSES)
    if youth is None:
        return Reply(f"{KEY}unknown_youth", {"reference": f"#{youth_id}"}, locale=turn.locale)
    if repair_of is not None and youth.open_pairing_id != repair_of:
        return Reply(f"{KEY}pair_not_open", {"pairing": repair_of}, locale=turn.locale)
    refusal = youth_refusal(youth, repair_of=repair_of)
    if refusal is not None:
        return await _refusal_reply(turn, youth, refusal)
    rules = rules_of(turn)
    mentors = await candidates.mentors(session, OPEN_STATUSES)
    current = {youth.open_mentor_id} if repair_of is not None and youth.open_mentor_id else set()
    ranking = rank(
        youth,
        mentors,
        rules,
        now=turn.now,
        today=turn.today,
        excluded_ids=current,
        limit=rules.suggestions,
    )
    header: dict[str, Any] = {
        "youth_id": youth.person_id,
        "youth": youth.name or "",
        "pairing": repair_of,
    }
    logger.info(
        "%d mentor(s) suggested for youth %d (weights %s)",
        len(ranking.candidates),
        youth_id,
        rules.version,
    )
    if not ranking.candidates:
        counts = {
            name: sum(ranking.excluded.get(why, 0) for why in whys)
            for name, whys in _LEFT_OUT.items()
        }
        return Reply(f"{KEY}none", {**header, **counts}, locale=turn.locale)
    value = f"r{repair_of}" if repair_of is not None else ""
    listed = [
        {
            "rank": number,
            "mentor_id": c.mentor.person_id,
            "mentor": c.mentor.name or "",
            "company": c.mentor.company or "",
            "match_percent": match_percent(c, rules),
            # the wait is the youth's, said once above the list
            **candidate_context(c, show_wait=False),
        }
        for number, c in enumerate(ranking.candidates, start=1)
    ]
    choices = tuple(
        Choice(
            "choice.staff.pair_with",
            codec.encode("pm", youth.person_id, c.mentor.person_id, value=value),
            {"mentor_id": c.mentor.person_id, "mentor": c.mentor.name or ""},
        )
        for c in ranking.candidates
    )
    waited = ranking.candidates[0].reason(ReasonCode.WAITED)
    context = {
        **header,
        "youth_field": youth.field or "",
        "youth_region": youth.region or "",
        "waiting_days": waited.value if waited is not None else 0,
        "candidates": listed,
    }
    return Reply(f"{KEY}list", context, choices, locale=turn.locale)


def _say(turn: Turn, name: str, context: dict[str, Any]) -> None:
    turn.replies.append(Reply(f"{KEY}{name}", context, locale=turn.locale))


def _repair_of(value: str) -> int | None:
    found = REPAIR_VALUE.fullmatch(value)
    return codec.parse_id(found.group(1)) if found else None


async def _pair(turn: Turn, button: codec.Button) -> None:
    """ "Pair" pressed: check again, then pair (or re-pair) and say so."""
    youth_id, mentor_id = button.ids
    repair_of = _repair_of(button.value)
    if button.value and repair_of is None:
        turn.say(f"{KEY}pair_failed", youth_id=youth_id)
        return
    session = turn.session
    youth = await candidates.youth(session, youth_id, OPEN_STATUSES)
    mentor = await candidates.mentor(session, mentor_id, OPEN_STATUSES)
    if youth is None or mentor is None or youth.erased or mentor.erased:
        turn.say(f"{KEY}gone")
        return
    names: dict[str, Any] = {
        "youth_id": youth.person_id,
        "youth": youth.name or "",
        "mentor_id": mentor.person_id,
        "mentor": mentor.name or "",
    }
    if youth.open_mentor_id == mentor_id and youth.open_pairing_id != repair_of:
        # pressed twice (or paired another way meanwhile): nothing to do
        _say(turn, "already_done", {"pairing": youth.open_pairing_id, **names})
        turn.response.answered = True
        return
    if repair_of is not None and youth.open_pairing_id != repair_of:
        turn.say(f"{KEY}pair_not_open", pairing=repair_of)
        return
    refusal = youth_refusal(youth, repair_of=repair_of)
    if refusal is not None:
        turn.replies.append(await _refusal_reply(turn, youth, refusal))
        return
    if await _unavailable(turn, youth, mentor, repair_of):
        return
    staff = turn.actor.external_id
    try:
        if repair_of is None:
            made = await pairing.pair(
                session,
                youth_id=youth_id,
                mentor_id=mentor_id,
                staff=staff,
                now=turn.now,
                config=turn.config,
            )
        else:
            made = await pair_actions.repair_pair(
                session,
                pairing_id=repair_of,
                mentor_id=mentor_id,
                staff=staff,
                now=turn.now,
                config=turn.config,
            )
    except pairing.PairingError:
        logger.warning("pairing youth %d with mentor %d refused", youth_id, mentor_id)
        turn.say(f"{KEY}pair_failed", youth_id=youth_id)
        return
    if repair_of is None:
        _say(turn, "paired", {"pairing": made.id, **names})
    else:
        _say(turn, "repaired", {"pairing": made.id, "old_pairing_id": repair_of, **names})
    turn.response.answered = True


async def _unavailable(
    turn: Turn, youth: YouthFacts, mentor: MentorFacts, repair_of: int | None
) -> bool:
    """Say so and return True when `mentor` cannot take `youth` now."""
    current = (youth.open_mentor_id,) if repair_of is not None and youth.open_mentor_id else ()
    why = exclusion(youth, mentor, rules_of(turn), turn.today, excluded_ids=current)
    if why is None:
        return False
    turn.say(
        f"{KEY}mentor_unavailable",
        youth_id=youth.person_id,
        mentor_id=mentor.person_id,
        mentor=mentor.name or "",
        unavailable=str(why),
    )
    return True
