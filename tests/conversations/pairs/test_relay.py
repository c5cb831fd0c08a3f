"""The pair talks through the bot, driven through the engine as the mentor (Slack) and the
youth (Telegram), no platform library: what each side is sent, what the writer sees, what
the database keeps (an interaction without text, last contact), and every bad input."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Attachment, Channel, Incoming, Kind, Reply
from conversations.core.response import Response
from conversations.mentor import checkin, rounds
from conversations.mentor.interactions import Kind as InteractionKind
from conversations.pairs import relay
from conversations.pairs.lifecycle import change_status
from conversations.youth import pulse
from storage import relay_files, threads
from storage.models import (
    Case,
    CloseReason,
    ConversationState,
    Delivery,
    DeliveryStatus,
    Interaction,
    Pairing,
    PairingStatus,
    Person,
    Priority,
    RelayFile,
)
from tests.fakes.mentoring import as_sent, make_mentor, make_pair

MENTOR = "UMENTOR1"
DM = "DUMENTOR1"
THREAD = "1700000000.000100"
YOUTH = "5550001"
PDF = Attachment("cv.pdf", b"%PDF-1.4 mon cv", "application/pdf")
_events = itertools.count(1)


def event() -> str:
    return f"Ev{next(_events):06d}"


async def mentor_sends(
    services: Services,
    text: str = "",
    *,
    thread: str | None = THREAD,
    kind: Kind = Kind.TEXT,
    event_id: str | None = None,
    files: tuple[Attachment, ...] = (),
    refused: str = "",
    choice: str = "",
) -> Response:
    return await services.engine.handle(
        Incoming(
            Channel.SLACK,
            MENTOR,
            kind,
            text=text,
            choice=choice,
            event_id=event_id or event(),
            chat_id=DM,
            thread=thread,
            files=files,
            file_refused=refused,
        )
    )


async def youth_sends(
    services: Services,
    text: str = "",
    *,
    who: str = YOUTH,
    kind: Kind = Kind.TEXT,
    event_id: str | None = None,
    files: tuple[Attachment, ...] = (),
    refused: str = "",
    command: str = "",
    args: str = "",
) -> Response:
    return await services.engine.handle(
        Incoming(
            Channel.TELEGRAM,
            who,
            kind,
            text=text,
            command=command,
            args=args,
            event_id=event_id or f"tg{next(_events)}",
            chat_id=who,
            files=files,
            file_refused=refused,
        )
    )


async def pair_with_thread(
    services: Services, *, youth_name: str = "Inès", telegram_id: str = YOUTH, ts: str = THREAD
) -> tuple[int, int, int]:
    """A pair whose introduction was posted in the mentor's DM (its thread is recorded)."""
    pairing_id, youth_id, mentor_id = await make_pair(
        services, youth_name=youth_name, telegram_id=telegram_id
    )
    async with services.sessions() as session, session.begin():
        await threads.record(
            session,
            channel="slack",
            chat_id=DM,
            ts=ts,
            now=services.clock.now(),
            pairing_id=pairing_id,
        )
    return pairing_id, youth_id, mentor_id


async def relayed(services: Services) -> list[Delivery]:
    """The relayed messages queued, oldest first."""
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.template.like("relay.%")).order_by(Delivery.id)
        )
        return list(rows.all())


async def rows(services: Services, model: type[Any]) -> list[Any]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def pairing_of(services: Services, pairing_id: int) -> Pairing:
    async with services.sessions() as session:
        found = await session.get(Pairing, pairing_id)
    assert found is not None
    return found


def keys(response: Response) -> list[str]:
    return [reply.key for reply in response.replies]


def text_of(services: Services, response: Response, channel: Channel = Channel.SLACK) -> str:
    return "\n".join(services.renderer.render(r, channel).text for r in response.replies)


async def rendered(services: Services, delivery: Delivery, channel: Channel) -> str:
    """The queued message as the dispatcher renders it for the other side."""
    context = await as_sent(services, delivery.context)
    return services.renderer.render(Reply(delivery.template, context, locale="fr"), channel).text


# ------------------------------------------------------------------ the mentor writes


