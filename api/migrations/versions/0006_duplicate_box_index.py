"""duplicate box index

The duplicate check looks for open tickets of one code inside a small box of
latitude and longitude. With only (service_code, created_at) to go by, the
database read every ticket of the code filed in the last 48 hours (10,000 of
them with 100,000 open tickets) to find the few in the box. An index on
(service_code, lat, lon) lets it read the latitude band alone. The place-text
index gets created_at as well: with the window's range in the query, SQLite
otherwise preferred (service_code, created_at) over (service_code, place_key).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_code_lat_lon", "tickets", ["service_code", "lat", "lon"])
    op.drop_index("ix_tickets_code_place", table_name="tickets")
    op.create_index(
        "ix_tickets_code_place_created", "tickets", ["service_code", "place_key", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_code_place_created", table_name="tickets")
    op.create_index("ix_tickets_code_place", "tickets", ["service_code", "place_key"])
    op.drop_index("ix_tickets_code_lat_lon", table_name="tickets")
