"""Random sequences of what people send, through the real adapters, against the stand-ins.

A hypothesis `RuleBasedStateMachine` drives two youths on Telegram (the real PTB
`Application`, updates fed to `process_update`; one youth registering, one already paired)
and their mentor on Slack (our Bolt app served over HTTP, signed requests): texts of every
shape (5,000 characters, NUL, right-to-left marks, emoji, SQL-looking text), commands in and
out of turn, presses of the current buttons and of old ones from earlier messages, files,
stickers, updates and events delivered twice, the mentor's contact form with good and bad
answers, and the outbox dispatcher now and then.

After every step: no handler logged an error, every message got an answer in its chat (a
duplicate none), and what the database holds follows the flows' rules (see
`check_database`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from contextlib import AsyncExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from telegram import Bot, Update

from bot import container
from bot.container import Services, build
from bot.settings import Settings
from conversations.core.clock import FixedClock
from conversations.core.messages import Sender
from conversations.pairs import relay
from conversations.rules.eligibility.answers import Diploma, Situation, Tristate
from conversations.rules.eligibility.outcomes import Outcome, Reason
from conversations.youth import account, eligibility_flow, faq, job_outcome, requests
from conversations.youth.eligibility_flow import Step
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher
from storage.database import upgrade
from storage.models import (
    Application,
    ApplicationStatus,
    ConversationState,
    Identity,
    Pairing,
    PairingStatus,
    ProcessedEvent,
)
from tests.conftest import START, make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness
from tests.fakes.slack_requests import Checked, Radio
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import RunningBot, running_bot
from tests.fakes.telegram_updates import JSONDict, UpdateFactory

NEWCOMER = 5550001  # registers from scratch
PAIRED = 5550002  # already has a mentor
YOUTHS = (NEWCOMER, PAIRED)
MENTOR = "UMENTOR1"
STAFF = "USTAFF1"
STAFF_CHANNEL = "CSTAFF"

# what the youths' side of the bot may answer with, in their chat
ANSWERS = ("sendMessage", "sendDocument", "editMessageText")

# The (flow, step) pairs the flows store; a stored state outside them is a bug.
KNOWN_STEPS: dict[str, frozenset[str]] = {
    eligibility_flow.FLOW: frozenset(Step),
    account.ACCOUNT_FLOW: frozenset(account.AccountStep),
    job_outcome.OUTCOME_FLOW: frozenset(job_outcome.OutcomeStep),
    requests.FLOW: frozenset(requests.HumanStep),
    faq.FLOW: frozenset(faq.Step),
    relay.FLOW: frozenset(relay.Step),
}
VALID_ANSWERS: dict[str, frozenset[str]] = {
    Step.DIPLOMA: frozenset(Diploma),
    Step.QPV: frozenset(Tristate),
    Step.SITUATION: frozenset(Situation),
}

# ------------------------------------------------------------------ what people send

TRICKY_TEXTS = (
    "x" * 5000,
    "a\x00b",
    "\x00",
    "\u200f\u202eمرحبا\u202c",  # right-to-left marks around Arabic
    "👩🏽‍💻🇫🇷✨",
    "'; DROP TABLE person; --",
    "Robert'); DELETE FROM application WHERE ('1'='1",
    "<b>gras</b> & <script>alert(1)</script>",
    "   ",
    "12/03/2001",
    "01/01/1990",
    "31/02/2001",
    "oui",
    "non",
    "1",
    "2",
    "Bac+5",
    "ines@example.fr",
    "ines@gmial.com",
    "Contrôle de gestion",
    "Île-de-France",
    "/start",
)
texts = st.one_of(st.sampled_from(TRICKY_TEXTS), st.text(min_size=1, max_size=60))
# typed answers to the questions that have no buttons (or accept typing)
SENSIBLE_TYPED: dict[str, tuple[str, ...]] = {
    Step.BIRTH_DATE: ("12/03/2001", "01/01/2000", "15/06/2014", "02/11/1990"),
    Step.FIELD: ("Contrôle de gestion", "Data"),
    Step.EMAIL: ("ines@example.fr", "ines@gmial.com"),
}
COMMANDS = (
    "start",
    "help",
    "cancel",
    "human",
    "mydata",
    "delete",
    "restart",
    "status",
    "language",
    "faq",
    "announcements",
    "job",
    "nonsense",
)
command_args = st.one_of(
    st.none(), st.sampled_from(("partner_x", "a" * 80, "x y", "é", "'--")), st.text(max_size=10)
)
MENTOR_COMMANDS = ("", "help", "team", "outcome", "log", "pause", "home", "nonsense", "'; --")
FILE_KINDS = ("sticker", "photo", "voice", "location", "document")


def contact_form_values(draw: st.DrawFn) -> dict[str, Any]:
    """The mentor's contact form, answered well or badly."""
    return {
        "how": draw(st.sampled_from((Radio("video"), Radio("call"), Radio("pigeon"), None))),
        "topics": draw(st.sampled_from((Checked("cv"), Checked("cv", "interview"), []))),
        "progress": draw(st.sampled_from((Radio("good"), Radio("hard"), Radio("?"), None))),
        "note": draw(st.sampled_from(("", "CV revu", "x" * 5001, "a\x00b", "🙂"))),
        "needs_staff": draw(st.sampled_from(([], Checked("yes")))),
    }


