"""The App Home tab: a mentor's pairs with their buttons, or "I don't know you"."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View

from conversations.core import codec
from conversations.core.messages import Choice
from conversations.core.response import Home
from handlers.slack.blocks import MAX_VIEW_BLOCKS, SlackRenderer, buttons, sections


def home_view(view: SlackRenderer, home: Home) -> View:
    """The App Home view of `home`; action ids are unique across the whole view."""
    locale = home.locale
    if not home.known:
        return View(type="home", blocks=sections(view.text("mentor.unknown", locale)))
    blocks: list[Block] = sections(
        view.text("mentor.home_intro", locale, paused_until=home.paused_until)
    )
    # a question for the programme's team, whatever the pairs (a case in the staff channel)
    ask = Choice("choice.home.ask_team", codec.encode("tq"))
    blocks += buttons([(view.label(ask, locale), ask.value)], prefix="mb_team")
    # event announcements: whether they come, and the button that switches them
    blocks += sections(view.text("announcements.mentor.home", locale, on=home.announcements))
    switch = Choice(
        "choice.announcements.off" if home.announcements else "choice.announcements.on",
        codec.encode("an", value="off" if home.announcements else "on"),
    )
    blocks += buttons([(view.label(switch, locale), switch.value)], prefix="mb_announce")
    if not home.pairs:
        blocks += sections(view.text("mentor.no_pairs", locale))
    for pair in home.pairs:
        if len(blocks) + 3 > MAX_VIEW_BLOCKS:
            break
        blocks.append(DividerBlock())
        blocks += sections(
            view.text(
                "mentor.home_pair",
                locale,
                mentee=pair.mentee,
                erased=pair.erased,
                status=pair.status,
                project=pair.project,
                started_at=pair.started_at,
                last_contact_at=pair.last_contact_at,
                next_checkin_due_at=pair.next_checkin_due_at,
                paused_until=home.paused_until,
            )
        )
        if pair.status == "closed":
            continue
        pid = pair.pairing_id
        choices = [
            Choice("choice.home.log", codec.encode("hl", pid)),
            Choice("choice.home.concern", codec.encode("hc", pid)),
        ]
        if not pair.has_outcome:
            choices.append(Choice("choice.home.outcome", codec.encode("ho", pid)))
        if pair.first_meeting_at is None:
            choices.insert(0, Choice("choice.mentor.first_meeting", codec.encode("fm", pid)))
        blocks += buttons([(view.label(c, locale), c.value) for c in choices], prefix=f"mb_p{pid}")
    return View(type="home", blocks=blocks[:MAX_VIEW_BLOCKS])
