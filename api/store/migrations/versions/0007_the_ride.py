"""the ride itself: drivers' events carry their device's id (applied once), riders choose how
they are told (e-mail, language, channels), an outbox of notifications, standing orders and
their occurrences, what a late rider was told, when each vehicle last reported and the
dispatcher's alerts of rides running late

Revision ID: 0007_the_ride
Revises: 0006_sign_in_codes
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_the_ride"
down_revision = "0006_sign_in_codes"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("rider_id", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=True),
        sa.Column("standing_order_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("dedupe", sa.String(length=160), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UTC, nullable=False),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("read_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["rider_id"], ["riders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe"))
    op.create_index("ix_notifications_booking_id", "notifications", ["booking_id"])
    op.create_index("ix_notifications_next_try_at", "notifications", ["next_try_at"])
    op.create_index("ix_notifications_rider_id", "notifications", ["rider_id"])
    op.create_table(
        "standing_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("rider_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("by_role", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("origin_lat", sa.Float(), nullable=False),
        sa.Column("origin_lon", sa.Float(), nullable=False),
        sa.Column("dest_lat", sa.Float(), nullable=False),
        sa.Column("dest_lon", sa.Float(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("time_s", sa.Float(), nullable=False),
        sa.Column("time_type", sa.String(length=10), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.Column("wheelchairs", sa.Integer(), nullable=False),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["rider_id"], ["riders.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_standing_orders_rider_id", "standing_orders", ["rider_id"])
    op.create_table(
        "standing_occurrences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["standing_orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "service_date"))
    op.create_index("ix_standing_occurrences_order_id", "standing_occurrences", ["order_id"])
    op.create_index("ix_standing_occurrences_service_date", "standing_occurrences",
                    ["service_date"])
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standing_order_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("told_pickup_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("connection_trip_id", sa.String(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column("connection_stop_id", sa.String(length=200),
                                      nullable=True))
        batch_op.create_index("ix_bookings_standing_order_id", ["standing_order_id"])
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("channels", sa.String(length=40), server_default="app",
                                      nullable=False))
    with op.batch_alter_table("vehicle_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_vehicle_events_vehicle_id_event_id",
                                          ["vehicle_id", "event_id"])
    # live times and running late (api.service.lateness)
    with op.batch_alter_table("vehicle_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_at", UTC, nullable=True))
    op.create_table(
        "late_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("to_vehicle", sa.String(length=64), nullable=True),
        sa.Column("pickup_s", sa.Float(), nullable=True),
        sa.Column("dropoff_s", sa.Float(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("next_s", sa.Float(), nullable=True),
        sa.Column("next_route", sa.String(length=200), nullable=True),
        sa.Column("next_headsign", sa.String(length=200), nullable=True),
        sa.Column("next_stop", sa.String(length=200), nullable=True),
        sa.Column("noticed_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id", "kind"))
    op.create_index("ix_late_alerts_day", "late_alerts", ["service_date", "area"])


def downgrade() -> None:
    op.drop_index("ix_late_alerts_day", table_name="late_alerts")
    op.drop_table("late_alerts")
    with op.batch_alter_table("vehicle_states", schema=None) as batch_op:
        batch_op.drop_column("reported_at")
    with op.batch_alter_table("vehicle_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_vehicle_events_vehicle_id_event_id", type_="unique")
        batch_op.drop_column("event_id")
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.drop_column("channels")
        batch_op.drop_column("language")
        batch_op.drop_column("email")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_standing_order_id")
        batch_op.drop_column("connection_stop_id")
        batch_op.drop_column("connection_trip_id")
        batch_op.drop_column("told_pickup_s")
        batch_op.drop_column("standing_order_id")
    op.drop_table("standing_occurrences")
    op.drop_table("standing_orders")
    op.drop_table("notifications")
