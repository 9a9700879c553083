"""Responses of the public waiting for their author to confirm the address (issue 16).

Revision ID: 0006
Revises: 0005
Create Date: 2027-02-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import JsonType

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("payload", JsonType, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("manage_hash", sa.String(length=64), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["instance.id"], name=op.f("fk_pending_response_consultation_id_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_response")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_pending_response_token_hash")),
        sa.UniqueConstraint("manage_hash", name=op.f("uq_pending_response_manage_hash")),
    )
    op.create_index("ix_pending_response_address", "pending_response", ["address", "created_at"])
    op.create_index("ix_pending_response_ip", "pending_response", ["ip_hash", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_response_ip", table_name="pending_response")
    op.drop_index("ix_pending_response_address", table_name="pending_response")
    op.drop_table("pending_response")
