"""A mentor keeps their profile up to date and says whether they take new mentees.

- `/mentorbot profile` (or `profil`), and the App Home's "Update my profile" button (`jp`),
  open the sign-up form filled in with what the profile holds; its answers replace it. A
  capacity below the pairs the mentor follows now is refused under its field.
- `/mentorbot available off|on` (or `disponible`, `dispo`), and the App Home's button (`jt`,
  value on/off): not taking new mentees for now, or again. Pairs under way go on; staff's
  suggestions leave out a mentor who is not taking any.
"""

from __future__ import annotations

from conversations.core import codec
from conversations.core.messages import Form, Incoming, Kind
from conversations.core.turn import Turn
from conversations.mentor import join
from conversations.pairs.lifecycle import OPEN_STATUSES
from storage import mentor_profiles, pairings
from storage.models import MentorProfile, MentorStatus

__all__ = [
    "AVAILABLE_VERBS",
    "EDIT_ACTION",
    "FORM",
    "KEY",
    "PROFILE_VERBS",
    "TOGGLE_ACTION",
    "handles",
    "on_event",
    "profile_form",
]

PROFILE_VERBS = frozenset({"profile", "profil"})
AVAILABLE_VERBS = frozenset({"available", "disponible", "dispo"})
FORM = "mentor_profile"
KEY = "mentor.profile."
# the App Home's buttons: the profile form; taking new mentees or not (value "on"/"off")
EDIT_ACTION = "jp"
TOGGLE_ACTION = "jt"
SWITCH = {"on": True, "off": False, "oui": True, "non": False, "yes": True, "no": False}


def handles(incoming: Incoming) -> bool:
    """Whether this event is about the mentor's profile or availability."""
    if incoming.kind is Kind.COMMAND:
        return incoming.command.lower() in PROFILE_VERBS | AVAILABLE_VERBS
    if incoming.kind is Kind.CHOICE:
        button = codec.decode(incoming.choice)
        return button is not None and button.action in (EDIT_ACTION, TOGGLE_ACTION)
    return incoming.kind is Kind.FORM and incoming.form == FORM


def profile_form(locale: str, current: join.ProfileAnswers) -> Form:
    """The sign-up's questions, filled in with what the profile holds."""
    return Form(
        name=FORM,
        title_key=f"{KEY}form_title",
        submit_key=f"{KEY}form_submit",
        fields=join.profile_fields(current=current, max_capacity=_most(current.capacity)),
        locale=locale,
    )


def _most(capacity: int) -> int:
    """The largest capacity offered: the mentor's own choice, or more if staff set more."""
    return max(join.MAX_CAPACITY, capacity)


async def _profile(turn: Turn) -> MentorProfile:
    found = await mentor_profiles.get(turn.session, turn.person.id)
    if found is not None:
        return found
    # a mentor registered before profiles existed: an empty one, active
    return await mentor_profiles.add(
        turn.session, turn.person.id, turn.now, status=MentorStatus.ACTIVE
    )


async def on_event(turn: Turn) -> None:
    """The verbs, the App Home's buttons and the form's answers (an active mentor's)."""
    incoming = turn.incoming
    if incoming.kind is Kind.FORM:
        await _submit(turn)
        return
    if incoming.kind is Kind.COMMAND and incoming.command.lower() in AVAILABLE_VERBS:
        await _available(turn, incoming.args.strip().lower())
        return
    button = codec.decode(incoming.choice) if incoming.kind is Kind.CHOICE else None
    if button is not None and button.action == TOGGLE_ACTION:
        await _available(turn, button.value)
        return
    profile = await _profile(turn)
    turn.response.form = profile_form(turn.locale, join.answers_of(turn.person, profile))


async def _submit(turn: Turn) -> None:
    profile = await _profile(turn)
    found = join.parse_profile(turn.incoming.answers, max_capacity=_most(profile.capacity))
    if not isinstance(found, join.ProfileAnswers):
        turn.response.form_errors = found
        return
    following = await pairings.count_of_mentor(turn.session, turn.person.id, OPEN_STATUSES)
    if found.capacity < following:
        turn.response.form_errors = {"capacity": f"{KEY}error_capacity_below"}
        turn.response.form_error_context = {"capacity": {"count": following}}
        return
    join.apply(turn.person, profile, found)
    turn.say(f"{KEY}updated", capacity=found.capacity, count=following)
    turn.response.refresh_home = True


async def _available(turn: Turn, value: str) -> None:
    """Taking new mentees or not; without "on" or "off", where they stand and how."""
    profile = await _profile(turn)
    wanted = SWITCH.get(value)
    if wanted is None:
        turn.say(f"{KEY}available_usage", on=profile.accepting)
        return
    changed = profile.accepting is not wanted
    profile.accepting = wanted
    turn.say(f"{KEY}available", on=wanted, changed=changed)
    turn.response.refresh_home = True
