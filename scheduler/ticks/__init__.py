"""What is due: the scheduler's periodic ticks, one module per tick.

Each tick reads only the rows whose indexed due date has passed (so 200,000 pairs cost what
is due, not what exists), asks `conversations.pairs.followup` (and the flows) what to do,
writes the resulting messages to the outbox in the same transaction as the state change,
and moves the due date on. Ticks are idempotent (outbox keys are unique per logical
message) and safe in several processes at once (on PostgreSQL, rows another replica holds
are skipped). The ticks over pairs and check-ins are set-based (`batch.DueTick`): a batch's
rows, their people and their previous answers are read in a few statements, its new
check-ins and messages written in one multi-row INSERT each; a row that fails on its own
is set aside for `RETRY_AFTER` without losing the rest of its batch.

    first_meeting       reminders while the first meeting is not logged (mentor, both, staff)
    meeting             a proposed first meeting: the reminder the day before, the question after
    monthly_round       the mentor's monthly check-in, postponed over their holidays
    checkin_reminders   the check-in's one reminder, then the staff escalation
    pulses              the youth's monthly pulse
    at_risk             staff alerted once per silence
    cases               an open case nobody took for 2 working days, raised again once
    unpaired            the weekly digest of eligible youths waiting for a mentor
    retention           erasing data past the retention the privacy notice promises
    runner              `Ticks`: all of them, in order; batch: what they share

Staff alerts go through `conversations.pairs.alerts`, the one way to the staff channel.
"""

from scheduler.ticks.batch import BATCH
from scheduler.ticks.retention import expired_youths
from scheduler.ticks.runner import TickReport, Ticks
from scheduler.ticks.unpaired import unpaired_query

__all__ = ["BATCH", "TickReport", "Ticks", "expired_youths", "unpaired_query"]
