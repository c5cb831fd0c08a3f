"""A mentor signs up themselves: `/mentorbot join` (also `rejoindre`, `inscription`) in
Slack opens a short form; its answers make the person (a mentor with a Slack identity, if
the bot did not know them) and their profile, pending until staff approve it, and open a
case in the staff channel whose post carries "Approve" and "Decline" (`conversations.staff.
approvals`). Answers that cannot be taken are shown under their fields, nothing stored.

    stranger --/mentorbot join--> form --answers--> pending (a case for staff)
    pending --staff approve--> active (told what happens next) | --decline--> declined
    pending, active or declined --/mentorbot join--> told where they stand, no second case

A mentor registered by staff (`mentorbot mentor add`) is active at once (see `join.mmd`).
The same form, filled in with what the profile holds, is how a mentor updates it
(`conversations.mentor.profile`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from conversations.core import codec
from conversations.core.messages import (
    Channel,
    Choice,
    FieldKind,
    Form,
    FormField,
    Incoming,
    Kind,
    Reply,
)
from conversations.core.turn import Turn
from conversations.pairs import alerts
from conversations.pairs import cases as shared_cases
from conversations.rules.regions import REGIONS
from storage import audit, cases, mentor_profiles, outbox, people
from storage.models import Case, CaseKind, MentorProfile, MentorStatus, Person, Role

__all__ = [
    "FORM",
    "KEY",
    "LANGUAGES",
    "MAX_CAPACITY",
    "VERBS",
    "ProfileAnswers",
    "answers_of",
    "apply",
    "handles",
    "on_event",
    "parse_profile",
    "profile_fields",
    "standing",
]

logger = logging.getLogger(__name__)

VERBS = frozenset({"join", "rejoindre", "inscription"})
FORM = "mentor_join"
KEY = "mentor.join."
# languages a mentor may mentor in, as offered (codes; their names are in the templates);
# ten at most, so that Slack shows them as checkboxes
LANGUAGES = ("fr", "en", "ar", "es", "pt", "de", "it", "ro", "tr", "zh")
# mentees at a time a mentor chooses themselves (staff may set more: `mentorbot mentor add`)
MAX_CAPACITY = 5
# longest answers kept (the profile's columns)
LIMITS = {"first_name": 60, "company": 200, "sector": 100, "expertise": 300}
REMOTE = ("yes", "no")
# what the case post shows of the profile, blanked once it is posted
DROPPED = ["company", "sector", "expertise"]


@dataclass(frozen=True)
class ProfileAnswers:
    """A mentor's profile as the form asks it."""

    first_name: str
    company: str | None
    sector: str
    expertise: str
    region: str
    capacity: int
    languages: tuple[str, ...]
    remote: bool


def profile_fields(
    *, current: ProfileAnswers | None = None, max_capacity: int = MAX_CAPACITY
) -> tuple[FormField, ...]:
    """The form's questions; with `current`, each filled in with what it holds."""
    regions = tuple(Choice(f"{KEY}region_option", code, {"code": code}) for code in REGIONS)
    capacities = tuple(
        Choice(f"{KEY}capacity_option", str(n), {"number": n}) for n in range(1, max_capacity + 1)
    )
    languages = tuple(Choice(f"{KEY}language_option", code, {"code": code}) for code in LANGUAGES)
    remote = tuple(Choice(f"{KEY}remote_{value}", value) for value in REMOTE)
    now = current
    return (
        FormField("first_name", FieldKind.TEXT, f"{KEY}field_first_name",
                  max_length=LIMITS["first_name"], initial=now.first_name if now else None),
        FormField("company", FieldKind.TEXT, f"{KEY}field_company", required=False,
                  max_length=LIMITS["company"], initial=now.company if now else None),
        FormField("sector", FieldKind.TEXT, f"{KEY}field_sector",
                  max_length=LIMITS["sector"], initial=now.sector if now else None),
        FormField("expertise", FieldKind.TEXT, f"{KEY}field_expertise",
                  max_length=LIMITS["expertise"], initial=now.expertise if now else None),
        FormField("region", FieldKind.SINGLE, f"{KEY}field_region", regions,
                  initial=now.region if now else None),
        FormField("capacity", FieldKind.SINGLE, f"{KEY}field_capacity", capacities,
                  initial=str(now.capacity) if now else None),
        FormField("languages", FieldKind.MULTI, f"{KEY}field_languages", languages,
                  initial=list(now.languages) if now else None),
        FormField("remote", FieldKind.SINGLE, f"{KEY}field_remote", remote,
                  initial=(REMOTE[0] if now.remote else REMOTE[1]) if now else None),
    )  # fmt: skip


