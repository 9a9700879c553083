"""Password hashing with argon2 (argon2-cffi), and the rule a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.errors import ConsultflowError

MIN_LENGTH = 10


class WeakPassword(ConsultflowError):
    """The password is too short."""


class Passwords:
    """Hashes and checks passwords; an unknown account costs the same time as a wrong password."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("not the password of anyone")

    def hash(self, password: str) -> str:
        if len(password) < MIN_LENGTH:
            raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
