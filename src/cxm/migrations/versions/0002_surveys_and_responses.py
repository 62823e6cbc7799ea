"""surveys and responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:55:49.440948
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sync_mark", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
        sa.UniqueConstraint("organization_id", "code", name="uq_survey_code"),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_sync_mark"), ["sync_mark"], unique=False)

    op.create_table(
        "survey_answer",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "response_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sync_mark", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_answer_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
    )
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_answer_response_id"), ["response_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_answer_sync_mark"), ["sync_mark"], unique=False)

    op.create_table(
        "survey_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_version_survey_id_survey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_version")),
        sa.UniqueConstraint("survey_id", "number", name="uq_survey_version"),
    )
    with op.batch_alter_table("survey_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_version_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "survey_response",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_mark", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_response_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_response_survey_id_survey")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["survey_version.id"],
            name=op.f("fk_survey_response_version_id_survey_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_org_survey", ["organization_id", "survey_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_response_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_response_sync_mark"), ["sync_mark"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_response_sync_mark"))
        batch_op.drop_index(batch_op.f("ix_survey_response_customer_id"))
        batch_op.drop_index("ix_response_org_survey")

    op.drop_table("survey_response")
    with op.batch_alter_table("survey_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_version_survey_id"))

    op.drop_table("survey_version")
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answer_sync_mark"))
        batch_op.drop_index(batch_op.f("ix_survey_answer_response_id"))

    op.drop_table("survey_answer")
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_sync_mark"))

    op.drop_table("survey")
