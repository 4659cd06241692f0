"""fares quoted and paid (the price each quote offered, kept with its booking, and the
cancellation fee charged), riders' ratings of their rides, and the audit log of staff
actions

Revision ID: 0009_fares_feedback_audit
Revises: 0008_service_alerts
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_fares_feedback_audit"
down_revision = "0008_service_alerts"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in ("quotes", "bookings"):
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("fare_cents", sa.Integer(), nullable=True))
            t.add_column(sa.Column("fare_currency", sa.String(length=3), nullable=True))
            t.add_column(sa.Column("fare_detail", sa.Text(), nullable=True))
    with op.batch_alter_table("bookings") as t:
        t.add_column(sa.Column("cancel_fee_cents", sa.Integer(), nullable=True))
    op.create_table(
        "ride_ratings",
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("rider_id", sa.String(length=32), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(length=400), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"]),
        sa.PrimaryKeyConstraint("booking_id"))
    op.create_index("ix_ride_ratings_created_at", "ride_ratings", ["created_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=24), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target_type", "target_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_target", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_ride_ratings_created_at", table_name="ride_ratings")
    op.drop_table("ride_ratings")
    with op.batch_alter_table("bookings") as t:
        t.drop_column("cancel_fee_cents")
    for table in ("bookings", "quotes"):
        with op.batch_alter_table(table) as t:
            t.drop_column("fare_detail")
            t.drop_column("fare_currency")
            t.drop_column("fare_cents")
