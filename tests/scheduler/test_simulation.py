"""Three months of a small programme, hour by hour, with the clock injected.

The real ticks and the real dispatcher run against the stand-in Telegram and Slack servers;
mentors and youths answer (or not) through the same functions their platforms call. Every
message each person received is recorded with the simulated time it was sent, then checked
against the programme's rules: reminders and escalations on the right days, sending hours
and public holidays, one budgeted message a day, pauses, nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Sender
from conversations.mentor import contact_log, holidays
from conversations.rules.calendar import Place, is_holiday, next_open
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.ticks import Ticks
from storage.models import Case, Checkin, Delivery, DeliveryStatus, Pairing, Person, Priority
from tests.fakes.mentoring import make_pair, make_youth
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

PARIS = ZoneInfo("Europe/Paris")
STAFF_CHANNEL = "CSTAFF"
DAYS = 122  # 2 November to 4 March


@dataclass
class Received:
    when: datetime
    who: str
    text: str


@dataclass
class Programme:
    services: Services
    clock: FixedClock
    telegram: FakeBotApi
    slack: FakeSlackApi
    ticks: Ticks
    dispatcher: Dispatcher
    received: list[Received] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=lambda: {"telegram": 0, "slack": 0})

    def _collect(self) -> None:
        now = self.clock.now()
        sent = [r for r in self.telegram.requests if r.ok and r.method == "sendMessage"]
        for request in sent[self.seen["telegram"] :]:
            self.received.append(Received(now, f"tg:{request.chat_id}", request.params["text"]))
        self.seen["telegram"] = len(sent)
        posted = self.slack.messages()
        for message in posted[self.seen["slack"] :]:
            self.received.append(Received(now, f"slack:{message['channel']}", message["text"]))
        self.seen["slack"] = len(posted)

    async def run_until(
        self, end: datetime, every: Callable[[datetime], Awaitable[None]] | None = None
    ) -> None:
        """Advance an hour at a time: ticks, then the dispatcher, then the people."""
        window = self.services.config.nudges.window
        while self.clock.now() < end:
            self.clock.advance(timedelta(hours=1))
            opens = next_open(self.clock.now(), window, Place(PARIS))
            if opens > self.clock.now():
                # nights, weekends, holidays: nothing may go out before the window opens,
                # so the hours in between need no simulating (the ticks catch up)
                self.clock.set(min(opens, end))
            await self.ticks.run(self.clock.now())
            await self.dispatcher.run_until_empty()
            self._collect()
            if every is not None:
                await every(self.clock.now())

    def to(self, who: str) -> list[Received]:
        return [r for r in self.received if r.who == who]


@pytest.fixture
async def programme(services: Services, clock: FixedClock) -> AsyncIterator[Programme]:
    async with FakeBotApi() as telegram, FakeSlackApi(bot_token="xoxb-test") as slack:
        bot = Bot(telegram.token, base_url=telegram.base_url)
        telegram_sender = TelegramSender(bot, services.renderer)
        senders: dict[str, Sender] = {
            "telegram": telegram_sender,
            "slack": SlackSender(
                build_client("xoxb-test", slack.base_url, retry_on_rate_limit=False),
                SlackRenderer(services.renderer),
                clock,
                STAFF_CHANNEL,
            ),
        }
        dispatcher = Dispatcher(
            services.sessions,
            senders,
            clock,
            policy=DispatchPolicy(window=services.config.nudges.window, zone=PARIS),
        )
        yield Programme(
            services, clock, telegram, slack, Ticks(services.sessions, services.config), dispatcher
        )
        await telegram_sender.close()


def _local(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


async def _mentor(services: Services, person_id: int) -> Person:
    async with services.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await session.refresh(person, ["identities"])
        return person


async def test_three_months_of_a_small_programme(programme: Programme) -> None:
    services, clock = programme.services, programme.clock
    # pair A: a diligent mentor and youth; pair B: a mentor who never answers;
    # pair C: a mentor on holiday for two weeks in December
    a_id, _a_youth, a_mentor = await make_pair(services, mentor_slack="UA", telegram_id="7001")
    b_id, _b_youth, b_mentor = await make_pair(services, mentor_slack="UB", telegram_id="7002")
    # youth C blocked the bot before anything was sent
    programme.telegram.block(7003)
    c_id, c_youth, c_mentor = await make_pair(services, mentor_slack="UC", telegram_id="7003")
    async with services.sessions() as session, session.begin():
        await make_youth(session, clock.now(), name="Sans-Binôme", telegram_id="7004")

    mentor_a = await _mentor(services, a_mentor)
    mentor_c = await _mentor(services, c_mentor)
    events = 0

    async def people(now: datetime) -> None:
        nonlocal events
        local = _local(now)
        if local.hour != 11:
            return
        async with services.sessions() as session, session.begin():
            pair_a = await session.get(Pairing, a_id)
            assert pair_a is not None
            if pair_a.first_meeting_at is None and local.date() >= date(2026, 11, 5):
                events += 1
                await contact_log.first_meeting(
                    session,
                    mentor=mentor_a,
                    pairing_id=a_id,
                    source_event_id=f"fm-{events}",
                    channel="slack",
                    now=now,
                    config=services.config,
                )
            # mentor A answers every check-in the day it arrives: "yes" then a logged contact
            asked = await session.scalars(
                select(Checkin).where(
                    Checkin.pairing_id == a_id,
                    Checkin.answered_at.is_(None),
                    Checkin.respondent_role == "mentor",
                )
            )
            for row in asked.all():
                events += 1
                await contact_log.record_contact(
                    session,
                    mentor=mentor_a,
                    pairing_id=a_id,
                    checkin_id=row.id,
                    report=contact_log.ContactReport(
                        how=contact_log.How.VIDEO,
                        topics=(contact_log.Topic.CV,),
                        progress=contact_log.Progress.GOOD,
                        note=None,
                        needs_staff=False,
                        occurred_on=local.date(),
                    ),
                    source_event_id=f"contact-{events}",
                    channel="slack",
                    now=now,
                    config=services.config,
                )
            if local.date() == date(2026, 11, 30):
                await holidays.pause_checkins(
                    session, mentor_c, date(2026, 12, 13), today=local.date()
                )

    await programme.run_until(clock.now() + timedelta(days=DAYS), people)
    received = programme.received
    assert received, "nothing was sent in three months"

    # ---- every message inside the sending hours, on working days, never on a holiday
    for message in received:
        local = _local(message.when)
        assert local.weekday() < 5, message
        assert time(9) <= local.time() < time(19), message
        assert not is_holiday(local.date()), message

    # ---- nothing twice: every delivery key is unique and sent once
    async with services.sessions() as session:
        deliveries = (await session.scalars(select(Delivery))).all()
        people_rows = {p.id: p for p in (await session.scalars(select(Person))).all()}
        cases = (await session.scalars(select(Case).order_by(Case.id))).all()
    not_sent = [(d.idempotency_key, d.status) for d in deliveries if d.status != "sent"]
    assert not_sent == [(f"pairing:{c_id}:intro_youth", DeliveryStatus.UNDELIVERABLE)]
    assert people_rows[c_youth].unreachable_at is not None
    assert programme.to("tg:7003") == []  # nothing more was tried: no pulse to a blocked youth
    assert len(received) == sum(1 for d in deliveries if d.status == DeliveryStatus.SENT)
    # ---- the daily budget: at most one non-urgent message per person per local day
    per_day: dict[tuple[int, date], list[str]] = defaultdict(list)
    for delivery in deliveries:
        if delivery.person_id and delivery.priority != Priority.URGENT and delivery.sent_at:
            per_day[(delivery.person_id, _local(delivery.sent_at).date())].append(
                delivery.idempotency_key
            )
    assert {k: v for k, v in per_day.items() if len(v) > 1} == {}

    # ---- staff alerts are cases, each listed in the day's digest post of its topic (sent)
    day_digests = [d for d in deliveries if d.template == "staff.digest"]
    listed = {e["case_id"] for d in day_digests for e in d.context["entries"]}
    assert all(d.status == DeliveryStatus.SENT for d in day_digests)
    cases_b = [(c.topic, _local(c.opened_at).date()) for c in cases if c.pairing_id == b_id]
    assert {c.id for c in cases if c.kind == "alert"} <= listed

    # ---- pair B: first-meeting reminders on day 7 and 14 (both sides), staff on day 21
    keys_b = sorted(
        (d.sent_at, d.idempotency_key)
        for d in deliveries
        if d.idempotency_key.split(":")[1] == str(b_id) and d.sent_at is not None
    )
    first_meeting = [(when, key) for when, key in keys_b if key.startswith("first_meeting")]
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert [(key, (when - start).days) for when, key in first_meeting] == [
        (f"first_meeting:{b_id}:1:mentor", 7),
        (f"first_meeting:{b_id}:2:mentor", 14),
        (f"first_meeting:{b_id}:2:youth", 14),
    ]
    assert ("first_meeting_missing", (start + timedelta(days=21)).date()) in cases_b
    # silent pair B: at risk once, 45 days after it started, a case for staff
    assert [day for topic, day in cases_b if topic == "at_risk"] == [
        (start + timedelta(days=45)).date()
    ]

    # ---- pair C: nothing reached mentor C during the holiday
    holiday = [
        r
        for r in programme.to("slack:DUC")
        if date(2026, 11, 30) < _local(r.when).date() <= date(2026, 12, 13)
    ]
    assert holiday == []

    # ---- pair B's monthly rounds: the check-in, one reminder 4 days later (Monday when that
    # is a weekend), a staff alert after 10 days, never a third message to the mentor
    def sent_on(prefix: str) -> list[date]:
        return [_local(when).date() for when, key in keys_b if key.startswith(prefix)]

    assert sent_on(f"checkin:{b_id}:2026-12:") == [date(2026, 12, 2), date(2026, 12, 7)]
    # 2 January is a Saturday after New Year's Day: the January round waits for Monday
    assert sent_on(f"checkin:{b_id}:2027-01:") == [date(2027, 1, 4), date(2027, 1, 8)]
    # the escalations: a case for staff each month, 10 days after the round
    escalations = [day for topic, day in cases_b if topic == "checkin_unanswered"]
    assert escalations[:2] == [date(2026, 12, 14), date(2027, 1, 14)]
    assert [(day.year, day.month) for day in escalations] == [(2026, 12), (2027, 1), (2027, 2)]
    # mentor A answered every check-in: never reminded, never escalated
    assert not [
        d
        for d in deliveries
        if d.idempotency_key.startswith(f"checkin:{a_id}:")
        and not d.idempotency_key.endswith(":ask")
    ]
    # the youths' monthly pulse, two weeks after the mentors' check-in
    pulses = sorted(
        (_local(d.sent_at).date(), d.idempotency_key)
        for d in deliveries
        if d.idempotency_key.startswith(f"pulse:{b_id}:") and d.sent_at
    )
    assert pulses == [
        (date(2026, 12, 16), f"pulse:{b_id}:2026-12"),
        (date(2027, 1, 18), f"pulse:{b_id}:2027-01"),  # the 16th is a Saturday
        (date(2027, 2, 16), f"pulse:{b_id}:2027-02"),
    ]
    # what mentor B saw in Slack, in order
    to_mentor_b = sorted(
        (d for d in deliveries if d.person_id == b_mentor and d.sent_at),
        key=lambda d: (d.sent_at, d.id),
    )
    assert [d.template for d in to_mentor_b] == [
        "mentor.pairing_intro",
        "mentor.first_meeting_reminder",
        "mentor.first_meeting_reminder",
        "checkin.ask",
        "checkin.reminder",
        "checkin.ask",
        "checkin.reminder",
        "checkin.ask",  # 2 February: the third round
        "checkin.reminder",
        # 2 March: three rounds unanswered, so a question instead of a fourth check-in
        "silence.ask",
    ]
    texts_b = [str(message["text"]) for message in programme.slack.messages("UB")]
    assert len(texts_b) == len(to_mentor_b)
    assert texts_b[1].startswith("Bonjour Claire, avez-vous pu rencontrer Inès ?")

    # ---- the unpaired youth is in the staff digest after 20 days, once a week
    digests = sorted(
        _local(d.sent_at).date()
        for d in deliveries
        if d.idempotency_key.startswith("unpaired:") and d.sent_at
    )
    assert digests[:3] == [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]
    assert all(day.weekday() == 0 for day in digests)
