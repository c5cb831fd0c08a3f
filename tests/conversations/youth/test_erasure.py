"""/delete by a youth who is paired: the pair closes, the mentor and staff are told without
the youth's name, and nothing personal about the youth is left in any table."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from bot.container import Services
from conversations.core.messages import Channel
from conversations.mentor import contact_log, rounds
from scheduler.ticks import Ticks
from storage.models import Delivery, Pairing, Person
from tests.fakes.mentoring import as_sent, make_pair, make_youth
from tests.fakes.transcript import Person as Youth

SECRETS = ("Zoé-Secret", "7001234", "Développement web", "she is struggling at home")


def _rows_containing(connection: Connection, needles: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
            flat = " ".join(str(value) for value in row)
            found.extend(f"{table}: {needle}" for needle in needles if needle in flat)
    return found


async def test_a_paired_youth_erasing_their_data(services: Services) -> None:
    pairing_id, _youth, mentor_id = await make_pair(
        services, youth_name="Zoé-Secret", telegram_id="7001234"
    )
    async with services.sessions() as session, session.begin():
        mentor = await session.get(Person, mentor_id)
        assert mentor is not None
        await session.refresh(mentor, ["identities"])
        await contact_log.report_concern(
            session,
            mentor=mentor,
            pairing_id=pairing_id,
            note="she is struggling at home",
            source_event_id="view-1",
            channel="slack",
            now=services.clock.now(),
            config=services.config,
        )
    youth = Youth(services, "7001234", name="Zoé-Secret")
    said = await youth.command("delete")
    said = await youth.presses(said.value_of("effacer"))
    assert "j'ai effacé tout" in said.text

    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
        deliveries = (await session.execute(select(Delivery))).scalars().all()
    assert pairing is not None
    assert (pairing.status, pairing.close_reason) == ("closed", "gave_up")
    templates = {d.template for d in deliveries}
    assert {"mentor.youth_left", "staff.youth_left"} <= templates
    async with services.db.connect() as connection:
        leftovers = await connection.run_sync(_rows_containing, SECRETS)
    assert leftovers == []
    told = next(d for d in deliveries if d.template == "mentor.youth_left")
    assert told.person_id == mentor_id
    text_for_mentor = services.renderer.text(told.template, "fr", Channel.SLACK, told.context)
    assert f"Le binôme n°{pairing_id} est terminé" in text_for_mentor


async def test_no_copy_of_a_name_survives_in_queued_messages(services: Services) -> None:
    """Check-in asks and the weekly digest of waiting youths named people by copying their
    first names into the outbox; they now name them by id, so /delete leaves nothing."""
    pairing_id, _youth, _mentor = await make_pair(
        services, youth_name="Zoé-Secret", telegram_id="7001234"
    )
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        await rounds.start_checkin(session, pairing_id=pairing_id, now=now, config=services.config)
        waiting = await make_youth(session, now, name="Yanis-Secret", telegram_id="7009999")
        waiting_id = waiting.id
    # three weeks later, on a Monday morning, the digest lists Yanis
    monday = now + timedelta(days=21)
    assert monday.weekday() == 0
    assert await Ticks(services.sessions, services.config).unpaired_digest(monday) == 1
    async with services.sessions() as session:
        digest = await session.scalar(select(Delivery).where(Delivery.template == "staff.unpaired"))
    assert digest is not None
    assert "Yanis-Secret" in json.dumps(await as_sent(services, digest.context))

    for telegram_id, name in (("7001234", "Zoé-Secret"), ("7009999", "Yanis-Secret")):
        youth = Youth(services, telegram_id, name=name)
        said = await youth.command("delete")
        await youth.presses(said.value_of("effacer"))
    async with services.db.connect() as connection:
        leftovers = await connection.run_sync(
            _rows_containing, ("Zoé-Secret", "Yanis-Secret", "7009999")
        )
    assert leftovers == []
    # and what is still to be sent names nobody
    async with services.sessions() as session:
        digest = await session.scalar(select(Delivery).where(Delivery.template == "staff.unpaired"))
    assert digest is not None
    shown = await as_sent(services, digest.context)
    assert [youth["name"] for youth in shown["oldest"]] == [""]
    assert shown["oldest"][0]["person"] == waiting_id
