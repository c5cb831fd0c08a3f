"""/delete by a youth who is paired: the pair closes, the mentor and staff are told without
the youth's name, and nothing personal about the youth is left in any table."""

from __future__ import annotations

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from bot.app import Services
from conversations.core.messages import Channel
from conversations.mentor import contact_log
from storage.models import Delivery, Pairing, Person
from tests.fakes.mentoring import make_pair
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
