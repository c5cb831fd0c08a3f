"""The Telegram adapter: the real python-telegram-bot `Application` against the stand-in Bot
API on 127.0.0.1, through complete journeys and bad input.

What each flow step says is tested in `tests/conversations/`; here we test what only the
Telegram layer does: updates in (commands and deep links, button presses with the keyboard's
real `callback_data`, stickers, group chats, `my_chat_member`), messages out (HTML accepted by
Telegram, inline keyboards, the `/mydata` document, the pressed keyboard removed), and what
the database holds afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import gc
import html
import json
import logging
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from typer.testing import CliRunner

from bot import cli
from bot.container import Services, build
from bot.settings import Settings
from conversations.core.clock import FixedClock
from conversations.core.messages import Incoming, Reply
from conversations.core.response import Response
from handlers.telegram import (
    COMMANDS,
    TelegramBot,
    TelegramOutput,
    attach,
    build_application,
    set_command_menu,
)
from storage.models import (
    Application,
    AuditLog,
    Delivery,
    Identity,
    Person,
    ProcessedEvent,
)
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import (
    USER,
    RunningBot,
    Youth,
    answer_all,
    answer_until_review,
    database_values,
    running_bot,
)
from tests.fakes.telegram_updates import UpdateFactory


async def the_application(services: Services) -> Application:
    async with services.sessions() as session:
        application = await session.scalar(select(Application).order_by(Application.id.desc()))
    assert application is not None
    return application


async def the_person(services: Services) -> Person:
    async with services.sessions() as session:
        return (await session.execute(select(Person))).scalar_one()


async def at_birth_date(telegram: RunningBot, **kwargs: object) -> Youth:
    youth = Youth(telegram, **kwargs)  # type: ignore[arg-type]
    await youth.command("start")
    await youth.presses("J'accepte")
    said = await youth.presses("Bac+5")
    assert "Ta date de naissance" in said
    return youth


# ---------------------------------------------------------------- complete journeys


async def test_eligible_journey_with_buttons_and_typed_answers(telegram: RunningBot) -> None:
    api = telegram.api
    youth = Youth(telegram)
    said = await youth.command("start", "partner_x")  # deep link t.me/<bot>?start=partner_x
    assert "Tu acceptes ?" in said
    assert youth.buttons() == [("✅ J'accepte", "privacy:accept"), ("Je refuse", "privacy:decline")]
    notice = youth.keyboard_message()

    said = await youth.presses("J'accepte")
    assert "Merci Inès !" in said
    assert "Question 1/8 — Ton diplôme le plus élevé ?" in said
    # the button's spinner is stopped and the used keyboard removed from the notice
    assert [call.params["callback_query_id"] for call in api.calls("answerCallbackQuery")] == [
        "10042"
    ]
    assert "reply_markup" not in api.messages(USER)[notice["message_id"] - 1]

    assert "Ta date de naissance" in await youth.presses("Bac+5")
    assert "quartier prioritaire" in await youth.says("12 mars 2001")
    assert "situation aujourd'hui" in await youth.presses("Oui")
    said = await youth.presses("Je cherche un emploi")
    assert "Dans quelle région" in said
    rows = youth.keyboard_message()["reply_markup"]["inline_keyboard"]
    assert [len(row) for row in rows] == [2] * 9  # 18 regions, two per row
    assert "domaine ou ton projet" in await youth.presses("Île-de-France")
    assert "Ton adresse e-mail ?" in await youth.says("Contrôle de gestion")
    said = await youth.says("ines@example.fr")
    # read back before the decision: a wrong answer is one tap away from being fixed
    assert "vérifie tes réponses" in said
    assert "• Région : Île-de-France" in said
    assert "• Date de naissance : 12 mars 2001" in said
    said = await youth.presses("c'est bon")
    assert "Bonne nouvelle Inès : tu es éligible au programme !" in said
    assert "reply_markup" not in api.last_message(USER)  # type: ignore[operator]

    sent = api.calls("sendMessage")
    assert {call.params["parse_mode"] for call in sent} == {"HTML"}
    assert all(call.ok for call in api.requests), "Telegram refused a request"
    application = await the_application(telegram.services)
    assert application.decision == "eligible"
    assert application.source == "partner_x"
    assert application.answers == {
        "diploma": "bac5",
        "birth_date": "2001-03-12",
        "qpv": "yes",
        "situation": "job_seeker",
        "region": "idf",
        "field": "Contrôle de gestion",
        "email": "ines@example.fr",
    }
    async with telegram.services.sessions() as session:
        identity = (await session.execute(select(Identity))).scalar_one()
    assert (identity.channel, identity.external_id, identity.chat_id) == (
        "telegram",
        str(USER),
        str(USER),
    )


async def test_a_journey_by_long_polling(telegram: RunningBot) -> None:
    application = telegram.application
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
    await application.start()
    try:
        youth = Youth(telegram, polling=True)
        await youth.command("start", "salon_2026", until="Tu acceptes ?")
        await youth.presses("J'accepte", until="Question 1/8")
        await youth.presses("Bac+5", until="Question 2/8")
        await youth.says("14 juillet 2001", until="Question 3/8")
        await youth.presses("Oui", until="Question 5/8")
        await youth.presses("Je termine mes études", until="Question 6/8")
        await youth.says("bretagne", until="Question 7/8")
        await youth.says("Ingénierie", until="Question 8/8")
        await youth.presses("Je préfère ne pas la donner", until="vérifie tes réponses")
        said = await youth.presses("c'est bon", until="tu es éligible")
        assert "Bonne nouvelle Inès" in said
    finally:
        await application.updater.stop()
        await application.stop()
    assert telegram.api.pending_updates == []  # every update was confirmed
    application_row = await the_application(telegram.services)
    assert (application_row.decision, application_row.source) == ("eligible", "salon_2026")
    assert application_row.answers["region"] == "bre"


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        pytest.param([("press", "Moins que bac+3")], "diploma_too_low", id="diploma"),
        pytest.param([("press", "Bac+5"), ("say", "02/11/1996")], "too_old", id="age"),
        pytest.param(
            [("press", "Bac+3"), ("say", "1er mars 2000"), ("press", "Non"), ("press", "Aucune")],
            "no_social_criterion",
            id="social-criteria",
        ),
        pytest.param(
            [
                ("press", "Bac+5"),
                ("say", "01/01/2000"),
                ("press", "Oui"),
                ("press", "J'ai un CDI à mon niveau"),
            ],
            "employed_at_level",
            id="employed-at-level",
        ),
    ],
)
async def test_not_eligible_for_each_rule(
    telegram: RunningBot, steps: list[tuple[str, str]], reason: str
) -> None:
    youth = Youth(telegram)
    await youth.command("start")
    await youth.presses("J'accepte")
    said = ""
    for action, value in steps:
        said = await (youth.presses(value) if action == "press" else youth.says(value))
    assert "le programme ne peut pas t'accompagner" in said
    assert "France Travail (francetravail.fr)" in said
    assert "reply_markup" not in telegram.api.last_message(USER)  # type: ignore[operator]
    application = await the_application(telegram.services)
    assert (application.decision, application.reasons) == ("not_eligible", [reason])


async def _cli(api: FakeBotApi, settings: Settings, *args: str) -> str:
    """`mentorbot ...` as staff run it (in a thread: the CLI calls asyncio.run)."""
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "MENTORBOT_DATABASE_URL": settings.database_url,
        "COLUMNS": "250",
    }
    result = await asyncio.to_thread(CliRunner().invoke, cli.app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_review_decided_by_staff_with_the_cli(
    telegram: RunningBot, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    api, services = telegram.api, telegram.services
    youth = Youth(telegram)
    said = await answer_until_review(youth)
    assert "Ton dossier a besoin d'un regard humain" in said
    application = await the_application(services)

    listing = await _cli(api, settings, "review")
    assert "Applications to review (1)" in listing
    line = next(row for row in listing.splitlines() if "Inès" in row)
    assert str(application.id) in line
    assert "qpv_unknown, social_unknown" in line
    assert "ines@" not in listing  # e-mails stay out of the staff listing

    # a Sunday night: the decision waits for the sending hours
    sunday_night = dtm.datetime(2026, 11, 22, 23, 0, tzinfo=dtm.UTC)
    with time_machine.travel(sunday_night, tick=False):
        output = await _cli(
            api,
            settings,
            "review",
            "decide",
            str(application.id),
            "eligible",
            "--by",
            "Camille",
            "--note",
            "Adresse vérifiée : QPV <Les Tilleuls>",
        )
    assert "Messages sent now: 0; queued for later: 1" in output
    assert youth.new_texts() == []
    async with services.sessions() as session:
        waiting = (await session.execute(select(Delivery))).scalar_one()
    assert waiting.next_attempt_at == dtm.datetime(2026, 11, 23, 8, 0, tzinfo=dtm.UTC)
    # Monday 9:00 in Paris: the bot's dispatcher (here, the CLI's) sends it
    with time_machine.travel(dtm.datetime(2026, 11, 23, 8, 0, 1, tzinfo=dtm.UTC), tick=False):
        output = await _cli(api, settings, "send")
    assert "Messages sent now: 1" in output
    said = "\n".join(youth.new_texts())
    assert "Bonne nouvelle Inès : l'équipe a examiné ton dossier, tu es éligible" in said
    assert "« Adresse vérifiée : QPV <Les Tilleuls> »" in said

    async with services.sessions() as session:
        decided = await session.get(Application, application.id)
        audit = (await session.execute(select(AuditLog))).scalars().all()
        delivery = (await session.execute(select(Delivery))).scalar_one()
    assert decided is not None
    assert (decided.decision, decided.reviewed_by) == ("eligible", "Camille")
    assert [(a.actor, a.action, a.detail) for a in audit] == [
        (
            "staff:Camille",
            "review_decision",
            {"application": application.id, "decision": "eligible"},
        )
    ]
    assert delivery.status == "sent"
    listing = await _cli(api, settings, "review")
    assert "Applications to review (0)" in listing
    gc.collect()  # a sender the CLI left open would warn here, failing the test


async def test_declined_privacy_notice(telegram: RunningBot) -> None:
    youth = Youth(telegram)
    await youth.command("start", "salon_2026")
    said = await youth.presses("Je refuse")
    assert "je ne garde rien d'autre que ton refus" in said
    assert all("reply_markup" not in m for m in telegram.api.messages(USER))
    person = await the_person(telegram.services)
    assert person.consent_declined_at is not None
    assert (person.consent_at, person.display_name) == (None, None)
    async with telegram.services.sessions() as session:
        assert (await session.execute(select(Application))).all() == []


async def test_interrupted_and_resumed_after_a_restart(
    api: FakeBotApi, services: Services, settings: Settings, clock: FixedClock
) -> None:
    async with running_bot(api, services) as first:
        youth = Youth(first)
        await youth.command("start")
        await youth.presses("J'accepte")
        await youth.presses("Bac+5")
        assert "quartier prioritaire" in await youth.says("01/01/2000")
    await services.close()

    restarted = build(settings, clock)  # a new process on the same database file
    try:
        async with running_bot(api, restarted) as second:
            youth = Youth(second, updates=youth.updates)
            said = await youth.command("start")
            assert "Re-bonjour Inès ! Tes réponses sont gardées" in said
            assert "On reprend : Question 3/8 — Habites-tu dans un quartier prioritaire" in said
            await youth.presses("Oui")
            await youth.presses("Je cherche un emploi")
            await youth.presses("Île-de-France")
            await youth.says("Finance")
            await youth.says("ines@example.fr")
            said = await youth.presses("c'est bon")
            assert "tu es éligible" in said
        application = await the_application(restarted)
        assert application.answers["birth_date"] == "2000-01-01"
        assert application.decision == "eligible"
    finally:
        await restarted.close()


async def test_mydata_sends_a_json_document(telegram: RunningBot) -> None:
    api = telegram.api
    youth = Youth(telegram)
    await answer_all(youth)
    await youth.command("mydata")
    (call,) = api.calls("sendDocument")
    assert call.ok
    document = api.last_message(USER)["document"]  # type: ignore[index]
    assert document["file_name"] == "mentorbot-my-data.json"
    assert "Voici tout ce que je garde sur toi" in api.last_message(USER)["caption"]  # type: ignore[index]
    # the youth downloads it
    file = await telegram.application.bot.get_file(document["file_id"])
    data = json.loads(bytes(await file.download_as_bytearray()))
    assert data["person"]["name"] == "Inès"
    assert data["accounts"] == [{"channel": "telegram", "id": str(USER)}]
    (application,) = data["applications"]
    assert application["source"] == "partner_x"
    assert application["answers"]["email"] == "ines@example.fr"
    assert application["decision"] == "eligible"
    async with telegram.services.sessions() as session:
        actions = (await session.execute(select(AuditLog.action))).scalars().all()
    assert actions == ["data_export"]


async def test_delete_leaves_nothing_personal_in_the_database(telegram: RunningBot) -> None:
    services = telegram.services
    youth = Youth(telegram)
    await answer_all(youth)
    await youth.command("human", "Je travaille en Contrôle de gestion, écrire à ines@example.fr")
    await youth.command("mydata")
    said = await youth.command("delete")
    assert "Tout effacer ?" in said
    said = await youth.presses("Oui, tout effacer")
    assert "j'ai effacé tout ce que je gardais sur toi" in said
    assert "Supprimer la discussion" in said  # what Telegram itself keeps

    values = await database_values(services)
    personal = [str(USER), "Inès", "ines@example.fr", "2001-03-12", "Contrôle", "partner_x"]
    leaks = [
        (table, column, value) for table, column, value in values for p in personal if p in value
    ]
    assert leaks == []
    # the scan did read the rows that stay: anonymous statistics and the audit trail
    assert ("application", "decision", "eligible") in values
    assert ("application", "region", "idf") in values
    assert ("audit_log", "action", "erasure") in values
    # and the youth can start again from nothing
    said = await youth.command("start")
    assert "Tu acceptes ?" in said


async def test_language_switch_in_the_middle_of_the_questions(telegram: RunningBot) -> None:
    youth = await at_birth_date(telegram)
    said = await youth.command("language")
    assert [label for label, _ in youth.buttons()] == ["🇫🇷 Français", "🇬🇧 English"]
    said = await youth.presses("English")
    assert "I'll speak English with you" in said
    assert "Back to it: Question 2/8 — Your date of birth?" in said
    said = await youth.says("14/07/2001")
    assert "Do you live in a priority neighbourhood" in said
    assert [label for label, _ in youth.buttons()] == ["Yes", "No", "I don't know"]
    person = await the_person(telegram.services)
    assert person.locale == "en"
    assert (await the_application(telegram.services)).answers["birth_date"] == "2001-07-14"


async def test_language_comes_from_telegram(telegram: RunningBot) -> None:
    youth = Youth(telegram, language_code="en-GB", first_name="Sam")
    said = await youth.command("start")
    assert "Do you accept?" in said
    assert (await the_person(telegram.services)).locale == "en"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_non_text_messages_get_a_kind_answer_and_the_question_again(
    telegram: RunningBot, kind: str
) -> None:
    youth = await at_birth_date(telegram)
    said = await youth.sends(kind)
    assert "Je ne sais lire que du texte et les boutons" in said
    assert "On reprend : Question 2/8 — Ta date de naissance ?" in said
    assert (await the_application(telegram.services)).answers == {"diploma": "bac5"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("   \n  ", "Ton message est vide.", id="blank"),
        pytest.param("x" * 5000, "Ton message est trop long pour moi", id="5000-characters"),
    ],
)
async def test_empty_and_very_long_messages(
    telegram: RunningBot, typed: str, expected: str
) -> None:
    youth = await at_birth_date(telegram)
    said = await youth.says(typed)
    assert expected in said
    assert "On reprend : Question 2/8 — Ta date de naissance ?" in said
    assert all(call.ok for call in telegram.api.calls("sendMessage"))
    assert (await the_application(telegram.services)).answers == {"diploma": "bac5"}


@pytest.mark.parametrize("name", ["<b>Inès</b>", "a_b*c", "{{ 7*7 }}", "Tom & Jerry <3"])
async def test_names_with_markup_are_shown_literally(telegram: RunningBot, name: str) -> None:
    # the stand-in refuses invalid HTML: a message that arrives proves the escaping
    youth = Youth(telegram, first_name=name)
    await youth.command("start")
    said = await youth.presses("J'accepte")
    assert f"Merci {name} !" in said
    sent = telegram.api.calls("sendMessage")[-1]
    assert f"Merci {html.escape(name, quote=False)} !" in sent.params["text"]
    assert all(call.ok for call in telegram.api.requests)
    assert (await the_person(telegram.services)).display_name == name


async def test_an_old_button_pressed_twice(telegram: RunningBot) -> None:
    api = telegram.api
    youth = Youth(telegram)
    await youth.command("start")
    notice = youth.keyboard_message()
    await youth.presses("J'accepte")
    diploma = youth.keyboard_message()
    await youth.presses("Bac+5")
    # a double tap, or an old message scrolled back to: the same buttons again
    said = await youth.presses("Bac+3", message=diploma)
    assert "Ce bouton vient d'un ancien message" in said
    assert "On reprend : Question 2/8 — Ta date de naissance ?" in said
    said = await youth.presses("J'accepte", message=notice)
    assert "Ce bouton vient d'un ancien message" in said
    assert "Ta date de naissance ?" in said
    assert (await the_application(telegram.services)).answers == {"diploma": "bac5"}
    # every press was answered (no endless spinner), even the stale ones
    answered = api.calls("answerCallbackQuery")
    assert len(answered) == 4
    assert all(call.ok for call in answered)
    assert "reply_markup" not in api.messages(USER)[diploma["message_id"] - 1]


async def test_a_command_in_the_middle_of_the_questions(telegram: RunningBot) -> None:
    youth = await at_birth_date(telegram)
    said = await youth.command("help@mentorbot_test_bot")  # as sent from the command menu
    assert "Ce que je sais faire" in said
    assert "On reprend : Question 2/8 — Ta date de naissance ?" in said
    assert "quartier prioritaire" in await youth.says("01/01/2000")
    answers = (await the_application(telegram.services)).answers
    assert answers == {"diploma": "bac5", "birth_date": "2000-01-01"}


async def test_the_same_update_delivered_twice_is_processed_once(telegram: RunningBot) -> None:
    api = telegram.api
    youth = await at_birth_date(telegram)
    update = youth.updates.text_message(USER, "01/01/2000")
    before = len(api.calls("sendMessage"))
    assert "quartier prioritaire" in await youth.deliver(update)
    after_first = len(api.calls("sendMessage"))
    assert after_first > before
    assert await youth.deliver(update) == ""
    assert len(api.calls("sendMessage")) == after_first
    press = youth.callback_update("Oui")
    assert "situation aujourd'hui" in await youth.deliver(press)
    assert await youth.deliver(press) == ""
    async with telegram.services.sessions() as session:
        processed = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    assert processed == 5  # /start, accept, diploma, birth date, QPV: each once


async def test_a_blocked_bot_marks_the_person_unreachable(telegram: RunningBot) -> None:
    youth = await at_birth_date(telegram)
    sent = len(telegram.api.requests)
    await youth.deliver(youth.updates.my_chat_member(USER, "kicked"))
    assert len(telegram.api.requests) == sent  # nothing is sent to someone who blocked us
    assert (await the_person(telegram.services)).unreachable_at is not None
    await youth.deliver(youth.updates.my_chat_member(USER, "member"))
    assert (await the_person(telegram.services)).unreachable_at is None


async def test_a_send_refused_with_403_does_not_break_anything(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    api = telegram.api
    youth = await at_birth_date(telegram)
    api.block(USER)
    with caplog.at_level(logging.ERROR, logger="handlers.telegram.app"):
        said = await youth.says("01/01/2000")
    assert said == ""
    (record,) = [r for r in caplog.records if r.name == "handlers.telegram.app"]
    assert record.message == "error while handling a Telegram update"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], Forbidden)
    # the answer given is kept
    assert (await the_application(telegram.services)).answers["birth_date"] == "2000-01-01"
    api.unblock(USER)
    said = await youth.command("start")
    assert "Re-bonjour Inès" in said
    assert "Question 3/8 — Habites-tu dans un quartier prioritaire" in said


async def test_a_failed_reply_gets_an_apology_and_the_answer_is_kept(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    youth = await at_birth_date(telegram)
    telegram.api.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    with caplog.at_level(logging.ERROR, logger="handlers.telegram.app"):
        said = await youth.says("01/01/2000")
    assert (
        said
        == "Oups, un problème de mon côté. Tes réponses sont gardées : réessaie dans un instant."
    )
    assert [r.message for r in caplog.records if r.name == "handlers.telegram.app"] == [
        "error while handling a Telegram update"
    ]
    assert (await the_application(telegram.services)).answers["birth_date"] == "2000-01-01"
    said = await youth.command("status")
    assert "Question 3/8 — Habites-tu dans un quartier prioritaire" in said


async def test_group_chat_messages_are_ignored(telegram: RunningBot) -> None:
    updates = UpdateFactory()
    for update in (updates.command(USER, "start"), updates.text_message(USER, "bonjour")):
        update["message"]["chat"] = {"id": -1001234, "type": "supergroup", "title": "Promo 2026"}
        youth = Youth(telegram, updates=updates)
        assert await youth.deliver(update) == ""
    assert telegram.api.calls("sendMessage") == []
    async with telegram.services.sessions() as session:
        assert (await session.execute(select(Person))).all() == []


# ---------------------------------------------------------------- start-up


async def test_command_menu_in_french_and_english(telegram: RunningBot) -> None:
    bot = telegram.application.bot
    await set_command_menu(bot, telegram.services.renderer)
    default = await bot.get_my_commands()
    french = await bot.get_my_commands(language_code="fr")
    english = await bot.get_my_commands(language_code="en")
    assert [c.command for c in default] == list(COMMANDS)
    assert french == default
    assert [c.command for c in english] == list(COMMANDS)
    descriptions = {c.command: c.description for c in french}
    assert descriptions["start"] == "Commencer ou reprendre"
    assert descriptions["delete"] == "Tout effacer"
    assert {c.command: c.description for c in english}["start"] == "Start or carry on"


async def test_a_fast_typist_hitting_the_chat_limit_still_gets_the_question(
    telegram: RunningBot,
) -> None:
    youth = Youth(telegram)
    await youth.command("start")
    await youth.presses("J'accepte")
    await youth.presses("Bac+5")
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    telegram.handler.output._sleep = sleep
    telegram.api.fail_next("sendMessage", error_code=429, retry_after=2)
    said = await youth.says("14/07/2001")
    assert "quartier prioritaire" in said
    assert [call.status for call in telegram.api.calls("sendMessage")[-2:]] == [429, 200]
    assert waited == [2.0]


async def test_a_database_error_is_logged_on_one_line_without_what_was_typed(
    api: FakeBotApi, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    class Refusing:
        async def handle(self, incoming: Incoming) -> Response:
            raise DBAPIError(
                "INSERT INTO application (answers) VALUES ($1)",
                {"answers": incoming.text},
                Exception("invalid byte sequence for encoding"),
            )

    application = build_application(api.token, api.base_url)
    attach(application, TelegramBot(Refusing(), TelegramOutput(application.bot, services.renderer)))
    update = UpdateFactory().text_message(USER, "mon adresse secrète")
    async with application:
        with caplog.at_level(logging.ERROR, logger="handlers.telegram.app"):
            await application.process_update(Update.de_json(update, application.bot))
    (record,) = caplog.records
    assert record.getMessage() == (
        f"database error while handling Telegram update {update['update_id']} "
        "(DBAPIError: Exception)"
    )
    assert record.exc_info is None
    assert api.texts(USER, plain=True) == [
        "Oups, un problème de mon côté. Tes réponses sont gardées : réessaie dans un instant."
    ]


async def test_a_pressed_message_becomes_what_the_engine_says(
    api: FakeBotApi, services: Services
) -> None:
    class Answering:
        async def handle(self, incoming: Incoming) -> Response:
            return Response(
                replies=[Reply("common.help", {"consented": True})],
                update=Reply("privacy.declined"),
            )

    application = build_application(api.token, api.base_url)
    output = TelegramOutput(application.bot, services.renderer)
    attach(application, TelegramBot(Answering(), output))
    async with application:
        asked = await application.bot.send_message(
            USER,
            "Tu acceptes ?",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="x")]]),
        )
        press = UpdateFactory().callback(
            USER, "x", message_id=asked.message_id, reply_markup=asked.reply_markup.to_dict()
        )
        await application.process_update(Update.de_json(press, application.bot))
    first, second = api.messages(USER)
    assert "reply_markup" not in first
    assert "je ne garde rien d'autre que ton refus" in first["text"]  # edited in place
    assert "Ce que je sais faire" in second["text"]
    assert [call.ok for call in api.calls("answerCallbackQuery")] == [True]
