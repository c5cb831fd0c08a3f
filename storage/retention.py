"""What the retention periods remove: the youths whose data the privacy notice says is no
longer kept, what people wrote in cases resolved long ago (the case's text, its thread's
messages, the requests to the team) and old audit entries. Found as ids (`find`, which a
dry run lists) and cleared by those ids, each checked again (`find(..., among=found)`), so
a real run removes exactly what a dry run just listed, never something that changed since.

Erasing a youth is `storage.privacy.erase_person` (the caller frees their event seats
first); mentors are never erased here (see `RetentionPolicy`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Application,
    ApplicationStatus,
    AuditLog,
    Case,
    CaseState,
    ConversationState,
    Delivery,
    DeliveryStatus,
    Pairing,
    PairingStatus,
    Person,
    Role,
    SupportRequest,
)

__all__ = ["Cutoffs", "Found", "clear", "expired_youths", "find"]

# a refusal (the other decisions, eligible and review, wait for staff or a mentor)
REFUSED = "not_eligible"
# outbox rows done with: sent, or given up (a message still to send keeps its text)
_DONE = (
    DeliveryStatus.SENT,
    DeliveryStatus.UNDELIVERABLE,
    DeliveryStatus.IN_DOUBT,
    DeliveryStatus.CANCELLED,
)
# the audit entries a running bot reads back: the last content seen of each rules file
_RULES_FILE = "rules_file"


@dataclass(frozen=True)
class Cutoffs:
    """For each kind, the moment before which it goes (now minus its period)."""

    unfinished: datetime
    refused: datetime
    closed: datetime
    cases: datetime
    audit: datetime


@dataclass
class Found:
    """What goes, as ids: youths by why (their person ids), cases whose text goes, outbox
    rows of their threads whose text goes, requests to the team whose message goes, audit
    entries deleted."""

    unfinished: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    case_messages: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    audit: list[int] = field(default_factory=list)

    @property
    def youths(self) -> list[int]:
        return sorted([*self.unfinished, *self.refused, *self.closed])

    def counts(self) -> dict[str, int]:
        """How many of each kind, by kind's name (the audit entry's detail)."""
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}

    def total(self) -> int:
        return sum(self.counts().values())

    def extend(self, other: Found) -> None:
        """Add `other`'s ids to these."""
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))

    def batches(self, size: int) -> Iterator[Found]:
        """The same ids, at most `size` of each kind at a time."""
        names = [f.name for f in fields(self)]
        longest = max(len(getattr(self, name)) for name in names)
        for start in range(0, longest, size):
            yield Found(**{name: getattr(self, name)[start : start + size] for name in names})


def expired_youths(cutoffs: Cutoffs) -> Select[int, str]:
    """Youths not erased, each with why they go, in whom nothing is kept for: no pairing
    still open nor closed since the closed cutoff (by its last contact, else its closing),
    no application in progress since the unfinished cutoff, refused since the refused
    cutoff, or eligible (or in review) and still waiting for a mentor, no conversation
    with the bot since the unfinished cutoff, no case still open; and, with no application
    nor pairing at all (a privacy notice never answered, an import never followed up),
    registered before the unfinished cutoff."""
    any_pairing = exists().where(Pairing.youth_id == Person.id)
    last_contact = func.coalesce(Pairing.last_contact_at, Pairing.closed_at, Pairing.proposed_at)
    kept_pairing = exists().where(
        Pairing.youth_id == Person.id,
        or_(Pairing.status != PairingStatus.CLOSED, last_contact > cutoffs.closed),
    )
    decided = Application.status == ApplicationStatus.DECIDED
    refused = and_(decided, Application.decision == REFUSED)
    # paired since the decision: the pairing's own period applies
    paired_since = (
        exists()
        .where(Pairing.youth_id == Person.id, Pairing.proposed_at >= Application.decided_at)
        .correlate(Person, Application)
    )
    any_application = exists().where(Application.person_id == Person.id)
    kept_application = exists().where(
        Application.person_id == Person.id,
        or_(
            and_(~decided, Application.started_at > cutoffs.unfinished),
            and_(refused, Application.decided_at > cutoffs.refused),
            and_(
                decided,
                or_(Application.decision.is_(None), Application.decision != REFUSED),
                ~paired_since,
            ),
        ),
    )
    any_refusal = exists().where(Application.person_id == Person.id, refused)
    talking = exists().where(
        ConversationState.person_id == Person.id,
        ConversationState.updated_at > cutoffs.unfinished,
    )
    open_case = exists().where(Case.person_id == Person.id, Case.state != CaseState.RESOLVED)
    why = case(
        (any_pairing, literal("closed")), (any_refusal, literal("refused")), else_="unfinished"
    )
    return (
        select(Person.id, why)
        .where(
            Person.role == Role.YOUTH,
            Person.erased_at.is_(None),
            or_(Person.created_at <= cutoffs.unfinished, any_application, any_pairing),
            ~kept_pairing,
            ~kept_application,
            ~talking,
            ~open_case,
        )
        .order_by(Person.id)
    )


