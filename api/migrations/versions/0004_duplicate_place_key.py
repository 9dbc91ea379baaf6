"""duplicate place key

The duplicate check looked at every open ticket of a code from the last 48 hours
in Python, so filing slowed down with every open ticket. Tickets now keep their
normalised place text (`place_key`), and the check asks the database for the
same key or a small box around the coordinates. Existing tickets get their key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.tickets.duplicates import place_key

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("place_key", sa.String(length=200), nullable=True))
    op.create_index("ix_tickets_code_place", "tickets", ["service_code", "place_key"])
    op.create_index("ix_tickets_code_created", "tickets", ["service_code", "created_at"])
    _fill_place_keys()


def downgrade() -> None:
    op.drop_index("ix_tickets_code_created", table_name="tickets")
    op.drop_index("ix_tickets_code_place", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("place_key")


def _fill_place_keys() -> None:
    connection = op.get_bind()
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("location_text", sa.Text),
        sa.column("place_key", sa.String),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(tickets.c.id, tickets.c.location_text)
            .where(tickets.c.id > last_id)
            .order_by(tickets.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for ticket_id, text in rows:
            key = place_key(text)
            if key is not None:
                connection.execute(
                    tickets.update().where(tickets.c.id == ticket_id).values(place_key=key)
                )
        last_id = rows[-1][0]
