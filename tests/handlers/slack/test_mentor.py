"""The Slack adapter: the real Bolt app over HTTP, Slack-signed requests, the stand-in Web API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs.lifecycle import change_status
from storage.models import (
    AuditLog,
    Checkin,
    CloseReason,
    Delivery,
    Interaction,
    Outcome,
    Pairing,
    PairingStatus,
    ProcessedEvent,
)
from tests.fakes.mentoring import make_mentor, make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.slack_requests import Checked, Radio, tamper
from tests.handlers.slack.conftest import (
    MENTOR,
    STAFF,
    STAFF_CHANNEL,
    click,
    dispatcher,
    rows,
    start_checkin,
)


async def test_a_full_monthly_checkin(slack: SlackHarness, services: Services) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    checkin_id = await start_checkin(services, pairing_id)
    report = await dispatcher(services, slack.api).run_once()
    assert report.sent == 2  # the pairing introduction, then the check-in
    asked = slack.api.messages(MENTOR)[-1]
    assert "Point mensuel avec Inès" in asked["text"]
    buttons = slack.buttons(asked)
    assert buttons["Oui"] == f"ci:{checkin_id}:yes"

    trigger = await click(slack, MENTOR, buttons["Oui"])
    assert slack.api.calls("views.open")[-1]["trigger_id"] == trigger
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "contact"
    assert json.loads(modal["private_metadata"]) == {"pairing": pairing_id, "checkin": checkin_id}
    assert [b["block_id"] for b in modal["blocks"]] == [
        "how",
        "topics",
        "progress",
        "note",
        "needs_staff",
    ]

    status, _ = await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "contact",
            {
                "how": Radio("video"),
                "topics": Checked("cv", "interview"),
                "progress": Radio("good"),
                "note": "CV revu, entretien jeudi",
                "needs_staff": [],
            },
            private_metadata=modal["private_metadata"],
            view_id="VCHECKIN",
        )
    )
    assert status == 200
    [logged] = await rows(services, Interaction)
    assert (logged.kind, logged.how, logged.topics, logged.note, logged.source_event_id) == (
        "contact",
        "video",
        ["cv", "interview"],
        "CV revu, entretien jeudi",
        "view:VCHECKIN",
    )
    [answered] = await rows(services, Checkin)
    assert (answered.answer, answered.progress) == ("yes", "good")
    assert "votre échange avec Inès est noté" in slack.texts(MENTOR)[-1]
    home = slack.home_text(MENTOR)
    assert "Inès" in home
    assert "Dernier contact : 2 novembre 2026" in home
    assert "hl:" in home  # the log button


async def test_invalid_modal_answers_are_refused_with_clear_messages(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    status, text = await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "contact",
            {"how": None, "progress": Radio("pigeon"), "note": "x" * 5001},
            private_metadata=json.dumps({"pairing": pairing_id, "checkin": 1}),
        )
    )
    assert status == 200
    answer = json.loads(text)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "how": "Merci de répondre à cette question.",
        "progress": "Choisissez une des réponses proposées.",
        "note": "Ce texte est trop long (5 000 caractères au plus).",
    }
    assert await rows(services, Interaction) == []


async def test_first_meeting_is_logged_in_one_tap(slack: SlackHarness, services: Services) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    await dispatcher(services, slack.api).run_once()
    intro = slack.api.messages(MENTOR)[0]
    assert "vous accompagnez désormais Inès" in intro["text"]
    value = slack.buttons(intro)["✅ Première rencontre faite (aujourd'hui)"]
    await click(slack, MENTOR, value)
    await click(slack, MENTOR, value)
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    assert pairing.first_meeting_at == services.clock.now()
    assert [i.kind for i in await rows(services, Interaction)] == ["first_meeting"]
    assert "Première rencontre avec Inès notée le 2 novembre 2026" in slack.texts(MENTOR)[-2]
    assert "déjà notée" in slack.texts(MENTOR)[-1]


async def test_an_outcome_report_reaches_the_staff_channel(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    await slack.send(*slack.requests.slash_command(MENTOR, text="outcome"))
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "outcome"
    await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "outcome",
            {
                "kind": Radio("job"),
                "contract": Radio("cdi"),
                "at_level": Radio("yes"),
                "occurred_on": services.clock.now().date(),
            },
            private_metadata=modal["private_metadata"],
        )
    )
    [reported] = await rows(services, Outcome)
    assert (reported.pairing_id, reported.kind, reported.contract) == (pairing_id, "job", "cdi")
    assert reported.at_diploma_level is True
    await dispatcher(services, slack.api).run_once()
    [alert] = slack.api.messages(STAFF_CHANNEL)
    assert f"Sortie : emploi trouvé — binôme n°{pairing_id}" in alert["text"]


async def test_a_concern_alerts_staff_without_pinging_anyone(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    await click(slack, MENTOR, f"hc:{pairing_id}")
    modal = slack.api.opened_views()[-1]
    note = "<!channel> <@U0BOSS> & <https://evil.example|clique> " + "x" * 4947
    assert len(note) == 5000
    await slack.send(
        *slack.requests.view_submission(
            MENTOR, "concern", {"note": note}, private_metadata=modal["private_metadata"]
        )
    )
    [concern] = await rows(services, Interaction)
    assert concern.note == note  # stored whole
    assert "vous répond ici sous 5 jours ouvrés" in slack.texts(MENTOR)[-1]

    await dispatcher(services, slack.api).run_once()
    [alert] = slack.api.messages(STAFF_CHANNEL)
    shown = json.dumps(alert, ensure_ascii=False)
    assert "&lt;!channel&gt; &lt;@U0BOSS&gt; &amp; &lt;https://evil.example|clique&gt;" in shown
    assert "<!channel>" not in shown
    assert "<@U0BOSS>" not in shown
    assert "<https://evil" not in shown
    assert len(alert["text"]) < 3000

    # staff open the pair from the alert; anyone else is refused and audit-logged
    view_pair = slack.buttons(alert)["Voir le binôme"]
    await click(slack, STAFF, view_pair)
    assert f"Binôme n°{pairing_id}" in json.dumps(slack.api.opened_views()[-1], ensure_ascii=False)
    await click(slack, MENTOR, view_pair)
    assert "réservée à l'équipe" in slack.texts(MENTOR)[-1]
    await slack.send(*slack.requests.slash_command("UNOBODY", text=f"show {pairing_id}"))
    assert "réservée à l'équipe" in slack.texts("UNOBODY")[-1]
    refusals = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [a.actor for a in refusals] == [f"slack:{MENTOR}", "slack:UNOBODY"]


async def test_a_mentor_cannot_log_for_a_pair_that_is_not_theirs(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    async with services.sessions() as session, session.begin():
        await make_mentor(session, services.clock.now(), "UOTHER")
    await slack.send(
        *slack.requests.view_submission(
            "UOTHER",
            "contact",
            {"how": Radio("call"), "progress": Radio("slow"), "occurred_on": None},
            private_metadata=json.dumps({"pairing": pairing_id, "checkin": 1}),
        )
    )
    await click(slack, "UOTHER", f"fm:{pairing_id}")
    assert await rows(services, Interaction) == []
    assert (
        slack.texts("UOTHER")
        == [
            "Désolé, ce binôme n'est pas le vôtre : vous ne pouvez voir et noter que vos propres "
            "binômes."
        ]
        * 2
    )
    refusals = [a for a in await rows(services, AuditLog) if a.action == "foreign_pair_refused"]
    assert len(refusals) == 2


async def test_a_modal_submitted_twice_records_once(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    submission = slack.requests.view_submission(
        MENTOR,
        "contact",
        {
            "occurred_on": services.clock.now().date(),
            "how": Radio("meeting"),
            "progress": Radio("slow"),
        },
        private_metadata=json.dumps({"pairing": pairing_id}),
        view_id="VTWICE",
    )
    await slack.send(*submission)
    status, _ = await slack.send(*submission)
    # the retried submission is acknowledged (the modal closes) and changes nothing:
    # one contact, one confirmation
    assert status == 200
    assert len(await rows(services, Interaction)) == 1
    assert slack.texts(MENTOR) == ["Merci, votre échange avec Inès est noté."]


async def test_buttons_of_a_past_month_or_a_closed_pair_are_explained(
    slack: SlackHarness, services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    checkin_id = await start_checkin(services, pairing_id)
    clock.advance(timedelta(days=31))
    await click(slack, MENTOR, f"ci:{checkin_id}:yes")
    assert "point de novembre 2026, qui est passé" in slack.texts(MENTOR)[-1]
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing,
            PairingStatus.CLOSED,
            now=clock.now(),
            config=services.config,
            reason=CloseReason.JOB,
        )
    await click(slack, MENTOR, f"ci:{checkin_id}:not_yet")
    assert "Le mentorat avec Inès est terminé" in slack.texts(MENTOR)[-1]
    assert slack.api.opened_views() == []
    [untouched] = await rows(services, Checkin)
    assert untouched.answer is None


async def test_event_retries_are_processed_once_and_unseen_retries_processed(
    slack: SlackHarness, services: Services
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    event = slack.requests.app_home_opened(MENTOR)
    assert (await slack.send(*slack.requests.event(event, event_id="Ev1")))[0] == 200
    assert (await slack.send(*slack.requests.event(event, event_id="Ev1", retry_num=1)))[0] == 200
    assert len(slack.api.calls("views.publish")) == 1
    # the first delivery of Ev2 was lost: its retry is the first we see, and it counts
    assert (await slack.send(*slack.requests.event(event, event_id="Ev2", retry_num=1)))[0] == 200
    assert len(slack.api.calls("views.publish")) == 2
    assert "Inès" in slack.home_text(MENTOR)


async def test_bad_signatures_and_stale_requests_get_401_and_change_nothing(
    slack: SlackHarness, services: Services
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    body, headers = slack.requests.event(slack.requests.app_home_opened(MENTOR), event_id="Ev9")
    assert (await slack.send(body, tamper(headers)))[0] == 401
    stale = slack.requests.stale()
    assert (await slack.send(*stale.event(stale.app_home_opened(MENTOR), event_id="Ev9")))[0] == 401
    assert (await slack.send(*stale.slash_command(MENTOR, text="pairs")))[0] == 401
    assert slack.api.calls("views.publish") == []
    assert slack.api.messages() == []
    assert await rows(services, ProcessedEvent) == []


async def test_pairs_help_and_pause_commands(slack: SlackHarness, services: Services) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await slack.send(*slack.requests.slash_command(MENTOR, text="pairs"))
    assert "Inès (en cours) : Développement web" in slack.texts(MENTOR)[-1]
    await slack.send(*slack.requests.slash_command(MENTOR, text="help"))
    assert "/mentorbot log" in slack.texts(MENTOR)[-1]
    await slack.send(*slack.requests.slash_command(MENTOR, text="pause 2026-12-20"))
    assert "Pas de point mensuel jusqu'au 20 décembre 2026" in slack.texts(MENTOR)[-1]
    await slack.send(*slack.requests.slash_command("UUNKNOWN", text="pairs"))
    assert "Je ne vous connais pas encore comme mentor" in slack.texts("UUNKNOWN")[-1]


async def test_slack_429_retry_after_is_honoured_by_the_outbox(
    services: Services, slack_api: FakeSlackApi, clock: FixedClock
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    await start_checkin(services, pairing_id)
    outbox = dispatcher(services, slack_api)
    slack_api.fail_next("chat.postMessage", retry_after=30)
    report = await outbox.run_once()
    assert report.retried == 2  # the first got 429; the second waited without calling Slack
    assert len(slack_api.calls("chat.postMessage")) == 1
    async with services.sessions() as session:
        due = (
            await session.scalars(
                select(Delivery.next_attempt_at).where(Delivery.channel == "slack")
            )
        ).all()
    assert set(due) == {clock.now() + timedelta(seconds=30)}
    clock.advance(timedelta(seconds=29))
    assert (await outbox.run_once()).handled == 0
    clock.advance(timedelta(seconds=1))
    assert (await outbox.run_once()).sent == 2
    assert len(slack_api.messages(MENTOR)) == 2


@pytest.mark.parametrize("error", ["channel_not_found", "user_not_found", "account_inactive"])
async def test_unreachable_slack_accounts_are_undeliverable(
    services: Services, slack_api: FakeSlackApi, error: str
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    slack_api.fail_next("chat.postMessage", error)
    report = await dispatcher(services, slack_api).run_once()
    assert (report.undeliverable, report.sent) == (1, 0)
    async with services.sessions() as session:
        [failed] = (
            await session.scalars(select(Delivery).where(Delivery.status == "undeliverable"))
        ).all()
    assert failed.last_error == error


async def test_free_text_in_the_apps_messages_gets_a_helpful_answer_once(
    slack: SlackHarness, services: Services
) -> None:
    # a mentor without mentees: what they write is for nobody (with one, it is relayed)
    async with services.sessions() as session, session.begin():
        await make_mentor(session, services.clock.now(), MENTOR)
    message = slack.requests.message_im(MENTOR, "Bonjour, je pars en vacances demain")
    assert (await slack.send(*slack.requests.event(message, event_id="EvDM")))[0] == 200
    said = slack.texts(MENTOR)
    assert len(said) == 2
    assert "Je ne lis pas les messages libres" in said[0]
    assert "/mentorbot pause" in said[1]
    # Slack retries the event: no second answer
    await slack.send(*slack.requests.event(message, event_id="EvDM", retry_num=1))
    assert len(slack.texts(MENTOR)) == 2
    # the bot's own messages and edits are not answered
    own = {**message, "bot_id": "BBOT", "user": "UBOT"}
    edited = {**message, "subtype": "message_changed"}
    await slack.send(*slack.requests.event(own, event_id="EvBot"))
    await slack.send(*slack.requests.event(edited, event_id="EvEdit"))
    assert len(slack.texts(MENTOR)) == 2
