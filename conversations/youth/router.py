"""Everything a youth sends, on Telegram or in the terminal, goes to `account.on_message`
(commands, buttons, the current flow); a conversation left for a long time resumes with a
reminder of where it stood."""

from __future__ import annotations

from datetime import timedelta

from conversations.core.messages import Channel, Kind
from conversations.core.turn import Turn
from conversations.youth import account, faq, requests

__all__ = ["YouthRouter"]


class YouthRouter:
    """The youth's router: every Telegram and console event."""

    staff_only = False

    def claims(self, turn: Turn) -> bool:
        return turn.incoming.channel in (Channel.TELEGRAM, Channel.CONSOLE)

    async def handle(self, turn: Turn) -> None:
        if await requests.on_input(turn):  # the answer to /human's "what is it about?"
            await account.resume_flow(turn)
            return
        state = turn.state
        stale = (
            state is not None
            and state.flow != faq.FLOW
            and turn.now - state.updated_at > timedelta(days=turn.config.resume_after_days)
        )
        if stale and turn.incoming.kind in (Kind.TEXT, Kind.CHOICE, Kind.UNSUPPORTED):
            # weeks later, a "hello" is not an answer to the question left open: say where
            # things stood and ask it again
            assert state is not None  # noqa: S101 - stale implies a state
            turn.say("common.resume_reminder", since=state.updated_at)
            state.updated_at = turn.now
            await account.resume_flow(turn)
            return
        await account.on_message(turn)
