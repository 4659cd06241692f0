"""dispatch desk: a note for the driver per booking; riders' folded name and phone digits
for the dispatcher's search (filled in for the riders stored already)

Revision ID: 0005_dispatch_notes
Revises: 0004_rider_privacy
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005_dispatch_notes"
down_revision = "0004_rider_privacy"
branch_labels = None
depends_on = None


# frozen copies of api.store.search.fold and digits as of this revision: a migration
# writes what the code of its time wrote
def _fold(text: str | None) -> str | None:
    if text is None:
        return None
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _digits(text: str | None) -> str | None:
    if text is None:
        return None
    found = "".join(c for c in unicodedata.normalize("NFKC", text) if "0" <= c <= "9")
    return found or None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(length=300), nullable=True))
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phone_digits", sa.String(length=40), nullable=True))
    riders = sa.table("riders", sa.column("id", sa.String), sa.column("name", sa.String),
                      sa.column("phone", sa.String), sa.column("search_name", sa.Text),
                      sa.column("phone_digits", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(riders.c.id, riders.c.name, riders.c.phone)).all()
    if rows:
        conn.execute(riders.update().where(riders.c.id == sa.bindparam("rid"))
                     .values(search_name=sa.bindparam("sn"), phone_digits=sa.bindparam("pd")),
                     [{"rid": r.id, "sn": _fold(r.name), "pd": _digits(r.phone)} for r in rows])


def downgrade() -> None:
    with op.batch_alter_table("riders", schema=None) as batch_op:
        batch_op.drop_column("phone_digits")
        batch_op.drop_column("search_name")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("note")
