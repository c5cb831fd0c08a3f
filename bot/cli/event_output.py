"""What `mentorbot event` prints: an event's time, problems in words, the report; CSV cells
a spreadsheet will not run as formulas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from bot.cli.common import console, safe
from bot.container import Services
from conversations.core.messages import Channel
from conversations.core.spreadsheet import safe_cell
from conversations.staff.announcement_template import TemplateProblem
from conversations.staff.event_report import EventReport
from conversations.staff.events import EventError
from storage.models import DeliveryStatus, Event

__all__ = ["csv_cell", "errors_text", "print_report", "problems_text", "when"]


def csv_cell(value: Any) -> str:
    """A CSV cell as text, a leading formula character neutralised (`'=1+1`): the product's
    one rule, `conversations.core.spreadsheet.safe_cell`."""
    return safe_cell(value)


def when(event: Event) -> str:
    """The event's start and end in the time zone it was given in."""
    zone = ZoneInfo(event.zone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({safe(event.zone)})"


def _text(services: Services, key: str, context: dict[str, Any] | None = None) -> str:
    return services.renderer.text(key, "en", Channel.CONSOLE, context or {})


def errors_text(services: Services, errors: Iterable[EventError]) -> str:
    """Each problem of an event on a line: the field and what to do."""
    return "\n".join(f"{error.field}: {_text(services, error.key)}" for error in errors)


def problems_text(
    services: Services, codes: Iterable[str], templates: Iterable[TemplateProblem]
) -> str:
    """An announcement's problems, one a line (template problems with their line)."""
    lines = [_text(services, "events.staff.error_" + code) for code in codes]
    lines += [
        _text(
            services,
            "events.staff.template_" + problem.code,
            {"locale": problem.locale, "line": problem.line, "detail": problem.detail},
        )
        for problem in templates
    ]
    return "\n".join(lines)


REPORT_ROWS = (
    ("sent", (DeliveryStatus.SENT,)),
    ("pending", (DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
    ("failed, retrying", (DeliveryStatus.FAILED,)),
    ("in doubt", (DeliveryStatus.IN_DOUBT,)),
    ("unreachable", (DeliveryStatus.UNDELIVERABLE,)),
    ("cancelled at 'not after'", (DeliveryStatus.CANCELLED,)),
)


def print_report(found: EventReport) -> None:
    event = found.event
    console.print(f"Event {event.id}: {safe(event.title)}, {when(event)}, {event.state}")
    for part in found.announcements:
        announcement = part.announcement
        table = Table(title=f"Announcement {announcement.id} ({announcement.status})")
        table.add_column("recipients")
        table.add_column("count", justify="right")
        table.add_row("written to the outbox", str(part.recipients))
        for label, statuses in REPORT_ROWS:
            table.add_row(label, str(sum(part.counts.get(s, 0) for s in statuses)))
        for reason, count in sorted(announcement.excluded.items()):
            table.add_row(f"excluded: {reason.replace('_', ' ')}", str(count))
        console.print(table)
        for reason, count in part.failures:
            console.print(f"  {count} × {safe(reason, multiline=False)}")
    answers = found.answers
    console.print(
        f"Answers: {answers.get('yes', 0)} coming, {answers.get('waiting', 0)} waiting, "
        f"{answers.get('maybe', 0)} maybe, {answers.get('no', 0)} not coming; "
        f"attended: {answers.get('attended', 0)}"
    )
    if found.waiting:
        console.print(
            "Waiting list: "
            + ", ".join(f"{rank}. #{person} {safe(name)}" for rank, person, name in found.waiting)
        )
