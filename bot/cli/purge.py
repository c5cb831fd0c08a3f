"""`mentorbot purge`: remove now what the retention periods say is no longer kept (what
the daily purge removes), listing exactly what goes; with `--dry-run`, only the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, run_with_services, safe
from bot.container import Services
from conversations.core.programme import RetentionPolicy
from scheduler.ticks import retention
from storage import retention as kept
from storage.retention import Found

__all__ = ["KINDS", "register"]

# each kind: its line in the table, its period, and whether its ids are people's or cases'
# (the outbox rows, requests and audit entries are counted: their ids tell staff nothing)
KINDS: tuple[tuple[str, str, Callable[[RetentionPolicy], int], str | None], ...] = (
    ("unfinished", "Registrations left unfinished", lambda p: p.unfinished_days, "youth"),
    ("refused", "Refused applications", lambda p: p.refused_days, "youth"),
    ("closed", "Mentorings closed (since the last contact)", lambda p: p.closed_days, "youth"),
    ("cases", "Texts of resolved cases", lambda p: p.cases_days, "case"),
    ("case_messages", "Messages in those cases' threads", lambda p: p.cases_days, None),
    ("requests", "Requests to the team (their message)", lambda p: p.cases_days, None),
    ("audit", "Audit entries", lambda p: p.audit_days, None),
)
_BY = "Your Slack user id or name, for the audit log."


def register(app: typer.Typer) -> None:
    app.command("purge")(purge)


def _ids(ids: list[int], kind: str | None) -> str:
    if kind is None or not ids:
        return ""
    prefix = "case #" if kind == "case" else "#"
    return safe(" ".join(f"{prefix}{i}" for i in ids))


def _table(found: Found, policy: RetentionPolicy, title: str) -> Table:
    table = Table(title=title)
    for column in ("what", "kept for", "count", "ids"):
        table.add_column(column, overflow="fold")
    for name, label, period, kind in KINDS:
        ids: list[int] = getattr(found, name)
        table.add_row(label, f"{period(policy)} days", str(len(ids)), _ids(ids, kind))
    return table


def purge(
    by: Annotated[str, typer.Option("--by", help=_BY)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would go, change nothing.")
    ] = False,
) -> None:
    """Remove what the retention periods say is no longer kept, and list it.

    Youths (by id) are erased as /delete does; resolved cases and requests lose what people
    wrote; old audit entries are deleted. The daily purge does the same on its own.
    """
    staff = by.strip()
    if not staff or len(staff) > 100:
        fail("--by takes your Slack user id or name (at most 100 characters).", 2)

    async def work(services: Services) -> None:
        now = services.clock.now()
        policy = services.config.retention
        async with services.sessions() as session:
            found = await kept.find(session, retention.cutoffs(now, policy))
        if dry_run:
            console.print(_table(found, policy, f"Would go now ({found.total()})"))
            console.print("Dry run: nothing was changed. Without --dry-run, this goes.")
            return
        removed = await retention.purge(
            services.sessions, now, services.config, actor=f"staff:{staff}", among=found
        )
        console.print(_table(removed, policy, f"Removed ({removed.total()})"))

    run_with_services(work)
