"""sign-in codes: a short, single-use code signs a rider in on another device

Revision ID: 0006_sign_in_codes
Revises: 0005_dispatch_notes
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_sign_in_codes"
down_revision = "0005_dispatch_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("rider_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rider_id"], ["riders.id"]),
        sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("sign_in_codes", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_codes_code_hash", ["code_hash"], unique=False)
        batch_op.create_index("ix_sign_in_codes_rider_id", ["rider_id"], unique=False)
        batch_op.create_index("ix_sign_in_codes_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_codes")
