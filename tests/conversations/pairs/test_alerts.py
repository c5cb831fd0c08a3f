"""Staff alerts: one function queues them (once per key, the pair's summary, the "View the
pair" button, audit-logged), and no other module writes to the staff destination."""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

import conversations
from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs import alert_staff, alerts, lifecycle
from conversations.pairs.access import STAFF_DESTINATION
from storage.models import AuditLog, Delivery, Pairing, Priority
from tests.fakes.mentoring import as_sent, make_pair

ROOT = Path(conversations.__file__).resolve().parent.parent
# the trees whose modules may not write to the staff destination themselves
SCANNED = ("conversations", "scheduler")
# the one module that does
ALERTS = "conversations/pairs/alerts.py"
# defines the destination's name (the Slack sender maps it to the staff channel)
DEFINES_DESTINATION = "conversations/pairs/access.py"
# modules still queuing staff alerts their own way: none (a module listed here that no
# longer writes to staff fails, so the set can only shrink)
KNOWN_EXCEPTIONS: frozenset[str] = frozenset()


async def _to_staff(services: Services) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.destination == STAFF_DESTINATION).order_by(Delivery.id)
        )
        return list(rows.all())


async def _alerted(services: Services) -> list[AuditLog]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(AuditLog).where(AuditLog.action == "staff_alerted").order_by(AuditLog.id)
        )
        return list(rows.all())


async def test_an_alert_carries_the_pair_summary_and_is_queued_once_per_key(
    services: Services,
) -> None:
    pairing_id, youth_id, _ = await make_pair(services)
    now = services.clock.now()
    queued = []
    for _ in range(2):
        async with services.sessions() as session, session.begin():
            pairing = await session.get(Pairing, pairing_id)
            assert pairing is not None
            queued.append(
                await alert_staff(
                    session,
                    pairing=pairing,
                    kind="concern",
                    key=f"alert:test:{pairing_id}",
                    actor="mentor:1",
                    now=now,
                    config=services.config,
                    note="Il ne répond plus",
                )
            )
    assert queued == [True, False]
    [alert] = await _to_staff(services)
    assert (alert.idempotency_key, alert.person_id, alert.channel, alert.template) == (
        f"alert:test:{pairing_id}",
        None,
        "slack",
        "staff.alert",
    )
    assert alert.priority == Priority.URGENT
    # people are stored by id (an erasure leaves no copy of a name) and named when sent
    assert "Inès" not in json.dumps(alert.context)
    assert await as_sent(services, alert.context) == {
        "kind": "concern",
        "pairing": pairing_id,
        "mentor": "Claire",
        "mentor_slack": "UMENTOR1",
        "mentee": "Inès",
        "note": "Il ne répond plus",
        "choices": [["choice.staff.view_pair", f"sp:{pairing_id}"]],
        "locale": "fr",
    }
    # audit-logged once, when queued: ids and codes, never the note
    [logged] = await _alerted(services)
    assert (logged.actor, logged.subject_person_id, logged.detail) == (
        "mentor:1",
        youth_id,
        {"pairing": pairing_id, "kind": "concern"},
    )


