"""personal data retention

Tickets remember when the retention sweep last removed their resident's
personal data (`laoyang tickets purge-personal`), so a sweep never redoes a
ticket and one reopened afterwards is swept again once it is quiet again.

The event log stays append-only with one exception, for the sweep: an update
may remove an event's note (set it to NULL) and the earlier resolution a 重办
event keeps in its data (the `previous_resolution` key), and nothing else.
Rewriting a note, changing any other field and deleting events are refused.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSE_PG = "RAISE EXCEPTION 'ticket_events is append-only';"
_REFUSE_SQLITE = "BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END"
# What happened, to which ticket, by whom and when: never changed.
_FACTS = ("id", "ticket_id", "kind", "status", "actor", "created_at")
_REMOVABLE_KEY = "previous_resolution"


def upgrade() -> None:
    op.add_column(
        "tickets",
        sa.Column("personal_data_removed_at", sa.DateTime(timezone=True), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        facts = " AND ".join(
            f"NEW.{column}::text IS NOT DISTINCT FROM OLD.{column}::text" for column in _FACTS
        )
        allowed = (
            f"{facts} AND (NEW.note IS NULL OR NEW.note IS NOT DISTINCT FROM OLD.note) "
            "AND (NEW.data::jsonb = OLD.data::jsonb "
            f"OR NEW.data::jsonb = OLD.data::jsonb - '{_REMOVABLE_KEY}')"
        )
        _postgres_guard(f"IF TG_OP = 'UPDATE' AND {allowed} THEN RETURN NEW; END IF; {_REFUSE_PG}")
        return
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in _FACTS)
    refused = (
        f"{changed} OR NOT (NEW.note IS NULL OR NEW.note IS OLD.note) "
        "OR NOT (NEW.data IS OLD.data "
        f"OR json(NEW.data) = json(json_remove(OLD.data, '$.{_REMOVABLE_KEY}')))"
    )
    op.execute("DROP TRIGGER ticket_events_no_update")
    op.execute(
        "CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events "
        f"WHEN {refused} {_REFUSE_SQLITE}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_guard(_REFUSE_PG)
    else:
        op.execute("DROP TRIGGER ticket_events_no_update")
        op.execute(
            "CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events "
            + _REFUSE_SQLITE
        )
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("personal_data_removed_at")


def _postgres_guard(body: str) -> None:
    """The function behind the trigger ticket_events_no_change (each row updated or deleted)."""
    op.execute(
        "CREATE OR REPLACE FUNCTION ticket_events_append_only() RETURNS trigger AS $$ "
        f"BEGIN {body} END; $$ LANGUAGE plpgsql"
    )
