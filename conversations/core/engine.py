"""The conversation engine: one incoming event in, a `Response` out, state in the database.

Every role and channel goes through here. Each handled event is one transaction: the
platform event id is recorded (a redelivered or retried event changes nothing twice), the
actor (person and roles) is resolved once, the event is routed to the first role router
that claims it (the staff gate is checked here, and a refusal audit-logged), and everything
is committed together. A form answered with errors stores nothing, not even the event id,
so the corrected form can be submitted again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Protocol, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.actor import Actor, NoStaff, StaffDirectory
from conversations.core.clock import Clock
from conversations.core.messages import Channel, Incoming, Kind, Labels, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import NotAllowed, Outcome, Response
from conversations.core.throttle import Throttle, Verdict
from conversations.core.turn import Turn, pick_locale
from conversations.rules.eligibility import EligibilityRules
from storage import audit, people
from storage.database import retry_when_locked, transaction
from storage.models import Role

__all__ = ["Engine", "ProgrammeConfig", "Router"]

logger = logging.getLogger(__name__)

# Channels where a stranger writing to the bot is a youth registering (Slack people are
# registered by staff).
SELF_REGISTERING = frozenset({Channel.TELEGRAM, Channel.CONSOLE})
# What the throttle counts: what a person says, presses or submits (not the App Home
# opened, nor the bot blocked or unblocked).
THROTTLED = frozenset(Kind) - {Kind.OPENED, Kind.BLOCKED, Kind.UNBLOCKED}


class Router(Protocol):
    """A role's commands, buttons, forms and free text."""

    # only staff may use what this router claims (checked by the engine, refusals audited)
    staff_only: bool

    def claims(self, turn: Turn) -> bool:
        """Whether this router handles the event."""
        ...

    async def handle(self, turn: Turn) -> None: ...


class _Discard(Exception):
    """Leave the transaction without storing anything (a form answered with errors)."""

    def __init__(self, response: Response) -> None:
        super().__init__("discarded")
        self.response = response


class Engine:
    """Routes each incoming event to a role's router, in one transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        rules: EligibilityRules,
        config: ProgrammeConfig,
        routers: Mapping[Channel, Sequence[Router]],
        staff: StaffDirectory | None = None,
        labels: Labels | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        # SQLite has one writer at a time and its lock waits sleep: in the single process
        # it supports, queue transactions here instead (PostgreSQL needs no such thing).
        bind = sessions.kw.get("bind")
        self._serial: asyncio.Lock | None = (
            asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        )
        self._rules = rules
        self._config = config
        self._routers = routers
        self._staff = staff or NoStaff()
        self._labels = labels
        self._throttle = Throttle(
            config.throttle_per_minute, timedelta(minutes=config.throttle_pause_minutes)
        )

    @property
    def rules(self) -> EligibilityRules:
        return self._rules

    @property
    def config(self) -> ProgrammeConfig:
        return self._config

    async def handle(self, incoming: Incoming) -> Response:
        """Handle one event; an empty response for a duplicate."""
        # asked before the transaction: the directory may call Slack
        is_staff = (
            await self._staff.is_staff(incoming.channel, incoming.external_id)
            if incoming.channel is Channel.SLACK
            else False
        )
        verdict = self._count(incoming, is_staff)
        if verdict is Verdict.IGNORE:
            return Response(outcome=Outcome.REFUSED)
        throttled = verdict is Verdict.TELL
        try:
            if self._serial is None:
                return await self._handle(incoming, is_staff, throttled)
            async with self._serial:
                return cast(
                    Response,
                    await retry_when_locked(lambda: self._handle(incoming, is_staff, throttled)),
                )
        except _Discard as discarded:
            return discarded.response

    def _count(self, incoming: Incoming, is_staff: bool) -> Verdict:
        """The throttle's verdict, in memory and before any database work (staff never are)."""
        if is_staff or incoming.kind not in THROTTLED:
            return Verdict.HANDLE
        verdict = self._throttle.check(
            f"{incoming.channel}:{incoming.external_id}", incoming.event_id, self._clock.now()
        )
        if verdict is Verdict.TELL:
            logger.warning(
                "a %s user sent more than %s messages in a minute: ignored for %s minutes",
                incoming.channel,
                self._config.throttle_per_minute,
                self._config.throttle_pause_minutes,
            )
        return verdict

    async def _handle(self, incoming: Incoming, is_staff: bool, throttled: bool) -> Response:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            # the event id recorded, then who is talking, their accounts and where they are
            # in a flow (one SELECT)
            new, person, state = await people.mark_and_find(
                session, incoming.channel, incoming.event_id, incoming.external_id, now
            )
            if not new:
                logger.info("duplicate %s event %s ignored", incoming.channel, incoming.event_id)
                return Response(outcome=Outcome.DUPLICATE)
            if person is None and incoming.channel in SELF_REGISTERING:
                if incoming.kind in (Kind.BLOCKED, Kind.UNBLOCKED):
                    return Response()
                person = await people.create_person(
                    session,
                    role=Role.YOUTH,
                    channel=incoming.channel,
                    external_id=incoming.external_id,
                    chat_id=incoming.chat_id or incoming.external_id,
                    locale=pick_locale(incoming.language_code, self._config.default_locale),
                    now=now,
                )
            turn = Turn(
                session=session,
                incoming=incoming,
                actor=Actor(incoming.channel, incoming.external_id, person, is_staff=is_staff),
                state=state,
                now=now,
                rules=self._rules,
                config=self._config,
                labels=self._labels,
            )
            if throttled:
                # the event is recorded (not handled twice) and only the warning said
                turn.response.outcome = Outcome.REFUSED
                turn.say(
                    "mentor.throttled" if turn.actor.is_mentor else "common.throttled",
                    limit=self._config.throttle_per_minute,
                    pause_minutes=self._config.throttle_pause_minutes,
                )
            else:
                await self._route(turn)
            turn.response.locale = turn.locale
            if turn.response.form_errors:
                raise _Discard(turn.response)
            return turn.response

    async def _route(self, turn: Turn) -> None:
        for router in self._routers.get(turn.incoming.channel, ()):
            if not router.claims(turn):
                continue
            if router.staff_only and not turn.actor.is_staff:
                await self._refuse_staff(turn)
                return
            try:
                await router.handle(turn)
            except NotAllowed as refusal:
                # the refusal itself is committed (it may have been audit-logged)
                turn.response.replies.append(
                    Reply(refusal.key, context=refusal.context, locale=turn.locale)
                )
            return
        logger.warning("no router for a %s %s event", turn.incoming.channel, turn.incoming.kind)

    async def _refuse_staff(self, turn: Turn) -> None:
        incoming = turn.incoming
        turn.response.outcome = Outcome.REFUSED
        await audit.record(
            turn.session,
            # the account that tried, whoever it belongs to
            actor=f"{turn.actor.channel}:{turn.actor.external_id}",
            action="staff_refused",
            now=turn.now,
            detail={
                "kind": str(incoming.kind),
                "what": (incoming.command or incoming.choice or incoming.form)[:40],
                "args": incoming.args[:20],
            },
        )
        if not incoming.metadata.get("in_channel"):
            # a message in a channel (someone not on the staff replying in a case's thread)
            # gets no answer there: the channel is staff's, the refusal only logged
            turn.say("staff.refused")
