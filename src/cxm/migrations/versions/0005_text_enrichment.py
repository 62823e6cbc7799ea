"""text enrichment

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 07:34:19.670405
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_enrichment",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "feedback_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("language_confidence", sa.Float(), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("emotions", sa.JSON(), nullable=False),
        sa.Column("labels", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_mark", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_enrichment")),
        sa.UniqueConstraint("feedback_id", "model_version", name="uq_enrichment_version"),
    )
    with op.batch_alter_table("text_enrichment", schema=None) as batch_op:
        batch_op.create_index("ix_enrichment_org", ["organization_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_text_enrichment_sync_mark"), ["sync_mark"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("text_enrichment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_enrichment_sync_mark"))
        batch_op.drop_index("ix_enrichment_org")

    op.drop_table("text_enrichment")