async def test_the_mentors_message_in_the_pairs_thread_reaches_the_youth_signed(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, mentor_id = await pair_with_thread(services)
    response = await mentor_sends(services, "Bonjour Inès, on se voit jeudi ?", event_id="Ev1")
    assert response.replies == []  # nothing back when it went
    [message] = await relayed(services)
    assert (message.person_id, message.channel, message.template) == (
        youth_id,
        "telegram",
        "relay.youth.from_mentor",
    )
    assert message.priority == Priority.URGENT
    assert message.order_key == f"pair:{pairing_id}:to_youth"
    assert message.context["live"] is True
    assert message.context["drop"] == ["text"]
    assert message.context["text"] == "Bonjour Inès, on se voit jeudi ?"
    assert await rendered(services, message, Channel.TELEGRAM) == (
        "💬 <b>Claire</b>, qui t'accompagne :\nBonjour Inès, on se voit jeudi ?"
    )
    # a contact, without its text; the follow-up rules see the pair talking
    [interaction] = await rows(services, Interaction)
    assert (interaction.kind, interaction.channel, interaction.logged_by) == (
        InteractionKind.MESSAGE,
        "slack",
        mentor_id,
    )
    assert interaction.note is None
    assert interaction.source_event_id == "relay:slack:Ev1"
    pairing = await pairing_of(services, pairing_id)
    assert pairing.last_contact_at == clock.now()
    assert pairing.at_risk_due_at == clock.now() + timedelta(
        days=services.config.nudges.silence_days
    )


async def test_markup_in_relayed_text_is_shown_literally(services: Services) -> None:
    await pair_with_thread(services)
    await mentor_sends(services, "<b>gras</b> & <a href='x'>lien</a> a_b*c <!channel>")
    [message] = await relayed(services)
    telegram = await rendered(services, message, Channel.TELEGRAM)
    assert "&lt;b&gt;gras&lt;/b&gt; &amp; &lt;a href=&#39;x&#39;&gt;lien&lt;/a&gt;" in telegram
    assert "a_b*c &lt;!channel&gt;" in telegram
    await youth_sends(services, "<!channel> <@U123> *gras* <b>x</b>")
    to_mentor = (await relayed(services))[-1]
    slack = await rendered(services, to_mentor, Channel.SLACK)
    assert "&lt;!channel&gt; &lt;@U123&gt;" in slack
    assert "&lt;b&gt;x&lt;/b&gt;" in slack
    assert "<!channel>" not in slack


async def test_10000_characters_from_slack_are_passed_whole(services: Services) -> None:
    await pair_with_thread(services)
    long = ("Voici mes remarques sur ton CV. " * 400)[:10_000]
    assert len(long) == 10_000
    await mentor_sends(services, long)
    [message] = await relayed(services)
    assert message.context["text"] == long.strip()


async def test_a_retried_slack_event_is_relayed_once(services: Services) -> None:
    await pair_with_thread(services)
    for _ in range(3):
        await mentor_sends(services, "Coucou", event_id="EvSAME")
    assert len(await relayed(services)) == 1
    assert len(await rows(services, Interaction)) == 1


async def test_a_mentor_with_one_mentee_writing_outside_the_thread_reaches_them(
    services: Services,
) -> None:
    _, youth_id, _ = await pair_with_thread(services)
    response = await mentor_sends(services, "Bonne chance demain !", thread=None)
    [message] = await relayed(services)
    assert message.person_id == youth_id
    assert keys(response) == ["relay.mentor.sent"]
    assert "Envoyé à Inès" in text_of(services, response)
    # "help" is still the help, not a message to the youth
    response = await mentor_sends(services, "aide", thread=None)
    assert keys(response) == ["mentor.help"]
    assert len(await relayed(services)) == 1


async def test_a_mentor_with_several_mentees_picks_one_and_it_goes_once(
    services: Services,
) -> None:
    first, _, _ = await pair_with_thread(services)
    second, samir_id, _ = await pair_with_thread(
        services, youth_name="Samir", telegram_id="5550002", ts="1700000000.000200"
    )
    response = await mentor_sends(services, "Qui est dispo jeudi ?", thread=None, event_id="EvQ")
    assert keys(response) == ["relay.mentor.pick"]
    [pick] = response.replies
    labels = {services.renderer.label(c, "fr", Channel.SLACK): c.value for c in pick.choices}
    assert labels == {"Inès": f"rp:{first}", "Samir": f"rp:{second}"}
    assert await relayed(services) == []
    [state] = await rows(services, ConversationState)
    assert state.flow == relay.FLOW

    response = await mentor_sends(services, kind=Kind.CHOICE, choice=f"rp:{second}", thread=None)
    assert keys(response) == ["relay.mentor.sent"]
    assert response.answered
    [message] = await relayed(services)
    assert (message.person_id, message.context["text"]) == (samir_id, "Qui est dispo jeudi ?")
    assert await rows(services, ConversationState) == []  # dropped once used
    [interaction] = await rows(services, Interaction)
    assert (interaction.pairing_id, interaction.source_event_id) == (second, "relay:slack:EvQ")
    # the same button again, or the other one: nothing is sent twice
    for value in (f"rp:{second}", f"rp:{first}"):
        response = await mentor_sends(services, kind=Kind.CHOICE, choice=value, thread=None)
        assert keys(response) == ["relay.mentor.nothing_held"]
    assert len(await relayed(services)) == 1


async def test_a_held_message_expires_after_a_day(services: Services, clock: FixedClock) -> None:
    first, _, _ = await pair_with_thread(services)
    await pair_with_thread(services, youth_name="Samir", telegram_id="5550002", ts="2.0")
    await mentor_sends(
        services, "avec mon CV", thread=None, kind=Kind.FILE, files=(PDF,), event_id="EvF"
    )
    assert len(await rows(services, RelayFile)) == 1  # held with the message
    clock.advance(relay.HOLD_FOR + timedelta(minutes=1))
    response = await mentor_sends(services, kind=Kind.CHOICE, choice=f"rp:{first}", thread=None)
    assert keys(response) == ["relay.mentor.expired"]
    assert await relayed(services) == []
    assert await rows(services, RelayFile) == []


async def test_a_mentor_without_mentees_gets_the_help(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_mentor(session, services.clock.now())
    response = await mentor_sends(services, "Bonjour ?", thread=None)
    assert keys(response) == ["mentor.free_text", "mentor.help"]


async def test_the_mentors_files_go_one_delivery_each_in_order(services: Services) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    letter = Attachment("lettre.odt", b"odt", "application/vnd.oasis.opendocument.text")
    await mentor_sends(services, "Mes corrections", kind=Kind.FILE, files=(PDF, letter))
    text, first, second = await relayed(services)
    assert [d.template for d in (text, first, second)] == [
        "relay.youth.from_mentor",
        "relay.youth.file_from_mentor",
        "relay.youth.file_from_mentor",
    ]
    assert {d.order_key for d in (text, first, second)} == {f"pair:{pairing_id}:to_youth"}
    async with services.sessions() as session:
        stored = [await relay_files.load(session, d.context["file"]) for d in (first, second)]
    assert [(f.filename, f.content) for f in stored if f is not None] == [
        ("cv.pdf", PDF.content),
        ("lettre.odt", b"odt"),
    ]
    assert "t'envoie un fichier" in await rendered(services, first, Channel.TELEGRAM)


async def test_what_cannot_pass_from_slack_is_explained_in_the_thread(services: Services) -> None:
    await pair_with_thread(services)
    response = await mentor_sends(services, "", kind=Kind.FILE, refused="too_large")
    assert keys(response) == ["relay.mentor.file_refused"]
    assert response.replies[0].thread == THREAD
    assert "20 Mo" in text_of(services, response)
    response = await mentor_sends(services, "voici", kind=Kind.FILE, refused="unsupported_type")
    assert keys(response) == ["relay.mentor.file_refused"]  # the caption still goes
    assert "ce type de fichier" in text_of(services, response)
    response = await mentor_sends(services, "audio", kind=Kind.UNSUPPORTED)
    assert keys(response) == ["relay.mentor.cannot_pass"]
    response = await mentor_sends(services, "   ")
    assert keys(response) == ["relay.mentor.empty"]
    [caption] = await relayed(services)
    assert caption.context["text"] == "voici"


# ------------------------------------------------------------------ the youth writes


async def test_the_youths_text_reaches_the_mentor_in_the_pairs_thread(
    services: Services,
) -> None:
    pairing_id, youth_id, mentor_id = await pair_with_thread(services)
    # a question the FAQ knows goes to the mentor too: she is paired
    response = await youth_sends(services, "c'est quoi un mentor ?", event_id="42")
    assert keys(response) == ["relay.youth.sent"]
    assert text_of(services, response, Channel.TELEGRAM) == "✓ Envoyé à Claire."
    [message] = await relayed(services)
    assert (message.person_id, message.channel, message.template) == (
        mentor_id,
        "slack",
        "relay.mentor.from_youth",
    )
    assert message.order_key == f"pair:{pairing_id}:to_mentor"
    assert message.context["thread_ts"] == THREAD
    assert "anchor" not in message.context
    assert await rendered(services, message, Channel.SLACK) == (
        "💬 *Inès* :\nc'est quoi un mentor ?"
    )
    [interaction] = await rows(services, Interaction)
    assert (interaction.channel, interaction.logged_by, interaction.source_event_id) == (
        "telegram",
        youth_id,
        "relay:telegram:42",
    )
    # a redelivered update changes nothing twice
    await youth_sends(services, "c'est quoi un mentor ?", event_id="42")
    assert len(await relayed(services)) == 1
    assert len(await rows(services, Interaction)) == 1


async def test_before_the_thread_exists_the_youths_message_opens_one(services: Services) -> None:
    pairing_id, _, _ = await make_pair(services, telegram_id=YOUTH)
    await youth_sends(services, "Bonjour !")
    [message] = await relayed(services)
    assert "thread_ts" not in message.context
    assert message.context["anchor"] == {"pairing": pairing_id}
    text = await rendered(services, message, Channel.SLACK)
    assert text.startswith("💬 *Inès*, la personne que vous accompagnez :\nBonjour !")
    assert "Répondez dans le fil" in text


async def test_the_youths_commands_and_the_faq_still_work(services: Services) -> None:
    await pair_with_thread(services)
    response = await youth_sends(services, kind=Kind.COMMAND, command="faq", args="mentor")
    assert keys(response)[0].startswith("faq.")
    response = await youth_sends(services, kind=Kind.COMMAND, command="status")
    assert "status.paired" in keys(response)
    assert await relayed(services) == []


async def test_a_youths_pdf_goes_to_the_mentor_and_a_sticker_is_explained(
    services: Services,
) -> None:
    await pair_with_thread(services)
    response = await youth_sends(services, "mon CV", kind=Kind.FILE, files=(PDF,))
    assert keys(response) == ["relay.youth.sent"]
    text, file = await relayed(services)
    assert (text.context["text"], file.template) == ("mon CV", "relay.mentor.file_from_youth")
    assert file.context["thread_ts"] == THREAD
    for what, words in (("sticker", "stickers"), ("voice", "vocaux")):
        response = await youth_sends(services, what, kind=Kind.UNSUPPORTED)
        assert keys(response) == ["relay.youth.cannot_pass"]
        said = text_of(services, response, Channel.TELEGRAM)
        assert words in said
        assert "PDF, Word et OpenDocument" in said
    response = await youth_sends(services, kind=Kind.FILE, refused="too_large")
    assert keys(response) == ["relay.youth.file_refused"]
    assert "dépasse 20 Mo" in text_of(services, response, Channel.TELEGRAM)
    response = await youth_sends(services, kind=Kind.FILE, refused="unsupported_type")
    assert "ce type de fichier" in text_of(services, response, Channel.TELEGRAM)
    assert len(await relayed(services)) == 2


async def test_a_paired_youth_answers_a_pulse_just_asked_but_later_writes_to_her_mentor(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        assert await pulse.send_pulse(
            session, pairing=pairing, now=clock.now(), config=services.config
        )
    response = await youth_sends(services, "oui")  # the bot's question, just asked
    assert "relay.youth.sent" not in keys(response)
    assert await relayed(services) == []
    # hours later, her words are for her mentor
    clock.advance(timedelta(hours=7))
    response = await youth_sends(services, "bien")
    assert keys(response) == ["relay.youth.sent"]


async def test_the_mentor_writing_after_the_pulse_makes_oui_an_answer_to_them(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        await pulse.send_pulse(session, pairing=pairing, now=clock.now(), config=services.config)
    clock.advance(timedelta(minutes=5))
    await mentor_sends(services, "On se voit jeudi ?")
    response = await youth_sends(services, "oui")
    assert keys(response) == ["relay.youth.sent"]
    assert (await relayed(services))[-1].context["text"] == "oui"


# ------------------------------------------------------------------ when it cannot go


async def test_a_paused_or_closed_pair_relays_nothing_and_says_why(services: Services) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing, PairingStatus.PAUSED, now=services.clock.now(), config=services.config
        )
    response = await mentor_sends(services, "Coucou")
    assert keys(response) == ["relay.mentor.paused"]
    assert response.replies[0].thread == THREAD
    assert "en pause" in text_of(services, response)
    response = await youth_sends(services, "Coucou")
    assert keys(response) == ["relay.youth.paused"]
    assert "/human" in text_of(services, response, Channel.TELEGRAM)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing,
            PairingStatus.CLOSED,
            now=services.clock.now(),
            config=services.config,
            reason=CloseReason.JOB,
        )
    assert keys(await mentor_sends(services, "Coucou")) == ["relay.mentor.closed"]
    assert keys(await youth_sends(services, "Coucou")) == ["relay.youth.closed"]
    assert await relayed(services) == []
    assert await rows(services, Interaction) == []
    assert await rows(services, Case) == []


async def test_to_a_youth_who_blocked_the_bot_the_mentor_is_told_and_staff_get_one_case(
    services: Services,
) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    await youth_sends(services, kind=Kind.BLOCKED)
    for _ in range(2):
        response = await mentor_sends(services, "Tu es là ?")
        assert keys(response) == ["relay.mentor.unreachable"]
        assert "bloqué" in text_of(services, response)
    assert await relayed(services) == []
    [case] = await rows(services, Case)
    assert (case.kind, case.topic, case.pairing_id, case.state) == (
        "alert",
        relay.TOPIC,
        pairing_id,
        "open",
    )


async def test_an_undeliverable_message_tells_its_writer_and_opens_a_case(
    services: Services,
) -> None:
    pairing_id, youth_id, _ = await pair_with_thread(services)
    await youth_sends(services, "Bonjour")
    await youth_sends(services, "Vous êtes là ?")
    first, second = await relayed(services)
    failed = relay.on_undeliverable(services.config)
    async with services.sessions() as session, session.begin():
        for delivery in (first, second):
            row = await session.get(Delivery, delivery.id)
            assert row is not None
            row.status = DeliveryStatus.UNDELIVERABLE
            await failed(session, row, services.clock.now())
    async with services.sessions() as session:
        [notice] = (
            await session.scalars(
                select(Delivery).where(Delivery.template == "relay.youth.undelivered")
            )
        ).all()
    assert (notice.person_id, notice.channel, notice.context["live"]) == (
        youth_id,
        "telegram",
        True,
    )
    said = await rendered(services, notice, Channel.TELEGRAM)
    assert "n'a pas pu être remis à Claire" in said
    [case] = await rows(services, Case)
    assert (case.topic, case.pairing_id) == (relay.TOPIC, pairing_id)
    # anything else the dispatcher gives up is not the relay's
    async with services.sessions() as session, session.begin():
        other = await session.scalar(
            select(Delivery).where(Delivery.template == "mentor.pairing_intro")
        )
        assert other is not None
        await failed(session, other, services.clock.now())
    assert len(await rows(services, Case)) == 1


async def test_a_mentor_whose_account_was_deactivated_cannot_be_written_to_until_back(
    services: Services,
) -> None:
    _, _, mentor_id = await pair_with_thread(services)
    async with services.sessions() as session, session.begin():
        mentor = await session.get(Person, mentor_id)
        assert mentor is not None
        mentor.unreachable_at = services.clock.now()  # Slack said account_inactive
    response = await youth_sends(services, "Bonjour")
    assert keys(response) == ["relay.youth.unreachable"]
    assert "J'ai prévenu l'équipe" in text_of(services, response, Channel.TELEGRAM)
    assert len(await rows(services, Case)) == 1
    # the mentor writes again: reachable again
    await mentor_sends(services, "Me revoilà")
    assert keys(await youth_sends(services, "Super")) == ["relay.youth.sent"]


# ------------------------------------------------------------------ follow-up and privacy


async def test_a_mentor_who_writes_is_not_a_silent_round_and_the_checkin_counts_messages(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    for n in range(3):
        await mentor_sends(services, f"message {n}")
        await youth_sends(services, f"réponse {n}")
    async with services.sessions() as session, session.begin():
        made = await checkin.start_checkin(
            session, pairing_id=pairing_id, now=clock.now(), config=services.config
        )
        assert made is not None
        assert await rounds.contact_logged(session, pairing_id, clock.now() - timedelta(days=1))
    async with services.sessions() as session:
        ask = await session.scalar(select(Delivery).where(Delivery.template == "checkin.ask"))
    assert ask is not None
    assert ask.context["messages"] == 6
    said = await rendered(services, ask, Channel.SLACK)
    assert "Vous avez échangé 6 messages avec Inès" in said
    assert "avez-vous aussi pu vous voir" in said


async def test_only_the_mentors_messages_count_as_the_mentor_in_touch(services: Services) -> None:
    pairing_id, _, _ = await pair_with_thread(services)
    await youth_sends(services, "Bonjour ?")
    since = services.clock.now() - timedelta(days=1)
    async with services.sessions() as session:
        assert not await rounds.contact_logged(session, pairing_id, since)


async def test_mydata_shows_counts_and_dates_of_messages_not_their_text(
    services: Services,
) -> None:
    await pair_with_thread(services)
    await mentor_sends(services, "Un secret de Claire")
    await youth_sends(services, "Un secret d'Inès")
    response = await youth_sends(services, kind=Kind.COMMAND, command="mydata")
    [export] = [r.attachment for r in response.replies if r.attachment is not None]
    data = json.loads(export.content)
    [mentoring] = data["mentoring"]
    assert mentoring["messages"]["sent"] == 1
    assert mentoring["messages"]["received"] == 1
    assert [d["from"] for d in mentoring["messages"]["dates"]] == ["other", "you"]
    assert mentoring["contacts_logged"] == []
    assert "secret" not in export.content.decode()


async def test_delete_removes_what_is_still_on_its_way(services: Services) -> None:
    await pair_with_thread(services)
    await youth_sends(services, "mon CV", kind=Kind.FILE, files=(PDF,))
    await mentor_sends(services, "merci", kind=Kind.FILE, files=(PDF,))
    assert len(await rows(services, RelayFile)) == 2
    response = await youth_sends(services, kind=Kind.COMMAND, command="delete")
    confirm = [c.value for r in response.replies for c in r.choices if c.value.endswith("yes")]
    await services.engine.handle(
        Incoming(Channel.TELEGRAM, YOUTH, Kind.CHOICE, choice=confirm[0], event_id="del-yes")
    )
    assert await relayed(services) == []
    assert await rows(services, RelayFile) == []


async def test_a_day_and_an_hour_in_the_thread_is_relayed_and_offered_as_the_first_meeting(
    services: Services,
) -> None:
    await pair_with_thread(services)
    response = await mentor_sends(services, "On se voit jeudi à 14h ?")
    assert keys(response) == ["meeting.mentor.offer"]
    assert response.replies[0].thread == THREAD
    [message] = await relayed(services)
    assert message.context["text"] == "On se voit jeudi à 14h ?"


async def test_a_thread_of_another_mentors_pair_is_refused(services: Services) -> None:
    await pair_with_thread(services)
    other, _, _ = await make_pair(services, mentor_slack="UOTHER", telegram_id="5550009")
    async with services.sessions() as session, session.begin():
        await threads.record(
            session,
            channel="slack",
            chat_id=DM,
            ts="9.9",
            now=services.clock.now(),
            pairing_id=other,
        )
    response = await mentor_sends(services, "Bonjour", thread="9.9")
    assert keys(response) == ["mentor.not_your_pair"]
    assert await relayed(services) == []
