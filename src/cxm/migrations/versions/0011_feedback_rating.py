"""feedback rating: the stars (1-5) a review gave with its text

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Feedback stored before has no rating (NULL): nothing to fill in.
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.add_column(sa.Column("rating", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.drop_column("rating")
