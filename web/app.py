"""The FastAPI application: the JSON API, the web desk, /health, the OpenAPI schema (for logged-in callers).

``create_app`` wires what it is given (an engine with its clock, settings); it reads no environment: the
composition root is ``consultflow serve``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import Engine, Person
from engine.errors import ConsultflowError, DatabaseError
from web import api, login, pages, public
from web.accounts import AccountService
from web.desk import HERE, Desk, desk_of
from web.errors import LoginRequired, http_status
from web.rendering import page_person, render
from web.schemas import HealthOut
from web.settings import WebSettings
from web.showable import ShowableJSONResponse

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


_RAW_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """Adds the headers above to every response (a plain ASGI wrapper: a list append per response)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *_RAW_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _person_or_none(request: Request) -> Person | None:
    try:
        return page_person(request)
    except (LoginRequired, DatabaseError):
        return None


def _error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", _person_or_none(request), status, problem=message)


async def _consultflow_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ConsultflowError)
    status = http_status(error)
    if _is_api(request):
        return JSONResponse({"detail": str(error), "error": type(error).__name__}, status_code=status)
    if isinstance(error, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}" if request.method == "GET" else "/login", 303)
    return await run_in_threadpool(_error_page, request, status, str(error))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _is_api(request) or request.url.path == "/health":
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
    return await run_in_threadpool(_error_page, request, error.status_code, str(error.detail))


def create_app(
    engine: Engine, settings: WebSettings | None = None, *, accounts: AccountService | None = None
) -> FastAPI:
    """The app on ``engine`` (its database and clock); without settings, the signing key is the database's."""
    accounts = accounts or AccountService(engine)
    settings = settings or WebSettings(secret_key=accounts.signing_secret())
    app = FastAPI(
        title="consultflow",
        version="0.1.0",
        summary="Workflow instances of CWG-Internet: read them, fire their triggers, download reports.",
        openapi_url=None,  # published below, for logged-in callers only
        docs_url=None,
        redoc_url=None,
        # No OpenTelemetry wiring: nothing here exports it, and skipping it saves work on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        default_response_class=ShowableJSONResponse,
    )
    app.state.desk = Desk.build(engine, settings, accounts)
    app.add_exception_handler(ConsultflowError, _consultflow_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/health", tags=["health"], responses={503: {"model": HealthOut}})
    def health(request: Request) -> Any:
        """Open to all: whether the app and its database answer."""
        try:
            desk_of(request).engine.list(limit=1)
        except DatabaseError:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return HealthOut(status="ok")

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> Response:
        """The OpenAPI schema, for a caller with a token or a desk session."""
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not (token and desk_of(request).accounts.token_person(token)) and _person_or_none(request) is None:
            return JSONResponse({"detail": "log in or send a personal API token"}, status_code=401)
        return JSONResponse(app.openapi())

    app.include_router(api.router)
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(public.router)
    return app