def join_form(locale: str) -> Form:
    return Form(
        name=FORM,
        title_key=f"{KEY}form_title",
        submit_key=f"{KEY}form_submit",
        fields=profile_fields(),
        locale=locale,
        intro=Reply(f"{KEY}form_intro", locale=locale),
    )


def _text(answers: Any, name: str, errors: dict[str, str], *, required: bool = True) -> str:
    raw = answers.get(name)
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not text and required:
        errors[name] = "form.required"
    elif len(text) > LIMITS[name]:
        errors[name] = f"{KEY}error_too_long"
    return text


def _one_of(answers: Any, name: str, allowed: tuple[str, ...], errors: dict[str, str]) -> str:
    raw = answers.get(name)
    if raw is None or raw == "":
        errors[name] = "form.required"
    elif raw not in allowed:
        errors[name] = "form.invalid_choice"
    return raw if isinstance(raw, str) else ""


def parse_profile(
    answers: Any, *, max_capacity: int = MAX_CAPACITY
) -> ProfileAnswers | dict[str, str]:
    """The answers, or the error template key of each field that cannot be taken."""
    errors: dict[str, str] = {}
    first_name = _text(answers, "first_name", errors)
    company = _text(answers, "company", errors, required=False)
    sector = _text(answers, "sector", errors)
    expertise = _text(answers, "expertise", errors)
    region = _one_of(answers, "region", REGIONS, errors)
    capacity = _one_of(answers, "capacity", tuple(str(n) for n in range(1, max_capacity + 1)),
                       errors)  # fmt: skip
    remote = _one_of(answers, "remote", REMOTE, errors)
    raw = answers.get("languages")
    picked = [code for code in raw if isinstance(code, str)] if isinstance(raw, list) else []
    if not picked:
        errors["languages"] = "form.required"
    elif any(code not in LANGUAGES for code in picked):
        errors["languages"] = "form.invalid_choice"
    if errors:
        return errors
    return ProfileAnswers(
        first_name=first_name,
        company=company or None,
        sector=sector,
        expertise=expertise,
        region=region,
        capacity=int(capacity),
        languages=tuple(code for code in LANGUAGES if code in picked),
        remote=remote == REMOTE[0],
    )


def answers_of(person: Person, profile: MentorProfile) -> ProfileAnswers:
    """What the profile holds, as the form shows it."""
    return ProfileAnswers(
        first_name=person.display_name or "",
        company=profile.company,
        sector=profile.sector or "",
        expertise=profile.expertise or "",
        region=profile.region or "",
        capacity=profile.capacity,
        languages=tuple(str(code) for code in profile.languages or ()),
        remote=profile.remote,
    )


def apply(person: Person, profile: MentorProfile, answers: ProfileAnswers) -> None:
    """Write the answers into the person and their profile."""
    person.display_name = answers.first_name
    profile.company = answers.company
    profile.sector = answers.sector
    profile.expertise = answers.expertise
    profile.region = answers.region
    # the region gives the time zone and holidays the scheduler respects
    person.region = answers.region
    profile.capacity = answers.capacity
    profile.languages = list(answers.languages)
    profile.remote = answers.remote


def handles(incoming: Incoming) -> bool:
    """Whether this event is someone signing up (the verb, the form)."""
    if incoming.kind is Kind.COMMAND:
        return incoming.command.lower() in VERBS
    return incoming.kind is Kind.FORM and incoming.form == FORM


