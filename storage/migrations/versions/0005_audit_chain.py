"""The tamper-evident audit: each audit row's previous hash and hash, each instance's chain head.

Rows written before this revision are chained here, in the order of their ids within each instance, with
the same function the hot path uses (storage/chain.py), so ``consultflow audit verify`` accepts them.

Revision ID: 0005
Revises: 0004
Create Date: 2027-02-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.chain import GENESIS, row_hash
from storage.tables import JsonType, UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 1000
"""Rows per executemany: one statement per thousand rows instead of one per row."""

_audit = sa.table(
    "audit",
    sa.column("id", sa.Integer()),
    sa.column("instance_id", sa.String()),
    sa.column("at", UtcDateTime()),
    sa.column("actor", sa.String()),
    sa.column("role", sa.String()),
    sa.column("member_state", sa.String()),
    sa.column("trigger", sa.String()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("note", sa.String()),
    sa.column("changes", JsonType),
    sa.column("caused_by", sa.Integer()),
    sa.column("version", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
_instance = sa.table("instance", sa.column("id", sa.String()), sa.column("audit_hash", sa.String()))


def upgrade() -> None:
    with op.batch_alter_table("instance") as batch:
        batch.add_column(sa.Column("audit_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_rows(op.get_bind())
    with op.batch_alter_table("audit") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)


def _chain_existing_rows(conn: sa.Connection) -> None:
    """Hash every existing row after its predecessor of the same instance; each instance's last hash is its head."""
    rows = conn.execute(sa.select(_audit).order_by(_audit.c.instance_id, _audit.c.id)).all()
    heads: dict[str, str] = {}
    pending: list[dict[str, Any]] = []
    for r in rows:
        prev = heads.get(r.instance_id, GENESIS)
        content = (r.instance_id, r.at, r.actor, r.role, r.member_state, r.trigger, r.from_state, r.to_state, r.note)
        heads[r.instance_id] = new = row_hash(prev, *content, r.changes, r.caused_by, r.version)
        pending.append({"b_id": r.id, "b_prev": prev, "b_hash": new})
        if len(pending) >= BATCH:
            _write(conn, pending)
            pending = []
    _write(conn, pending)
    update_head = (
        _instance.update().where(_instance.c.id == sa.bindparam("b_id")).values(audit_hash=sa.bindparam("b_hash"))
    )
    items = [{"b_id": k, "b_hash": v} for k, v in heads.items()]
    for i in range(0, len(items), BATCH):
        conn.execute(update_head, items[i : i + BATCH])


def _write(conn: sa.Connection, pending: list[dict[str, Any]]) -> None:
    if pending:
        statement = (
            _audit.update()
            .where(_audit.c.id == sa.bindparam("b_id"))
            .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash"))
        )
        conn.execute(statement, pending)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 has it): a batch copy of ``instance`` would have to
    # drop a table that other tables' foreign keys point at, which SQLite refuses with foreign keys on.
    op.drop_column("audit", "hash")
    op.drop_column("audit", "prev_hash")
    op.drop_column("instance", "audit_hash")