contact_forms = st.composite(contact_form_values)()


class Stage:
    """Everything one example runs against: stand-ins, services, adapters, dispatcher."""

    def __init__(self, folder: Path, template: Path) -> None:
        self.folder = folder
        self.template = template
        self.stack = AsyncExitStack()
        self.clock = FixedClock(START)

    async def open(self) -> None:
        database = self.folder / "stateful.db"
        shutil.copy(self.template, database)
        self.services = build(stateful_settings(database), self.clock)
        self.stack.push_async_callback(self.services.close)
        self.telegram_api = await self.stack.enter_async_context(FakeBotApi())
        self.slack_api = await self.stack.enter_async_context(FakeSlackApi(bot_token=TOKEN))
        self.telegram: RunningBot = await self.stack.enter_async_context(
            running_bot(self.telegram_api, self.services)
        )
        self.slack: SlackHarness = await self.stack.enter_async_context(
            SlackHarness.start(self.services, self.slack_api)
        )
        bot = Bot(self.telegram_api.token, base_url=self.telegram_api.base_url)
        telegram_sender = TelegramSender(bot, self.services.renderer)
        self.stack.push_async_callback(telegram_sender.close)
        slack_sender = SlackSender(
            build_client(TOKEN, self.slack_api.base_url, retry_on_rate_limit=False),
            SlackRenderer(self.services.renderer),
            self.clock,
            STAFF_CHANNEL,
        )
        senders: dict[str, Sender] = {"telegram": telegram_sender, "slack": slack_sender}
        self.dispatcher: Dispatcher = container.dispatcher(self.services, senders)
        self.scheduler = container.build_scheduler(self.services, senders)
        self.pairing_id, _, _ = await make_pair(
            self.services, mentor_slack=MENTOR, youth_name="Awa", telegram_id=str(PAIRED)
        )
        await self.dispatcher.run_until_empty()  # the introductions: the pair's thread

    async def close(self) -> None:
        await self.stack.aclose()


def stateful_settings(database: Path) -> Settings:
    return make_settings(
        f"sqlite+aiosqlite:///{database}",
        SLACK_STAFF_USERS=STAFF,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
        TELEGRAM_CHAT_MESSAGES_PER_SECOND=30,
        SLACK_CHANNEL_MESSAGES_PER_SECOND=10,
        # the steps come faster than people type: the throttle has its own tests
        MENTORBOT_THROTTLE_PER_MINUTE=1000,
    )


