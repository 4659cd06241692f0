"""the dispatcher's service alerts (an area closed or served less for a period: the
GTFS-Realtime alerts feed, and closures refuse rides) and the secret of the realtime feeds'
opaque trip ids

Revision ID: 0008_service_alerts
Revises: 0007_the_ride
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_service_alerts"
down_revision = "0007_the_ride"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "service_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("effect", sa.String(length=10), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=True),
        sa.Column("start_at", UTC, nullable=False),
        sa.Column("end_at", UTC, nullable=True),
        sa.Column("texts", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_service_alerts_area", "service_alerts", ["area", "ended_at"])
    op.create_table(
        "feed_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("name"))


def downgrade() -> None:
    op.drop_table("feed_secrets")
    op.drop_index("ix_service_alerts_area", table_name="service_alerts")
    op.drop_table("service_alerts")
