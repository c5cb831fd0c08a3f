"""scheduler due dates and outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:06:55.038621
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_checkin_escalate_at"), ["escalate_at"], unique=False)

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destination", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True))
    # messages to a place (the staff channel) carried it in their context until now
    op.execute("UPDATE delivery SET destination = 'staff' WHERE person_id IS NULL")

    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_meeting_stage", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("first_meeting_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("at_risk_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("next_pulse_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("mentor_silent_rounds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("youth_silent_rounds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            batch_op.f("ix_pairing_at_risk_due_at"), ["at_risk_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pairing_first_meeting_due_at"), ["first_meeting_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pairing_next_pulse_due_at"), ["next_pulse_due_at"], unique=False
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_proactive_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("last_proactive_on")
        batch_op.drop_column("region")

    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_next_pulse_due_at"))
        batch_op.drop_index(batch_op.f("ix_pairing_first_meeting_due_at"))
        batch_op.drop_index(batch_op.f("ix_pairing_at_risk_due_at"))
        batch_op.drop_column("youth_silent_rounds")
        batch_op.drop_column("mentor_silent_rounds")
        batch_op.drop_column("next_pulse_due_at")
        batch_op.drop_column("at_risk_due_at")
        batch_op.drop_column("first_meeting_due_at")
        batch_op.drop_column("first_meeting_stage")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("sending_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("priority")
        batch_op.drop_column("destination")

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_escalate_at"))
        batch_op.drop_column("escalate_at")
        batch_op.drop_column("reminded_at")