async def test_extra_context_wins_a_long_note_is_shortened_and_audit_detail_is_kept(
    services: Services,
) -> None:
    pairing_id, _, _ = await make_pair(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        assert await alert_staff(
            session,
            pairing=pairing,
            kind="at_risk",
            key="at_risk:test",
            template="staff.at_risk",
            actor="scheduler",
            now=services.clock.now(),
            config=services.config,
            note="x" * (alerts.NOTE_PREVIEW + 10),
            extra={"days": 45, "mentee": ""},
            audit_detail={"interaction": 7},
        )
    [alert] = await _to_staff(services)
    assert (alert.template, alert.context["days"], alert.context["mentee"]) == (
        "staff.at_risk",
        45,
        "",
    )
    assert alert.context["note"] == "x" * alerts.NOTE_PREVIEW + "…"
    [logged] = await _alerted(services)
    assert logged.detail == {"pairing": pairing_id, "kind": "at_risk", "interaction": 7}


async def test_a_digest_goes_to_staff_once_per_key_without_an_audit_entry(
    services: Services,
) -> None:
    for expected in (True, False):
        async with services.sessions() as session, session.begin():
            assert (
                await alerts.digest_to_staff(
                    session,
                    key="unpaired:2026-W45",
                    template="staff.unpaired",
                    context={"count": 0, "days": 20, "oldest": []},
                    now=services.clock.now(),
                    config=services.config,
                )
                is expected
            )
    [digest] = await _to_staff(services)
    assert digest.priority == Priority.URGENT
    assert digest.context == {"count": 0, "days": 20, "oldest": [], "locale": "fr"}
    assert await _alerted(services) == []


async def test_a_youth_leaving_alerts_staff_without_naming_them(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, _ = await make_pair(services)
    clock.advance(timedelta(days=3))
    async with services.sessions() as session, session.begin():
        await lifecycle.youth_leaves(
            session, youth_id=youth_id, now=clock.now(), config=services.config
        )
    [alert] = await _to_staff(services)
    assert (alert.idempotency_key, alert.template) == (
        f"alert:pairing:{pairing_id}:youth_left",
        "staff.youth_left",
    )
    assert (alert.context["pairing"], alert.context["mentee"]) == (pairing_id, "")
    [logged] = await _alerted(services)
    assert (logged.actor, logged.detail) == (
        f"person:{youth_id}",
        {"pairing": pairing_id, "kind": "youth_left"},
    )


# --------------------------------------------------------------------------- one way to staff


def _staff_writes(tree: ast.AST, *, defines_destination: bool) -> list[str]:
    """What in a module writes to the staff destination (or could): a call to storage's
    `enqueue_to`, a `destination=` keyword (staff's is the only destination that is not a
    person), or the name `STAFF_DESTINATION` outside the module defining it."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "enqueue_to":
                found.append(f"line {node.lineno}: enqueue_to(...)")
            if any(keyword.arg == "destination" for keyword in node.keywords):
                found.append(f"line {node.lineno}: {name}(destination=...)")
        if defines_destination:
            continue
        if isinstance(node, ast.Name) and node.id == "STAFF_DESTINATION":
            found.append(f"line {node.lineno}: STAFF_DESTINATION")
        elif isinstance(node, ast.Attribute) and node.attr == "STAFF_DESTINATION":
            found.append(f"line {node.lineno}: .STAFF_DESTINATION")
        elif isinstance(node, ast.ImportFrom) and any(
            alias.name == "STAFF_DESTINATION" for alias in node.names
        ):
            found.append(f"line {node.lineno}: import STAFF_DESTINATION")
    return found


def _writers() -> dict[str, list[str]]:
    writers: dict[str, list[str]] = {}
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            found = _staff_writes(tree, defines_destination=relative == DEFINES_DESTINATION)
            if found:
                writers[relative] = found
    return writers


def test_only_the_alerts_module_writes_to_the_staff_destination() -> None:
    writers = _writers()
    assert ALERTS in writers  # the detector sees the one legitimate writer
    others = {
        path: found
        for path, found in writers.items()
        if path != ALERTS and path not in KNOWN_EXCEPTIONS
    }
    assert others == {}, "queue staff alerts through conversations.pairs.alerts.alert_staff"


def test_the_known_exceptions_still_need_switching() -> None:
    """A module switched to `alert_staff` leaves the exception set (so it cannot regress)."""
    writers = _writers()
    switched = sorted(path for path in KNOWN_EXCEPTIONS if path not in writers)
    assert switched == [], f"remove {switched} from KNOWN_EXCEPTIONS"


def test_the_detector_sees_each_way_of_writing_to_staff() -> None:
    source = "\n".join(
        (
            "from conversations.pairs.access import STAFF_DESTINATION",
            "await mentoring.enqueue_to(session, key=k)",
            "await outbox.enqueue(session, destination='staff')",
            "x = access.STAFF_DESTINATION",
        )
    )
    tree = ast.parse(source.replace("await ", ""))
    assert len(_staff_writes(tree, defines_destination=False)) == 4
    assert len(_staff_writes(tree, defines_destination=True)) == 2
