"""A person's data rights: export everything stored about them, erase it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, meetings, relay_files, rsvps
from storage import cases as case_rows
from storage import relay as relay_rows
from storage.models import (
    Application,
    Case,
    Checkin,
    ConversationState,
    Delivery,
    DeliveryStatus,
    Event,
    Identity,
    Interaction,
    Invite,
    Outcome,
    Pairing,
    Person,
    Rsvp,
    SupportRequest,
)

__all__ = ["erase_person", "export_person", "open_request"]


async def open_request(session: AsyncSession, person_id: int, kind: str) -> SupportRequest | None:
    """The person's unresolved support request of that kind, if any."""
    result = await session.execute(
        select(SupportRequest)
        .where(
            SupportRequest.person_id == person_id,
            SupportRequest.kind == kind,
            SupportRequest.resolved_at.is_(None),
        )
        .limit(1)
    )
    return result.scalar_one_or_none()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export_person(session: AsyncSession, person: Person, now: datetime) -> dict[str, Any]:
    """Everything stored about a person, as a JSON-ready document (`/mydata`)."""
    identities = (
        await session.execute(select(Identity).where(Identity.person_id == person.id))
    ).scalars()
    apps = (
        await session.execute(
            select(Application).where(Application.person_id == person.id).order_by(Application.id)
        )
    ).scalars()
    requests = (
        await session.execute(
            select(SupportRequest)
            .where(SupportRequest.person_id == person.id)
            .order_by(SupportRequest.id)
        )
    ).scalars()
    cases = (
        await session.scalars(select(Case).where(Case.person_id == person.id).order_by(Case.id))
    ).all()
    state = await session.get(ConversationState, person.id)
    mentoring = await _mentoring(session, person)
    answers = (
        await session.execute(
            select(Rsvp, Event)
            .join(Event, Event.id == Rsvp.event_id)
            .where(Rsvp.person_id == person.id)
            .order_by(Event.starts_at, Rsvp.id)
        )
    ).all()
    queued = (
        await session.scalars(
            select(Delivery)
            .where(Delivery.person_id == person.id, Delivery.status != DeliveryStatus.SENT)
            .order_by(Delivery.id)
        )
    ).all()
    return {
        "exported_at": now.isoformat(),
        "person": {
            "role": person.role,
            "name": person.display_name,
            "language": person.locale,
            "registered_at": _iso(person.created_at),
            "privacy_notice_accepted_at": _iso(person.consent_at),
        },
        "accounts": [{"channel": i.channel, "id": i.external_id} for i in identities],
        "applications": [
            {
                "started_at": _iso(a.started_at),
                "source": a.source,
                "answers": a.answers,
                "status": a.status,
                "decision": a.decision,
                "reasons": a.reasons,
                "rules_version": a.rules_version,
                "decided_at": _iso(a.decided_at),
                "staff_note": a.review_note,
            }
            for a in apps
        ],
        "requests_to_staff": [
            {"kind": r.kind, "message": r.message, "created_at": _iso(r.created_at)}
            for r in requests
        ],
        "cases": [
            {
                "kind": c.kind,
                "text": c.text,
                "state": c.state,
                "opened_at": _iso(c.opened_at),
                "taken_at": _iso(c.taken_at),
                "resolved_at": _iso(c.resolved_at),
            }
            for c in cases
        ],
        "conversation": {"flow": state.flow, "step": state.step} if state else None,
        "mentoring": mentoring,
        "announcements": "off" if person.announcements_opt_out_at else "on",
        "announcements_off_since": _iso(person.announcements_opt_out_at),
        "event_answers": [
            {
                "event": event.title,
                "starts_at": _iso(event.starts_at),
                "answer": rsvp.answer,
                "waiting_list": rsvp.waiting_since is not None,
                "answered_at": _iso(rsvp.answered_at),
                "attended": rsvp.attended,
            }
            for rsvp, event in answers
        ],
        "messages_waiting_for_you": [
            {
                "message": d.template,
                "status": d.status,
                "queued_at": _iso(d.created_at),
                "next_attempt_at": _iso(d.next_attempt_at),
            }
            for d in queued
        ],
    }


