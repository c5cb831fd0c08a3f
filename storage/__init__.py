"""The data layer: tables, the engine and sessions, and repository functions.

Other packages use these modules and nothing else from here:

- `database`: engine, sessions, schema upgrades, `DatabaseUnavailable`;
- `models`: the tables and the fixed lists their columns take;
- `people`, `applications`, `mentoring`, `outbox`, `audit`, `privacy`: repository functions,
  each taking the caller's session (the caller commits, once per handled event or job run).

`migrations/` belongs to Alembic and is run through `database.upgrade`.
"""

from __future__ import annotations

from storage import applications, audit, database, mentoring, models, outbox, people, privacy

__all__ = [
    "applications",
    "audit",
    "database",
    "mentoring",
    "models",
    "outbox",
    "people",
    "privacy",
]
