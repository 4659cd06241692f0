"""rider privacy: quotes keep their direct distance when their ends are coarsened

Revision ID: 0003_rider_privacy
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_rider_privacy"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("direct_m", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_column("direct_m")
