"""Accounts of directory people: set a password, log in, personal API tokens (shown once, stored hashed)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from engine import ApiToken, Engine, Person
from engine.clock import aware_utc
from engine.errors import ConsultflowError, DuplicateRow, PersonNotFound
from web.passwords import Passwords
from web.sessions import fingerprint

TOKEN_PREFIX = "cf_"  # noqa: S105 - a marker, not a secret
SIGNING_SECRET = "session_signing_key"  # noqa: S105 - the name under which the key is stored
TOUCH_EVERY = timedelta(hours=1)  # how stale a token's last_used_at may get before a request rewrites it
TOKEN_TTL = 2.0  # seconds a token's owner is remembered; revoking through this app forgets it at once
TOKEN_CACHE_SIZE = 1000


class TokenNameInvalid(ConsultflowError):
    """A token needs a name of 1 to 100 characters."""


@dataclass(frozen=True)
class NewToken:
    """A token just created: its record and the secret itself, which is never shown again."""

    record: ApiToken
    secret: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    """Everything about accounts, on the engine's database and clock.

    A token's owner is read from the database at most once per ``TOKEN_TTL`` seconds per token and
    remembered in between (the lookup would otherwise be a third of a small API call). Revoking a token
    through this service forgets it at once; a revocation by another process (the CLI) takes effect in
    this one within ``TOKEN_TTL`` seconds, and so does a change of the owner's roles in the directory.
    """

    def __init__(
        self, engine: Engine, passwords: Passwords | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.engine = engine
        self.passwords = passwords or Passwords()
        self._monotonic = monotonic
        self._owners: dict[str, tuple[float, int, Person]] = {}  # digest -> (read at, token id, owner)
        self._lock = threading.Lock()

    # -- passwords --------------------------------------------------------------------------------------

    def set_password(self, person_id: str, password: str) -> bool:
        """Give a directory person a (new) password; returns whether their account was created."""
        hashed = self.passwords.hash(password)
        now = aware_utc(self.engine.clock.now())
        with self.engine.storage.write() as unit:
            if unit.records.person(person_id) is None:
                raise PersonNotFound(f"no person '{person_id}' in the directory: accounts belong to its people")
            return unit.accounts.set_password_hash(person_id, hashed, now)

    def authenticate(self, person_id: str, password: str) -> tuple[Person, str] | None:
        """The person and their session fingerprint when the password is theirs; None otherwise."""
        with self.engine.storage.read() as unit:
            person = unit.records.person(person_id)
            state = unit.accounts.session_state(person_id) if person is not None else None
        if state is None or not self.passwords.verify(state[0], password) or person is None:
            return None
        if self.passwords.needs_rehash(state[0]):
            self.set_password(person_id, password)
            with self.engine.storage.read() as unit:
                state = unit.accounts.session_state(person_id) or state
        return person, fingerprint(*state)

    def session_person(self, person_id: str, session_fingerprint: str | None) -> Person | None:
        """The person a session cookie names, while their password and session generation are the ones
        it was issued for (a log-out or a new password ends it)."""
        with self.engine.storage.read() as unit:
            person = unit.records.person(person_id)
            state = unit.accounts.session_state(person_id) if person is not None else None
        if person is None or state is None or not hmac.compare_digest(fingerprint(*state), session_fingerprint or ""):
            return None
        return person

    def end_sessions(self, person_id: str) -> None:
        """Log the person out everywhere: every session cookie issued to them stops working."""
        now = aware_utc(self.engine.clock.now())
        with self.engine.storage.write() as unit:
            unit.accounts.end_sessions(person_id, now)

    def with_accounts(self) -> set[str]:
        with self.engine.storage.read() as unit:
            return unit.accounts.with_accounts()

    # -- API tokens -------------------------------------------------------------------------------------

    def create_token(self, person_id: str, name: str) -> NewToken:
        name = name.strip()
        if not 1 <= len(name) <= 100 or any(ord(c) < 32 for c in name):
            raise TokenNameInvalid()
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = aware_utc(self.engine.clock.now())
        with self.engine.storage.write() as unit:
            if unit.records.person(person_id) is None:
                raise PersonNotFound(f"no person '{person_id}' in the directory: tokens belong to its people")
            accounts = unit.accounts
            token_id = accounts.add_token(person_id, name, token_digest(secret), now)
            record = next(t for t in accounts.tokens(person_id) if t.id == token_id)
        return NewToken(record, secret)

    def token_person(self, token: str) -> Person | None:
        """The owner of an active token (and note that it was used, at most once per ``TOUCH_EVERY``)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = token_digest(token)
        remembered = self._owners.get(digest)
        if remembered is not None and self._monotonic() - remembered[0] < TOKEN_TTL:
            return remembered[2]
        read_at = self._monotonic()
        with self.engine.storage.read() as unit:
            record = unit.accounts.active_token(digest)
            person = unit.records.person(record.person_id) if record is not None else None
        if record is None or person is None:
            with self._lock:
                self._owners.pop(digest, None)
            return None
        now = aware_utc(self.engine.clock.now())
        if record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY:
            with self.engine.storage.write() as unit:
                unit.accounts.touch_token(record.id, now)
        with self._lock:
            if len(self._owners) >= TOKEN_CACHE_SIZE:
                self._owners.pop(next(iter(self._owners)))
            self._owners[digest] = (read_at, record.id, person)
        return person

    def _forget(self, which: Callable[[str, tuple[float, int, Person]], bool]) -> None:
        with self._lock:
            for key in [k for k, entry in self._owners.items() if which(k, entry)]:
                del self._owners[key]

    def tokens(self, person_id: str) -> list[ApiToken]:
        with self.engine.storage.read() as unit:
            return unit.accounts.tokens(person_id)

    def revoke_token(self, person_id: str, token_id: int) -> bool:
        now = aware_utc(self.engine.clock.now())
        with self.engine.storage.write() as unit:
            revoked = unit.accounts.revoke_token(token_id, person_id, now)
        self._forget(lambda _key, entry: entry[1] == token_id)
        return revoked

    # -- the signing secret -----------------------------------------------------------------------------

    def signing_secret(self) -> str:
        """The key that signs session cookies, created on first use and kept in the database."""
        with self.engine.storage.read() as unit:
            found = unit.accounts.secret(SIGNING_SECRET)
        if found:
            return found
        try:
            with self.engine.storage.write() as unit:
                unit.accounts.add_secret(SIGNING_SECRET, secrets.token_urlsafe(48), aware_utc(self.engine.clock.now()))
        except DuplicateRow:  # another process created it first
            pass
        with self.engine.storage.read() as unit:
            created = unit.accounts.secret(SIGNING_SECRET)
        assert created is not None
        return created
