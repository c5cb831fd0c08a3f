"""Every kind of Slack request goes through the one engine, and a retried one changes
nothing twice (the real Bolt app, signed requests, the stand-in Web API)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.container import Services
from conversations.core.messages import Incoming, Kind
from conversations.core.response import Response
from storage import privacy
from storage.models import (
    AuditLog,
    Interaction,
    MentorProfile,
    Outcome,
    Pairing,
    Person,
    ProcessedEvent,
)
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.slack_requests import Radio
from tests.handlers.slack.conftest import MENTOR, STAFF, click, dispatcher, rows


async def test_commands_buttons_forms_and_events_all_reach_engine_handle(
    slack: SlackHarness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    seen: list[Kind] = []
    handle = services.engine.handle

    async def recording(incoming: Incoming) -> Response:
        seen.append(incoming.kind)
        return await handle(incoming)

    monkeypatch.setattr(services.engine, "handle", recording)
    requests = slack.requests
    await slack.send(*requests.slash_command(MENTOR, text="help"))
    await click(slack, MENTOR, f"fm:{pairing_id}")
    await slack.send(
        *requests.view_submission(
            MENTOR,
            "contact",
            {"occurred_on": date(2026, 11, 2), "how": Radio("call"), "progress": Radio("slow")},
            private_metadata=json.dumps({"pairing": pairing_id}),
            view_id="VPATH",
        )
    )
    await slack.send(*requests.event(requests.app_home_opened(MENTOR)))
    await slack.send(*requests.event(requests.message_im(MENTOR, "bonjour")))
    assert seen == [Kind.COMMAND, Kind.CHOICE, Kind.FORM, Kind.OPENED, Kind.TEXT]
    # what the mentor saw, each answered by the engine's response
    texts = slack.texts(MENTOR)
    assert "/mentorbot log" in texts[0]
    assert texts[1].startswith("Bravo ! Première rencontre avec Inès notée")
    assert texts[2] == "Merci, votre échange avec Inès est noté."
    assert "Inès" in slack.home_text(MENTOR)
    # every one of them was recorded by the engine's deduplication
    recorded = {row.event_id.split(":")[0] for row in await rows(services, ProcessedEvent)}
    assert {"command", "action", "view"} <= recorded
    assert len(await rows(services, ProcessedEvent)) == 5


async def test_a_retried_button_press_changes_nothing_twice(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    press = slack.requests.block_actions(
        MENTOR, "mb_0", f"fm:{pairing_id}", channel_id=f"D{MENTOR}", message_ts="1.000001"
    )
    for _ in range(3):  # Slack (or a proxy) delivering the same payload again
        status, _ = await slack.send(*press)
        assert status == 200
    assert len(await rows(services, Interaction)) == 1
    assert len(slack.texts(MENTOR)) == 1


async def test_a_form_error_keeps_the_form_open_and_stores_nothing(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    before_start = {
        "occurred_on": date(2026, 10, 1),  # the pair started on 2 November
        "how": Radio("call"),
        "progress": Radio("slow"),
    }
    metadata = json.dumps({"pairing": pairing_id})
    status, body = await slack.send(
        *slack.requests.view_submission(
            MENTOR, "contact", before_start, private_metadata=metadata, view_id="VERR"
        )
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "avant le début du mentorat" in answer["errors"]["occurred_on"]
    assert await rows(services, Interaction) == []
    assert slack.texts(MENTOR) == []
    # corrected in the same (still open) form: accepted
    corrected = {**before_start, "occurred_on": date(2026, 11, 2)}
    status, body = await slack.send(
        *slack.requests.view_submission(
            MENTOR, "contact", corrected, private_metadata=metadata, view_id="VERR"
        )
    )
    assert (status, body) == (200, "")
    assert len(await rows(services, Interaction)) == 1


async def test_the_outcome_form_asks_which_mentee_when_there_are_two(
    slack: SlackHarness, services: Services
) -> None:
    first, _, _ = await make_pair(services, mentor_slack=MENTOR, youth_name="Inès")
    second, _, _ = await make_pair(services, mentor_slack=MENTOR, youth_name="Yasmine")
    await slack.send(*slack.requests.slash_command(MENTOR, text="outcome"))
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "outcome"
    assert json.loads(modal["private_metadata"]) == {}
    [which] = [b for b in modal["blocks"] if b.get("block_id") == "pairing"]
    options = {o["text"]["text"]: o["value"] for o in which["element"]["options"]}
    assert options == {"Yasmine": str(second), "Inès": str(first)}
    # the outcome lands on the mentee picked, not on the first pair
    await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "outcome",
            {
                "pairing": Radio(str(second)),
                "kind": Radio("further_studies"),
                "occurred_on": date(2026, 11, 2),
            },
            view_id="VOUT",
        )
    )
    assert [outcome.pairing_id for outcome in await rows(services, Outcome)] == [second]


@pytest.mark.parametrize(
    "value", ["ci:²:yes", "ci:٣:yes", "fm:99999999999999999999999", "zz:1", ""]
)
async def test_malformed_button_values_get_a_kind_answer(
    slack: SlackHarness, services: Services, value: str
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await click(slack, MENTOR, value or "x")
    assert slack.texts(MENTOR) == ["Ce bouton vient d'un ancien message, il n'est plus valable."]


@pytest.mark.parametrize("reference", ["²", "12345678901234567890123", "abc"])
async def test_staff_show_with_a_strange_reference_is_answered(
    slack: SlackHarness, services: Services, reference: str
) -> None:
    await slack.send(*slack.requests.slash_command(STAFF, text=f"show {reference}"))
    assert slack.texts(STAFF) == [f"Binôme n°{reference[:20]} introuvable."]


async def test_metadata_with_unicode_digits_or_a_foreign_checkin_is_refused_and_audited(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    answers = {"how": Radio("call"), "progress": Radio("slow")}
    await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "contact",
            answers,
            private_metadata=json.dumps({"pairing": pairing_id, "checkin": 424242}),
            view_id="VFOREIGN",
        )
    )
    await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "concern",
            {"note": "hello"},
            private_metadata=json.dumps({"pairing": "²"}),
            view_id="VDIGIT",
        )
    )
    assert await rows(services, Interaction) == []
    assert all("pas le vôtre" in text for text in slack.texts(MENTOR))
    actions = [a.action for a in await rows(services, AuditLog)]
    assert "foreign_checkin_refused" in actions
    assert "foreign_pair_refused" in actions


@pytest.mark.parametrize(
    ("typed", "until"),
    [
        ("5 janvier", date(2027, 1, 5)),
        ("05/01", date(2027, 1, 5)),
        ("jusqu'au 5/1", date(2027, 1, 5)),
        ("jusqu’au 20 décembre", date(2026, 12, 20)),
        ("2026-12-20", date(2026, 12, 20)),
    ],
)
async def test_pause_reads_dates_as_people_type_them(
    slack: SlackHarness, services: Services, typed: str, until: date
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await slack.send(*slack.requests.slash_command(MENTOR, text=f"pause {typed}"))
    [profile] = await rows(services, MentorProfile)
    assert profile.checkins_paused_until == until


async def test_pause_usage_shows_an_example_in_the_future(
    slack: SlackHarness, services: Services
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await slack.send(*slack.requests.slash_command(MENTOR, text="pause demain-ish"))
    said = slack.texts(MENTOR)[-1]
    assert "23 novembre 2026" in said  # three weeks after 2 November 2026
    assert "2026-08-31" not in said


async def test_app_home_action_ids_are_unique_with_two_pairs(
    slack: SlackHarness, services: Services
) -> None:
    await make_pair(services, mentor_slack=MENTOR, youth_name="Inès")
    await make_pair(services, mentor_slack=MENTOR, youth_name="Yasmine")
    await slack.send(*slack.requests.event(slack.requests.app_home_opened(MENTOR)))
    view = slack.api.published_home(MENTOR) or {}
    ids = [
        element["action_id"]
        for block in view.get("blocks", [])
        for element in block.get("elements") or []
        if element.get("type") == "button"
    ]
    # four per pair (first meeting, log, concern, outcome); once: "ask the team", the event
    # announcements' toggle, "update my profile" and "not taking new mentees"
    assert len(ids) == 12
    assert len(set(ids)) == len(ids)


async def test_an_answered_message_loses_its_buttons_and_shows_the_answer(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    await dispatcher(services, slack.api).run_once()  # the introduction, with its button
    channel, ts = slack.api.last_post(MENTOR)
    intro = slack.api.posted(channel, ts) or {}
    # "first meeting held" (beside "propose a date")
    label = "✅ Première rencontre faite (aujourd'hui)"
    value = slack.buttons(intro)[label]
    assert value == f"fm:{pairing_id}"
    await slack.send(
        *slack.requests.block_actions(
            MENTOR, "mb_0", value, channel_id=channel, message_ts=ts, text=label
        )
    )
    now = slack.api.posted(channel, ts) or {}
    assert slack.buttons(now) == {}
    assert f"✓ {label}" in json.dumps(now["blocks"], ensure_ascii=False)
    assert "edited" in now


async def test_app_home_shows_what_is_true_now(slack: SlackHarness, services: Services) -> None:
    erased_pair, _, _ = await make_pair(services, mentor_slack=MENTOR, youth_name="Zoé")
    found_pair, _, _ = await make_pair(services, mentor_slack=MENTOR, youth_name="Yasmine")
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, erased_pair)
        assert pairing is not None
        youth = await session.get(Person, pairing.youth_id)
        assert youth is not None
        await session.refresh(youth, ["identities"])
        await privacy.erase_person(session, youth, now)
        pairing.status = "closed"
        session.add(
            Outcome(
                pairing_id=found_pair,
                kind="job",
                contract="cdi",
                at_diploma_level=True,
                occurred_on=date(2026, 11, 20),
                reported_at=now,
            )
        )
    await slack.send(*slack.requests.slash_command(MENTOR, text="pause 31/03"))
    home = slack.home_text(MENTOR)
    assert "**" not in home
    assert "a effacé ses données" in home
    assert "en pause jusqu'au 31 mars 2027" in home
    assert "Prochain point" not in home
    view = slack.api.published_home(MENTOR) or {}
    values = [
        element["value"]
        for block in view.get("blocks", [])
        for element in block.get("elements") or []
        if element.get("type") == "button"
    ]
    assert f"ho:{found_pair}" not in values  # the outcome is recorded already
    assert f"hl:{found_pair}" in values


async def test_nul_and_lone_surrogates_from_slack_are_stored_without_them(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "concern",
            {"note": "il ne\x00 répond plus \ud800"},
            private_metadata=json.dumps({"pairing": pairing_id}),
            view_id="VNUL",
        )
    )
    [concern] = await rows(services, Interaction)
    assert concern.note == "il ne répond plus"
