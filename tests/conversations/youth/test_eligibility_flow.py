"""The eligibility flow through the engine, with no platform library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.messages import Channel, Reply
from storage.models import Application, Case, Delivery, SupportRequest
from storage.models import Person as PersonRow
from tests.conftest import BACKENDS, database_url_for
from tests.fakes.mentoring import as_sent
from tests.fakes.transcript import Person


async def answer_all(youth: Person, *, birth: str = "12/03/2001") -> None:
    await youth.command("start", "agence_nord")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    await youth.says(birth)
    await youth.presses("qpv:yes")
    await youth.presses("situation:job_seeker")
    await youth.presses("region:idf")
    await youth.says("Contrôle de gestion")
    await youth.says("ines@example.fr")
    await youth.presses("confirm:yes")


async def test_eligible_journey(services: Services) -> None:
    youth = Person(services)
    said = await youth.command("start", "agence_nord")
    assert "Tu acceptes ?" in said.text
    said = await youth.presses("privacy:accept")
    assert "Ton diplôme le plus élevé" in said.text
    said = await youth.presses("diploma:bac5")
    assert "date de naissance" in said.text
    said = await youth.says("12 mars 2001")
    assert "quartier prioritaire" in said.text
    said = await youth.presses("qpv:yes")
    assert "situation aujourd'hui" in said.text  # social question skipped: not needed
    await youth.presses("situation:job_seeker")
    await youth.says("Île-de-France")
    await youth.says("Contrôle de gestion")
    said = await youth.says("ines@example.fr")
    assert "vérifie tes réponses" in said.text
    said = await youth.presses("confirm:yes")
    assert "tu es éligible" in said.text
    async with services.sessions() as session:
        application = (await session.execute(select(Application))).scalar_one()
    assert application.decision == "eligible"
    assert application.source == "agence_nord"
    assert application.rules_version == services.rules.version
    assert application.answers == {
        "diploma": "bac5",
        "birth_date": "2001-03-12",
        "qpv": "yes",
        "situation": "job_seeker",
        "region": "idf",
        "field": "Contrôle de gestion",
        "email": "ines@example.fr",
    }


async def test_mydata_exports_everything(services: Services) -> None:
    youth = Person(services)
    await answer_all(youth)
    said = await youth.command("mydata")
    attachment = said.replies[0].attachment
    assert attachment is not None
    data = json.loads(attachment.content)
    assert data["person"]["name"] == "Inès"
    assert data["applications"][0]["answers"]["email"] == "ines@example.fr"
    assert data["accounts"] == [{"channel": "telegram", "id": "1001"}]


async def test_delete_leaves_nothing_personal(services: Services) -> None:
    youth = Person(services)
    await answer_all(youth)
    said = await youth.command("delete")
    said = await youth.presses(said.value_of("effacer"))
    assert "j'ai effacé tout" in said.text
    async with services.sessions() as session:
        person = (await session.execute(select(PersonRow))).scalar_one()
        assert person.display_name is None
        assert person.erased_at is not None
        application = (await session.execute(select(Application))).scalar_one()
        assert application.answers == {}
        assert application.person_id is None
        assert application.decision == "eligible"  # anonymous statistics survive


# ---------------------------------------------------------------- decisions


async def _decision(services: Services) -> Application:
    async with services.sessions() as session:
        latest = await session.scalar(select(Application).order_by(Application.id.desc()))
    assert latest is not None
    return latest


async def test_diploma_too_low_is_refused_at_once_with_the_reason(services: Services) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    said = await youth.says("BTS")
    assert "ne peut pas t'accompagner" in said.text
    assert "au moins un diplôme Bac+3" in said.text
    assert "France Travail" in said.text
    application = await _decision(services)
    assert application.decision == "not_eligible"
    assert application.reasons == ["diploma_too_low"]
    assert "birth_date" not in application.answers  # nothing more was asked


async def test_thirty_years_old_today_is_refused(services: Services) -> None:
    # the fixed clock says 2 November 2026
    youth = Person(services, language="en")
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    said = await youth.says("02/11/1996")
    assert "under 30 when you register" in said.text
    assert (await _decision(services)).reasons == ["too_old"]


async def test_the_day_before_thirty_goes_on(services: Services) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    said = await youth.says("03/11/1996")
    assert "quartier prioritaire" in said.text


async def test_no_social_criterion_is_refused(services: Services) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac3")
    await youth.says("1er mars 2000")
    said = await youth.presses("qpv:no")
    assert "situations" in said.text  # the social question
    said = await youth.presses("social:none")
    assert "quartier prioritaire (QPV) ou viennent d'un milieu modeste" in said.text
    assert (await _decision(services)).reasons == ["no_social_criterion"]


async def test_permanent_job_at_level_is_refused(services: Services) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    await youth.says("01/01/2000")
    await youth.presses("qpv:yes")
    said = await youth.presses("situation:employed_at_level")
    assert "déjà un CDI à ton niveau" in said.text
    assert (await _decision(services)).reasons == ["employed_at_level"]


async def test_dont_know_goes_to_review_and_staff_decides(
    services: Services, clock: object
) -> None:
    from conversations.staff import review
    from storage.models import Delivery

    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    await youth.says("01/01/2000")
    await youth.presses("qpv:unknown")
    await youth.presses("social:unknown")
    await youth.presses("situation:job_seeker")
    await youth.presses("region:occ")
    await youth.says("Data")
    await youth.presses("email:skip")
    said = await youth.presses("confirm:yes")
    assert "regard humain" in said.text
    assert "5 jours ouvrés" in said.text
    async with services.sessions() as session:
        waiting = await review.queue(session)
    assert [item.reasons for item in waiting] == [("qpv_unknown", "social_unknown")]
    async with services.sessions() as session, session.begin():
        await review.decide(
            session,
            application_id=waiting[0].application_id,
            verdict=review.Verdict.ELIGIBLE,
            note="Adresse vérifiée : QPV",
            staff="Camille",
            now=services.clock.now(),
            config=services.config,
        )
    async with services.sessions() as session:
        assert await review.queue(session) == []
        delivery = (await session.execute(select(Delivery))).scalar_one()
    assert delivery.template == "review.decided_eligible"
    assert delivery.channel == "telegram"
    said = await youth.command("status")
    assert "L'équipe a examiné ton dossier" in said.text
    assert "Adresse vérifiée : QPV" in said.text


async def test_under_fifteen_is_asked_nothing_more_and_staff_are_told(services: Services) -> None:
    from conversations.staff import review

    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac3")
    said = await youth.says("05/06/2013")
    assert "moins de 15 ans" in said.text
    assert said.buttons == []
    said = await youth.says("bonjour ?")
    assert "Question" not in said.text
    async with services.sessions() as session:
        requests = await review.open_requests(session)
    assert [request.kind for request, _ in requests] == ["under_minimum_age"]
    # and a case in the staff channel, saying what it is about
    async with services.sessions() as session:
        [case] = (await session.scalars(select(Case))).all()
        [post] = (
            await session.scalars(select(Delivery).where(Delivery.destination == "staff"))
        ).all()
    assert (case.kind, case.topic, case.text) == ("help", "under_minimum_age", None)
    shown = services.renderer.render(
        Reply(post.template, context=await as_sent(services, post.context), locale="fr"),
        Channel.SLACK,
    )
    assert "moins de 15 ans" in shown.text


# ---------------------------------------------------------------- privacy


async def test_declining_stores_only_the_refusal(services: Services) -> None:
    youth = Person(services)
    await youth.command("start", "salon_2026")
    said = await youth.presses("privacy:decline")
    assert "je ne garde rien d'autre que ton refus" in said.text
    async with services.sessions() as session:
        person = (await session.execute(select(PersonRow))).scalar_one()
        applications = (await session.execute(select(Application))).scalars().all()
    assert person.consent_declined_at is not None
    assert person.display_name is None
    assert applications == []
    said = await youth.says("finalement oui")
    assert "Tu acceptes ?" in said.text  # nothing is asked without consent


async def test_nothing_personal_is_asked_before_consent(services: Services) -> None:
    youth = Person(services)
    said = await youth.says("bonjour")
    assert "Tu acceptes ?" in said.text
    said = await youth.says("bac+5")
    assert "choisis « J'accepte »" in said.text
    said = await youth.says("oui")
    assert "Ton diplôme" in said.text


# ---------------------------------------------------------------- bad input


async def _at_birth_date(services: Services, **kwargs: object) -> Person:
    youth = Person(services, **kwargs)  # type: ignore[arg-type]
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.says("master")
    return youth


async def test_typed_answers_are_understood(services: Services) -> None:
    youth = await _at_birth_date(services)
    said = await youth.says("14 juillet 2001")
    assert "quartier prioritaire" in said.text
    said = await youth.says("je sais pas")
    assert "situations" in said.text
    said = await youth.says("2")  # the second button: family on minimum benefits
    assert "situation aujourd'hui" in said.text
    async with services.sessions() as session:
        application = (await session.execute(select(Application))).scalar_one()
    assert application.answers["diploma"] == "bac5"
    assert application.answers["qpv"] == "unknown"
    assert application.answers["social"] == services.rules.social_criteria[1].code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("31/02/2001", "n'existe pas"),
        ("demain", "pas reconnu une date"),
        ("01/01/1900", "Vérifie l'année"),
        ("01/01/2030", "dans le futur"),
        ("", "vide"),
        ("x" * 5000, "trop long"),
        ("<b>hi</b> {{ 7*7 }}", "pas reconnu une date"),
    ],
)
async def test_bad_dates_are_explained_and_the_question_asked_again(
    services: Services, typed: str, expected: str
) -> None:
    youth = await _at_birth_date(services)
    said = await youth.says(typed)
    assert expected in said.text
    assert "Ta date de naissance" in said.text
    async with services.sessions() as session:
        application = (await session.execute(select(Application))).scalar_one()
    assert application.answers == {"diploma": "bac5"}  # nothing lost, nothing stored


async def test_text_where_a_button_was_expected(services: Services) -> None:
    youth = await _at_birth_date(services)
    await youth.says("01/01/2000")
    said = await youth.says("le mardi à 14h")
    assert "pas compris" in said.text
    assert "quartier prioritaire" in said.text
    assert [label for label, _ in said.buttons] == ["Oui", "Non", "Je ne sais pas"]


async def test_a_sticker_gets_a_kind_answer(services: Services) -> None:
    youth = await _at_birth_date(services)
    said = await youth.sends_sticker()
    assert "que du texte" in said.text
    assert "Ta date de naissance" in said.text


async def test_an_old_button_pressed_twice(services: Services) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    said = await youth.presses("diploma:bac3")  # the diploma keyboard, pressed again
    assert "ancien message" in said.text
    assert "Ta date de naissance" in said.text
    said = await youth.presses("privacy:accept")
    assert "ancien message" in said.text
    async with services.sessions() as session:
        application = (await session.execute(select(Application))).scalar_one()
    assert application.answers == {"diploma": "bac5"}


async def test_a_command_in_the_middle_keeps_the_answers(services: Services) -> None:
    youth = await _at_birth_date(services)
    for command in ("help", "status", "privacy", "nonsense"):
        said = await youth.command(command)
        assert "Ta date de naissance" in said.text, command
    said = await youth.says("01/01/2000")
    assert "quartier prioritaire" in said.text


async def test_names_with_markup_are_shown_literally(services: Services) -> None:
    youth = Person(services, name="<b>{{ 7*7 }}</b>")
    await youth.command("start")
    said = await youth.presses("privacy:accept")
    assert "Merci <b>{{ 7*7 }}</b> !" in said.text


async def test_the_same_event_twice_is_processed_once(services: Services) -> None:
    from conversations.core.messages import Channel, Incoming, Kind

    youth = await _at_birth_date(services)
    update = Incoming(Channel.TELEGRAM, "1001", Kind.TEXT, text="01/01/2000", event_id="dup-1")
    first = await youth.replay(update)
    second = await youth.replay(update)
    assert "quartier prioritaire" in first.text
    assert second.replies == []


async def test_a_blocked_bot_marks_the_person_unreachable(services: Services) -> None:
    from conversations.core.messages import Channel, Incoming, Kind

    youth = await _at_birth_date(services)
    said = await youth.replay(Incoming(Channel.TELEGRAM, "1001", Kind.BLOCKED, event_id="b1"))
    assert said.replies == []
    async with services.sessions() as session:
        person = (await session.execute(select(PersonRow))).scalar_one()
    assert person.unreachable_at is not None
    said = await youth.says("01/01/2000")  # back: reachable again, answers kept
    async with services.sessions() as session:
        person = (await session.execute(select(PersonRow))).scalar_one()
    assert person.unreachable_at is None
    assert "quartier prioritaire" in said.text


# ---------------------------------------------------------------- commands


async def test_resumes_at_the_same_question_after_a_restart_of_the_bot(
    services: Services, settings: object, clock: object
) -> None:
    from bot.container import build
    from bot.settings import Settings

    youth = await _at_birth_date(services)
    await youth.says("01/01/2000")
    await services.close()
    assert isinstance(settings, Settings)
    restarted = build(settings, services.clock)
    try:
        again = Person(restarted)
        said = await again.command("start")
        assert "Re-bonjour" in said.text
        assert "quartier prioritaire" in said.text
    finally:
        await restarted.close()


async def test_language_switch(services: Services) -> None:
    youth = await _at_birth_date(services)
    said = await youth.command("language")
    said = await youth.presses(said.value_of("English"))
    assert "I'll speak English" in said.text
    assert "Your date of birth?" in said.text


async def test_restart_asks_again_after_confirmation(services: Services) -> None:
    youth = await _at_birth_date(services)
    said = await youth.command("restart")
    said = await youth.presses(said.value_of("Non"))
    assert "rien n'a changé" in said.text
    assert "Ta date de naissance" in said.text
    said = await youth.command("restart")
    said = await youth.presses(said.value_of("Oui"))
    assert "Ton diplôme" in said.text
    async with services.sessions() as session:
        statuses = (await session.execute(select(Application.status))).scalars().all()
    assert sorted(statuses) == ["abandoned", "in_progress"]


async def test_human_request_is_stored_once(services: Services) -> None:
    from conversations.staff import review

    youth = await _at_birth_date(services)
    said = await youth.command("human", "J'ai un diplôme étranger")
    assert "va te contacter" in said.text
    assert "Ta date de naissance" in said.text
    said = await youth.command("human")
    assert "déjà transmise" in said.text
    async with services.sessions() as session:
        requests = await review.open_requests(session)
    assert [(r.kind, r.message) for r, _ in requests] == [("human", "J'ai un diplôme étranger")]


async def test_a_human_request_too_long_is_not_cut_behind_the_youth_s_back(
    services: Services,
) -> None:
    youth = await _at_birth_date(services)
    said = await youth.command("human", "J'ai un diplôme étranger. " + "x" * 5000)
    assert "trop longue" in said.text
    assert "1000 caractères" in said.text
    assert "Ta date de naissance" in said.text  # where she was, asked again
    async with services.sessions() as session:
        assert (await session.execute(select(SupportRequest))).scalars().all() == []
    said = await youth.command("human", "J'ai un diplôme étranger. " + "x" * 900)
    assert "va te contacter" in said.text
    async with services.sessions() as session:
        [request] = (await session.execute(select(SupportRequest))).scalars().all()
    assert request.message == "J'ai un diplôme étranger. " + "x" * 900


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """These journeys run on SQLite, then on PostgreSQL when it is configured."""
    return await database_url_for(request.param, tmp_path)
