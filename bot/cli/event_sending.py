"""`mentorbot event announce | preview | send | pause | resume`: an announcement written,
checked, sent (with a progress bar when it goes now), paused and resumed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli.common import console, fail, run_with_services, safe
from bot.cli.event_output import problems_text
from bot.cli.sending import close, senders
from bot.container import Services, dispatcher
from bot.i18n import to_plain
from conversations.core.messages import Channel
from conversations.staff import announcements
from scheduler.ticks.announcements import due_announcements
from scheduler.ticks.batch import run_batches
from storage import events
from storage.events import Audience
from storage.models import DeliveryStatus, Role

__all__ = ["register"]

BY = "Your Slack user id or name, for the audit log."


def register(group: typer.Typer) -> None:
    group.command("announce")(announce)
    group.command("preview")(preview)
    group.command("send")(send)
    group.command("pause")(pause)
    group.command("resume")(resume)


def _template(value: str | None) -> str | None:
    """A template given as a file path, or as the text itself."""
    if value is None:
        return None
    path = Path(value)
    try:
        if len(value) < 4096 and path.is_file():
            return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"Cannot read {value}: {error}", 2)
    return value


def announce(
    event_id: Annotated[int, typer.Argument(help="Event id.")],
    youths: Annotated[bool, typer.Option("--youths", help="Youths (Telegram).")] = False,
    mentors: Annotated[bool, typer.Option("--mentors", help="Mentors (Slack).")] = False,
    region: Annotated[list[str] | None, typer.Option(help="A region code (idf, reu...).")] = None,
    keyword: Annotated[
        list[str] | None, typer.Option(help="A word of the youth's field or mentor's sector.")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Youths 'waiting' for a mentor, or 'paired'.")
    ] = None,
    eligibility: Annotated[
        list[str] | None, typer.Option(help="eligible, review or not_eligible.")
    ] = None,
    fr: Annotated[
        str | None, typer.Option("--fr", help="French template (a file or text).")
    ] = None,
    en: Annotated[
        str | None, typer.Option("--en", help="English template (a file or text).")
    ] = None,
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Write an announcement of an event for an audience (filters compose); then preview it.

    Templates are Jinja2 with: title, kind, date, start, end, when, place, link,
    description, capacity, first_name.
    """
    roles = tuple(role for role, wanted in ((Role.YOUTH, youths), (Role.MENTOR, mentors)) if wanted)
    audience = Audience(
        roles=roles,
        regions=tuple(r.strip().lower() for r in region or ()),
        keywords=tuple(k.strip() for k in keyword or () if k.strip()),
        youth_status=status,
        eligibility=tuple(eligibility or ()),
    )

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                made = await announcements.create_announcement(
                    session,
                    event_id=event_id,
                    audience=audience,
                    template_fr=_template(fr),
                    template_en=_template(en),
                    author=by,
                    now=services.clock.now(),
                    zone=services.config.zone,
                )
        except LookupError:
            fail(f"No event {event_id}.", 1)
        except announcements.AnnouncementProblems as refused:
            fail(problems_text(services, refused.codes, refused.templates), 1)
        console.print(f"Announcement {made.id} written (draft).")
        await _show_preview(services, made.id)
        console.print(f"Send it: mentorbot event send {made.id} [--at TIME] [--not-after TIME]")

    run_with_services(work)


def _rates(services: Services) -> dict[str, float]:
    settings = services.settings
    return {
        "telegram": settings.telegram_messages_per_second,
        "slack": settings.slack_messages_per_second,
    }


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


async def _show_preview(services: Services, announcement_id: int, locale: str = "fr") -> bool:
    async with services.sessions() as session:
        seen = await announcements.preview(
            session,
            announcement_id,
            now=services.clock.now(),
            zone=services.config.zone,
            rates=_rates(services),
            locale=locale,
        )
    if seen.problems:
        fail(problems_text(services, (), seen.problems), 1)
    for title, reply, channel in (
        ("A youth on Telegram sees", seen.youth, Channel.TELEGRAM),
        ("A mentor on Slack sees", seen.mentor, Channel.SLACK),
    ):
        if reply is None:
            continue
        rendered = services.renderer.render(reply, channel)
        text = to_plain(rendered.text) if channel is Channel.TELEGRAM else rendered.text
        buttons = "  ".join(f"[{label}]" for row in rendered.buttons for label, _ in row)
        console.print(f"[bold]{title}:[/bold]\n{safe(text, multiline=True)}\n{safe(buttons)}\n")
    reach = seen.reach
    excluded = ", ".join(
        f"{count:,} {reason.replace('_', ' ')}" for reason, count in reach.excluded.items() if count
    )
    console.print(
        f"Reaches {reach.total:,}: {reach.channels['telegram']:,} on Telegram, "
        f"{reach.channels['slack']:,} on Slack; {reach.total_excluded:,} excluded"
        + (f": {excluded}" if excluded else "")
        + f". Sending takes about {_duration(seen.seconds)} at the configured rates "
        "(more if sending hours or the one-a-day budget hold some back)."
    )
    return True


