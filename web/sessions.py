"""Browser sessions in signed cookies (itsdangerous), and the CSRF token every form carries.

The cookie holds a random nonce, and once logged in the person's id and a fingerprint of their password
hash and session generation, checked against the database on every request: changing the password or
logging out raises the generation, so every cookie issued before (also one copied elsewhere) stops
working. The CSRF token is an HMAC of the nonce: a page of ours can put it in a form, another site cannot
read it, and it changes at every log-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer


@dataclass(frozen=True)
class Session:
    """What a session cookie says: its nonce, and who is logged in (if anyone)."""

    nonce: str
    person_id: str | None = None
    fingerprint: str | None = None

    @classmethod
    def anonymous(cls) -> Session:
        return cls(secrets.token_urlsafe(18))


def fingerprint(password_hash: str, generation: int = 0) -> str:
    """A short digest of a password hash and the account's session generation: a new password, or a
    log-out (which raises the generation in the database), invalidates every session issued before."""
    return hashlib.sha256(f"{generation}:{password_hash}".encode()).hexdigest()[:16]


class SessionCodec:
    """Signs and reads session cookies; derives and checks CSRF tokens."""

    def __init__(self, secret_key: str, max_age: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="consultflow.session")
        self._csrf_key = hashlib.sha256(f"consultflow.csrf:{secret_key}".encode()).digest()
        self.max_age = max_age

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps({"n": session.nonce, "p": session.person_id, "f": session.fingerprint})

    def loads(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return None
        person, print_ = data.get("p"), data.get("f")
        return Session(
            data["n"], person if isinstance(person, str) else None, print_ if isinstance(print_, str) else None
        )

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session | None, token: object) -> bool:
        if session is None or not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session), token)
