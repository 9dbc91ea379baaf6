"""wechat channel

The WeChat Official Account channel (api/wechat): messages seen (de-duplication of
WeChat's retries), followers' state (the 48-hour window, numbered choices, a pending
rating), the account's one access token shared by every process, and the outbox of
messages to residents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wechat_inbound",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reply", sa.Text()),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_wechat_inbound_openid", "wechat_inbound", ["openid"])
    op.create_index("ix_wechat_inbound_received_at", "wechat_inbound", ["received_at"])
    op.create_table(
        "wechat_residents",
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("rating_ticket", sa.String(32)),
    )
    op.create_table(
        "wechat_access_tokens",
        sa.Column("app_id", sa.String(64), primary_key=True),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "wechat_outbound",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ticket_number", sa.String(32)),
        sa.Column("event_kind", sa.String(32)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16)),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_wechat_outbound_openid", "wechat_outbound", ["openid"])
    op.create_index("ix_wechat_outbound_status", "wechat_outbound", ["status"])
    op.create_index("ix_wechat_outbound_next_attempt_at", "wechat_outbound", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("wechat_outbound")
    op.drop_table("wechat_access_tokens")
    op.drop_table("wechat_residents")
    op.drop_table("wechat_inbound")
