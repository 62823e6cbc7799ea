"""survey views per store: a counter QR code's views count under its store

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Views counted before hold no store (""): they stay counted for their survey.
    with op.batch_alter_table("survey_view", recreate="always") as batch_op:
        batch_op.add_column(
            sa.Column("store", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.drop_constraint("pk_survey_view", type_="primary")
        batch_op.create_primary_key("pk_survey_view", ["survey_id", "day", "source", "store"])


def _table(name: str) -> None:
    """The table as it was before stores: one row per survey, day and source."""
    op.create_table(
        name,
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("survey_id", "day", "source", name=op.f(f"pk_{name}")),
    )


def downgrade() -> None:
    # One row per survey, day and source again: each store's views are added up.
    _table("survey_view_total")
    op.execute(
        "INSERT INTO survey_view_total (survey_id, day, source, count) "
        "SELECT survey_id, day, source, SUM(count) FROM survey_view "
        "GROUP BY survey_id, day, source"
    )
    op.drop_table("survey_view")
    _table("survey_view")
    op.execute("INSERT INTO survey_view SELECT * FROM survey_view_total")
    op.drop_table("survey_view_total")
