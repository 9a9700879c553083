"""Indexes for the desk's filtered, newest-first outbox listing; a session generation per account.

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_status_id", "outbox", ["status", "id"])
    op.create_index("ix_outbox_notice_id", "outbox", ["notice", "id"])
    op.create_index("ix_outbox_recipient", "outbox", ["recipient_id", "id"])
    op.create_index("ix_outbox_created", "outbox", ["created_at"])
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("session_generation")
    op.drop_index("ix_outbox_created", "outbox")
    op.drop_index("ix_outbox_recipient", "outbox")
    op.drop_index("ix_outbox_notice_id", "outbox")
    op.drop_index("ix_outbox_status_id", "outbox")
