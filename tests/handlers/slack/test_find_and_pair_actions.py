"""Staff find people and act on a pair from Slack, through the real Bolt app (signed
requests, the stand-in Web API): `/mentorbot find` and its kind answers to odd input, a
pair's "View" button, pause and resume at once, close through a form (errors in place, a
second submission refused in place); a mentor pressing a staff button is refused and the
refusal audit-logged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.container import Services
from conversations.staff.directory import read_query
from storage.models import AuditLog, Delivery, Interaction, Pairing
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.slack_requests import Select
from tests.handlers.slack.conftest import MENTOR, STAFF, click, rows


async def command(slack: SlackHarness, user: str, text: str) -> dict[str, Any]:
    status, _ = await slack.send(*slack.requests.slash_command(user, text=text))
    assert status == 200
    return slack.api.messages(user)[-1]


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def pairing_of(services: Services, pairing_id: int) -> Pairing:
    [found] = [p for p in await rows(services, Pairing) if p.id == pairing_id]
    return found


async def test_find_lists_people_and_pairs_with_their_view_button(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, youth_id, mentor_id = await make_pair(services, telegram_id="8101")

    found = await command(slack, STAFF, "find ines")

    text = shown(found)
    assert f"n°{youth_id} Inès : en binôme" in text
    assert f"n°{pairing_id} Inès avec Claire : en cours, ✅ sur les rails" in text
    assert slack.buttons(found) == {f"Voir n°{pairing_id}": f"sp:{pairing_id}"}

    await click(slack, STAFF, f"sp:{pairing_id}")
    assert f"Binôme n°{pairing_id}" in shown(slack.api.opened_views()[-1])

    # a mention (what Slack sends for "@Claire") finds the mentor
    by_mention = shown(await command(slack, STAFF, f"find <@{MENTOR}|claire>"))
    assert f"n°{mentor_id} Claire, ACME : actif, 1 place libre" in by_mention


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("find", "écrivez un prénom, un nom ou un email après la commande"),
        ("find    ", "écrivez un prénom, un nom ou un email après la commande"),
        ("find " + "a" * 5000, "trop long pour une recherche (100 caractères au plus)"),
        ("find Inès\x1b[2J", "caractères invisibles"),
        ("find Inès\u202e", "caractères invisibles"),
        ("find <!channel> *_~`", "seulement des signes de mise en forme"),
    ],
)
async def test_odd_searches_get_a_kind_answer(
    slack: SlackHarness, services: Services, typed: str, said: str
) -> None:
    await make_pair(services)
    answer = await command(slack, STAFF, typed)
    assert said in shown(answer)
    assert slack.buttons(answer) == {}


async def test_a_nul_is_dropped_at_the_door_and_the_search_goes_on(
    slack: SlackHarness, services: Services
) -> None:
    _pairing, youth_id, _mentor = await make_pair(services)
    assert f"n°{youth_id} Inès" in shown(await command(slack, STAFF, "find In\x00ès"))


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("", "staff.find.usage"),
        ("Inès\x00", "staff.find.unreadable"),
        ("x" * 101, "staff.find.too_long"),
        ("<!here> **", "staff.find.no_words"),
        ("Inès", None),
    ],
)
def test_what_a_search_reads(typed: str, refusal: str | None) -> None:
    assert read_query(typed).refusal == refusal


async def test_no_match_says_so_without_echoing_markup(
    slack: SlackHarness, services: Services
) -> None:
    await make_pair(services)
    answer = shown(await command(slack, STAFF, "find Zoé <https://evil.example|clic>"))
    assert "Personne ne correspond à « Zoé https://evil.example clic »" in answer
    assert "<https://evil.example" not in answer


async def test_pause_resume_and_close_a_pair_from_its_view(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, youth_id, mentor_id = await make_pair(services, telegram_id="8102")

    view = await command(slack, STAFF, f"show {pairing_id}")
    assert slack.buttons(view) == {
        "⏸ Mettre en pause": f"pp:{pairing_id}",
        "⏹ Clôturer": f"pc:{pairing_id}",
        "🔁 Changer de mentor": f"pq:{pairing_id}",
    }
    assert "État du suivi : ✅ sur les rails" in shown(view)

    await click(slack, STAFF, f"pp:{pairing_id}")
    assert (await pairing_of(services, pairing_id)).status == "paused"
    assert f"Binôme n°{pairing_id} en pause" in slack.texts(STAFF)[-1]
    # the pressed view now shows the pair paused, with "Resume"
    [update] = slack.api.calls("chat.update")
    assert "▶️ Reprendre" in shown(update)

    await click(slack, STAFF, f"pp:{pairing_id}")
    assert "est déjà en pause : rien n'a changé" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, f"pr:{pairing_id}")
    assert (await pairing_of(services, pairing_id)).status == "active"
    assert "repris" in slack.texts(STAFF)[-1]

    await click(slack, STAFF, f"pc:{pairing_id}")
    modal = slack.api.opened_views()[-1]
    assert modal["callback_id"] == "pair_close"
    assert [b.get("block_id") for b in modal["blocks"] if b["type"] == "input"] == [
        "reason",
        "note",
    ]
    metadata = modal["private_metadata"]

    async def submit(values: dict[str, Any], view: str) -> dict[str, str]:
        status, body = await slack.send(
            *slack.requests.view_submission(
                STAFF, "pair_close", values, private_metadata=metadata, view_id=view
            )
        )
        assert status == 200
        return dict(json.loads(body)["errors"]) if body else {}

    errors = await submit({"reason": None, "note": None}, "VC0")
    assert errors == {"reason": "Choisissez une raison dans la liste."}
    errors = await submit({"reason": Select("job"), "note": "x" * 1001}, "VC1")
    assert list(errors) == ["note"]
    assert (await pairing_of(services, pairing_id)).status == "active"

    assert await submit({"reason": Select("job"), "note": "CDI signé"}, "VC2") == {}
    closed = await pairing_of(services, pairing_id)
    assert (closed.status, closed.close_reason) == ("closed", "job")
    assert "clôturé (emploi trouvé)" in slack.texts(STAFF)[-1]
    [note] = await rows(services, Interaction)
    assert note.note == "CDI signé"

    # submitted again (another staff member, a retry): refused in place
    errors = await submit({"reason": Select("gave_up"), "note": None}, "VC3")
    assert errors == {"reason": "Ce binôme est déjà clôturé : rien n'a été enregistré."}
    assert (await pairing_of(services, pairing_id)).close_reason == "job"

    told = [(d.person_id, d.template) for d in await rows(services, Delivery)]
    for what in ("paused", "resumed", "closed"):
        assert (mentor_id, f"mentor.pair_actions.{what}") in told
        assert (youth_id, f"pairing.pair_actions.{what}") in told
    audited = [a.action for a in await rows(services, AuditLog) if a.actor == f"staff:{STAFF}"]
    assert audited == ["pairing_paused", "pairing_resumed", "pairing_closed"]


async def test_a_closed_pair_offers_no_close_form(slack: SlackHarness, services: Services) -> None:
    pairing_id, _youth, _mentor = await make_pair(services)
    await click(slack, STAFF, f"pp:{pairing_id}")
    async with services.sessions() as session, session.begin():
        found = await session.get(Pairing, pairing_id)
        assert found is not None
        found.status = "closed"
    views = len(slack.api.opened_views())
    await click(slack, STAFF, f"pc:{pairing_id}")
    assert len(slack.api.opened_views()) == views
    assert "est déjà clôturé" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, "pp:999")
    assert "Binôme n°999 introuvable" in slack.texts(STAFF)[-1]


async def test_a_mentor_cannot_find_nor_pause(slack: SlackHarness, services: Services) -> None:
    pairing_id, _youth, _mentor = await make_pair(services)

    await click(slack, MENTOR, f"pp:{pairing_id}")
    assert "réservée à l'équipe" in slack.texts(MENTOR)[-1]
    await command(slack, MENTOR, "find ines")
    assert "réservée à l'équipe" in slack.texts(MENTOR)[-1]

    assert (await pairing_of(services, pairing_id)).status == "active"
    refused = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [(a.actor, a.detail["what"]) for a in refused] == [
        (f"slack:{MENTOR}", f"pp:{pairing_id}"),
        (f"slack:{MENTOR}", "find"),
    ]


async def test_the_pair_window_has_the_pair_s_actions_and_close_opens_on_top_of_it(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, telegram_id="8131")
    await click(slack, STAFF, f"sp:{pairing_id}")  # "View the pair" on an alert
    window = slack.api.opened_views()[-1]
    actions = slack.buttons(window)
    assert f"pp:{pairing_id}" in actions.values()
    assert f"pc:{pairing_id}" in actions.values()

    # "Close" pressed in that window: the form asking why goes on top of it
    trigger = slack.requests.new_trigger_id()
    status, _ = await slack.send(
        *slack.requests.block_actions(
            STAFF, "mb_1", f"pc:{pairing_id}", trigger_id=trigger, view={"id": "V1", **window}
        )
    )
    assert status == 200
    [pushed] = slack.api.calls("views.push")
    assert pushed["view"]["callback_id"] == "pair_close"
    assert pushed["trigger_id"] == trigger
