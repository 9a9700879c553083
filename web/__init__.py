"""The secretariat's web desk and the HTTP API (FastAPI): authenticated, role-checked by the engine."""

from __future__ import annotations

from web.accounts import AccountService, NewToken
from web.app import create_app
from web.passwords import Passwords
from web.settings import WebSettings

__all__ = ["AccountService", "NewToken", "Passwords", "WebSettings", "create_app"]
