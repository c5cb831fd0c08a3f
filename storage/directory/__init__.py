"""Finding youths, mentors and pairs for staff: lists with filters, a page at a time, and
search by name or email.

A listing is two queries (the page, its total); a search three (candidates by SQL, ranked
here with rapidfuzz, then their lines). What each status means:

- a youth is `paired` (an open pairing), `waiting` (eligible, no open pairing: since the
  decision or the end of their last pairing), `not_eligible`, `screening` (answering the
  questions, or sent to staff review) or `registered` (nothing decided); `eligible` as a
  filter means waiting or paired;
- a mentor's status is their profile's (`MentorStatus`), with whether they take new mentees
  and how many places they have left (capacity minus open pairings);
- an active pair's health, worst first: `silent` (no contact, first meeting nor start for
  the silence period), `at_risk` (first meeting still not logged when staff are alerted,
  the latest check-in unanswered past its escalation or answered "unreachable", or a whole
  round unanswered), `checkin_due` (the latest check-in waits for the mentor), else
  `on_track`. Other pairs have no health. The cut-off moments come from the programme's
  follow-up settings (`conversations.staff.health.cutoffs`).
"""

from __future__ import annotations

from storage.directory.lines import (
    ELIGIBLE,
    Health,
    HealthCutoffs,
    MentorFilter,
    MentorLine,
    Page,
    PairFilter,
    PairLine,
    YouthFilter,
    YouthLine,
    YouthStatus,
)
from storage.directory.lists import health_of, mentors, pairs, youths
from storage.directory.search import fold, search_mentors, search_pairs, search_youths

__all__ = [
    "ELIGIBLE",
    "Health",
    "HealthCutoffs",
    "MentorFilter",
    "MentorLine",
    "Page",
    "PairFilter",
    "PairLine",
    "YouthFilter",
    "YouthLine",
    "YouthStatus",
    "fold",
    "health_of",
    "mentors",
    "pairs",
    "search_mentors",
    "search_pairs",
    "search_youths",
    "youths",
]