def preview(
    announcement_id: Annotated[int, typer.Argument(help="Announcement id.")],
    locale: Annotated[str, typer.Option(help="The sample recipients' language (fr, en).")] = "fr",
    test_to: Annotated[
        str | None, typer.Option("--test-to", help="Your Slack user id: a test send to your DM.")
    ] = None,
) -> None:
    """What a youth and a mentor will see, how many it reaches, how long it takes."""

    async def work(services: Services) -> None:
        try:
            await _show_preview(services, announcement_id, locale)
        except LookupError:
            fail(f"No announcement {announcement_id}.", 1)
        if test_to:
            async with services.sessions() as session, session.begin():
                await announcements.send_test(
                    session,
                    announcement_id,
                    staff=test_to,
                    now=services.clock.now(),
                    zone=services.config.zone,
                    locale=locale,
                )
            console.print(f"Test sent to {safe(test_to)}'s Slack DM (as a mentor sees it).")

    run_with_services(work)


def _time(text: str | None, services: Services) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"Not a date and time: {text!r} (e.g. '2026-12-03 18:00').", 2)
    return moment if moment.tzinfo else moment.replace(tzinfo=services.config.zone)


def send(
    announcement_id: Annotated[int, typer.Argument(help="Announcement id.")],
    at: Annotated[str | None, typer.Option("--at", help="Send from then (default: now).")] = None,
    not_after: Annotated[
        str | None,
        typer.Option("--not-after", help="Nothing goes out after (default: the event's start)."),
    ] = None,
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Send now (with a progress bar) or at a time; nothing goes out after --not-after."""

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                made = await announcements.send(
                    session,
                    announcement_id,
                    staff=by,
                    now=services.clock.now(),
                    zone=services.config.zone,
                    send_at=_time(at, services),
                    not_after=_time(not_after, services),
                )
        except LookupError:
            fail(f"No announcement {announcement_id}.", 1)
        except announcements.AnnouncementProblems as refused:
            fail(problems_text(services, refused.codes, refused.templates), 1)
        if at is not None:
            zone = services.config.zone
            starts = made.send_at.astimezone(zone) if made.send_at else None
            console.print(
                f"Announcement {made.id} scheduled for {starts:%Y-%m-%d %H:%M}, not after "
                f"{made.not_after.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key}): the running "
                "bot sends it."
            )
            return
        await _send_with_progress(services, made.id)

    run_with_services(work)


async def _send_with_progress(services: Services, announcement_id: int) -> None:
    """Write the recipients and send what is due now, with a progress bar."""
    await run_batches(services.sessions, due_announcements, services.clock.now(), services.config)
    found = senders(services)
    async with services.sessions() as session:
        counts = await events.delivery_counts(session, announcement_id)
    total = sum(counts.values())
    if not found:
        console.print(f"{total} messages queued: the running bot sends them (`mentorbot run`).")
        return
    outbox_dispatcher = dispatcher(services, found)
    columns = (TextColumn("Sending"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("sending", total=total)
            while True:
                round_report = await outbox_dispatcher.run_once()
                async with services.sessions() as session:
                    counts = await events.delivery_counts(session, announcement_id)
                finished = total - counts[DeliveryStatus.PENDING] - counts[DeliveryStatus.FAILED]
                progress.update(task, completed=finished)
                if round_report.handled == 0:
                    break
    finally:
        await close(found)
    console.print(
        f"{counts[DeliveryStatus.SENT]} / {total} sent, "
        f"{counts[DeliveryStatus.UNDELIVERABLE]} unreachable, "
        f"{counts[DeliveryStatus.FAILED] + counts[DeliveryStatus.IN_DOUBT]} failed or in doubt, "
        f"{counts[DeliveryStatus.PENDING]} waiting (sending hours, one a day): the running bot "
        "sends those before 'not after'."
    )


def pause(
    announcement_id: Annotated[int, typer.Argument(help="Announcement id.")],
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Stop sending until `mentorbot event resume`."""
    _change(announcement_id, by, announcements.pause, "paused: {n} messages wait")


def resume(
    announcement_id: Annotated[int, typer.Argument(help="Announcement id.")],
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Go on sending where it stopped (before its 'not after')."""
    _change(announcement_id, by, announcements.resume, "resumed: {n} messages due again")


def _change(
    announcement_id: int, by: str, change: Callable[..., Awaitable[int]], said: str
) -> None:
    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                count = await change(session, announcement_id, staff=by, now=services.clock.now())
        except LookupError:
            fail(f"No announcement {announcement_id}.", 1)
        except announcements.AnnouncementProblems as refused:
            fail(problems_text(services, refused.codes, ()), 1)
        console.print(f"Announcement {announcement_id} " + said.format(n=count) + ".")

    run_with_services(work)
