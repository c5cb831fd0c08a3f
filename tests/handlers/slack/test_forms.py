"""Form fields Slack draws and reads back: a day and a time (`FieldKind.DATETIME`) is
Slack's `datetimepicker`, shown in the person's own time zone and answered as an instant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.container import Services
from conversations.core.messages import FieldKind, Form, FormField, Incoming, Kind
from conversations.core.response import Response
from handlers.slack import SlackRenderer, read_form
from handlers.slack.incoming import submission
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR

WHEN = datetime(2026, 11, 12, 18, 30, tzinfo=ZoneInfo("Europe/Paris"))


def meeting_form(initial: object = None) -> Form:
    return Form(
        name="meeting",
        title_key="form.close",
        submit_key="form.close",
        fields=(FormField("when", FieldKind.DATETIME, "form.close", initial=initial),),
        metadata={"pairing": 7},
    )


def test_a_datetime_field_is_a_datetimepicker_with_its_initial_instant(
    services: Services,
) -> None:
    view = SlackRenderer(services.renderer).modal(meeting_form(WHEN)).to_dict()
    (block,) = view["blocks"]
    assert block["element"] == {
        "type": "datetimepicker",
        "action_id": "when",
        "initial_date_time": int(WHEN.timestamp()),
    }
    empty = SlackRenderer(services.renderer).modal(meeting_form()).to_dict()
    assert "initial_date_time" not in empty["blocks"][0]["element"]
    # a naive datetime says no instant: nothing is guessed
    naive = WHEN.replace(tzinfo=None)
    naive_view = SlackRenderer(services.renderer).modal(meeting_form(naive))
    assert "initial_date_time" not in naive_view.to_dict()["blocks"][0]["element"]


def test_the_answer_is_an_aware_utc_datetime() -> None:
    stamp = int(WHEN.timestamp())
    answers = read_form({"when": {"when": {"type": "datetimepicker", "selected_date_time": stamp}}})
    assert answers == {"when": WHEN.astimezone(UTC)}
    assert answers["when"].tzinfo is UTC  # type: ignore[attr-defined]
    assert read_form({"when": {"when": {"type": "datetimepicker"}}}) == {"when": None}
    for junk in ("demain", "1e400", True, [1]):
        assert read_form(
            {"when": {"when": {"type": "datetimepicker", "selected_date_time": junk}}}
        ) == {"when": None}


async def test_a_submitted_datetime_reaches_the_engine_as_an_instant(
    slack: SlackHarness, services: Services
) -> None:
    received: list[Incoming] = []

    async def recording(incoming: Incoming) -> Response:
        received.append(incoming)
        return Response()

    services.engine.handle = recording  # type: ignore[method-assign]
    stamp = int(WHEN.timestamp())
    status, _ = await slack.send(
        *slack.requests.view_submission(
            MENTOR,
            "meeting",
            {"when": {"type": "datetimepicker", "selected_date_time": stamp}},
            private_metadata=json.dumps({"pairing": 7}),
        )
    )
    assert status == 200
    (event,) = received
    assert (event.kind, event.form, dict(event.metadata)) == (Kind.FORM, "meeting", {"pairing": 7})
    assert event.answers == {"when": WHEN.astimezone(UTC)}


def test_round_trip_through_the_modal_and_its_submission(services: Services) -> None:
    view = SlackRenderer(services.renderer).modal(meeting_form(WHEN)).to_dict()
    element = view["blocks"][0]["element"]
    body = {
        "user": {"id": MENTOR},
        "view": {
            "id": "V1",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {
                    "when": {
                        "when": {
                            "type": element["type"],
                            "selected_date_time": element["initial_date_time"],
                        }
                    }
                }
            },
        },
    }
    event = submission(body)
    assert event.answers == {"when": WHEN}
    assert dict(event.metadata) == {"pairing": 7}
