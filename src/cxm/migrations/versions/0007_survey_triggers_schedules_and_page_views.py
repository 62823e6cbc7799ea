"""survey triggers schedules and page views

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:45:55.033306
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_view",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("survey_id", "day", "source", name=op.f("pk_survey_view")),
    )
    op.create_table(
        "survey_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("every", sa.String(length=16), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("fatigue_days", sa.Integer(), nullable=False),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("remind_after_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_period", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_schedule_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_schedule_survey_id_survey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_schedule")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_survey_schedule_survey_id")),
    )
    op.create_table(
        "survey_trigger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("event_name", sa.String(length=200), nullable=True),
        sa.Column("delay_hours", sa.Float(), nullable=False),
        sa.Column("sample_rate", sa.Float(), nullable=False),
        sa.Column("fatigue_days", sa.Integer(), nullable=False),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("remind_after_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_trigger_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_trigger_survey_id_survey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_trigger")),
        sa.UniqueConstraint("organization_id", "code", name="uq_trigger_code"),
    )
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("trigger_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminder", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_invitation_remind", ["status", "remind_at"], unique=False)
        batch_op.create_unique_constraint("uq_invitation_source", ["organization_id", "source_key"])


def downgrade() -> None:
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_invitation_source", type_="unique")
        batch_op.drop_index("ix_invitation_remind")
        batch_op.drop_column("reminder")
        batch_op.drop_column("remind_at")
        batch_op.drop_column("event_id")
        batch_op.drop_column("schedule_id")
        batch_op.drop_column("trigger_id")
        batch_op.drop_column("source_key")

    op.drop_table("survey_trigger")
    op.drop_table("survey_schedule")
    op.drop_table("survey_view")