def _resolved_before(cutoff: datetime) -> ColumnElement[bool]:
    return and_(Case.state == CaseState.RESOLVED, Case.resolved_at <= cutoff)


def _case_texts(cutoff: datetime) -> Select[int]:
    return select(Case.id).where(_resolved_before(cutoff), Case.text.is_not(None)).order_by(Case.id)


def _case_messages(cutoff: datetime) -> Select[int]:
    """Outbox rows of resolved cases' threads (the post, what the person and staff wrote,
    sent or given up) still holding a text."""
    return (
        select(Delivery.id)
        .join(Case, Case.id == Delivery.context["case_id"].as_integer())
        .where(
            _resolved_before(cutoff),
            Delivery.status.in_(_DONE),
            Delivery.context["text"].as_string() != "",
        )
        .order_by(Delivery.id)
    )


def _requests(cutoff: datetime) -> Select[int]:
    return (
        select(SupportRequest.id)
        .where(SupportRequest.resolved_at <= cutoff, SupportRequest.message.is_not(None))
        .order_by(SupportRequest.id)
    )


def _audit_entries(cutoff: datetime) -> Select[int]:
    """Entries written before the cutoff, but the last one of each rules file (the bot
    compares the file it starts with against it)."""
    newest_rules = (
        select(func.max(AuditLog.id))
        .where(AuditLog.action == _RULES_FILE)
        .group_by(AuditLog.detail["file"].as_string())
    )
    return (
        select(AuditLog.id)
        .where(AuditLog.at <= cutoff, AuditLog.id.not_in(newest_rules))
        .order_by(AuditLog.id)
    )


def _narrowed(query: Select[int], limit: int | None, among: Collection[int] | None) -> Select[int]:
    """`query` among those ids only (when given), its first `limit` rows (when given)."""
    if among is not None:
        query = query.where(query.selected_columns[0].in_(list(among)))
    return query.limit(limit) if limit is not None else query


async def _ids(
    session: AsyncSession,
    query: Select[int],
    limit: int | None,
    among: Collection[int] | None,
) -> list[int]:
    return list((await session.scalars(_narrowed(query, limit, among))).all())


async def find(
    session: AsyncSession,
    cutoffs: Cutoffs,
    *,
    limit: int | None = None,
    among: Found | None = None,
    lock: bool = False,
) -> Found:
    """What goes now: the first `limit` of each kind (None: all), only among the ids of
    `among` when given (what a dry run found, checked again). `lock`: the youths found are
    locked for this transaction, those another replica holds skipped (PostgreSQL)."""
    youths = expired_youths(cutoffs)
    if among is not None:
        youths = youths.where(Person.id.in_(among.youths))
    if limit is not None:
        youths = youths.limit(limit)
    if lock:
        youths = youths.with_for_update(of=Person, skip_locked=True)
    found = Found()
    for person_id, why in (await session.execute(youths)).all():
        getattr(found, why).append(person_id)
    found.cases = await _ids(
        session, _case_texts(cutoffs.cases), limit, among.cases if among else None
    )
    found.case_messages = await _ids(
        session, _case_messages(cutoffs.cases), limit, among.case_messages if among else None
    )
    found.requests = await _ids(
        session, _requests(cutoffs.cases), limit, among.requests if among else None
    )
    found.audit = await _ids(
        session, _audit_entries(cutoffs.audit), limit, among.audit if among else None
    )
    return found


async def clear(session: AsyncSession, found: Found) -> None:
    """Remove what `found` names but its youths (`privacy.erase_person` erases each): the
    cases' texts, the texts of their threads' outbox rows, the requests' messages (the
    rows stay, for figures), the audit entries (deleted)."""
    if found.cases:
        await session.execute(update(Case).where(Case.id.in_(found.cases)).values(text=None))
    if found.case_messages:
        rows = await session.scalars(select(Delivery).where(Delivery.id.in_(found.case_messages)))
        for row in rows:
            # a new dict: an in-place change of a JSON column is not seen by SQLAlchemy
            row.context = {**row.context, "text": ""}
    if found.requests:
        await session.execute(
            update(SupportRequest).where(SupportRequest.id.in_(found.requests)).values(message=None)
        )
    if found.audit:
        await session.execute(delete(AuditLog).where(AuditLog.id.in_(found.audit)))
    await session.flush()