async def _mentoring(session: AsyncSession, person: Person) -> list[dict[str, Any]]:
    """The person's pairings with what was recorded about each: the other person's first
    name, check-ins and pulses, contacts logged (with the notes written about them) and
    outcomes."""
    side = Pairing.youth_id if person.role == "youth" else Pairing.mentor_id
    pairings = (await session.scalars(select(Pairing).where(side == person.id))).all()
    found: list[dict[str, Any]] = []
    for pairing in pairings:
        other_id = pairing.mentor_id if person.role == "youth" else pairing.youth_id
        other = await session.get(Person, other_id)
        checkins = (
            await session.scalars(
                select(Checkin).where(Checkin.pairing_id == pairing.id).order_by(Checkin.id)
            )
        ).all()
        interactions = (
            await session.scalars(
                select(Interaction)
                .where(Interaction.pairing_id == pairing.id)
                .order_by(Interaction.id)
            )
        ).all()
        outcomes = (
            await session.scalars(select(Outcome).where(Outcome.pairing_id == pairing.id))
        ).all()
        proposed = await meetings.of_pairing(session, pairing.id)
        found.append(
            {
                "pairing": pairing.id,
                "with": (other.display_name if other is not None else None) or "",
                "status": pairing.status,
                "close_reason": pairing.close_reason,
                "proposed_at": _iso(pairing.proposed_at),
                "started_at": _iso(pairing.started_at),
                "first_meeting_at": _iso(pairing.first_meeting_at),
                "last_contact_at": _iso(pairing.last_contact_at),
                "closed_at": _iso(pairing.closed_at),
                # the youth's consent to give her email to her mentor
                "email_shared_with_mentor_at": _iso(pairing.youth_email_shared_at),
                "meetings": [
                    {
                        "starts_at": _iso(m.starts_at),
                        "place": m.place,
                        "state": m.state,
                        "proposed_at": _iso(m.proposed_at),
                        "answered_at": _iso(m.answered_at),
                    }
                    for m in proposed
                ],
                "checkins": [
                    {
                        "month": c.period,
                        "asked": c.respondent_role,
                        "asked_at": _iso(c.asked_at),
                        "answer": c.answer,
                        "answered_at": _iso(c.answered_at),
                        "how": c.how,
                        "topics": c.topics,
                        "progress": c.progress,
                        "note": c.note,
                    }
                    for c in checkins
                ],
                "contacts_logged": [
                    {
                        "kind": i.kind,
                        "occurred_at": _iso(i.occurred_at),
                        "channel": i.channel,
                        "how": i.how,
                        "topics": i.topics,
                        "progress": i.progress,
                        "note": i.note,
                    }
                    for i in interactions
                    if i.kind != relay_rows.MESSAGE_KIND
                ],
                # messages passed on between the pair: how many and when, never their text
                "messages": _messages(
                    [i for i in interactions if i.kind == relay_rows.MESSAGE_KIND], person.id
                ),
                "outcomes": [
                    {
                        "kind": o.kind,
                        "contract": o.contract,
                        "at_diploma_level": o.at_diploma_level,
                        "occurred_on": o.occurred_on.isoformat(),
                        "reported_at": _iso(o.reported_at),
                    }
                    for o in outcomes
                ],
            }
        )
    return found


def _messages(relayed: list[Interaction], person_id: int) -> dict[str, Any]:
    """The messages a pair exchanged through the bot, as the person sees them."""
    sent = [i for i in relayed if i.logged_by == person_id]
    return {
        "sent": len(sent),
        "received": len(relayed) - len(sent),
        "first_at": _iso(min((i.occurred_at for i in relayed), default=None)),
        "last_at": _iso(max((i.occurred_at for i in relayed), default=None)),
        "dates": [
            {"at": _iso(i.occurred_at), "from": "you" if i.logged_by == person_id else "other"}
            for i in relayed
        ],
    }


