"""The App Home tab: for staff, the programme at a glance (last month's figures, open cases,
waiting youths with a "Suggest mentors" button); for a mentor, their pairs with their
buttons and their profile's; or "I don't know you". A staff member who is also a mentor
sees both, the staff part first."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View

from conversations.core import codec
from conversations.core.messages import Choice
from conversations.core.response import Home, StaffHome
from handlers.slack.blocks import MAX_VIEW_BLOCKS, SlackRenderer, buttons, sections


def home_view(view: SlackRenderer, home: Home) -> View:
    """The App Home view of `home`; action ids are unique across the whole view."""
    locale = home.locale
    if home.staff is not None:
        blocks = staff_blocks(view, home.staff, locale)
        if home.known:
            blocks.append(DividerBlock())
            blocks += sections(view.text("staff.home.mentor_part", locale))
            blocks += mentor_blocks(view, home)
        return View(type="home", blocks=blocks[:MAX_VIEW_BLOCKS])
    if not home.known:
        return View(type="home", blocks=sections(view.text("mentor.unknown", locale)))
    return View(type="home", blocks=mentor_blocks(view, home)[:MAX_VIEW_BLOCKS])


def staff_blocks(view: SlackRenderer, staff: StaffHome, locale: str) -> list[Block]:
    """The staff part: last month's figures, the oldest open cases, the youths waiting
    longest (each with its "Suggest mentors" button)."""
    blocks: list[Block] = sections(view.text("staff.home.intro", locale))
    blocks.append(DividerBlock())
    if staff.figures:
        blocks += sections(view.text("staff.report.summary", locale, **staff.figures))
    else:
        blocks += sections(view.text("staff.home.no_figures", locale, period=staff.period))
    blocks.append(DividerBlock())
    shown = {"count": staff.open_cases, "shown_count": len(staff.cases)}
    lines = [view.text("staff.home.cases", locale, **shown)]
    lines += [
        view.text(
            "staff.home.case",
            locale,
            case_id=case.case_id,
            case_kind=case.case_kind,
            who=case.who,
            pairing=case.pairing,
            opened_at=case.opened_at,
        )
        for case in staff.cases
    ]
    blocks += sections("\n".join(lines))
    blocks.append(DividerBlock())
    waiting = {"count": staff.waiting, "shown_count": len(staff.youths)}
    blocks += sections(view.text("staff.home.waiting", locale, **waiting))
    for youth in staff.youths:
        blocks += sections(
            view.text(
                "staff.home.youth",
                locale,
                youth_id=youth.youth_id,
                name=youth.name,
                region=youth.region,
                waiting_days=youth.waiting_days,
            )
        )
        suggest = Choice("choice.staff.suggest_mentors", codec.encode("sg", youth.youth_id))
        blocks += buttons(
            [(view.label(suggest, locale), suggest.value)], prefix=f"sh_y{youth.youth_id}"
        )
    return blocks


def mentor_blocks(view: SlackRenderer, home: Home) -> list[Block]:
    """A mentor's part: what the bot does for them, their profile's and announcements'
    buttons, their pairs with theirs."""
    locale = home.locale
    blocks: list[Block] = sections(
        view.text("mentor.home_intro", locale, paused_until=home.paused_until)
    )
    # a question for the programme's team, whatever the pairs (a case in the staff channel)
    ask = Choice("choice.home.ask_team", codec.encode("tq"))
    blocks += buttons([(view.label(ask, locale), ask.value)], prefix="mb_team")
    # their profile, and whether staff may propose them someone new for now
    profile = Choice("choice.home.profile", codec.encode("jp"))
    taking = Choice(
        "choice.home.not_accepting" if home.accepting else "choice.home.accepting_again",
        codec.encode("jt", value="off" if home.accepting else "on"),
    )
    blocks += buttons(
        [(view.label(c, locale), c.value) for c in (profile, taking)], prefix="mb_profile"
    )
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
    return blocks
