"""itinerary legs

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("itinerary_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("connection_by_s", sa.Float(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_bookings_itinerary_id"), ["itinerary_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_itinerary_id"))
        batch_op.drop_column("connection_by_s")
        batch_op.drop_column("itinerary_id")
