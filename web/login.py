"""Logging in and out (rate-limited, CSRF-checked, a new session nonce each time) and the account page:
change one's password, create and revoke personal API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from engine import Person
from engine.errors import ConsultflowError
from web.desk import desk_of
from web.errors import http_status
from web.i18n import language_for, translator
from web.rendering import check_csrf, checked_form, page_person, render, session_of, set_session
from web.sessions import Session

router = APIRouter(include_in_schema=False)


def safe_next(target: object) -> str:
    """Where to go after logging in: a path of this site only (never another host)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def _form(request: Request) -> FormData:
    return checked_form(await request.form(max_files=0, max_fields=50))


@router.get("/login")
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return render(request, "login.html", None, next=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: FormData) -> Response:
    check_csrf(request, form)
    desk = desk_of(request)
    person_id = str(form.get("person") or "").strip()[:128]
    target = safe_next(form.get("next"))
    address = request.client.host if request.client else "unknown"
    limits = {
        f"person:{person_id}": desk.settings.login_attempts,
        f"address:{address}": desk.settings.login_attempts * 4,
    }
    t = translator(language_for(None, request.headers.get("accept-language")))
    wait = desk.limiter.attempt(limits)  # counted as a failure now, taken back on success
    if wait > 0:
        response = render(
            request,
            "login.html",
            None,
            429,
            next=target,
            error=t("login.limited", seconds=int(wait) + 1),
            given_person=person_id,
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    found = desk.accounts.authenticate(person_id, str(form.get("password") or ""))
    if found is None:
        return render(request, "login.html", None, 401, next=target, error=t("login.failed"), given_person=person_id)
    person, fingerprint = found
    desk.limiter.succeeded(f"person:{person_id}", limits)
    response = RedirectResponse(target, status_code=303)
    set_session(response, desk, Session(Session.anonymous().nonce, person.id, fingerprint))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _form(request)
    check_csrf(request, form)
    desk = desk_of(request)
    session = session_of(request)
    if session is not None and session.person_id is not None:
        # Server-side: the cookie we replace may have been copied; raising the generation ends it too.
        await run_in_threadpool(desk.accounts.end_sessions, session.person_id)
    response = RedirectResponse("/login", status_code=303)
    set_session(response, desk, Session.anonymous())
    return response


# -- the account page ---------------------------------------------------------------------------------------


def _account_page(request: Request, person: Person, status: int = 200, **extra: Any) -> Response:
    tokens = desk_of(request).accounts.tokens(person.id)
    return render(request, "account.html", person, status, tokens=tokens, **extra)


@router.get("/account")
def account(request: Request) -> Response:
    return _account_page(request, page_person(request))


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_change_password, request, form)


def _change_password(request: Request, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    desk = desk_of(request)
    t = translator(language_for(person.language))
    if desk.accounts.authenticate(person.id, str(form.get("current") or "")) is None:
        return _account_page(request, person, 403, error=t("account.wrong"))
    try:
        desk.accounts.set_password(person.id, str(form.get("new") or ""))
    except ConsultflowError as error:
        return _account_page(request, person, http_status(error), error=str(error))
    found = desk.accounts.authenticate(person.id, str(form.get("new") or ""))
    assert found is not None
    response = _account_page(request, person, message=t("account.saved"))
    old = session_of(request)
    set_session(response, desk, Session(old.nonce if old else Session.anonymous().nonce, person.id, found[1]))
    return response


@router.post("/account/tokens")
async def create_token(request: Request) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_create_token, request, form)


def _create_token(request: Request, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    try:
        made = desk_of(request).accounts.create_token(person.id, str(form.get("name") or ""))
    except ConsultflowError as error:
        return _account_page(request, person, http_status(error), error=str(error))
    return _account_page(request, person, new_token=made.secret)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_revoke_token, request, token_id, form)


def _revoke_token(request: Request, token_id: int, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    desk_of(request).accounts.revoke_token(person.id, token_id)
    return RedirectResponse("/account", status_code=303)
