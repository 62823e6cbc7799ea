"""text themes: taxonomy versions and each text's lemmas and themes

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "text_taxonomy",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_taxonomy")),
    )
    with op.batch_alter_table("text_taxonomy", schema=None) as batch_op:
        batch_op.create_index("ix_text_taxonomy_org", ["organization_id", "id"], unique=False)
    op.create_table(
        "text_themes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", _ID, nullable=False),
        sa.Column("taxonomy_version", sa.String(length=64), nullable=False),
        sa.Column("lemmatizer", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("lemmas", sa.Text(), nullable=False),
        sa.Column("themes", sa.String(length=1000), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_mark", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_themes")),
        sa.UniqueConstraint("feedback_id", "taxonomy_version", name="uq_text_themes_version"),
    )
    with op.batch_alter_table("text_themes", schema=None) as batch_op:
        batch_op.create_index("ix_text_themes_org", ["organization_id", "feedback_id"])
        batch_op.create_index(batch_op.f("ix_text_themes_sync_mark"), ["sync_mark"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("text_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_themes_sync_mark"))
        batch_op.drop_index("ix_text_themes_org")
    op.drop_table("text_themes")
    with op.batch_alter_table("text_taxonomy", schema=None) as batch_op:
        batch_op.drop_index("ix_text_taxonomy_org")
    op.drop_table("text_taxonomy")
