"""Accounts of the web desk and the HTTP API: password hashes, personal API tokens, the signing secret.

Only hashes are stored: an argon2 hash per account, the SHA-256 digest of each API token (tokens are
random and long, so a fast digest is safe and lets a request find its token by an indexed lookup).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, ForeignKey, Index, Integer, String, Table, insert, select, update
from sqlmodel import Field, SQLModel

from engine.records import ApiToken
from storage.tables import UtcDateTime, _utc


class AccountRow(SQLModel, table=True):
    """A person of the directory who may log in: their argon2 password hash."""

    __tablename__ = "account"
    person_id: str = Field(sa_column=Column(String(128), ForeignKey("person.id"), primary_key=True))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    # Raised by a log-out or a password change: a session cookie names the generation it was issued in,
    # and one of an older generation is refused on its next request (web/sessions.py).
    session_generation: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class ApiTokenRow(SQLModel, table=True):
    """A personal API token for machine clients: its digest, name and whether it was revoked."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_person", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(sa_column=Column(String(128), ForeignKey("person.id"), nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=_utc())
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class WebSecretRow(SQLModel, table=True):
    """A server secret kept in the database (the key that signs session cookies), so restarts keep sessions."""

    __tablename__ = "web_secret"
    name: str = Field(sa_column=Column(String(64), primary_key=True))
    value: str = Field(sa_column=Column(String(255), nullable=False))
    created_at: datetime = Field(sa_column=_utc())


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


ACCOUNT, API_TOKEN, WEB_SECRET = _t(AccountRow), _t(ApiTokenRow), _t(WebSecretRow)


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        person_id=row.person_id,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class Accounts:
    """Account, token and secret queries for one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- passwords --------------------------------------------------------------------------------------

    def set_password_hash(self, person_id: str, password_hash: str, now: datetime) -> bool:
        """Store a new hash for the person's account (creating it); returns whether the account is new."""
        changed = self.conn.execute(
            update(ACCOUNT)
            .where(ACCOUNT.c.person_id == person_id)
            .values(
                password_hash=password_hash,
                updated_at=now,
                session_generation=ACCOUNT.c.session_generation + 1,  # a new password ends every session
            )
        ).rowcount
        if changed:
            return False
        self.conn.execute(
            insert(ACCOUNT).values(person_id=person_id, password_hash=password_hash, created_at=now, updated_at=now)
        )
        return True

    def password_hash(self, person_id: str) -> str | None:
        value: str | None = self.conn.execute(
            select(ACCOUNT.c.password_hash).where(ACCOUNT.c.person_id == person_id)
        ).scalar_one_or_none()
        return value

    def session_state(self, person_id: str) -> tuple[str, int] | None:
        row = self.conn.execute(
            select(ACCOUNT.c.password_hash, ACCOUNT.c.session_generation).where(ACCOUNT.c.person_id == person_id)
        ).first()
        return (row.password_hash, int(row.session_generation)) if row else None

    def end_sessions(self, person_id: str, now: datetime) -> bool:
        result = self.conn.execute(
            update(ACCOUNT)
            .where(ACCOUNT.c.person_id == person_id)
            .values(session_generation=ACCOUNT.c.session_generation + 1, updated_at=now)
        )
        return result.rowcount == 1

    def with_accounts(self) -> set[str]:
        """The ids of the people who have an account."""
        return {r[0] for r in self.conn.execute(select(ACCOUNT.c.person_id))}

    # -- API tokens -------------------------------------------------------------------------------------

    def add_token(self, person_id: str, name: str, token_hash: str, now: datetime) -> int:
        result = self.conn.execute(
            insert(API_TOKEN).values(person_id=person_id, name=name, token_hash=token_hash, created_at=now)
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def active_token(self, token_hash: str) -> ApiToken | None:
        row = self.conn.execute(
            select(API_TOKEN).where(API_TOKEN.c.token_hash == token_hash, API_TOKEN.c.revoked_at.is_(None))
        ).first()
        return _token(row) if row else None

    def touch_token(self, token_id: int, now: datetime) -> None:
        self.conn.execute(update(API_TOKEN).where(API_TOKEN.c.id == token_id).values(last_used_at=now))

    def tokens(self, person_id: str) -> list[ApiToken]:
        rows = self.conn.execute(select(API_TOKEN).where(API_TOKEN.c.person_id == person_id).order_by(API_TOKEN.c.id))
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: int, person_id: str, now: datetime) -> bool:
        """Revoke one of the person's active tokens; False when they have no such active token."""
        result = self.conn.execute(
            update(API_TOKEN)
            .where(API_TOKEN.c.id == token_id, API_TOKEN.c.person_id == person_id, API_TOKEN.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    # -- secrets ----------------------------------------------------------------------------------------

    def secret(self, name: str) -> str | None:
        value: str | None = self.conn.execute(
            select(WEB_SECRET.c.value).where(WEB_SECRET.c.name == name)
        ).scalar_one_or_none()
        return value

    def add_secret(self, name: str, value: str, now: datetime) -> None:
        self.conn.execute(insert(WEB_SECRET).values(name=name, value=value, created_at=now))
