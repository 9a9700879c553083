"""Pages from templates, with what every page needs: the person, their language, the CSRF token, formatting.

Also the session plumbing of pages: who is logged in (else ``LoginRequired``, answered with a redirect to
the log-in page) and the CSRF check every form post goes through.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fastapi import Request, Response
from starlette.datastructures import FormData

from engine import Person
from engine.errors import FieldError
from web.access import may_read_directory, may_run_outbox
from web.desk import Desk, desk_of
from web.errors import CsrfRejected, LoginRequired
from web.i18n import day_text, direction, instant_text, language_for, translator
from web.labels import words_for
from web.sessions import Session
from web.settings import SESSION_COOKIE
from web.titles import Titles, long_day


def session_of(request: Request) -> Session | None:
    cached = getattr(request.state, "session", None)
    if isinstance(cached, Session):
        return cached
    session = desk_of(request).codec.loads(request.cookies.get(SESSION_COOKIE))
    request.state.session = session
    return session


def page_person(request: Request) -> Person:
    """The logged-in person (the session's password fingerprint must still match), else LoginRequired."""
    session = session_of(request)
    person = None
    if session is not None and session.person_id is not None:
        person = desk_of(request).accounts.session_person(session.person_id, session.fingerprint)
    if person is None:
        raise LoginRequired()
    return person


def checked_form(form: FormData) -> FormData:
    """The posted form, refused (422) if a value holds a NUL character, which no field may hold."""
    if any(isinstance(v, str) and "\x00" in v for _, v in form.multi_items()):
        raise FieldError("form values cannot contain NUL characters")
    return form


def check_csrf(request: Request, form: FormData | Mapping[str, Any]) -> None:
    if not desk_of(request).codec.csrf_ok(session_of(request), form.get("csrf_token")):
        raise CsrfRejected()


def set_session(response: Response, desk: Desk, session: Session) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        desk.codec.dumps(session),
        max_age=desk.settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=desk.settings.secure_cookies,
        path="/",
    )


def changes_text(changes: Mapping[str, object]) -> list[str]:
    """An audit row's changes, one line each: ``field: old → new``, an appended item, moved deadlines."""
    lines = []
    for name, change in changes.items():
        if isinstance(change, Mapping) and "appended" in change:
            lines.append(f"{name} + {_short(change['appended'])}")
        elif name == "deadlines" and isinstance(change, Mapping):
            lines.extend(
                f"{d}: {_short(v[0])} → {_short(v[1])}"
                for d, v in change.items()
                if isinstance(v, list) and len(v) == 2
            )
        elif isinstance(change, list) and len(change) == 2:
            lines.append(f"{name}: {_short(change[0])} → {_short(change[1])}")
        else:
            lines.append(f"{name}: {_short(change)}")
    return lines


def _short(value: object) -> str:
    if value is None:
        return "∅"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def page_language(request: Request, person: Person | None) -> str:
    """The language a page is written in: the person's, else what the browser prefers (one of the six)."""
    return language_for(person.language if person else None, request.headers.get("accept-language"))


def render(
    request: Request,
    template: str,
    person: Person | None,
    status: int = 200,
    **context: Any,
) -> Response:
    """A page; an anonymous visitor without a session gets one (the log-in form needs its CSRF token)."""
    desk = desk_of(request)
    session = session_of(request)
    fresh = session is None
    if session is None:
        session = Session.anonymous()
        request.state.session = session
    language = page_language(request, person)
    zone = desk.engine.catalogue.body.calendar.zone()

    def day(value: date | str | None) -> str:
        if value is None or value == "":
            return ""
        return day_text(date.fromisoformat(value) if isinstance(value, str) else value, language)

    def instant(value: datetime | None) -> str:
        return instant_text(value, language, zone) if value is not None else ""

    base = {
        "t": translator(language),
        "lang": language,
        "direction": direction,
        "person": person,
        "csrf_token": desk.codec.csrf_token(session),
        "day": day,
        "instant": instant,
        "changes_text": changes_text,
        "words": words_for(language),
        "titles": Titles.of_engine(desk.engine, language),
        "long_day": lambda value: long_day(value, language),
        "path": request.url.path,
        "new_key": secrets.token_hex(12),
        "may_run_outbox": person is not None and may_run_outbox(person),
        "may_read_directory": person is not None and may_read_directory(person),
    }
    response = desk.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if fresh:
        set_session(response, desk, session)
    return response
