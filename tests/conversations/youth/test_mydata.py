"""/mydata holds everything stored about a youth: the pairing and mentor, check-ins and
pulse answers, contacts logged with the mentor's notes, outcomes and messages still
waiting for them, with readable words beside the codes."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.container import Services
from conversations.youth import pulse
from storage.models import Checkin, Interaction, Outcome, Pairing
from tests.fakes.mentoring import make_pair
from tests.fakes.transcript import Person as Youth


async def test_mydata_holds_the_mentoring_and_explains_codes(services: Services) -> None:
    pairing_id, _youth, _mentor = await make_pair(services, youth_name="Inès", telegram_id="1001")
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        session.add(
            Checkin(
                pairing_id=pairing_id,
                period="2026-11",
                respondent_role="mentor",
                asked_at=now,
                answer="yes",
                answered_at=now,
                note="CV revu ensemble",
            )
        )
        session.add(
            Interaction(
                pairing_id=pairing_id,
                kind="contact",
                occurred_at=now,
                logged_at=now,
                channel="slack",
                note="entretien jeudi",
            )
        )
        session.add(
            Outcome(
                pairing_id=pairing_id,
                kind="job",
                contract="cdi",
                at_diploma_level=True,
                occurred_on=date(2026, 11, 20),
                reported_at=now,
            )
        )
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        await pulse.send_pulse(
            session, pairing=pairing, now=now + timedelta(days=40), config=services.config
        )

    said = await Youth(services, "1001", name="Inès").command("mydata")
    attachment = said.replies[0].attachment
    assert attachment is not None
    data = json.loads(attachment.content)
    [mentoring] = data["mentoring"]
    assert mentoring["with"] == "Claire"
    assert mentoring["status"] == "active"
    notes = [c["note"] for c in mentoring["checkins"]] + [
        i["note"] for i in mentoring["contacts_logged"]
    ]
    assert "CV revu ensemble" in notes
    assert "entretien jeudi" in notes
    assert mentoring["outcomes"] == [
        {
            "kind": "job",
            "contract": "cdi",
            "at_diploma_level": True,
            "occurred_on": "2026-11-20",
            "reported_at": now.isoformat(),
        }
    ]
    assert [m["message"] for m in data["messages_waiting_for_you"]] == [
        "pairing.youth_paired",
        "pulse.ask",
    ]
    # codes come with their words
    [application] = data["applications"]
    assert application["answers"]["region"] == "IDF"
    assert application["answers_in_words"]["region"] == "Île-de-France"


async def test_mydata_explains_every_coded_eligibility_answer(services: Services) -> None:
    youth = Youth(services)
    said = await youth.command("start")
    said = await youth.presses(said.buttons[0][1])  # the privacy notice accepted
    for answer in ("bac+5", "14/07/2001", "oui", "je cherche un emploi", "Guadeloupe", "Finance"):
        said = await youth.says(answer)
    said = await youth.says("ines@example.fr")
    said = await youth.command("mydata")
    attachment = said.replies[0].attachment
    assert attachment is not None
    words = json.loads(attachment.content)["applications"][0]["answers_in_words"]
    assert words["diploma"].startswith("Bac+5")
    assert words["region"] == "Guadeloupe"
    assert words["qpv"] == "Oui"
    assert "situation" in words
