"""`/mentorbot report` through the real Bolt app (signed requests, the stand-in Web API): the
month's figures in the staff member's messages, the charts uploaded as PNG files to the
staff channel; a month with nothing in it, a month that is not one, an unknown region; a
mentor refused."""

from __future__ import annotations

from bot.container import Services
from storage.models import Delivery, RelayFile
from tests.fakes.programme import seed_programme
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL, dispatcher, rows

PNG = b"\x89PNG\r\n\x1a\n"


async def command(slack: SlackHarness, user: str, text: str) -> None:
    status, _ = await slack.send(*slack.requests.slash_command(user, text=text))
    assert status == 200


async def seed(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)


async def test_the_last_full_month_s_figures_and_charts(
    slack: SlackHarness, services: Services
) -> None:
    await seed(services)
    # the clock says Monday 2 November 2026: the last full month is October
    await command(slack, STAFF, "report")
    summary, posted = slack.texts(STAFF)[-2:]
    assert "Le programme en octobre 2026" in summary
    assert "Inscriptions : 3" in summary
    assert "Dossiers examinés : 3, dont 2 éligibles" in summary
    assert "Mis en binôme : 3" in summary
    # delays of 22, 15 and 12 days: median 15, 90th percentile 20.6 (shown as 21)
    assert "15 jours en médiane, 9 sur 10 en 21 jours au plus" in summary
    assert "Binômes actifs aujourd'hui : 4" in summary
    assert "Sans contact depuis 45 jours : 1" in summary
    # 3 check-ins answered of 4; 4 contacts for 6 pairs
    assert "Réponses au suivi mensuel : 75 % (4 demandés)" in summary
    assert "Contacts : 4 pour 6 binômes en cours, soit 0,7 par binôme" in summary
    assert "réponses : 2 oui, 1 peut-être, 1 non ; présents : 1" in summary
    assert "Sorties : 2" in summary
    assert "Emploi trouvé : 1" in summary
    assert "Abandon : 1" in summary
    assert "Sorties positives (emploi au niveau du diplôme) : 50 %" in summary
    assert "graphiques sont publiés dans le canal" in posted

    assert not slack.api.uploads(STAFF_CHANNEL)
    await dispatcher(services, slack.api).run_until_empty()
    uploads = slack.api.uploads(STAFF_CHANNEL)
    # one file per chart, in the report's order (one order key for the charts)
    assert [upload.name for upload in uploads] == [
        f"mentorbot-2026-10-{name}.png"
        for name in ("people", "delay", "health", "followup", "events", "exits")
    ]
    assert all(upload.content.startswith(PNG) for upload in uploads)
    assert all(
        "Graphiques du programme, octobre 2026" in (upload.initial_comment or "")
        for upload in uploads
    )
    # the files were only kept until posted
    assert await rows(services, RelayFile) == []


async def test_a_month_and_a_region_in_either_order(
    slack: SlackHarness, services: Services
) -> None:
    await seed(services)
    await command(slack, STAFF, "report ARA 2026-10")
    summary = slack.texts(STAFF)[-2]
    assert "Le programme en octobre 2026, Auvergne-Rhône-Alpes" in summary
    assert "Inscriptions : 2" in summary
    assert "Mis en binôme : 1" in summary


async def test_a_month_with_nothing_in_it(slack: SlackHarness, services: Services) -> None:
    await seed(services)
    await command(slack, STAFF, "report 2025-03")
    [said] = slack.texts(STAFF)
    assert "Rien à montrer pour mars 2025" in said
    assert "/mentorbot report 2026-10" in said
    assert await rows(services, Delivery) == []


async def test_a_month_that_is_not_one(slack: SlackHarness, services: Services) -> None:
    await command(slack, STAFF, "report 2026-13")
    [said] = slack.texts(STAFF)
    assert "Je ne reconnais pas le mois « 2026-13 »" in said
    assert await rows(services, Delivery) == []


async def test_a_region_that_does_not_exist(slack: SlackHarness, services: Services) -> None:
    await command(slack, STAFF, "report 2026-10 atlantis")
    [said] = slack.texts(STAFF)
    assert "Je ne connais pas la région « atlantis »" in said
    assert "idf" in said


async def test_a_mentor_cannot_see_the_figures(slack: SlackHarness, services: Services) -> None:
    await seed(services)
    await command(slack, MENTOR, "report")
    assert not any("Le programme en" in text for text in slack.texts(MENTOR))
    assert await rows(services, Delivery) == []
