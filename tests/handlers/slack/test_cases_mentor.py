"""Mentors ask the team: `/mentorbot team <text>`, or the form (`/mentorbot team` alone, the
App Home's button), open a case whose thread staff answer in; the answer reaches the mentor
in a thread of the bot's direct messages, and their replies there come back to the case.
A concern opens a case too."""

from __future__ import annotations

import json

from bot.container import Services
from storage.models import Case, Delivery, Thread
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL, click, dispatcher, rows


async def _team(slack: SlackHarness, text: str) -> None:
    status, _ = await slack.send(*slack.requests.slash_command(MENTOR, text=text))
    assert status == 200


async def test_a_mentor_asks_the_team_and_gets_the_answer_in_a_thread(
    services: Services, slack: SlackHarness
) -> None:
    _, _, mentor_id = await make_pair(services, mentor_slack=MENTOR)
    await _team(slack, "team Comment aider Inès à préparer un entretien ?")
    [case] = await rows(services, Case)
    assert (case.kind, case.person_id, case.text) == (
        "human",
        mentor_id,
        "Comment aider Inès à préparer un entretien ?",
    )
    assert f"demande n°{case.id}" in slack.texts(MENTOR)[-1]
    await dispatcher(services, slack.api).run_until_empty()
    [post] = slack.api.messages(STAFF_CHANNEL)
    assert f"De : #{mentor_id} Claire" in str(post["text"])
    [case] = await rows(services, Case)
    assert case.staff_channel_ts is not None

    event = slack.requests.message_channel(
        STAFF, STAFF_CHANNEL, "Bonjour Claire, voici une fiche.", thread_ts=case.staff_channel_ts
    )
    await slack.send(*slack.requests.event(event))
    await dispatcher(services, slack.api).run_until_empty()
    answer = slack.api.messages(MENTOR)[-1]
    assert "Bonjour Claire, voici une fiche." in str(answer["text"])
    assert "Répondez dans le fil de ce message" in str(answer["text"])
    # its thread in the mentor's direct messages now stands for the case
    in_dm = [
        t
        for t in await rows(services, Thread)
        if t.case_id == case.id and t.ts != case.staff_channel_ts
    ]
    assert len(in_dm) == 1
    # the answer's text is not kept once delivered
    [delivered] = [d for d in await rows(services, Delivery) if d.template == "case.answer"]
    assert delivered.context["text"] == ""

    # the mentor replies in that thread: it lands in the case's thread in the staff channel
    [dm] = in_dm
    reply = slack.requests.message_im(
        MENTOR, "Merci ! Et pour la lettre ?", channel=dm.chat_id, thread_ts=dm.ts
    )
    await slack.send(*slack.requests.event(reply))
    assert "Envoyé à l'équipe" in slack.texts(MENTOR)[-1]
    await dispatcher(services, slack.api).run_until_empty()
    in_thread = [
        m for m in slack.api.messages(STAFF_CHANNEL) if m.get("thread_ts") == case.staff_channel_ts
    ]
    assert "Merci ! Et pour la lettre ?" in str(in_thread[-1]["text"])
    assert "Claire" in str(in_thread[-1]["text"])
    # nothing went to the mentee
    assert not [d for d in await rows(services, Delivery) if d.template.startswith("relay.youth")]

    # resolved: a reply in the thread is not passed on, and the mentor is told how to ask
    await click(slack, STAFF, f"cr2:{case.id}")
    late = slack.requests.message_im(
        MENTOR, "Encore une chose", channel=dm.chat_id, thread_ts=dm.ts
    )
    await slack.send(*slack.requests.event(late))
    assert "est résolue : ce message n'a pas été transmis" in slack.texts(MENTOR)[-1]


async def test_team_alone_and_the_home_button_open_a_form(
    services: Services, slack: SlackHarness
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await _team(slack, "equipe")
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "ask_team"
    assert "Écrire à l'équipe" in json.dumps(modal, ensure_ascii=False)
    await click(slack, MENTOR, "tq")
    assert slack.api.opened_views()[-1]["callback_id"] == "ask_team"
    # an empty question keeps the form open with an error under the field
    status, body = await slack.send(
        *slack.requests.view_submission(MENTOR, "ask_team", {"question": "  "})
    )
    assert status == 200
    assert "question" in json.loads(body)["errors"]
    assert await rows(services, Case) == []
    await slack.send(
        *slack.requests.view_submission(MENTOR, "ask_team", {"question": "<!channel> aide"})
    )
    [case] = await rows(services, Case)
    assert case.text == "<!channel> aide"
    await dispatcher(services, slack.api).run_until_empty()
    [post] = slack.api.messages(STAFF_CHANNEL)
    assert "<!channel>" not in json.dumps(post)
    # asked again while it is open: added to the same case, in its thread
    await _team(slack, "team Et aussi : un modèle de CV ?")
    assert len(await rows(services, Case)) == 1
    assert f"Ajouté à votre demande n°{case.id}" in slack.texts(MENTOR)[-1]
    await dispatcher(services, slack.api).run_until_empty()
    [case] = await rows(services, Case)
    thread = case.staff_channel_ts
    replies = [m for m in slack.api.messages(STAFF_CHANNEL) if m.get("thread_ts") == thread]
    assert ["Et aussi : un modèle de CV ?" in str(m["text"]) for m in replies] == [True]


async def test_a_concern_opens_a_case_the_team_answers(
    services: Services, slack: SlackHarness
) -> None:
    pairing_id, _, mentor_id = await make_pair(services, mentor_slack=MENTOR)
    await click(slack, MENTOR, f"hc:{pairing_id}")
    modal = slack.api.opened_views()[-1]
    await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "concern",
            {"note": "Inès semble découragée"},
            private_metadata=modal["private_metadata"],
        )
    )
    [case] = await rows(services, Case)
    assert (case.kind, case.person_id, case.pairing_id, case.text) == (
        "concern",
        mentor_id,
        pairing_id,
        "Inès semble découragée",
    )
    await dispatcher(services, slack.api).run_until_empty()
    [post] = slack.api.messages(STAFF_CHANNEL)
    assert "Inquiétude sur un binôme" in str(post["text"])
    assert set(slack.buttons(post)) == {"Je m'en occupe", "Résolu", "Voir le binôme"}


async def test_the_app_home_shows_the_ask_the_team_button(
    services: Services, slack: SlackHarness
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    event = slack.requests.app_home_opened(MENTOR)
    assert (await slack.send(*slack.requests.event(event, event_id="EvHome1")))[0] == 200
    await slack.settled()
    [published] = slack.api.calls("views.publish")
    values = [
        element.get("value")
        for block in json.loads(json.dumps(published))["view"]["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
    assert "tq" in values
    assert "Écrire à l'équipe" in json.dumps(published, ensure_ascii=False)


async def test_the_mentor_s_help_says_how_to_reach_the_mentee_and_the_team(
    services: Services, slack: SlackHarness
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await _team(slack, "help")
    said = slack.texts(MENTOR)[-1]
    assert "/mentorbot team" in said
    assert "répondez dans le fil du message qui vous l'a présentée" in said
    assert "annonces d'événements" in said
