"""Staff create events and announce them from Slack, through the real Bolt app (signed
requests, the stand-in Web API): the event modal and its errors in place, a double
submission making one event, the list, the announcement modal (a sandbox escape and an
audience matching nobody refused in place), the preview, a test send, "Send" pressed twice,
the report, pause and resume; a mentor refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs import rsvp
from scheduler.ticks.announcements import due_announcements
from scheduler.ticks.batch import run_batches
from storage import rsvps
from storage.models import Announcement, AuditLog, Delivery, Event, Person
from tests.fakes import events as fake_events
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.slack_requests import Checked, Radio
from tests.handlers.slack.conftest import MENTOR, STAFF, click, dispatcher, rows

# Thursday 5 November 2026, 18:00 to 19:00 in Paris (the tests start on Monday 2 November)
START = datetime(2026, 11, 5, 17, 0, tzinfo=UTC)


def picked(moment: datetime) -> dict[str, Any]:
    return {"type": "datetimepicker", "selected_date_time": int(moment.timestamp())}


def multi(*values: str) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "selected_options": [
            {"value": v, "text": {"type": "plain_text", "text": v}} for v in values
        ],
    }


def event_answers(start: datetime, **more: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "title": "Réussir son entretien <!channel>",
        "kind": Radio("webinar"),
        "starts_at": picked(start),
        "ends_at": picked(start + timedelta(hours=1)),
        "zone": None,
        "place": None,
        "link": "https://visio.example.org/entretien",
        "description": "Questions et réponses.",
        "capacity": None,
    }
    answers.update(more)
    return answers


async def submit(
    slack: SlackHarness, form: str, values: dict[str, Any], metadata: str, view: str
) -> tuple[int, str]:
    return await slack.send(
        *slack.requests.view_submission(
            STAFF, form, values, private_metadata=metadata, view_id=view
        )
    )


async def command(slack: SlackHarness, user: str, text: str) -> None:
    status, _ = await slack.send(*slack.requests.slash_command(user, text=text))
    assert status == 200


async def test_staff_create_an_event_in_a_modal_once(
    slack: SlackHarness, services: Services, clock: FixedClock
) -> None:
    await command(slack, STAFF, "event")
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "event"
    assert [b.get("block_id") for b in modal["blocks"] if b["type"] == "input"] == [
        "title", "kind", "starts_at", "ends_at", "zone", "place", "link", "description",
        "capacity",
    ]  # fmt: skip
    metadata = modal["private_metadata"]

    # an event in the past, no seat: shown under the fields, nothing stored
    past = clock.now() - timedelta(days=1)
    status, body = await submit(
        slack, "event", event_answers(past, capacity="0"), metadata, "VPAST"
    )
    assert status == 200
    errors = json.loads(body)["errors"]
    assert errors["starts_at"].startswith("L'événement commencerait dans le passé")
    assert errors["capacity"].startswith("Le nombre de places va de 1 à 100000")
    assert await rows(services, Event) == []

    status, body = await submit(slack, "event", event_answers(START, capacity="30"), metadata, "V1")
    assert (status, body) == (200, "")
    # the same submission again (a double click, a retry): one event
    await submit(slack, "event", event_answers(START, capacity="30"), metadata, "V1")
    [event] = await rows(services, Event)
    assert (event.starts_at, event.zone, event.capacity) == (START, "Europe/Paris", 30)
    assert event.created_by == STAFF
    [reply] = [m for m in slack.api.messages(STAFF) if "Événement créé" in str(m["text"])]
    shown = json.dumps(reply, ensure_ascii=False)
    assert f"Événement n° {event.id}" in shown
    assert "jeudi 5 novembre à 18 h" in shown
    assert "<!channel>" not in shown
    assert slack.buttons(reply) == {
        "📣 Annoncer": f"ea:{event.id}",
        "✏️ Modifier": f"ee:{event.id}",
        "Annuler l'événement": f"ec:{event.id}",
    }

    await command(slack, STAFF, "events")
    listed = slack.texts(STAFF)[-1]
    assert f"n° {event.id} : Réussir son entretien" in listed
    assert "0 oui, 0 en liste d'attente, 0 peut-être, 0 non" in listed

    # edited: a new hour; then cancelled after a confirmation
    await click(slack, STAFF, f"ee:{event.id}")
    edit = slack.api.opened_views()[-1]
    assert edit["callback_id"] == "event_edit"
    later = START + timedelta(hours=1)
    values: dict[str, Any] = {
        name: None for name in ("title", "place", "link", "description", "capacity")
    }
    values |= {
        "kind": None,
        "zone": None,
        "starts_at": picked(later),
        "ends_at": picked(later + timedelta(hours=1)),
    }
    await submit(slack, "event_edit", values, edit["private_metadata"], "VEDIT")
    assert "Événement modifié" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, f"ec:{event.id}")
    assert "Annuler l'événement" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, f"ec:{event.id}:yes")
    assert "est annulé" in slack.texts(STAFF)[-1]
    [event] = await rows(services, Event)
    assert (event.starts_at, event.state) == (later, "cancelled")


async def test_a_mentor_cannot_create_an_event(slack: SlackHarness, services: Services) -> None:
    await command(slack, MENTOR, "event")
    assert "réservée à l'équipe" in slack.texts(MENTOR)[-1]
    assert slack.api.opened_views() == []
    status, _ = await slack.send(
        *slack.requests.view_submission(MENTOR, "event", event_answers(START), view_id="VM")
    )
    assert status == 200
    assert await rows(services, Event) == []
    refused = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [(a.actor, a.detail["what"]) for a in refused] == [
        (f"slack:{MENTOR}", "event"),
        (f"slack:{MENTOR}", "event"),
    ]


async def _audience(services: Services) -> tuple[int, int]:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        inès = await fake_events.youth(session, now, name="Inès", region="idf")
        await fake_events.youth(session, now, name="Noor", region="reu")
        await fake_events.mentor(session, now, name="Claire", region="idf")
        youth_id = inès.id
    return await fake_events.event_id(services), youth_id


async def test_staff_announce_preview_test_and_send_once(
    slack: SlackHarness, services: Services, clock: FixedClock
) -> None:
    event_id, _youth = await _audience(services)
    await click(slack, STAFF, f"ea:{event_id}")
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "announce"
    regions = next(b for b in modal["blocks"] if b.get("block_id") == "regions")
    assert regions["element"]["type"] == "multi_static_select"
    metadata = modal["private_metadata"]
    base: dict[str, Any] = {
        "roles": Checked("youth", "mentor"),
        "regions": multi("idf"),
        "keywords": None,
        "youth_status": None,
        "eligibility": Checked(),
        "template_fr": fake_events.TEMPLATE_FR,
        "template_en": None,
        "send_at": {"type": "datetimepicker", "selected_date_time": None},
        "not_after": {"type": "datetimepicker", "selected_date_time": None},
    }

    # a sandbox escape: refused in place with its line, nothing stored
    escape = base | {"template_fr": "Bonjour\n{{ ''.__class__.__mro__ }}"}
    status, body = await submit(slack, "announce", escape, metadata, "VA1")
    errors = json.loads(body)["errors"]
    assert list(errors) == ["template_fr"]
    assert "ligne 2" in errors["template_fr"]
    # an audience that matches nobody (no one in Brittany)
    status, body = await submit(
        slack, "announce", base | {"regions": multi("bre")}, metadata, "VA2"
    )
    assert json.loads(body)["errors"] == {
        "roles": "Ce public ne compte personne à qui écrire : élargissez les filtres."
    }
    # "send at" after "not after"
    late = base | {
        "send_at": picked(START - timedelta(hours=1)),
        "not_after": picked(START - timedelta(hours=2)),
    }
    status, body = await submit(slack, "announce", late, metadata, "VA3")
    assert "send_at" in json.loads(body)["errors"]
    assert await rows(services, Announcement) == []

    status, body = await submit(slack, "announce", base, metadata, "VA4")
    assert (status, body) == (200, "")
    [announcement] = await rows(services, Announcement)
    assert announcement.status == "draft"
    texts = slack.texts(STAFF)
    assert any("Ce que voit un jeune sur Telegram" in t for t in texts)
    assert any("Bonjour Inès !" in t for t in texts)
    assert any("Bonjour Claire !" in t for t in texts)
    [reach] = [m for m in slack.api.messages(STAFF) if "personnes :" in str(m["text"])]
    assert "2 personnes : 1 sur Telegram, 1 sur Slack ; 0 exclues" in reach["text"]
    buttons = slack.buttons(reach)
    assert buttons == {
        "✅ Envoyer": f"as:{announcement.id}",
        "Envoi test à moi": f"ad:{announcement.id}",
        "Annuler": f"ax:{announcement.id}",
    }

    # a test send reaches the staff member's own DM
    await click(slack, STAFF, buttons["Envoi test à moi"])
    assert "Envoi test en route" in slack.texts(STAFF)[-1]
    await dispatcher(services, slack.api).run_once()
    assert "Bonjour Claire !" in slack.texts(STAFF)[-1]

    # "Send" twice: sent once
    await click(slack, STAFF, buttons["✅ Envoyer"])
    assert f"Annonce n° {announcement.id} en cours d'envoi" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, buttons["✅ Envoyer"])
    assert "déjà partie" in slack.texts(STAFF)[-1]
    await run_batches(services.sessions, due_announcements, clock.now(), services.config)
    keys = [d.idempotency_key for d in await rows(services, Delivery)]
    announced = [key for key in keys if key.startswith(f"announce:{announcement.id}:")]
    assert len(announced) == 2
    scheduled = [a for a in await rows(services, AuditLog) if a.action == "announcement_scheduled"]
    assert len(scheduled) == 1

    # pause, resume, the report
    await command(slack, STAFF, f"pause {announcement.id}")
    assert f"Annonce n° {announcement.id} en pause : 2 messages attendent" in slack.texts(STAFF)[-1]
    await command(slack, STAFF, f"resume {announcement.id}")
    assert f"Annonce n° {announcement.id} reprise" in slack.texts(STAFF)[-1]
    await command(slack, STAFF, f"resume {announcement.id}")
    assert "n'est pas en pause" in slack.texts(STAFF)[-1]
    await command(slack, STAFF, f"report {event_id}")
    report = slack.texts(STAFF)[-1]
    assert f"Bilan de l'événement n° {event_id}" in report
    assert "2 destinataires, 0 envoyés, 2 en attente" in report
    assert "0 oui, 0 en liste d'attente, 0 peut-être, 0 non ; 0 présents" in report
    await command(slack, STAFF, "report 999")
    assert "Je ne trouve pas cet événement" in slack.texts(STAFF)[-1]


async def test_staff_mark_who_came_from_a_list_in_slack(
    slack: SlackHarness, services: Services, clock: FixedClock
) -> None:
    now = clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake_events.youth(session, now, name="Inès")
        samir = await fake_events.youth(session, now, name="Samir")
        lea = await fake_events.youth(session, now, name="Léa")
    event = await fake_events.event_id(services)
    announcement = await fake_events.announcement_id(services, event)
    for person_id, value in ((ines.id, "yes"), (samir.id, "maybe"), (lea.id, "no")):
        async with services.sessions() as session, session.begin():
            person = await session.get(Person, person_id)
            assert person is not None
            await rsvp.answer(
                session, person=person, announcement_id=announcement, value=value, now=now
            )

    # before the event: nothing to mark yet
    await command(slack, STAFF, f"attend {event}")
    assert "n'a pas encore eu lieu" in slack.texts(STAFF)[-1]
    # a mentor cannot
    await command(slack, MENTOR, f"attend {event}")
    assert len(slack.api.opened_views()) == 0

    clock.advance(timedelta(days=4))
    await command(slack, STAFF, f"attend {event}")
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "event_attend"
    shown = json.dumps(modal, ensure_ascii=False)
    assert "Inès" in shown
    assert "Samir (peut-être)" in shown
    assert "Léa" not in shown  # she said no
    metadata = modal["private_metadata"]
    # nobody ticked: the list stays open with an error
    status, body = await submit(slack, "event_attend", {"people": multi()}, metadata, "VA1")
    assert status == 200
    assert "people" in json.loads(body)["errors"]
    await submit(slack, "event_attend", {"people": multi(str(ines.id))}, metadata, "VA2")
    assert "1 personnes présentes" in slack.texts(STAFF)[-1]
    async with services.sessions() as session:
        came = await rsvps.get(session, event, ines.id)
        maybe = await rsvps.get(session, event, samir.id)
        marked = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "attendance_marked"))
        ).all()
    assert came is not None
    assert came.attended
    assert maybe is not None
    assert not maybe.attended
    assert len(marked) == 1
