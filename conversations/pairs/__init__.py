"""What the youth's and the mentor's sides of a pair share, below the role packages.

    access      who the mentor is, which pairs are theirs (the one gate), pair summaries
    agreement   whether the two sides agree they are in touch (a disagreement alerts staff)
    alerts      `alert_staff`: the one way anything reaches the staff channel
    followup    pure follow-up decisions (first meeting, silence, holidays, retention)
    lifecycle   the pairing state machine and the due dates it arms
    outcomes    the kinds of outcome and contract
    periods     monthly periods and due dates in the programme's time zone

The roles (`youth`, `mentor`, `staff`) import these; nothing here imports a role.
"""

from conversations.pairs import (
    access,
    agreement,
    alerts,
    followup,
    lifecycle,
    outcomes,
    periods,
)
from conversations.pairs.alerts import alert_staff

__all__ = [
    "access",
    "agreement",
    "alert_staff",
    "alerts",
    "followup",
    "lifecycle",
    "outcomes",
    "periods",
]
