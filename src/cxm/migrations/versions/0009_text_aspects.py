"""text aspects: what each feedback item says about each aspect, per model version

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("text_enrichment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aspects", sa.Integer(), nullable=True))
    op.create_table(
        "text_aspects",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", _ID, nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("aspect", sa.String(length=32), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("clause_start", sa.Integer(), nullable=False),
        sa.Column("clause_end", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_mark", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_aspects")),
        sa.UniqueConstraint(
            "feedback_id", "model_version", "aspect", name="uq_text_aspects_version"
        ),
    )
    with op.batch_alter_table("text_aspects", schema=None) as batch_op:
        batch_op.create_index("ix_text_aspects_org", ["organization_id", "feedback_id"])
        batch_op.create_index(batch_op.f("ix_text_aspects_sync_mark"), ["sync_mark"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("text_aspects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_aspects_sync_mark"))
        batch_op.drop_index("ix_text_aspects_org")
    op.drop_table("text_aspects")
    with op.batch_alter_table("text_enrichment", schema=None) as batch_op:
        batch_op.drop_column("aspects")
