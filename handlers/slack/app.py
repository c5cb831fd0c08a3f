"""The Slack adapter (slack-bolt 1.30): mentors' slash command, buttons, modals, App Home,
the staff channel, and the outbox sender.

Everything Slack-specific lives here: turning payloads into calls to the channel-agnostic
flows (`conversations.checkin`, `silence`, `contact_log`, `outcome`, `mentoring`),
rendering `Reply` objects as Block Kit (with `slack_sdk.models`) and `Form` objects as
modals, and mapping Web API errors to outbox outcomes. Every listener acknowledges first
(Slack wants an answer within 3 seconds) and then does its work; each piece of work is one
database transaction.
Text a person typed only ever reaches Slack through the templates, which keep `&`, `<` and
`>` escaped, so a note containing `<!channel>` pings nobody.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.i18n import TemplateRenderer
from conversations.core.clock import Clock
from conversations.core.messages import (
    Channel,
    Choice,
    FieldKind,
    Form,
    FormField,
    Reply,
    SendResult,
    SendStatus,
)
from conversations.mentor import checkin, contact_log, outcome, silence
from conversations.pairs import access as mentoring
from conversations.pairs.access import NotAllowed, Result
from storage import audit, people
from storage.models import MentorProfile, Pairing, Person

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
COMMAND = "/mentorbot"
# Slack's limits (see shared/platforms.md)
MAX_SECTION = 3000
MAX_BUTTON_TEXT = 75
MAX_MODAL_TITLE = 24
MAX_OPTION_TEXT = 75
MAX_RADIO_OPTIONS = 10
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_BLOCKS = 50
UNDELIVERABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "account_inactive",
        "is_archived",
        "not_in_channel",
        "cannot_dm_bot",
        "user_disabled",
    }
)


# --------------------------------------------------------------------------- rendering


def _sections(text: str) -> list[Block]:
    """Text as section blocks of at most 3,000 characters (cut at line ends when possible)."""
    blocks: list[Block] = []
    rest = text or " "
    while rest:
        if len(rest) <= MAX_SECTION:
            part, rest = rest, ""
        else:
            cut = rest.rfind("\n", 0, MAX_SECTION)
            cut = cut if cut > 0 else MAX_SECTION
            part, rest = rest[:cut], rest[cut:].lstrip("\n")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=part)))
    return blocks


def _buttons(buttons: Sequence[tuple[str, str]]) -> list[Block]:
    rows: list[Block] = []
    for start in range(0, len(buttons), 5):
        rows.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=label[:MAX_BUTTON_TEXT], action_id=f"mb_{start + i}", value=value
                    )
                    for i, (label, value) in enumerate(buttons[start : start + 5])
                ]
            )
        )
    return rows


class SlackRenderer:
    """Replies as Block Kit messages, forms as modals, the mentor's App Home."""

    def __init__(self, renderer: TemplateRenderer) -> None:
        self.renderer = renderer

    def text(self, key: str, locale: str, **context: Any) -> str:
        return self.renderer.text(key, locale, Channel.SLACK, context)

    def plain(self, key: str, locale: str, **context: Any) -> str:
        return self.renderer.text(key, locale, Channel.CONSOLE, context)

    def message(self, reply: Reply) -> tuple[str, list[Block]]:
        """The notification text and the blocks of one reply."""
        rendered = self.renderer.render(reply, Channel.SLACK)
        buttons = [button for row in rendered.buttons for button in row]
        blocks = _sections(rendered.text) + _buttons(buttons)
        return rendered.text[:MAX_SECTION], blocks[:MAX_MESSAGE_BLOCKS]

    def _label(self, choice: Choice, locale: str) -> str:
        return self.renderer.label(choice, locale, Channel.SLACK)[:MAX_OPTION_TEXT]

    def _options(self, field: FormField, locale: str) -> list[Option]:
        return [Option(text=self._label(c, locale), value=c.value) for c in field.options]

    def _element(self, field: FormField, locale: str) -> Any:
        if field.kind is FieldKind.SINGLE:
            options = self._options(field, locale)
            if len(options) <= MAX_RADIO_OPTIONS and field.name != "pairing":
                return RadioButtonsElement(action_id=field.name, options=options)
            return StaticSelectElement(action_id=field.name, options=options[:100])
        if field.kind in (FieldKind.MULTI, FieldKind.FLAG):
            return CheckboxesElement(action_id=field.name, options=self._options(field, locale))
        if field.kind is FieldKind.DATE:
            initial = field.initial.isoformat() if isinstance(field.initial, date) else None
            return DatePickerElement(action_id=field.name, initial_date=initial)
        return PlainTextInputElement(
            action_id=field.name, multiline=True, max_length=field.max_length
        )

    def modal(self, form: Form) -> View:
        locale = form.locale
        blocks: list[Block] = []
        if form.intro is not None:
            blocks += _sections(self.renderer.render(form.intro, Channel.SLACK).text)
        for field in form.fields:
            blocks.append(
                InputBlock(
                    block_id=field.name,
                    label=self.plain(field.label_key, locale)[:2000],
                    element=self._element(field, locale),
                    optional=not field.required,
                )
            )
        return View(
            type="modal",
            callback_id=form.name,
            title=PlainTextObject(text=self.plain(form.title_key, locale)[:MAX_MODAL_TITLE]),
            submit=PlainTextObject(text=self.plain(form.submit_key, locale)[:MAX_MODAL_TITLE]),
            close=PlainTextObject(text=self.plain("form.close", locale)[:MAX_MODAL_TITLE]),
            private_metadata=json.dumps(dict(form.metadata)),
            blocks=blocks,
        )

    def info_modal(self, title_key: str, reply: Reply) -> View:
        return View(
            type="modal",
            callback_id="info",
            title=PlainTextObject(text=self.plain(title_key, reply.locale)[:MAX_MODAL_TITLE]),
            close=PlainTextObject(text=self.plain("form.close", reply.locale)[:MAX_MODAL_TITLE]),
            blocks=_sections(self.renderer.render(reply, Channel.SLACK).text),
        )

    def home(
        self, locale: str, pairs: Sequence[mentoring.PairSummary], paused_until: date | None
    ) -> View:
        blocks: list[Block] = _sections(
            self.text("mentor.home_intro", locale, paused_until=paused_until)
        )
        if not pairs:
            blocks += _sections(self.text("mentor.no_pairs", locale))
        for pair in pairs:
            if len(blocks) + 3 > MAX_VIEW_BLOCKS:
                break
            blocks.append(DividerBlock())
            blocks += _sections(
                self.text(
                    "mentor.home_pair",
                    locale,
                    mentee=pair.mentee,
                    status=pair.status,
                    project=pair.project,
                    started_at=pair.started_at,
                    last_contact_at=pair.last_contact_at,
                    next_checkin_due_at=pair.next_checkin_due_at,
                )
            )
            if pair.status != "closed":
                choices = [
                    Choice("choice.home.log", f"hl:{pair.pairing_id}"),
                    Choice("choice.home.concern", f"hc:{pair.pairing_id}"),
                    Choice("choice.home.outcome", f"ho:{pair.pairing_id}"),
                ]
                if pair.first_meeting_at is None:
                    choices.insert(
                        0, Choice("choice.mentor.first_meeting", f"fm:{pair.pairing_id}")
                    )
                blocks += _buttons(
                    [(self.renderer.label(c, locale, Channel.SLACK), c.value) for c in choices]
                )
        return View(type="home", blocks=blocks[:MAX_VIEW_BLOCKS])


