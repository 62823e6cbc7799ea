"""survey links, invitations and limits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 08:00:34.492613
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_rate",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "minute", name=op.f("pk_survey_rate")),
    )
    op.create_table(
        "survey_suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_suppression_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_suppression")),
        sa.UniqueConstraint("organization_id", "channel", "address", name="uq_suppression"),
    )
    with op.batch_alter_table("survey_suppression", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_suppression_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "survey_invitation",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("link_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_invitation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_invitation_survey_id_survey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitation")),
    )
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invitation_customer", ["organization_id", "customer_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_invitation_survey", ["survey_id", "status"], unique=False)

    op.create_table(
        "survey_link",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("hidden", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_link_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_link_survey_id_survey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_link")),
    )
    with op.batch_alter_table("survey_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_link_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_link_survey_id"), ["survey_id"], unique=False)

    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "link_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("next_page", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_survey_response_link_id"), ["link_id"])


def downgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_survey_response_link_id"), type_="unique")
        batch_op.drop_column("next_page")
        batch_op.drop_column("event_id")
        batch_op.drop_column("link_id")

    with op.batch_alter_table("survey_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_link_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_link_customer_id"))

    op.drop_table("survey_link")
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_invitation_survey")
        batch_op.drop_index("ix_invitation_customer")

    op.drop_table("survey_invitation")
    with op.batch_alter_table("survey_suppression", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_suppression_customer_id"))

    op.drop_table("survey_suppression")
    op.drop_table("survey_rate")
