"""The `mentorbot` command line: one module per command group, put together here."""

from __future__ import annotations

import os

import typer

from bot.cli import (
    audit,
    cases,
    db,
    events,
    export,
    imports,
    mentors,
    pair_actions,
    pairs,
    people,
    purge,
    report,
    review,
    run,
    scheduler,
    status,
    suggest,
)

__all__ = ["app", "main"]

app = typer.Typer(
    help="Mentorbot: mentoring follow-up for youths (Telegram), mentors (Slack) and staff.",
    no_args_is_help=True,
    add_completion=False,
)
# `mentorbot --help` lists the commands in this order, then the groups (db, mentor, review)
run.register(app)
pairs.register(app)
suggest.register(app)
scheduler.register(app)
status.register(app)
db.register(app)
mentors.register(app)
review.register(app)
cases.register(app)
events.register(app)
report.register(app)
export.register(app)
audit.register(app)
purge.register(app)
imports.register(app)
people.register(app)  # mentorbot youths …, mentorbot mentors …
pair_actions.register(app)  # mentorbot pairs …


def main() -> None:
    """The `mentorbot` entry point."""
    # python-telegram-bot 22: durations (RetryAfter.retry_after...) as timedelta, no warning
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    app()
