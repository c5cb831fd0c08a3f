"""mentoring: mentor profiles, pairings, check-ins, interactions, outcomes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:50:46.887249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_profile",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("sector", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("checkins_paused_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_mentor_profile_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_mentor_profile")),
    )
    with op.batch_alter_table("mentor_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_profile_checkins_paused_until"),
            ["checkins_paused_until"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_mentor_profile_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_profile_region"), ["region"], unique=False)

    op.create_table(
        "pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_meeting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_day", sa.Integer(), nullable=False),
        sa.Column("next_checkin_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["person.id"],
            name=op.f("fk_pairing_mentor_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["person.id"], name=op.f("fk_pairing_youth_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing")),
    )
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pairing_last_contact_at"), ["last_contact_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pairing_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pairing_next_checkin_due_at"), ["next_checkin_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_pairing_status_next_checkin", ["status", "next_checkin_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pairing_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("respondent_role", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("how", sa.String(length=16), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("progress", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("needs_staff", sa.Boolean(), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairing.id"],
            name=op.f("fk_checkin_pairing_id_pairing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin")),
        sa.UniqueConstraint(
            "pairing_id", "period", "respondent_role", name=op.f("uq_checkin_pairing_id")
        ),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_remind_at"), ["remind_at"], unique=False)

    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logged_by", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source_event_id", sa.String(length=128), nullable=True),
        sa.Column("how", sa.String(length=16), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("progress", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("needs_staff", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["logged_by"],
            ["person.id"],
            name=op.f("fk_interaction_logged_by_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairing.id"],
            name=op.f("fk_interaction_pairing_id_pairing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction")),
        sa.UniqueConstraint("source_event_id", name=op.f("uq_interaction_source_event_id")),
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interaction_pairing_occurred", ["pairing_id", "occurred_at"], unique=False
        )

    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("contract", sa.String(length=16), nullable=True),
        sa.Column("at_diploma_level", sa.Boolean(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairing.id"],
            name=op.f("fk_outcome_pairing_id_pairing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["person.id"],
            name=op.f("fk_outcome_reported_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
        sa.UniqueConstraint("pairing_id", name=op.f("uq_outcome_pairing_id")),
    )


def downgrade() -> None:
    op.drop_table("outcome")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_pairing_occurred")

    op.drop_table("interaction")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_remind_at"))

    op.drop_table("checkin")
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_youth_id"))
        batch_op.drop_index("ix_pairing_status_next_checkin")
        batch_op.drop_index(batch_op.f("ix_pairing_next_checkin_due_at"))
        batch_op.drop_index(batch_op.f("ix_pairing_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_pairing_last_contact_at"))

    op.drop_table("pairing")
    with op.batch_alter_table("mentor_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_profile_region"))
        batch_op.drop_index(batch_op.f("ix_mentor_profile_email"))
        batch_op.drop_index(batch_op.f("ix_mentor_profile_checkins_paused_until"))

    op.drop_table("mentor_profile")
