"""The scheduler: a few periodic ticks over indexed due dates, and the outbox dispatcher.

Nothing runs at import; `bot` builds and starts these. Other packages use these modules
and, in them, the names listed:

- `service`: `Scheduler`, the APScheduler (3.x, in memory) jobs running the ticks and the
  dispatch periodically, never one job per pair;
- `ticks`: `Ticks` (every tick once per run, a `TickReport` of counts), and the queries
  `unpaired_query` and `expired_youths`; one module per tick inside, their follow-up
  decisions in `conversations.pairs.followup`;
- `dispatcher`: `Dispatcher`, `DispatchPolicy`, `DispatchReport`, claiming due outbox rows
  and sending them through a platform sender inside the sending hours;
- `pacing`: `Pacer`, the per-platform and per-recipient rate limits;
- `leadership`: `Leadership`, `AdvisoryLocks`, `SoleLeader`, `for_database`: which replica
  dispatches each platform (a PostgreSQL advisory lock per platform; on SQLite always this
  one);
- `status`: `gather` and `Status`, what `mentorbot status` shows.
"""

from __future__ import annotations

from scheduler import dispatcher, leadership, pacing, service, status, ticks

__all__ = ["dispatcher", "leadership", "pacing", "service", "status", "ticks"]
