"""`/mentorbot find <text>`: the youths, mentors and pairs whose name or email matches, a
few of each, each pair with its "View" button.

What staff type is read as a name or an email: a Slack mention (`<@U123>`, what Slack sends
for "@Claire") finds that mentor; link and formatting marks are dropped; an empty text, a
very long one or one with control characters gets a kind word on how to search instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from conversations.core import codec
from conversations.core.messages import Channel, Choice, Reply
from conversations.core.turn import Turn
from conversations.pairs.followup import waiting_days
from conversations.staff.health import cutoffs
from storage import directory, people
from storage.directory import MentorFilter, MentorLine, PairLine, YouthLine

__all__ = ["MAX_QUERY", "PER_KIND", "Query", "on_find_command", "read_query"]

KEY = "staff.find."
# a name or an email is shorter than this; longer is not a search
MAX_QUERY = 100
# at most this many of each kind (youths, mentors, pairs) in one answer
PER_KIND = 4
MAX_PAIRS = 10
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Slack's special mentions and channel links (`<!channel>`, `<!here>`, `<#C123|general>`)
# name nobody: dropped whole
_SPECIAL = re.compile(r"<[!#][^>]*>")
# Slack's link and formatting marks: `<http://x|label>`, *bold*, _italic_, ~strike~, `code`
_MARKS = re.compile(r"[<>*_~`|\[\]{}]")


@dataclass(frozen=True)
class Query:
    """What to look for, or why there is nothing to look for (`refusal`: a template key)."""

    text: str = ""
    slack_user: str | None = None
    refusal: str | None = None


def read_query(typed: str) -> Query:
    """The search in what staff typed after `find`."""
    text = typed.strip()
    if not text:
        return Query(refusal=f"{KEY}usage")
    if len(text) > MAX_QUERY:
        return Query(refusal=f"{KEY}too_long")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in text if c != " "):
        return Query(refusal=f"{KEY}unreadable")
    mention = _MENTION.fullmatch(text)
    if mention:
        return Query(text=text, slack_user=mention.group(1))
    words = " ".join(_MARKS.sub(" ", _SPECIAL.sub(" ", text)).split())
    if not any(c.isalnum() for c in words):
        return Query(refusal=f"{KEY}no_words")
    return Query(text=words)


async def on_find_command(turn: Turn, args: str) -> None:
    """Answer `/mentorbot find <text>` with what matches, or how to search."""
    query = read_query(args)
    if query.refusal is not None:
        turn.response.replies.append(Reply(query.refusal, {"limit": MAX_QUERY}, locale=turn.locale))
        return
    session = turn.session
    health = cutoffs(turn.now, turn.config.nudges)
    if query.slack_user is not None:
        youths: tuple[YouthLine, ...] = ()
        youths_count = 0
        mentors = await _mentor_by_slack(turn, query.slack_user)
        mentors_count = len(mentors)
        ids = tuple(m.person_id for m in mentors)
        found = await directory.pairs(
            session, directory.PairFilter(person_ids=ids), health, limit=MAX_PAIRS
        )
        pairs, pairs_count = found.items, found.total
    else:
        young = await directory.search_youths(session, query.text, limit=PER_KIND)
        senior = await directory.search_mentors(session, query.text, limit=PER_KIND)
        linked = await directory.search_pairs(session, query.text, health, limit=MAX_PAIRS)
        youths, youths_count = young.items, young.total
        mentors, mentors_count = senior.items, senior.total
        pairs, pairs_count = linked.items, linked.total
    shown = query.slack_user or query.text
    if not (youths or mentors or pairs):
        turn.response.replies.append(Reply(f"{KEY}nothing", {"query": shown}, locale=turn.locale))
        return
    turn.response.replies.append(
        Reply(
            f"{KEY}results",
            {
                "query": shown,
                "found_youths": [_youth(line, turn) for line in youths],
                "found_mentors": [_mentor(line) for line in mentors],
                "found_pairs": [_pair(line) for line in pairs],
                "youths_count": youths_count,
                "mentors_count": mentors_count,
                "pairs_count": pairs_count,
            },
            choices=tuple(
                Choice(
                    f"{KEY}view_pair",
                    codec.encode("sp", line.pairing_id),
                    {"pairing": line.pairing_id},
                )
                for line in pairs
            ),
            columns=5,
            locale=turn.locale,
        )
    )


async def _mentor_by_slack(turn: Turn, slack_user: str) -> tuple[MentorLine, ...]:
    person = await people.find_by_identity(turn.session, Channel.SLACK, slack_user)
    if person is None:
        return ()
    page = await directory.mentors(turn.session, MentorFilter(person_ids=(person.id,)), limit=1)
    return page.items


def _youth(line: YouthLine, turn: Turn) -> dict[str, Any]:
    waited = waiting_days(line.waiting_since, turn.now) if line.waiting_since else None
    return {
        "person": line.person_id,
        "name": line.name,
        "status": line.status.value,
        "region": line.region or "",
        "waiting_days": waited,
    }


def _mentor(line: MentorLine) -> dict[str, Any]:
    return {
        "person": line.person_id,
        "name": line.name,
        "status": line.status,
        "accepting": line.accepting,
        "room": line.room,
        "company": line.company or "",
    }


def _pair(line: PairLine) -> dict[str, Any]:
    return {
        "pairing": line.pairing_id,
        "mentee": line.youth_name,
        "mentor": line.mentor_name,
        "status": line.status,
        "health": line.health.value if line.health is not None else "",
    }
