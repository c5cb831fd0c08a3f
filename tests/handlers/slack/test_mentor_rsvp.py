"""A mentor answers an event in Slack, through the real Bolt app (signed requests, the
stand-in Web API): the announcement delivered with its buttons, "I'll come" answered with
the calendar file, pressed twice changing nothing twice, an old button; and the App Home's
toggle of event announcements, which the next announcement respects."""

from __future__ import annotations

from typing import Any

from bot.container import Services
from conversations.staff import events as staff_events
from storage.events import Audience
from storage.models import Delivery, Person, Role, Rsvp
from tests.fakes import events as fake
from tests.fakes.mentoring import make_mentor
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, click, dispatcher, rows
from tests.scheduler.test_announcements import answer, send, tick


async def _mentor(services: Services) -> int:
    async with services.sessions() as session, session.begin():
        claire = await make_mentor(session, services.clock.now(), MENTOR)
        # someone else the announcement reaches (an empty audience is refused)
        await fake.youth(session, services.clock.now(), name="Samir")
        return claire.id


async def _announced(slack: SlackHarness, services: Services, **event: Any) -> tuple[int, int]:
    event_id = await fake.event_id(services, **event)
    announcement = await fake.announcement_id(
        services, event_id, Audience(roles=(Role.YOUTH, Role.MENTOR))
    )
    await send(services, announcement)
    await tick(services)
    await dispatcher(services, slack.api).run_until_empty()
    return event_id, announcement


def _announcement(slack: SlackHarness) -> dict[str, Any]:
    [message] = [m for m in slack.api.messages(MENTOR) if "Bonjour Claire" in str(m["text"])]
    return message


async def test_yes_with_the_calendar_file_and_twice_changes_nothing(
    slack: SlackHarness, services: Services
) -> None:
    claire = await _mentor(services)
    event, announcement = await _announced(slack, services)
    buttons = slack.buttons(_announcement(slack))
    assert buttons == {
        "Je viens": f"rv:{announcement}:yes",
        "Peut-être": f"rv:{announcement}:maybe",
        "Non": f"rv:{announcement}:no",
    }
    posted = len(slack.api.messages(MENTOR))

    await click(slack, MENTOR, buttons["Je viens"])
    [upload] = slack.api.uploads(MENTOR)
    assert upload.name == f"event-{event}.ics"
    assert b"BEGIN:VEVENT" in upload.content
    [told] = slack.texts(MENTOR)[posted:]
    assert "C'est noté : vous venez à « Réussir son entretien »" in told
    assert "https://visio.example.org/entretien" in told

    # the same button again: a kind word, no second file, one answer
    await click(slack, MENTOR, buttons["Je viens"])
    assert len(slack.api.uploads(MENTOR)) == 1
    assert (
        "Votre réponse pour « Réussir son entretien » était déjà enregistrée"
        in (slack.texts(MENTOR)[-1])
    )
    # the announcement keeps its buttons: the answer may change until the start
    assert slack.api.calls("chat.update") == []
    await click(slack, MENTOR, buttons["Non"])
    [answer] = await rows(services, Rsvp)
    assert (answer.person_id, answer.event_id, answer.answer) == (claire, event, "no")


async def test_beyond_the_capacity_and_an_old_button(
    slack: SlackHarness, services: Services
) -> None:
    await _mentor(services)
    event, announcement = await _announced(slack, services, capacity=1)
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        first = await fake.youth(session, now, name="Léa")
    # the one seat is taken already (the core's answer, as the youth's router gives it)
    await answer(services, first.id, announcement, "yes")
    await click(slack, MENTOR, f"rv:{announcement}:yes")
    assert "vous êtes en position 1" in slack.texts(MENTOR)[-1]
    assert slack.api.uploads(MENTOR) == []

    async with services.sessions() as session, session.begin():
        await staff_events.cancel_event(
            session, event, staff=fake.STAFF, now=now, zone=services.config.zone
        )
    await click(slack, MENTOR, f"rv:{announcement}:maybe")
    assert "annulé" in slack.texts(MENTOR)[-1]
    await click(slack, MENTOR, "rv:424242:yes")
    assert "Je ne retrouve pas cet événement" in slack.texts(MENTOR)[-1]


async def test_the_app_home_toggle_turns_announcements_off_and_on(
    slack: SlackHarness, services: Services
) -> None:
    claire = await _mentor(services)
    await slack.send(*slack.requests.event(slack.requests.app_home_opened(MENTOR)))
    home = slack.api.published_home(MENTOR)
    assert home is not None
    assert "Annonces d'événements : activées" in slack.home_text(MENTOR)
    toggle = _home_buttons(home)
    assert toggle["Ne plus les recevoir"] == "an:off"

    status, _ = await slack.send(
        *slack.requests.block_actions(MENTOR, "mb_announce_0", "an:off", view=home)
    )
    assert status == 200
    assert "C'est fait : vous ne recevrez plus les annonces" in slack.texts(MENTOR)[-1]
    home = slack.api.published_home(MENTOR)
    assert home is not None
    assert "Annonces d'événements : désactivées" in slack.home_text(MENTOR)
    assert _home_buttons(home)["Recevoir les annonces"] == "an:on"

    # the next announcement does not reach her
    _, announcement = await _announced(slack, services)
    deliveries = await rows(services, Delivery)
    assert [d for d in deliveries if d.person_id == claire] == []
    assert not [m for m in slack.api.messages(MENTOR) if "Bonjour Claire" in str(m["text"])]

    await slack.send(*slack.requests.block_actions(MENTOR, "mb_announce_0", "an:on", view=home))
    assert "Annonces d'événements : activées" in slack.home_text(MENTOR)
    async with services.sessions() as session:
        person = await session.get(Person, claire)
    assert person is not None
    assert person.announcements_opt_out_at is None
    assert announcement


def _home_buttons(view: dict[str, Any]) -> dict[str, str]:
    return {
        element["text"]["text"]: element["value"]
        for block in view.get("blocks", [])
        for element in block.get("elements") or []
        if element.get("type") == "button"
    }
