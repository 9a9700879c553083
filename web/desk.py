"""The parts one running app shares (engine, accounts, session codec, login limiter, templates)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from engine import Engine
from web.access import Visibility
from web.accounts import AccountService
from web.ratelimit import LoginLimiter
from web.sessions import SessionCodec
from web.settings import WebSettings
from web.showable import showable

HERE = Path(__file__).parent


@dataclass
class Desk:
    """Everything a request handler needs, built once by ``create_app``."""

    engine: Engine
    accounts: AccountService
    settings: WebSettings
    codec: SessionCodec
    limiter: LoginLimiter
    templates: Jinja2Templates
    visibility: Visibility

    @classmethod
    def build(cls, engine: Engine, settings: WebSettings, accounts: AccountService | None = None) -> Desk:
        return cls(
            engine=engine,
            accounts=accounts or AccountService(engine),
            settings=settings,
            codec=SessionCodec(settings.secret_key, settings.session_max_age),
            limiter=LoginLimiter(settings.login_attempts, settings.login_window),
            templates=_templates(),
            visibility=Visibility(engine),
        )


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.finalize = showable  # every {{ value }}: text a browser cannot be sent is shown escaped
    return templates


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk
