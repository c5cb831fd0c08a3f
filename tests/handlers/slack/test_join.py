"""A mentor signs up in Slack (`/mentorbot join`), through Bolt against the stand-in Web
API: the form opens for someone the bot does not know, errors stay in place, the case's
post reaches the staff channel with "Approve" and "Decline", staff approve once (the
mentor told), anyone else is refused and audited; a retried submission changes nothing
twice."""

from __future__ import annotations

import json
from typing import Any

from bot.container import Services
from storage.models import AuditLog, Case, Delivery, MentorProfile, Person
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.slack_requests import Radio, Select
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL, click, dispatcher, rows

NEWCOMER = "UNEW1"
VALUES: dict[str, Any] = {
    "first_name": "Claire",
    "company": "ACME <!channel>",
    "sector": "Informatique",
    "expertise": "développement web, entretiens",
    "region": Select("ara"),
    "capacity": Radio("2"),
    "languages": ["fr", "en"],
    "remote": Radio("yes"),
}


async def _submit(slack: SlackHarness, values: dict[str, Any], view_id: str) -> tuple[int, str]:
    return await slack.send(
        *slack.requests.view_submission(NEWCOMER, "mentor_join", values, view_id=view_id)
    )


async def _press_on_post(slack: SlackHarness, user: str, value: str, ts: str) -> None:
    """Press a button of the case's post in the staff channel."""
    status, _ = await slack.send(
        *slack.requests.block_actions(
            user, "mb_0", value, trigger_id=slack.requests.new_trigger_id(),
            channel_id=STAFF_CHANNEL, message_ts=ts,
        )
    )  # fmt: skip
    assert status == 200


async def _signed_up(services: Services, slack: SlackHarness) -> tuple[Person, dict[str, Any]]:
    status, _ = await slack.send(*slack.requests.slash_command(NEWCOMER, text="join"))
    assert status == 200
    status, body = await _submit(slack, VALUES, "VJOIN1")
    assert (status, body) == (200, "")
    await dispatcher(services, slack.api).run_until_empty()
    [person] = await rows(services, Person)
    [post] = slack.api.messages(STAFF_CHANNEL)
    return person, post


async def test_a_newcomer_opens_the_form_and_errors_stay_in_place(
    services: Services, slack: SlackHarness
) -> None:
    status, _ = await slack.send(*slack.requests.slash_command(NEWCOMER, text="join"))
    assert status == 200
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "mentor_join"
    shown = json.dumps(modal, ensure_ascii=False)
    assert "Devenir mentor" in shown
    assert "Auvergne-Rhône-Alpes" in shown
    assert "espagnol" in shown
    blocks = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert blocks["region"]["element"]["type"] == "static_select"
    assert blocks["capacity"]["element"]["type"] == "radio_buttons"
    assert blocks["languages"]["element"]["type"] == "checkboxes"
    assert blocks["company"]["optional"]

    bad = {**VALUES, "region": Select("atlantis"), "languages": [], "sector": "  "}
    status, body = await _submit(slack, bad, "VJOIN1")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"region", "languages", "sector"}
    assert "Choisissez une des réponses proposées" in answer["errors"]["region"]
    assert await rows(services, Person) == []
    assert await rows(services, Case) == []


async def test_sign_up_approve_and_the_mentor_is_told(
    services: Services, slack: SlackHarness
) -> None:
    person, post = await _signed_up(services, slack)
    assert "Merci ! Votre inscription est transmise" in slack.texts(NEWCOMER)[-1]
    text = str(post["text"])
    assert "Inscription de mentor à valider" in text
    assert f"De : #{person.id} Claire" in text
    assert "Auvergne-Rhône-Alpes, à distance aussi" in text
    assert "Langues : français, anglais" in text
    # what people typed pings nobody
    assert "<!channel>" not in json.dumps(post)
    buttons = slack.buttons(post)
    assert buttons == {
        "Valider": f"ja:{person.id}",
        "Refuser": f"jd:{person.id}",
        "Je m'en occupe": buttons["Je m'en occupe"],
    }
    [case] = await rows(services, Case)
    _, ts = slack.api.last_post(STAFF_CHANNEL)
    assert case.staff_channel_ts == ts
    # the profile's details are not kept in the outbox once posted
    [queued] = [d for d in await rows(services, Delivery) if d.template == "staff.approval.signup"]
    assert queued.context["company"] == ""

    await _press_on_post(slack, STAFF, f"ja:{person.id}", ts)
    assert "fait maintenant partie des mentors actifs" in slack.texts(STAFF)[-1]
    [profile] = await rows(services, MentorProfile)
    assert (profile.status, profile.approved_by) == ("active", STAFF)
    await dispatcher(services, slack.api).run_until_empty()
    assert "Bienvenue parmi les mentors du programme" in slack.texts(NEWCOMER)[-1]
    # the pressed post lost its buttons
    settled = slack.api.posted(STAFF_CHANNEL, ts)
    assert settled is not None
    assert not slack.buttons(settled)

    # pressed again: one outcome, told who decided
    await click(slack, STAFF, f"ja:{person.id}")
    assert f"déjà validée par `{STAFF}`" in slack.texts(STAFF)[-1]
    approvals = [a for a in await rows(services, AuditLog) if a.action == "mentor_approved"]
    assert len(approvals) == 1
    await dispatcher(services, slack.api).run_until_empty()
    assert len([t for t in slack.texts(NEWCOMER) if "Bienvenue" in t]) == 1

    # now a mentor: the App Home shows the mentor's
    await slack.send(*slack.requests.event(slack.requests.app_home_opened(NEWCOMER)))
    assert "Notez vos échanges" in slack.home_text(NEWCOMER)


async def test_a_retried_submission_changes_nothing_twice(
    services: Services, slack: SlackHarness
) -> None:
    await _signed_up(services, slack)
    status, body = await _submit(slack, VALUES, "VJOIN1")
    assert (status, body) == (200, "")
    # another form opened meanwhile and sent: pending, no second case
    await _submit(slack, {**VALUES, "company": "Autre"}, "VJOIN2")
    assert "attend encore la validation" in slack.texts(NEWCOMER)[-1]
    await dispatcher(services, slack.api).run_until_empty()
    assert len(slack.api.messages(STAFF_CHANNEL)) == 1
    assert len(await rows(services, Case)) == 1
    assert len(await rows(services, Person)) == 1
    [profile] = await rows(services, MentorProfile)
    assert profile.company == "ACME <!channel>"


async def test_an_approval_by_someone_not_on_the_staff_is_refused_and_audited(
    services: Services, slack: SlackHarness
) -> None:
    person, _ = await _signed_up(services, slack)
    await click(slack, "UINTRUDER", f"ja:{person.id}")
    assert "réservée à l'équipe du programme" in slack.texts("UINTRUDER")[-1]
    await click(slack, NEWCOMER, f"ja:{person.id}")
    [profile] = await rows(services, MentorProfile)
    assert profile.status == "pending"
    refused = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [a.actor for a in refused] == ["slack:UINTRUDER", f"slack:{NEWCOMER}"]
    # a decline by staff still works afterwards, and is said kindly
    await click(slack, STAFF, f"jd:{person.id}")
    assert "Inscription refusée" in slack.texts(STAFF)[-1]
    await dispatcher(services, slack.api).run_until_empty()
    assert "Merci beaucoup d'avoir proposé votre aide" in slack.texts(NEWCOMER)[-1]


async def test_a_mentor_updates_their_profile_with_errors_in_place(
    services: Services, slack: SlackHarness
) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await make_pair(services, mentor_slack=MENTOR, youth_name="Samir")
    status, _ = await slack.send(*slack.requests.slash_command(MENTOR, text="profile"))
    assert status == 200
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "mentor_profile"
    assert "Votre profil de mentor" in json.dumps(modal, ensure_ascii=False)
    status, body = await slack.send(
        *slack.requests.view_submission(
            MENTOR, "mentor_profile", {**VALUES, "capacity": Radio("1")}, view_id="VPROF1"
        )
    )
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "Vous accompagnez en ce moment 2 personnes" in answer["errors"]["capacity"]
    [profile] = await rows(services, MentorProfile)
    assert profile.capacity == 2
    status, body = await slack.send(
        *slack.requests.view_submission(MENTOR, "mentor_profile", VALUES, view_id="VPROF1")
    )
    assert (status, body) == (200, "")
    assert "votre profil est à jour" in slack.texts(MENTOR)[-1]
    [profile] = await rows(services, MentorProfile)
    assert (profile.region, profile.languages) == ("ara", ["fr", "en"])

    # not taking new mentees for now, from the App Home's button
    await click(slack, MENTOR, "jt:off")
    assert "ne vous proposera pas de nouvelle personne" in slack.texts(MENTOR)[-1]
    [profile] = await rows(services, MentorProfile)
    assert not profile.accepting
    # the App Home now offers to take new mentees again
    assert '"jt:on"' in slack.home_text(MENTOR)
    assert '"jt:off"' not in slack.home_text(MENTOR)


async def test_the_profile_form_opens_filled_in(services: Services, slack: SlackHarness) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await slack.send(*slack.requests.slash_command(MENTOR, text="profile"))
    modal = slack.api.opened_views()[-1]
    elements = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert elements["first_name"]["initial_value"] == "Claire"
    assert elements["company"]["initial_value"] == "ACME"
    assert "initial_value" not in elements["expertise"]
    assert elements["region"]["initial_option"]["value"] == "idf"
    assert elements["region"]["initial_option"]["text"]["text"] == "Île-de-France"
    assert elements["capacity"]["initial_option"]["value"] == "2"
    assert elements["remote"]["initial_option"]["value"] == "yes"
    assert "initial_options" not in elements["languages"]
    await slack.send(
        *slack.requests.view_submission(MENTOR, "mentor_profile", VALUES, view_id="VPROF2")
    )
    await slack.send(*slack.requests.slash_command(MENTOR, text="profile"))
    modal = slack.api.opened_views()[-1]
    elements = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert [o["value"] for o in elements["languages"]["initial_options"]] == ["fr", "en"]
    assert elements["region"]["initial_option"]["value"] == "ara"