def read_form(values: Mapping[str, Mapping[str, Any]]) -> dict[str, object]:
    """A modal's `state.values` as plain answers (field name -> value)."""
    answers: dict[str, object] = {}
    for block_id, actions in values.items():
        for state in actions.values():
            kind = state.get("type")
            if kind in ("radio_buttons", "static_select"):
                selected = state.get("selected_option")
                answers[block_id] = selected.get("value") if selected else None
            elif kind == "checkboxes":
                answers[block_id] = [o.get("value") for o in state.get("selected_options") or []]
            elif kind == "datepicker":
                raw = state.get("selected_date")
                try:
                    answers[block_id] = date.fromisoformat(raw) if raw else None
                except ValueError:
                    answers[block_id] = None
            else:
                answers[block_id] = state.get("value")
    return answers


# --------------------------------------------------------------------------- outbox sender


class SlackSender:
    """Sends outbox deliveries; maps Web API errors to outbox outcomes.

    A 429 pauses every send on this workspace until its Retry-After has passed.
    A delivery whose context has `refresh_home` set (a new pairing's introduction) also
    republishes the person's App Home with `publish_home` once the message is posted: the
    outbox context is the only link from a staff action to the mentor's Slack.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        renderer: SlackRenderer,
        clock: Clock,
        staff_channel: str | None,
        *,
        publish_home: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._renderer = renderer
        self._clock = clock
        self._staff_channel = staff_channel
        self._publish_home = publish_home
        self._paused_until: datetime | None = None

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        now = self._clock.now()
        if self._paused_until is not None and now < self._paused_until:
            wait = (self._paused_until - now).total_seconds()
            return SendResult(SendStatus.RETRY, retry_after=wait, error="paused: rate limited")
        channel = self._staff_channel if chat_id == mentoring.STAFF_DESTINATION else chat_id
        if not channel:
            return SendResult(SendStatus.UNDELIVERABLE, error="SLACK_STAFF_CHANNEL is not set")
        text, blocks = self._renderer.message(reply)
        try:
            await self._client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as error:
            return self._failure(error, now)
        except aiohttp.ClientConnectorError as error:
            # no connection was made: nothing was sent
            return SendResult(SendStatus.RETRY, error=f"{type(error).__name__}: {error}")
        except (TimeoutError, aiohttp.ClientError) as error:
            return SendResult(SendStatus.IN_DOUBT, error=f"{type(error).__name__}: {error}")
        if reply.context.get("refresh_home") and chat_id != mentoring.STAFF_DESTINATION:
            await self._refresh_home(chat_id)
        return SendResult(SendStatus.SENT)

    async def _refresh_home(self, user_id: str) -> None:
        """Republish the App Home; the message is sent whatever happens here (the home is
        published again whenever the mentor opens it)."""
        if self._publish_home is None:
            return
        try:
            await self._publish_home(user_id)
        except (SlackApiError, TimeoutError, aiohttp.ClientError):
            logger.warning("could not refresh the App Home of %s", user_id, exc_info=True)

    def _failure(self, error: SlackApiError, now: datetime) -> SendResult:
        response = error.response
        code = str(response.get("error", "")) if response is not None else ""
        status = response.status_code if response is not None else 0
        if status == 429 or code == "ratelimited":
            headers = response.headers if response is not None else {}
            raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
            try:
                wait = max(1.0, float(raw if isinstance(raw, str) else raw[0]))
            except (TypeError, ValueError):
                wait = 1.0
            self._paused_until = now + timedelta(seconds=wait)
            return SendResult(SendStatus.RETRY, retry_after=wait, error="ratelimited")
        if code in UNDELIVERABLE_ERRORS:
            return SendResult(SendStatus.UNDELIVERABLE, error=code)
        if status >= 500:
            return SendResult(SendStatus.RETRY, error=f"HTTP {status}: {code}")
        # a malformed message will not get better by retrying: keep it for the operators
        logger.error("Slack refused a message: %s", code)
        return SendResult(SendStatus.UNDELIVERABLE, error=code or f"HTTP {status}")


# --------------------------------------------------------------------------- staff


class StaffDirectory:
    """Who is staff: the users of SLACK_STAFF_USERS, or the members of its user group."""

    def __init__(
        self, client: AsyncWebClient, user_ids: frozenset[str], usergroup: str | None
    ) -> None:
        self._client = client
        self._user_ids = user_ids
        self._usergroup = usergroup

    async def is_staff(self, user_id: str) -> bool:
        if user_id in self._user_ids:
            return True
        if self._usergroup is None:
            return False
        try:
            response = await self._client.usergroups_users_list(usergroup=self._usergroup)
        except SlackApiError:
            logger.exception("cannot read the staff user group %s", self._usergroup)
            return False
        return user_id in (response.get("users") or [])


# --------------------------------------------------------------------------- the bot


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that it ignores it: we give the client on purpose, so that warning is noise for operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


class SlackBot:
    """The Bolt app and its listeners."""

    def __init__(
        self,
        services: Services,
        client: AsyncWebClient,
        *,
        signing_secret: str | None,
    ) -> None:
        self.services = services
        self.client = client
        self.view = SlackRenderer(services.renderer)
        settings = services.settings
        self.staff = StaffDirectory(client, settings.staff_user_ids, settings.staff_usergroup)
        self._running: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        bolt_logger = logging.getLogger("slack_bolt")
        if not any(isinstance(f, _TokenFromEnvironment) for f in bolt_logger.filters):
            bolt_logger.addFilter(_TokenFromEnvironment())
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
            process_before_response=False,
            logger=bolt_logger,
        )
        self.app.event("app_home_opened")(self.on_app_home_opened)
        self.app.event("message")(self.on_message)
        self.app.command(COMMAND)(self.on_command)
        self.app.action(re.compile(r"^mb_\d+$"))(self.on_button)
        self.app.view(contact_log.FORM)(self.on_contact_submitted)
        self.app.view("concern")(self.on_concern_submitted)
        self.app.view(outcome.FORM)(self.on_outcome_submitted)
        self.app.error(self.on_error)

    # -- bookkeeping

    def _later(self, work: Awaitable[None]) -> None:
        """Run `work` after the acknowledgement; `drain` waits for it."""
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._running.add(task)
        self._idle.clear()

        def done(finished: asyncio.Task[None]) -> None:
            self._running.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                logger.error("Slack work failed", exc_info=finished.exception())
            if not self._running:
                self._idle.set()

        task.add_done_callback(done)

    async def drain(self) -> None:
        """Wait until the work started by listeners is done (shutdown, tests)."""
        await self._idle.wait()

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        logger.error("error while handling a Slack request (%s)", body.get("type"), exc_info=error)

    # -- helpers

    def _now(self) -> datetime:
        return self.services.clock.now()

    async def _mentor(self, session: AsyncSession, user_id: str) -> Person | None:
        person = await people.find_by_identity(session, Channel.SLACK, user_id)
        return person if mentoring.is_mentor(person) else None

    def _locale(self, person: Person | None) -> str:
        return person.locale if person is not None else self.services.config.default_locale

    async def _say(self, user_id: str, replies: Sequence[Reply]) -> None:
        for reply in replies:
            text, blocks = self.view.message(reply)
            await self.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)

    async def publish_home(self, user_id: str) -> None:
        """Show the mentor's pairs in the App Home tab."""
        async with self.services.sessions() as session:
            mentor = await self._mentor(session, user_id)
            if mentor is None:
                locale = self.services.config.default_locale
                view = View(type="home", blocks=_sections(self.view.text("mentor.unknown", locale)))
            else:
                pairs = await mentoring.pairs_of(session, mentor.id)
                profile = await session.get(MentorProfile, mentor.id)
                view = self.view.home(
                    mentor.locale, pairs, profile.checkins_paused_until if profile else None
                )
        await self.client.views_publish(user_id=user_id, view=view)

    async def _act(
        self,
        user_id: str,
        action: Callable[[AsyncSession, Person], Awaitable[Result]],
        *,
        trigger_id: str | None = None,
    ) -> None:
        """Run a mentor action in one transaction, then show its result."""
        refusal: Reply | None = None
        result: Result | None = None
        async with self.services.sessions() as session, session.begin():
            mentor = await self._mentor(session, user_id)
            if mentor is None:
                refusal = Reply("mentor.unknown", locale=self.services.config.default_locale)
            else:
                try:
                    result = await action(session, mentor)
                except NotAllowed as error:
                    # the refusal itself is committed (it may be audit-logged)
                    refusal = Reply(error.key, context=error.context, locale=mentor.locale)
        if refusal is not None:
            await self._say(user_id, [refusal])
            return
        assert result is not None  # noqa: S101 - set when there is no refusal
        if result.form is not None and trigger_id is not None:
            await self.client.views_open(trigger_id=trigger_id, view=self.view.modal(result.form))
        await self._say(user_id, result.replies)
        if result.refresh_home:
            await self.publish_home(user_id)

    # -- events

    async def on_app_home_opened(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        if event.get("tab") == "home":
            self._later(
                self._on_home_opened(str(body.get("event_id") or ""), str(event.get("user") or ""))
            )

    async def _on_home_opened(self, event_id: str, user_id: str) -> None:
        # recorded before the work: a retry of the same event changes nothing twice
        async with self.services.sessions() as session, session.begin():
            if event_id and not await people.mark_processed(
                session, Channel.SLACK, event_id, self._now()
            ):
                logger.info("duplicate Slack event %s ignored", event_id)
                return
        await self.publish_home(user_id)

    async def on_message(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        # a person writing in the app's Messages tab (not the bot itself, not an edit)
        if (
            event.get("channel_type") == "im"
            and not event.get("subtype")
            and not event.get("bot_id")
        ):
            self._later(
                self._on_direct_message(
                    str(body.get("event_id") or ""), str(event.get("user") or "")
                )
            )

    async def _on_direct_message(self, event_id: str, user_id: str) -> None:
        """Free text in the DM: the bot works with buttons and commands, so it says which
        (once per event: a retried event gets no second answer)."""
        async with self.services.sessions() as session, session.begin():
            if event_id and not await people.mark_processed(
                session, Channel.SLACK, event_id, self._now()
            ):
                return

        async def explain(_session: AsyncSession, mentor: Person) -> Result:
            result = Result()
            result.say("mentor.free_text", mentor.locale)
            result.say("mentor.help", mentor.locale)
            return result

        await self._act(user_id, explain)

    # -- slash command

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        user_id = str(command.get("user_id") or "")
        words = str(command.get("text") or "").split()
        verb = words[0].lower() if words else "help"
        rest = words[1:]
        trigger_id = str(command.get("trigger_id") or "")
        self._later(self._on_command(user_id, verb, rest, trigger_id))

    async def _on_command(self, user_id: str, verb: str, rest: list[str], trigger: str) -> None:
        now = self._now()
        today = now.astimezone(self.services.config.zone).date()
        if verb in ("show", "pair"):
            await self._staff_show(user_id, rest[0] if rest else "")
            return
        if verb in ("help", "aide"):

            async def show_help(_session: AsyncSession, mentor: Person) -> Result:
                result = Result()
                result.say("mentor.help", mentor.locale)
                return result

            await self._act(user_id, show_help)
        elif verb in ("pairs", "binomes", "binômes"):
            await self._act(user_id, self._list_pairs)
        elif verb in ("log", "noter"):

            async def open_log(session: AsyncSession, mentor: Person) -> Result:
                return await self._log_form(session, mentor, None, today)

            await self._act(user_id, open_log, trigger_id=trigger)
        elif verb in ("outcome", "issue"):

            async def open_outcome(session: AsyncSession, mentor: Person) -> Result:
                pairs = [
                    p for p in await mentoring.pairs_of(session, mentor.id) if p.status != "closed"
                ]
                result = Result()
                if not pairs:
                    result.say("mentor.no_pairs", mentor.locale)
                else:
                    result.form = outcome.outcome_form(mentor.locale, pairs[0].pairing_id, today)
                return result

            await self._act(user_id, open_outcome, trigger_id=trigger)
        elif verb == "pause":
            await self._pause(user_id, rest, today)
        else:

            async def unknown(_session: AsyncSession, mentor: Person) -> Result:
                result = Result()
                result.say("mentor.unknown_command", mentor.locale, command=verb[:32])
                return result

            await self._act(user_id, unknown)

    async def _list_pairs(self, session: AsyncSession, mentor: Person) -> Result:
        result = Result()
        pairs = await mentoring.pairs_of(session, mentor.id)
        if pairs:
            result.say("mentor.pairs", mentor.locale, pairs=pairs)
        else:
            result.say("mentor.no_pairs", mentor.locale)
        return result

    async def _log_form(
        self, session: AsyncSession, mentor: Person, pairing_id: int | None, today: date
    ) -> Result:
        result = Result()
        pairs = [p for p in await mentoring.pairs_of(session, mentor.id) if p.status != "closed"]
        if pairing_id is not None:
            pairing = await mentoring.own_pairing(session, mentor, pairing_id, now=self._now())
            mentoring.require_open(pairing)
        elif not pairs:
            result.say("mentor.no_pairs", mentor.locale)
            return result
        elif len(pairs) == 1:
            pairing_id = pairs[0].pairing_id
        result.form = contact_log.contact_form(
            mentor.locale, pairing_id=pairing_id, checkin_id=None, pairs=pairs, today=today
        )
        return result

    async def _pause(self, user_id: str, rest: list[str], today: date) -> None:
        async def pause(session: AsyncSession, mentor: Person) -> Result:
            arg = rest[0].lower() if rest else ""
            if arg in ("off", "stop", "fin"):
                return await mentoring.pause_checkins(session, mentor, None, today=today)
            try:
                until = date.fromisoformat(arg)
            except ValueError:
                result = Result()
                result.say("mentor.pause_usage", mentor.locale)
                return result
            return await mentoring.pause_checkins(session, mentor, until, today=today)

        await self._act(user_id, pause)

    # -- buttons

    async def on_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user_id = str((body.get("user") or {}).get("id") or "")
        actions = body.get("actions") or [{}]
        value = str(actions[0].get("value") or "")
        trigger_id = str(body.get("trigger_id") or "")
        self._later(self._on_button(user_id, value, trigger_id))

    async def _on_button(self, user_id: str, value: str, trigger_id: str) -> None:
        now = self._now()
        config = self.services.config
        today = now.astimezone(config.zone).date()
        prefix, _, rest = value.partition(":")
        first, _, second = rest.partition(":")
        if not first.isdigit():
            logger.warning("unknown Slack button value %r", value[:50])
            return
        target = int(first)
        if prefix == "sp":
            await self._staff_show(user_id, first, trigger_id=trigger_id)
            return

        async def act(session: AsyncSession, mentor: Person) -> Result:
            if prefix == "ci":
                return await checkin.answer(
                    session, mentor=mentor, checkin_id=target, choice=second, now=now, config=config
                )
            if prefix == "cr":
                return await checkin.remind_later(
                    session, mentor=mentor, checkin_id=target, now=now, config=config
                )
            if prefix == "cm":
                return await silence.answer_continue(
                    session, mentor=mentor, pairing_id=target, choice=second, now=now, config=config
                )
            if prefix == "fm":
                return await contact_log.first_meeting(
                    session,
                    mentor=mentor,
                    pairing_id=target,
                    source_event_id=f"first_meeting:{target}",
                    channel=Channel.SLACK,
                    now=now,
                    config=config,
                )
            if prefix == "hl":
                return await self._log_form(session, mentor, target, today)
            pairing = await mentoring.own_pairing(session, mentor, target, now=now)
            mentoring.require_open(pairing)
            result = Result()
            if prefix == "hc":
                result.form = contact_log.concern_form(mentor.locale, target)
            elif prefix == "ho":
                result.form = outcome.outcome_form(mentor.locale, target, today)
            return result

        await self._act(user_id, act, trigger_id=trigger_id)

    # -- modals

    @staticmethod
    def _submission(body: dict[str, Any]) -> tuple[str, str, dict[str, Any], dict[str, object]]:
        view = body.get("view") or {}
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        values = read_form((view.get("state") or {}).get("values") or {})
        user_id = str((body.get("user") or {}).get("id") or "")
        return (
            user_id,
            f"view:{view.get('id')}",
            metadata if isinstance(metadata, dict) else {},
            values,
        )

    async def _errors(self, ack: AsyncAck, user_id: str, errors: Mapping[str, str]) -> None:
        async with self.services.sessions() as session:
            locale = self._locale(await self._mentor(session, user_id))
        await ack(
            response_action="errors",
            errors={name: self.view.plain(key, locale) for name, key in errors.items()},
        )

    async def on_contact_submitted(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        user_id, source, metadata, values = self._submission(body)
        today = self._now().astimezone(self.services.config.zone).date()
        report = contact_log.parse_contact(
            values,
            today=today,
            with_date="checkin" not in metadata,
            with_pairing="pairing" not in metadata,
        )
        if not isinstance(report, contact_log.ContactReport):
            await self._errors(ack, user_id, report)
            return
        await ack()
        pairing_id = _int(metadata.get("pairing")) or report.pairing_id or 0
        checkin_id = _int(metadata.get("checkin"))

        async def record(session: AsyncSession, mentor: Person) -> Result:
            return await contact_log.record_contact(
                session,
                mentor=mentor,
                pairing_id=pairing_id,
                checkin_id=checkin_id,
                report=report,
                source_event_id=source,
                channel=Channel.SLACK,
                now=self._now(),
                config=self.services.config,
            )

        self._later(self._act(user_id, record))

    async def on_concern_submitted(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        user_id, source, metadata, values = self._submission(body)
        note = contact_log.parse_concern(values)
        if not isinstance(note, str):
            await self._errors(ack, user_id, note)
            return
        await ack()

        async def record(session: AsyncSession, mentor: Person) -> Result:
            return await contact_log.report_concern(
                session,
                mentor=mentor,
                pairing_id=_int(metadata.get("pairing")) or 0,
                note=note,
                source_event_id=source,
                channel=Channel.SLACK,
                now=self._now(),
                config=self.services.config,
            )

        self._later(self._act(user_id, record))

    async def on_outcome_submitted(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        user_id, source, metadata, values = self._submission(body)
        today = self._now().astimezone(self.services.config.zone).date()
        report = outcome.parse_outcome(values, today=today)
        if not isinstance(report, outcome.OutcomeReport):
            await self._errors(ack, user_id, report)
            return
        await ack()

        async def record(session: AsyncSession, mentor: Person) -> Result:
            return await outcome.report_outcome(
                session,
                mentor=mentor,
                pairing_id=_int(metadata.get("pairing")) or 0,
                report=report,
                source_event_id=source,
                channel=Channel.SLACK,
                now=self._now(),
                config=self.services.config,
            )

        self._later(self._act(user_id, record))

    # -- staff

    async def _staff_show(self, user_id: str, reference: str, *, trigger_id: str = "") -> None:
        """A pair's details, for staff only; a refusal is audit-logged."""
        locale = self.services.config.default_locale
        now = self._now()
        if not await self.staff.is_staff(user_id):
            async with self.services.sessions() as session, session.begin():
                await audit.record(
                    session,
                    actor=f"slack:{user_id}",
                    action="staff_refused",
                    now=now,
                    detail={"what": "show_pair", "pairing": reference[:20]},
                )
            await self._say(user_id, [Reply("staff.refused", locale=locale)])
            return
        async with self.services.sessions() as session:
            pairing = await session.get(Pairing, int(reference)) if reference.isdigit() else None
            if pairing is None:
                reply = Reply("staff.unknown_pair", {"pairing": reference[:20]}, locale=locale)
            else:
                mentor = await session.get(Person, pairing.mentor_id)
                reply = Reply(
                    "staff.pair",
                    {
                        "pairing": pairing.id,
                        "status": pairing.status,
                        "close_reason": pairing.close_reason,
                        "mentee": await mentoring.mentee_name(session, pairing),
                        "mentor": (mentor.display_name if mentor else None) or "",
                        "started_at": pairing.started_at,
                        "first_meeting_at": pairing.first_meeting_at,
                        "last_contact_at": pairing.last_contact_at,
                        "interactions": await mentoring.count_interactions(session, pairing.id),
                    },
                    locale=locale,
                )
        if trigger_id:
            await self.client.views_open(
                trigger_id=trigger_id, view=self.view.info_modal("form.pair_title", reply)
            )
        else:
            await self._say(user_id, [reply])


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def build_client(
    token: str, base_url: str, *, retry_on_rate_limit: bool, timeout: int = 30
) -> AsyncWebClient:
    """A Web API client; the listeners' one retries once on 429 (Retry-After honoured),
    the outbox sender's retries nothing: the outbox reschedules, and slack-sdk's default
    retry after a dropped connection would post a message Slack may already have posted
    a second time (that is the outbox's "in doubt"). `timeout` is in seconds."""
    client = AsyncWebClient(token=token, base_url=base_url, timeout=timeout)
    if retry_on_rate_limit:
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    else:
        client.retry_handlers = []
    return client


def build_slack(services: Services) -> tuple[SlackBot, SlackSender]:
    """The Bolt app and the outbox sender, from the settings."""
    settings = services.settings
    assert settings.slack_bot_token is not None  # noqa: S101 - checked by the caller
    token = settings.slack_bot_token.get_secret_value()
    secret = settings.slack_signing_secret
    # Socket Mode requests come over an authenticated socket, not signed HTTP
    signing_secret = (
        secret.get_secret_value()
        if secret is not None and settings.slack_app_token is None
        else None
    )
    bot = SlackBot(
        services,
        build_client(token, settings.slack_api_url, retry_on_rate_limit=True),
        signing_secret=signing_secret,
    )
    sender = SlackSender(
        build_client(token, settings.slack_api_url, retry_on_rate_limit=False),
        bot.view,
        services.clock,
        settings.slack_staff_channel,
        publish_home=bot.publish_home,
    )
    return bot, sender
