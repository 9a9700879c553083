"""Responses of the public waiting for their confirmation by e-mail (``engine.ports.PendingResponses``)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, update

from engine.ports import PendingDraft, PendingResponse, PendingStatus
from storage.tables import PendingResponseRow


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


PENDING = _t(PendingResponseRow)


def pending_from_row(row: Any) -> PendingResponse:
    return PendingResponse(
        id=row.id,
        consultation_id=row.consultation_id,
        address=row.address,
        name=row.name,
        language=row.language,
        payload=dict(row.payload),
        status=cast(PendingStatus, row.status),
        created_at=row.created_at,
        expires_at=row.expires_at,
        changed_at=row.changed_at,
        ip_hash=row.ip_hash,
    )


class PendingQueries:
    """The pending-response queries of one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, draft: PendingDraft) -> int:
        values = {field.name: getattr(draft, field.name) for field in fields(draft)} | {"payload": dict(draft.payload)}
        result = self.conn.execute(insert(PENDING).values(**values, status="pending"))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def by_token(self, token_hash: str) -> PendingResponse | None:
        row = self.conn.execute(select(PENDING).where(PENDING.c.token_hash == token_hash)).first()
        return pending_from_row(row) if row else None

    def by_manage_token(self, manage_hash: str) -> PendingResponse | None:
        row = self.conn.execute(select(PENDING).where(PENDING.c.manage_hash == manage_hash)).first()
        return pending_from_row(row) if row else None

    def set_status(self, pending_id: int, status: PendingStatus, now: datetime, *, expected: PendingStatus) -> bool:
        result = self.conn.execute(
            update(PENDING)
            .where(PENDING.c.id == pending_id, PENDING.c.status == expected)
            .values(status=status, changed_at=now)
        )
        return result.rowcount == 1

    def count_recent(self, since: datetime, *, address: str | None = None, ip_hash: str | None = None) -> int:
        query = select(func.count()).select_from(PENDING).where(PENDING.c.created_at >= since)
        if address is not None:
            query = query.where(PENDING.c.address == address)
        if ip_hash is not None:
            query = query.where(PENDING.c.ip_hash == ip_hash)
        return int(self.conn.execute(query).scalar_one())
