"""`/mentorbot report [YYYY-MM] [region]`: the programme's figures of a month (by default
the last full one), in the staff member's messages, and its charts posted as files in the
staff channel. The monthly report the scheduler posts (`scheduler.ticks.monthly_report`)
queues the same figures and charts with `queue_report`.

Bad input is said plainly: a month that is not one (`2026-13`), a region code that does
not exist, a month with nothing in it ("nothing that month", no empty charts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Labels
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import Turn
from conversations.pairs import alerts
from conversations.rules.regions import REGIONS
from conversations.staff import charts
from conversations.staff.figures import (
    ProgrammeFigures,
    context_of,
    last_full_month,
    parse_month,
    programme_figures,
    region_code,
)
from storage import outbox, relay_files

__all__ = ["ReportRequest", "on_report_command", "parse_request", "queue_report", "report_context"]

# what looks like a month someone meant to type ("2026-13", "2026-1")
_MONTHLIKE = frozenset("0123456789-")


@dataclass(frozen=True)
class ReportRequest:
    """What `/mentorbot report` asked for, or what was wrong with it (`error` is a
    template key, `typed` the word it is about)."""

    month: str
    region: str | None = None
    error: str | None = None
    typed: str = ""


def parse_request(args: str, default_month: str) -> ReportRequest:
    """The month ("YYYY-MM", `default_month` when none is given) and region code in
    `args`, in either order."""
    month, region = default_month, None
    for word in args.split():
        if set(word) <= _MONTHLIKE and any(c.isdigit() for c in word):
            found = parse_month(word)
            if found is None:
                return ReportRequest(default_month, error="staff.report.bad_month", typed=word)
            month = found
            continue
        code = region_code(word)
        if code is None or region is not None:
            return ReportRequest(default_month, error="staff.report.unknown_region", typed=word)
        region = code
    return ReportRequest(month, region)


def report_context(found: ProgrammeFigures, config: ProgrammeConfig) -> dict[str, Any]:
    """The summary template's variables."""
    return {**context_of(found), "silence_days": config.nudges.silence_days}


async def queue_report(
    session: AsyncSession,
    found: ProgrammeFigures,
    drawn: list[charts.Chart],
    *,
    key: str,
    now: datetime,
    config: ProgrammeConfig,
    live: bool,
) -> int:
    """Queue the charts for the staff channel, one file each (`key:<chart>` in the outbox;
    the file is kept until it is posted); returns how many were queued. `live`: posted at
    once (a staff member asked), else within the sending hours."""
    queued = 0
    # the charts go out in `CHART_NAMES` order, the first one saying what follows (the
    # order key fits the outbox's 64 characters whatever the request's key)
    order_key = "charts:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    for index, chart in enumerate(drawn):
        chart_key = f"{key}:{chart.name}"
        if await outbox.is_queued(session, chart_key):
            continue
        attachment = chart.attachment(found.month)
        file_id = await relay_files.store(
            session,
            filename=attachment.filename,
            mime_type=attachment.mime_type,
            content=attachment.content,
            now=now,
        )
        context: dict[str, Any] = {
            "period": found.month,
            "region": found.region or "",
            "first": index == 0,
            "file": file_id,
        }
        if live:
            context["live"] = True
        if await alerts.digest_to_staff(
            session,
            key=chart_key,
            template="staff.report.chart_post",
            context=context,
            now=now,
            config=config,
            order_key=order_key,
        ):
            queued += 1
        else:  # pragma: no cover - checked just above, in the same transaction
            await relay_files.drop(session, file_id)
    return queued


async def on_report_command(turn: Turn, args: str) -> None:
    """Say the month's figures; post its charts in the staff channel."""
    config = turn.config
    example = last_full_month(turn.now, config.zone)
    request = parse_request(args, example)
    if request.error is not None:
        turn.say(
            request.error,
            typed=request.typed,
            example_month=example,
            codes=", ".join(REGIONS),
        )
        return
    found = await programme_figures(
        turn.session, month=request.month, region=request.region, now=turn.now, config=config
    )
    if not found.current.has_data:
        turn.say(
            "staff.report.nothing",
            period=request.month,
            region=request.region or "",
            example_month=example,
        )
        return
    turn.say("staff.report.summary", **report_context(found, config))
    labels: Labels | None = turn.labels
    if labels is None:
        return
    drawn = charts.charts(found, labels, config.default_locale)
    request_id = turn.incoming.event_id or turn.now.isoformat()
    key = f"report:{found.month}:{found.region or 'all'}:asked:{request_id}"
    if drawn and await queue_report(
        turn.session, found, drawn, key=key, now=turn.now, config=config, live=True
    ):
        turn.say("staff.report.charts_posted")
