"""contracted operators: companies with their vehicles and the vehicles' availability
(weekly patterns, dated windows, exceptions), operator keys bound to a company, and the
requests the service refused (for the monthly report's "rejected by reason")

Revision ID: 0010_operators
Revises: 0009_fares_feedback_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_operators"
down_revision = "0009_fares_feedback_audit"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("vehicles") as t:
        t.add_column(sa.Column("company_id", sa.String(length=32), nullable=True))
        t.add_column(sa.Column("label", sa.String(length=100), nullable=True))
        t.add_column(sa.Column("source", sa.String(length=10), nullable=False,
                               server_default="config"))
        t.add_column(sa.Column("uses_availability", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
        t.create_foreign_key("fk_vehicles_company_id", "companies", ["company_id"], ["id"])
        t.create_index("ix_vehicles_company_id", ["company_id"])
    with op.batch_alter_table("api_keys") as t:
        t.add_column(sa.Column("company_id", sa.String(length=32), nullable=True))
    op.create_table(
        "vehicle_availability",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=True),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_vehicle_availability_vehicle_id", "vehicle_availability",
                    ["vehicle_id"])
    op.create_table(
        "refused_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.Column("wheelchairs", sa.Integer(), nullable=False),
        sa.Column("direct_m", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_refused_requests_day", "refused_requests", ["area", "service_date"])


def downgrade() -> None:
    op.drop_index("ix_refused_requests_day", table_name="refused_requests")
    op.drop_table("refused_requests")
    op.drop_index("ix_vehicle_availability_vehicle_id", table_name="vehicle_availability")
    op.drop_table("vehicle_availability")
    with op.batch_alter_table("api_keys") as t:
        t.drop_column("company_id")
    with op.batch_alter_table("vehicles") as t:
        t.drop_index("ix_vehicles_company_id")
        t.drop_constraint("fk_vehicles_company_id", type_="foreignkey")
        t.drop_column("uses_availability")
        t.drop_column("source")
        t.drop_column("label")
        t.drop_column("company_id")
    op.drop_table("companies")
