"""rider privacy: quotes keep their direct distance when their ends are coarsened

Revision ID: 0004_rider_privacy
Revises: 0003_fair_use
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_rider_privacy"
down_revision = "0003_fair_use"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("direct_m", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_column("direct_m")
