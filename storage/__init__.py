"""The data layer: tables, the engine and sessions, and repository functions.

Other packages use these modules and nothing else from here:

- `database`: engine, sessions, schema upgrades, `DatabaseUnavailable`;
- `models`: the tables and the fixed lists their columns take;
- `people`, `applications`, `mentoring`, `pairings`, `checkins`, `support`, `outbox`, `audit`,
  `privacy`: repository functions, each taking the caller's session (the caller commits,
  once per handled event or job run). Flows call these and build no query themselves (a
  test in `tests/storage/test_no_queries_in_flows.py` checks it).

`migrations/` belongs to Alembic and is run through `database.upgrade`.
"""

from __future__ import annotations

from storage import (
    applications,
    audit,
    checkins,
    database,
    mentoring,
    models,
    outbox,
    pairings,
    people,
    privacy,
    support,
)

__all__ = [
    "applications",
    "audit",
    "checkins",
    "database",
    "mentoring",
    "models",
    "outbox",
    "pairings",
    "people",
    "privacy",
    "support",
]
