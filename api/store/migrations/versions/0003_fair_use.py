"""fair use: shared rate-limit counts; indexes for housekeeping

Revision ID: 0003_fair_use
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_fair_use"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counts",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_end", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "window_end"),
    )
    with op.batch_alter_table("rate_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_counts_window_end"), ["window_end"],
                              unique=False)
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("vehicle_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicle_events_received_at"), ["received_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vehicle_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicle_events_received_at"))
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_expires_at"))
    with op.batch_alter_table("rate_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_counts_window_end"))
    op.drop_table("rate_counts")
