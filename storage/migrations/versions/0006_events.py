"""events staff announce: events (reminder due dates), announcements (audience, templates,
send at / not after, progress), RSVPs with the waiting list and attendance; a person's
announcements opt-out

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:46:26.545059
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day_reminder_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hour_reminder_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("request_key", name=op.f("uq_event_request_key")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_day_reminder_due_at"), ["day_reminder_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_hour_reminder_due_at"), ["hour_reminder_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_event_state"), ["state"], unique=False)

    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("template_fr", sa.Text(), nullable=True),
        sa.Column("template_en", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_announcement_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_announcement_status_send_at", ["status", "send_at"], unique=False)

    op.create_table(
        "rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("attendance_marked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcement.id"],
            name=op.f("fk_rsvp_announcement_id_announcement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_rsvp_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_rsvp_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rsvp")),
        sa.UniqueConstraint("event_id", "person_id", name=op.f("uq_rsvp_event_id")),
    )
    with op.batch_alter_table("rsvp", schema=None) as batch_op:
        batch_op.create_index("ix_rsvp_event_answer", ["event_id", "answer"], unique=False)
        batch_op.create_index(batch_op.f("ix_rsvp_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("announcements_opt_out_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("announcements_opt_out_at")

    with op.batch_alter_table("rsvp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rsvp_person_id"))
        batch_op.drop_index("ix_rsvp_event_answer")

    op.drop_table("rsvp")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_index("ix_announcement_status_send_at")
        batch_op.drop_index(batch_op.f("ix_announcement_event_id"))

    op.drop_table("announcement")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_state"))
        batch_op.drop_index(batch_op.f("ix_event_hour_reminder_due_at"))
        batch_op.drop_index(batch_op.f("ix_event_day_reminder_due_at"))

    op.drop_table("event")
