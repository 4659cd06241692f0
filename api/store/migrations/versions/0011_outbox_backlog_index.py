"""the outbox's backlog by status and channel: an index, so that the metrics' count at each
scrape reads the unsent messages, not every message ever sent

Revision ID: 0011_outbox_backlog_index
Revises: 0010_operators
"""

from alembic import op

revision = "0011_outbox_backlog_index"
down_revision = "0010_operators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notifications_backlog", "notifications",
                    ["status", "channel", "next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_backlog", table_name="notifications")
