"""/mydata shows the youth's answers to events (title, answer, date), whether announcements
reach her, and per pairing when she agreed to give her email to her mentor and the first
meetings proposed; /delete forgets her answers to events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.container import Services
from storage import meetings
from storage.models import Pairing, Rsvp
from tests.fakes import events as fake
from tests.fakes.mentoring import make_pair
from tests.fakes.transcript import Person as Youth
from tests.handlers.slack.conftest import rows
from tests.scheduler.test_announcements import answer

TELEGRAM_ID = "1001"


async def _with_events(services: Services) -> tuple[int, int]:
    """A paired youth who shared her email, with a meeting proposed and a "yes" to a
    webinar; (pairing id, youth id)."""
    pairing_id, youth_id, _ = await make_pair(services, telegram_id=TELEGRAM_ID)
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        pairing.youth_email_shared_at = now
        await meetings.add(
            session,
            pairing_id=pairing_id,
            starts_at=now + timedelta(days=3),
            place="visio",
            now=now,
            followup_due_at=None,
        )
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event)
    await answer(services, youth_id, announcement, "yes")
    return pairing_id, youth_id


async def _export(youth: Youth) -> dict[str, Any]:
    said = await youth.command("mydata")
    [reply] = [r for r in said.replies if r.attachment is not None]
    assert reply.attachment is not None
    data: dict[str, Any] = json.loads(reply.attachment.content)
    return data


async def test_mydata_shows_events_consent_and_meetings(services: Services) -> None:
    await _with_events(services)
    now = services.clock.now()
    youth = Youth(services, TELEGRAM_ID)
    data = await _export(youth)
    [answered] = data["event_answers"]
    assert answered["event"] == "Réussir son entretien"
    assert answered["answer"] == "yes"
    assert answered["waiting_list"] is False
    assert answered["starts_at"].startswith((now + timedelta(days=3)).date().isoformat())
    assert answered["answered_at"] == now.isoformat()
    assert data["announcements"] == "on"
    [pair] = data["mentoring"]
    assert pair["email_shared_with_mentor_at"] == now.isoformat()
    [meeting] = pair["meetings"]
    assert meeting["state"] == "proposed"
    assert meeting["place"] == "visio"
    assert meeting["starts_at"] == (now + timedelta(days=3)).isoformat()

    await youth.command("announcements", "off")
    data = await _export(youth)
    assert data["announcements"] == "off"
    assert data["announcements_off_since"] == now.isoformat()


async def test_a_youth_without_any_shows_empty_lists(services: Services) -> None:
    await make_pair(services, telegram_id=TELEGRAM_ID)
    data = await _export(Youth(services, TELEGRAM_ID))
    assert data["event_answers"] == []
    [pair] = data["mentoring"]
    assert pair["email_shared_with_mentor_at"] is None
    assert pair["meetings"] == []


async def test_delete_forgets_her_answers_to_events(services: Services) -> None:
    _, youth_id = await _with_events(services)
    assert [r.person_id for r in await rows(services, Rsvp)] == [youth_id]
    youth = Youth(services, TELEGRAM_ID)
    said = await youth.command("delete")
    await youth.presses(said.value_of("Oui"))
    assert await rows(services, Rsvp) == []
