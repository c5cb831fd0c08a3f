"""The first meeting through the real Bolt app (signed requests, the stand-in Web API): the
introduction's "Propose a date", the modal with its date-time picker and its errors in
place, the youth's answer in the pair's thread, the question after the date."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.container import Services
from conversations.core.clock import FixedClock
from scheduler.ticks import Ticks
from storage import threads
from storage.models import Interaction, Meeting, MeetingState, Pairing
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.transcript import Person as Talker
from tests.handlers.slack.conftest import MENTOR, click, dispatcher, rows

YOUTH = "7001"
# Thursday 5 November 2026, 14:00 in Paris (the tests start on Monday 2 November, 10:00)
THURSDAY = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)


def picked(moment: datetime) -> dict[str, Any]:
    """A datetimepicker's state as Slack sends it (epoch seconds)."""
    return {"type": "datetimepicker", "selected_date_time": int(moment.timestamp())}


async def _introduced(slack: SlackHarness, services: Services) -> tuple[int, dict[str, Any]]:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR, telegram_id=YOUTH)
    await dispatcher(services, slack.api).run_once()
    [intro] = [m for m in slack.api.messages(MENTOR) if "vous accompagnez" in str(m["text"])]
    return pairing_id, intro


async def _submit(
    slack: SlackHarness, modal: dict[str, Any], moment: datetime, place: str, view: str
) -> tuple[int, str]:
    return await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "meeting",
            {"starts_at": picked(moment), "place": place},
            private_metadata=modal["private_metadata"],
            view_id=view,
        )
    )


async def test_a_first_meeting_proposed_accepted_and_confirmed(
    slack: SlackHarness, services: Services, clock: FixedClock
) -> None:
    pairing_id, intro = await _introduced(slack, services)
    buttons = slack.buttons(intro)
    assert buttons["📅 Proposer une date"] == f"mp:{pairing_id}"
    assert buttons["✅ Première rencontre faite (aujourd'hui)"] == f"fm:{pairing_id}"
    async with services.sessions() as session:
        thread = await threads.of_pairing(session, pairing_id)
    assert thread is not None

    trigger = await click(slack, MENTOR, buttons["📅 Proposer une date"])
    assert slack.api.calls("views.open")[-1]["trigger_id"] == trigger
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "meeting"
    assert json.loads(modal["private_metadata"]) == {"pairing": pairing_id}
    assert [b["block_id"] for b in modal["blocks"]] == ["starts_at", "place"]
    assert modal["blocks"][0]["element"]["type"] == "datetimepicker"

    # a moment already past: the error under the picker, the modal stays open
    status, body = await _submit(slack, modal, clock.now() - timedelta(hours=1), "visio", "VPAST")
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"starts_at": "Choisissez un moment à venir."},
    }
    assert await rows(services, Meeting) == []

    status, body = await _submit(slack, modal, THURSDAY, "<!channel> à mon bureau", "VOK")
    assert (status, body) == (200, "")
    [proposed] = await rows(services, Meeting)
    assert (proposed.starts_at, proposed.place) == (THURSDAY, "<!channel> à mon bureau")
    told = slack.api.messages(MENTOR)[-1]
    assert "j'ai proposé à Inès une première rencontre le jeudi 5 novembre à 14 h" in told["text"]
    assert "<!channel>" not in told["text"]  # what the mentor typed pings nobody
    assert told.get("thread_ts") == thread.ts

    # the youth says OK on Telegram: the mentor reads it in the pair's thread
    said = await Talker(services, YOUTH).presses(f"ma:{proposed.id}:ok")
    assert "C'est noté : première rencontre avec Claire le jeudi 5 novembre à 14 h" in said.text
    await dispatcher(services, slack.api).run_once()
    accepted = slack.api.messages(MENTOR)[-1]
    assert (
        "Inès est d'accord pour la première rencontre le jeudi 5 novembre à 14 h"
        in (accepted["text"])
    )
    assert accepted["thread_ts"] == thread.ts

    # after the date, asked once; "yes" logs the first meeting
    clock.set(THURSDAY + timedelta(hours=2))
    await Ticks(services.sessions, services.config).run(clock.now())
    await dispatcher(services, slack.api).run_once()
    asked = slack.api.messages(MENTOR)[-1]
    assert "A-t-elle eu lieu ?" in asked["text"]
    assert asked["thread_ts"] == thread.ts
    yes = slack.buttons(asked)["✅ Oui, elle a eu lieu"]
    await click(slack, MENTOR, yes)
    await click(slack, MENTOR, yes)
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    assert pairing.first_meeting_at == clock.now()
    assert [i.kind for i in await rows(services, Interaction)] == ["first_meeting"]
    assert (await rows(services, Meeting))[0].state == MeetingState.HELD
    texts = slack.texts(MENTOR)
    assert "Première rencontre avec Inès notée le 5 novembre 2026" in texts[-2]
    assert "Vous avez déjà répondu pour cette rencontre" in texts[-1]
    # the question's buttons were replaced by the answer
    assert slack.api.calls("chat.update")


async def test_another_time_lets_the_mentor_propose_again_from_the_thread(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, intro = await _introduced(slack, services)
    await click(slack, MENTOR, slack.buttons(intro)["📅 Proposer une date"])
    modal = slack.api.opened_views()[-1]
    await _submit(slack, modal, THURSDAY, "", "V1")
    [first] = await rows(services, Meeting)
    assert first.place is None
    await Talker(services, YOUTH).presses(f"ma:{first.id}:other")
    await dispatcher(services, slack.api).run_once()
    declined = slack.api.messages(MENTOR)[-1]
    assert "Inès préfère un autre moment que le jeudi 5 novembre à 14 h" in declined["text"]
    again = slack.buttons(declined)["📅 Proposer une date"]
    assert again == f"mp:{pairing_id}"
    await click(slack, MENTOR, again)
    modal = slack.api.opened_views()[-1]
    await _submit(slack, modal, THURSDAY + timedelta(days=1), "café", "V2")
    assert [m.state for m in await rows(services, Meeting)] == [
        MeetingState.DECLINED,
        MeetingState.PROPOSED,
    ]


async def test_another_mentor_cannot_propose_for_the_pair(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _ = await _introduced(slack, services)
    await make_pair(services, mentor_slack="UOTHER", youth_name="Samir")
    await click(slack, "UOTHER", f"mp:{pairing_id}")
    assert slack.api.opened_views() == []
    assert "ce binôme n'est pas le vôtre" in slack.texts("UOTHER")[-1]
    await slack.send(
        *slack.requests.view_submission(
            "UOTHER",
            "meeting",
            {"starts_at": picked(THURSDAY), "place": "visio"},
            private_metadata=json.dumps({"pairing": pairing_id}),
        )
    )
    assert await rows(services, Meeting) == []
