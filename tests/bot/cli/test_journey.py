"""The staff command line against the stand-in Telegram and Slack servers: registering a
mentor, pairing, a check-in by hand, the scheduler once, status."""

from __future__ import annotations

from sqlalchemy import select

from bot.container import Services
from storage.models import Delivery, MentorProfile, Pairing
from tests.bot.cli.runner import TUESDAY, run
from tests.fakes.mentoring import make_youth
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi


async def test_a_mentor_is_registered_paired_and_checked_in_by_hand(
    services: Services, stand_ins: tuple[FakeBotApi, FakeSlackApi], env: dict[str, str]
) -> None:
    telegram, slack = stand_ins
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name="Inès", telegram_id="7001")

    out = await run(
        env,
        "mentor",
        "add",
        "claire@acme.example",
        "--by",
        "Camille",
        "--name",
        "Claire",
        "--region",
        "IDF",
        "--capacity",
        "2",
    )
    assert "registered, capacity 2" in out
    async with services.sessions() as session:
        profile = (await session.scalars(select(MentorProfile))).one()
    assert (profile.email, profile.region, profile.capacity) == ("claire@acme.example", "idf", 2)
    assert f"Mentor #{profile.person_id} Claire (UCLAIRE) registered, capacity 2." in out

    out = await run(env, "pair", str(youth.id), "UCLAIRE", "--by", "Camille")
    assert (
        f"Pairing 1 created: youth #{youth.id} Inès with mentor #{profile.person_id} Claire." in out
    )
    assert "Messages sent now: 2" in out
    assert "vous accompagnez désormais Inès" in slack.messages("UCLAIRE")[0]["text"]
    youth_sees = telegram.texts(7001, plain=True)
    assert "Claire va te contacter pour une première rencontre" in youth_sees[0]

    out = await run(env, "checkin", "1")
    assert "Messages sent now: 1" in out
    assert "Avez-vous eu un contact ce mois-ci" in slack.messages("UCLAIRE")[-1]["text"]

    # pairing again is refused with a reason staff can act on
    out = await run(env, "pair", str(youth.id), "UCLAIRE", "--by", "Camille", code=1)
    assert "already has an open pairing" in out

    out = await run(env, "status")
    assert "sent today" in out
    assert "Unreachable people (blocked the bot...): 0" in out

    out = await run(env, "scheduler", "--once")
    assert "Due work:" in out
    async with services.sessions() as session:
        pairing = (await session.scalars(select(Pairing))).one()
        sent = (await session.scalars(select(Delivery.status))).all()
    assert pairing.status == "active"
    assert set(sent) == {"sent"}
