"""How staff judge a pair's health: the cut-off moments, from the follow-up settings.

The rules themselves are in `storage.directory` (as SQL, so that lists filter and sort by
health a page at a time); the durations are the ones the follow-up already acts on
(`conversations.pairs.followup`): silent after the silence period, at risk once the first
meeting is overdue to the point staff are alerted or a check-in passed its escalation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.core.programme import NudgePolicy
from conversations.pairs import followup
from storage.directory import Health, HealthCutoffs

__all__ = ["HEALTHS", "cutoffs"]

# worst first, as lists show them
HEALTHS: tuple[Health, ...] = (
    Health.SILENT,
    Health.AT_RISK,
    Health.CHECKIN_DUE,
    Health.ON_TRACK,
)


def cutoffs(now: datetime, nudges: NudgePolicy) -> HealthCutoffs:
    """The moments a pair's dates are compared with at `now`."""
    _mentor, _both, staff_days = followup.first_meeting_days(nudges)
    return HealthCutoffs(
        now=now,
        # exactly the silence period after the last sign of life counts as silent
        silent_before=now - timedelta(days=nudges.silence_days),
        first_meeting_before=now - timedelta(days=staff_days),
        escalated_before=now - timedelta(days=nudges.checkin_escalation_days),
    )