class ErrorLog(logging.Handler):
    """Keeps every record at ERROR or above, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Conversations(RuleBasedStateMachine):
    """People sending random things; see the module docstring."""

    template: Path  # a migrated database, copied for each example

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="mentorbot-stateful-"))
        self.stage = Stage(self.folder, self.template)
        self.errors = ErrorLog()
        logging.getLogger().addHandler(self.errors)
        self.updates = UpdateFactory()
        self.delivered: list[tuple[int, JSONDict]] = []  # (chat, update) delivered, in order
        self.handled_ids: set[str] = set()
        self.old_buttons: dict[tuple[int, int, str], JSONDict] = {}
        self.slack_posts: list[tuple[str, dict[str, str]]] = []
        self.mentor_buttons: dict[str, str] = {}  # value -> ts of the message
        self.run(self.stage.open())

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        try:
            self.run(self.stage.close())
        finally:
            logging.getLogger().removeHandler(self.errors)
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ Telegram

    @property
    def api(self) -> FakeBotApi:
        return self.stage.telegram_api

    def answers_in(self, chat: int) -> int:
        return sum(
            1 for m in ANSWERS for call in self.api.calls(m) if call.chat_id == chat and call.ok
        )

    async def _deliver(self, update: JSONDict) -> None:
        application = self.stage.telegram.application
        await application.process_update(Update.de_json(update, application.bot))

    def deliver(self, chat: int, update: JSONDict, *, answered: bool = True) -> None:
        """Deliver one update; a new one must be answered in its chat."""
        self.stage.clock.advance(timedelta(seconds=5))
        before = self.answers_in(chat)
        self.run(self._deliver(update))
        self.delivered.append((chat, update))
        self.handled_ids.add(str(update["update_id"]))
        if answered:
            assert self.answers_in(chat) > before, f"no answer to update {update}"
        self.remember_keyboards(chat)

    def remember_keyboards(self, chat: int) -> None:
        for message in self.api.messages(chat):
            markup = message.get("reply_markup")
            if not markup:
                continue
            for row in markup["inline_keyboard"]:
                for button in row:
                    if "callback_data" in button:
                        key = (chat, message["message_id"], button["callback_data"])
                        self.old_buttons.setdefault(key, dict(message))

    def current_buttons(self, chat: int) -> list[tuple[JSONDict, str]]:
        for message in reversed(self.api.messages(chat)):
            markup = message.get("reply_markup")
            if markup:
                return [
                    (message, button["callback_data"])
                    for row in markup["inline_keyboard"]
                    for button in row
                    if "callback_data" in button
                ]
        return []

    def press(self, chat: int, message: JSONDict, data: str) -> None:
        update = self.updates.callback(
            chat,
            data,
            message_id=message["message_id"],
            message_text=message.get("text", "..."),
            reply_markup=message.get("reply_markup"),
        )
        pressed_before = len(self.api.calls("answerCallbackQuery"))
        self.deliver(chat, update)
        assert len(self.api.calls("answerCallbackQuery")) == pressed_before + 1

    @rule(chat=st.sampled_from(YOUTHS), text=texts)
    def youth_says(self, chat: int, text: str) -> None:
        self.deliver(chat, self.updates.text_message(chat, text))

    @rule(chat=st.sampled_from(YOUTHS), name=st.sampled_from(COMMANDS), args=command_args)
    def youth_command(self, chat: int, name: str, args: str | None) -> None:
        self.deliver(chat, self.updates.command(chat, name, args or None))

    @rule(chat=st.sampled_from(YOUTHS), pick=st.integers(min_value=0, max_value=50))
    def youth_presses_a_current_button(self, chat: int, pick: int) -> None:
        buttons = self.current_buttons(chat)
        if not buttons:
            self.youth_command(chat, "start", None)
            return
        message, data = buttons[pick % len(buttons)]
        self.press(chat, message, data)

    @rule(chat=st.sampled_from(YOUTHS), pick=st.integers(min_value=0, max_value=50))
    def youth_presses_the_first_current_button(self, chat: int, pick: int) -> None:
        # a second way in, so that random sequences get far into the flows
        buttons = self.current_buttons(chat)
        if buttons:
            message, data = buttons[min(pick % 3, len(buttons) - 1)]
            self.press(chat, message, data)

    def answer_sensibly(self, chat: int, pick: int) -> None:
        """A sensible answer to where the youth is, so that sequences get far in the flows."""
        where = self.run(step_of(self.stage.services, chat))
        typed = SENSIBLE_TYPED.get(where or "")
        buttons = self.current_buttons(chat)
        if where is None:
            self.youth_command(chat, "start", None)
        elif typed is not None:
            self.deliver(chat, self.updates.text_message(chat, typed[pick % len(typed)]))
        elif buttons:
            message, data = buttons[pick % len(buttons)]
            self.press(chat, message, data)
        else:
            self.youth_says(chat, "oui")

    @rule(
        chat=st.sampled_from(YOUTHS),
        picks=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=10),
    )
    def youth_answers_the_questions(self, chat: int, picks: list[int]) -> None:
        for pick in picks:
            self.answer_sensibly(chat, pick)

    @precondition(lambda self: bool(self.old_buttons))
    @rule(pick=st.integers(min_value=0, max_value=10_000))
    def youth_presses_an_old_button(self, pick: int) -> None:
        keys = sorted(self.old_buttons)
        chat, _, data = keys[pick % len(keys)]
        self.press(chat, self.old_buttons[keys[pick % len(keys)]], data)

    @rule(chat=st.sampled_from(YOUTHS), kind=st.sampled_from(FILE_KINDS))
    def youth_sends(self, chat: int, kind: str) -> None:
        if kind == "document":
            document = self.api.user_file(b"%PDF-1.4 CV " + bytes(range(50)), "cv.pdf")
            update = self.updates.document(chat, document, caption="mon CV")
        else:
            update = getattr(self.updates, kind)(chat)
        self.deliver(chat, update)

    @precondition(lambda self: bool(self.delivered))
    @rule(pick=st.integers(min_value=0, max_value=10_000))
    def telegram_delivers_an_update_again(self, pick: int) -> None:
        chat, update = self.delivered[pick % len(self.delivered)]
        before = self.answers_in(chat)
        self.run(self._deliver(update))
        assert self.answers_in(chat) == before, "a duplicate update was answered"

    # ------------------------------------------------------------------ Slack

    @property
    def slack(self) -> SlackHarness:
        return self.stage.slack

    def mentor_outputs(self) -> int:
        api = self.stage.slack_api
        return (
            len(api.messages(f"D{MENTOR}"))
            + len(api.messages(MENTOR))
            + len(api.calls("chat.postEphemeral"))
            + len(api.calls("chat.update"))
            + len(api.responses())
            + len(api.calls("views.open"))
            + len(api.calls("views.push"))
        )

    def post_to_slack(self, request: tuple[str, dict[str, str]]) -> tuple[int, str]:
        self.stage.clock.advance(timedelta(seconds=5))
        status, body = self.run(self.slack.send(*request))
        assert status == 200, (status, body)
        self.slack_posts.append(request)
        self.remember_mentor_buttons()
        return status, body

    def remember_mentor_buttons(self) -> None:
        api = self.stage.slack_api
        for message in api.messages(MENTOR):
            for value in self.slack.buttons(message).values():
                self.mentor_buttons.setdefault(value, str(message.get("ts")))

    @rule(text=texts, in_thread=st.booleans())
    def mentor_writes(self, text: str, in_thread: bool) -> None:
        thread = self.stage.slack_api.last_post(MENTOR)[1] if in_thread else None
        before = self.mentor_outputs()
        event = self.slack.requests.message_im(MENTOR, text, thread_ts=thread)
        self.post_to_slack(self.slack.requests.event(event))
        if not in_thread:
            assert self.mentor_outputs() > before, "the mentor's message got no answer"

    @rule(text=st.sampled_from(MENTOR_COMMANDS))
    def mentor_command(self, text: str) -> None:
        before = self.mentor_outputs()
        _, body = self.post_to_slack(self.slack.requests.slash_command(MENTOR, text=text))
        assert body.strip() or self.mentor_outputs() > before, "a slash command got no answer"

    @precondition(lambda self: bool(self.mentor_buttons))
    @rule(pick=st.integers(min_value=0, max_value=10_000))
    def mentor_presses_a_button(self, pick: int) -> None:
        values = sorted(self.mentor_buttons)
        value = values[pick % len(values)]
        before = self.mentor_outputs()
        request = self.slack.requests.block_actions(
            MENTOR,
            "mb_0",
            value,
            channel_id=f"D{MENTOR}",
            message_ts=self.mentor_buttons[value],
        )
        self.post_to_slack(request)
        assert self.mentor_outputs() > before, f"the button {value!r} did nothing visible"

    @rule(values=contact_forms, known_pair=st.booleans())
    def mentor_submits_the_contact_form(self, values: dict[str, Any], known_pair: bool) -> None:
        pairing = self.stage.pairing_id if known_pair else 999_999
        request = self.slack.requests.view_submission(
            MENTOR,
            "contact",
            values,
            private_metadata=json.dumps({"pairing": pairing}),
            view_id=f"V{len(self.slack_posts)}",
        )
        self.post_to_slack(request)

    @precondition(lambda self: bool(self.slack_posts))
    @rule(pick=st.integers(min_value=0, max_value=10_000))
    def slack_delivers_a_request_again(self, pick: int) -> None:
        body, headers = self.slack_posts[pick % len(self.slack_posts)]
        before = self.stage.slack_api.messages(MENTOR)
        status, _ = self.run(self.slack.send(body, {**headers, "X-Slack-Retry-Num": "1"}))
        assert status == 200
        assert len(self.stage.slack_api.messages(MENTOR)) == len(before)

    # ------------------------------------------------------------------ the outbox

    @rule()
    def the_outbox_is_dispatched(self) -> None:
        self.stage.clock.advance(timedelta(seconds=30))
        self.run(self.stage.dispatcher.run_until_empty())

    @rule(days=st.integers(min_value=1, max_value=40))
    def days_pass(self, days: int) -> None:
        """The ticks run (check-ins, reminders, time-outs) and their messages go out."""
        self.stage.clock.advance(timedelta(days=days))
        self.run(self.stage.scheduler.tick())
        self.run(self.stage.dispatcher.run_until_empty())
        self.remember_mentor_buttons()
        for chat in YOUTHS:
            self.remember_keyboards(chat)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def no_handler_error(self) -> None:
        messages = [f"{r.name}: {r.getMessage()}" for r in self.errors.records]
        assert not messages, messages

    @invariant()
    def the_database_follows_the_rules(self) -> None:
        self.run(check_database(self.stage.services, self.handled_ids))


async def step_of(services: Services, chat: int) -> str | None:
    """The step the youth is at, or None outside any flow."""
    async with services.sessions() as session:
        state = await session.scalar(
            select(ConversationState)
            .join(Identity, Identity.person_id == ConversationState.person_id)
            .where(Identity.channel == "telegram", Identity.external_id == str(chat))
        )
    return state.step if state is not None else None


async def check_database(services: Services, handled_ids: set[str]) -> None:
    """What the flows promise about stored state."""
    async with services.sessions() as session:
        for application in (await session.scalars(select(Application))).all():
            check_application(application)
        open_pairs: dict[int, int] = {}
        for pair in (await session.scalars(select(Pairing))).all():
            if pair.status != PairingStatus.CLOSED:
                open_pairs[pair.youth_id] = open_pairs.get(pair.youth_id, 0) + 1
            else:
                assert pair.closed_at is not None
                assert pair.close_reason is not None
        assert all(count == 1 for count in open_pairs.values()), open_pairs
        for state in (await session.scalars(select(ConversationState))).all():
            check_state(state.flow, state.step, state.data)
        processed = (await session.scalars(select(ProcessedEvent))).all()
        telegram_ids = [event.event_id for event in processed if event.channel == "telegram"]
        assert len(telegram_ids) == len(set(telegram_ids))
        assert set(telegram_ids) == handled_ids, set(telegram_ids) ^ handled_ids
        identities = (await session.scalars(select(Identity))).all()
        keys = [(identity.channel, identity.external_id) for identity in identities]
        assert len(keys) == len(set(keys)), keys


def check_application(application: Application) -> None:
    answers = application.answers
    for step, value in answers.items():
        if step in VALID_ANSWERS:
            assert value in VALID_ANSWERS[step], (step, value)
        elif step == Step.BIRTH_DATE:
            born = date.fromisoformat(value)
            assert date(1900, 1, 1) < born <= START.date(), value
        elif step == Step.FIELD:
            assert 0 < len(value) <= eligibility_flow.MAX_FIELD, len(value)
            assert "\x00" not in value
        elif step == Step.EMAIL:
            # "skip": the youth preferred not to give one
            assert value == "skip" or ("@" in value and len(value) <= 254), value
    if application.status == ApplicationStatus.DECIDED:
        assert application.decision in {Outcome.ELIGIBLE, Outcome.NOT_ELIGIBLE, Outcome.REVIEW}
        assert application.decided_at is not None
        assert set(application.reasons) <= set(Reason), application.reasons
        if application.decision != Outcome.ELIGIBLE:
            assert application.reasons, "a refusal or a review without its reasons"
    elif application.status == ApplicationStatus.IN_PROGRESS:
        assert application.decided_at is None


def check_state(flow: str, step: str, data: dict[str, Any]) -> None:
    assert flow in KNOWN_STEPS, flow
    assert step in KNOWN_STEPS[flow], (flow, step)
    resume = data.get("resume")
    if resume:
        check_state(resume["flow"], resume["step"], resume.get("data") or {})


def migrated_template(folder: Path) -> Path:
    """A migrated empty database, built once and copied for every example."""
    path = folder / "template.db"

    async def migrate() -> None:
        services = build(stateful_settings(path))
        try:
            await upgrade(services.db)
        finally:
            await services.close()

    asyncio.run(migrate())
    return path


def test_random_conversations_keep_the_rules(tmp_path: Path) -> None:
    Conversations.template = migrated_template(tmp_path)
    run_state_machine_as_test(
        Conversations,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