async def standing(turn: Turn) -> MentorStatus | None:
    """Where the person talking stands as a mentor: None when they are not one."""
    if not turn.actor.is_mentor:
        return None
    profile = await mentor_profiles.get(turn.session, turn.person.id)
    # a mentor without a profile was registered before profiles had a status
    return MentorStatus(profile.status) if profile is not None else MentorStatus.ACTIVE


async def on_event(turn: Turn) -> None:
    """The verb opens the form; the form's answers sign the person up. Someone the bot
    knows already is told where they stand instead (a second sign-up opens no case)."""
    if await _told_where_they_stand(turn):
        return
    incoming = turn.incoming
    if incoming.kind is Kind.COMMAND:
        turn.response.form = join_form(turn.locale)
        return
    found = parse_profile(incoming.answers)
    if not isinstance(found, ProfileAnswers):
        turn.response.form_errors = found
        return
    person = await people.create_person(
        turn.session,
        role=Role.MENTOR,
        channel=Channel.SLACK,
        external_id=incoming.external_id,
        # posting to a Slack user id writes in the app's direct messages with them
        chat_id=incoming.external_id,
        locale=turn.locale,
        now=turn.now,
    )
    profile = await mentor_profiles.add(
        turn.session, person.id, turn.now, status=MentorStatus.PENDING
    )
    apply(person, profile, found)
    case = await _open_signup_case(turn, person, found)
    await audit.record(
        turn.session,
        actor=f"{Role.MENTOR}:{person.id}",
        action="mentor_signed_up",
        now=turn.now,
        subject_person_id=person.id,
        detail={"case": case.id},
    )
    logger.info("mentor %s signed up (case %s)", person.id, case.id)
    turn.say(f"{KEY}received", case_id=case.id, days=turn.config.review_delay_days)


async def _told_where_they_stand(turn: Turn) -> bool:
    """Someone the bot knows is told where they stand: True when so."""
    person = turn.actor.person
    if person is None:
        return False
    status = await standing(turn)
    if status is None:
        turn.say(f"{KEY}known_otherwise")
    elif status is MentorStatus.PENDING:
        turn.say(f"{KEY}pending")
    elif status is MentorStatus.DECLINED:
        turn.say(f"{KEY}declined_before")
    else:
        turn.say(f"{KEY}already")
    return True


async def _open_signup_case(turn: Turn, person: Person, found: ProfileAnswers) -> Case:
    """The case staff approve the sign-up in: its post (the profile, "Approve",
    "Decline", "I'll take it") in the staff channel, whose thread reaches the person."""
    session, now, config = turn.session, turn.now, turn.config
    case = await cases.open_case(
        session,
        kind=CaseKind.HELP,
        person_id=person.id,
        pairing_id=None,
        text=None,
        now=now,
        topic=mentor_profiles.SIGNUP_TOPIC,
        raise_again_at=shared_cases.raise_again_at(now, config.nudges.window, config.zone),
    )
    context: dict[str, Any] = {
        "case_id": case.id,
        "person_id": person.id,
        "who": outbox.person_ref(person.id),
        "mentor_slack": turn.incoming.external_id,
        "company": found.company or "",
        "sector": found.sector,
        "expertise": found.expertise,
        "region": found.region,
        "capacity": found.capacity,
        "languages": list(found.languages),
        "remote": found.remote,
        "choices": [
            ["staff.approval.button_approve", codec.encode("ja", person.id)],
            ["staff.approval.button_decline", codec.encode("jd", person.id)],
            ["choice.staff.take_case", codec.encode("ct", case.id)],
        ],
        "anchor": {"case": case.id},
        "drop": DROPPED,
    }
    await alerts.digest_to_staff(
        session,
        key=shared_cases.opened_key(case.id),
        template="staff.approval.signup",
        context=context,
        now=now,
        config=config,
    )
    return case