async def _drop_pending_messages(session: AsyncSession, person_id: int) -> None:
    """What the person wrote to the other side of a pair and is still on its way (with its
    files), the files of messages to them not yet delivered, and a message they left
    waiting for a recipient: none of it is sent or kept."""
    as_youth = (
        await session.scalars(select(Pairing.id).where(Pairing.youth_id == person_id))
    ).all()
    as_mentor = (
        await session.scalars(select(Pairing.id).where(Pairing.mentor_id == person_id))
    ).all()
    written = [f"pair:{p}:to_mentor" for p in as_youth] + [f"pair:{p}:to_youth" for p in as_mentor]
    theirs = list(await relay_rows.unsent_in_order(session, written))
    to_them = (
        await session.scalars(
            select(Delivery).where(
                Delivery.person_id == person_id, Delivery.status != DeliveryStatus.SENDING
            )
        )
    ).all()
    held: list[int] = []
    state = await session.get(ConversationState, person_id)
    if state is not None and state.flow == relay_rows.HELD_FLOW:
        files = state.data.get("files") if isinstance(state.data, dict) else None
        held = [f for f in files or [] if isinstance(f, int) and not isinstance(f, bool)]
    for file_id in {*relay_rows.file_ids(theirs), *relay_rows.file_ids(to_them), *held}:
        await relay_files.drop(session, file_id)
    for delivery in theirs:
        await session.delete(delivery)
    await session.flush()


async def erase_person(
    session: AsyncSession, person: Person, now: datetime, *, actor: str | None = None
) -> None:
    """Erase or anonymise everything about a person (`/delete`).

    Applications keep only what anonymous statistics need (decision, reason codes, rules
    version, region, dates) and lose their link to the person; everything else goes. The
    person row stays as an empty tombstone (language only) so the audit log can refer to it.
    """
    person_id = person.id
    await _drop_pending_messages(session, person_id)
    await rsvps.forget_person(session, person_id)
    pairing_ids = list(
        (await session.scalars(select(Pairing.id).where(Pairing.youth_id == person_id))).all()
    )
    if pairing_ids:
        # what mentors wrote about the youth goes; the facts (dates, kinds) stay for figures
        await session.execute(
            update(Interaction).where(Interaction.pairing_id.in_(pairing_ids)).values(note=None)
        )
        await session.execute(
            update(Checkin).where(Checkin.pairing_id.in_(pairing_ids)).values(note=None)
        )
        # messages about these pairs (to the mentor, to staff) carried the youth's name,
        # field and the mentor's notes
        about = await session.scalars(
            select(Delivery).where(Delivery.context["pairing"].as_integer().in_(pairing_ids))
        )
        for delivery in about:
            delivery.context = {**delivery.context, "mentee": "", "field": "", "note": None}
    await session.execute(
        update(Application)
        .where(Application.person_id == person_id)
        .values(person_id=None, answers={}, source=None, review_note=None, reviewed_by=None)
    )
    await session.execute(delete(SupportRequest).where(SupportRequest.person_id == person_id))
    # the case stays (staff's work, for figures) without what the person wrote nor who they
    # are, and its staff-channel post, if not sent yet, loses the text too; so do cases
    # others opened about the youth's pairs (a mentor's concern says things about her)
    about_person = Case.person_id == person_id
    concerned = or_(about_person, Case.pairing_id.in_(pairing_ids)) if pairing_ids else about_person
    case_ids = list((await session.scalars(select(Case.id).where(concerned))).all())
    if case_ids:
        posts = await session.scalars(
            select(Delivery).where(
                or_(
                    Delivery.idempotency_key.in_([f"case:{i}:opened" for i in case_ids]),
                    # what they wrote in the case's thread, not posted yet
                    Delivery.order_key.in_([case_rows.thread_order_key(i) for i in case_ids]),
                )
            )
        )
        for post in posts:
            if isinstance(post.context.get("file"), int):
                await relay_files.drop(session, post.context["file"])
            post.context = {**post.context, "text": ""}
        await session.execute(update(Case).where(Case.id.in_(case_ids)).values(text=None))
    await session.execute(update(Case).where(about_person).values(person_id=None))
    await session.execute(delete(Delivery).where(Delivery.person_id == person_id))
    await session.execute(delete(ConversationState).where(ConversationState.person_id == person_id))
    await session.execute(delete(Identity).where(Identity.person_id == person_id))
    # an imported person's key (from their email) and their unused personal links
    await session.execute(delete(Invite).where(Invite.person_id == person_id))
    person.import_key = None
    person.display_name = None
    person.consent_at = None
    person.consent_declined_at = None
    person.unreachable_at = None
    person.erased_at = now
    await session.flush()
    session.expire(person, ["identities"])
    await audit.record(
        session,
        actor=actor or f"person:{person_id}",
        action="erasure",
        now=now,
        subject_person_id=person_id,
    )
