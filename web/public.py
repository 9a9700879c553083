"""The public page of an open consultation (issue 16): no account, a response confirmed by e-mail.

A response given here is kept apart (``Engine.request_public_response``) and N23 carries two links to the
address given: one confirms it once (``submit_response`` fired as ``public:ADDRESS``), the other withdraws
or replaces it before the deadline. Only the SHA-256 digests of the links' tokens are stored; the manage
token is an HMAC of the confirmation token under the desk's key, so the page shown after confirming can
give it again without storing it. Forms carry the desk's CSRF token (the anonymous session cookie),
a honeypot field, size limits, and per-address and per-client limits counted in the database.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from babel.numbers import format_decimal
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from engine import Instance, Person
from engine.clock import aware_utc
from engine.errors import FieldError, InstanceNotFound, NotAllowed
from engine.fields import MAX_LENGTH
from engine.ports import PendingOutcome, PendingResponse
from engine.responses import PUBLIC_PREFIX, counted_responses
from web.desk import desk_of
from web.i18n import LANGUAGES, day_text, instant_text, language_for, translator
from web.labels import words_for
from web.rendering import check_csrf, checked_form, render

router = APIRouter(include_in_schema=False)

WORDS_FILE = Path(__file__).with_name("public_words.yaml")
FIELDS = ("name", "organisation", "country", "job_title", "stakeholder_type", "answers")
OPEN_STATE = "online_open"
PUBLISHED = ("compiled", "oc_held", "presented", "closed", "archived")
HIDDEN = ("draft", "cancelled")
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")
HONEYPOT = "website"


@dataclass(frozen=True)
class PublicSettings:
    """Limits of the public page (``app.state.public`` overrides these defaults)."""

    link_ttl: timedelta = timedelta(hours=48)
    per_address: int = 5  # responses requested per address per window
    per_client: int = 20  # per client address (hashed) per window
    window: timedelta = timedelta(hours=24)
    max_body: int = 256 * 1024  # bytes of one posted form


def settings_of(request: Request) -> PublicSettings:
    found = getattr(request.app.state, "public", None)
    return found if isinstance(found, PublicSettings) else PublicSettings()


@functools.cache
def _words() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    return loaded


def public_words(language: str) -> Any:
    """``pw("key", name=value)``: a sentence of the public pages in ``language`` (one of the six)."""

    def pw(key: str, **values: object) -> str:
        entry = _words()[key]
        text = entry.get(language) or entry["en"]
        return text.format(**values) if values else text

    return pw


def _language(request: Request, given: str | None = None) -> str:
    if given in LANGUAGES:
        return given
    return language_for(None, request.headers.get("accept-language"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _manage_token(request: Request, confirm_token: str) -> str:
    key = desk_of(request).settings.secret_key.encode()
    return hmac.new(key, f"manage:{confirm_token}".encode(), hashlib.sha256).hexdigest()


def _client_hash(request: Request) -> str:
    key = desk_of(request).settings.secret_key.encode()
    host = request.client.host if request.client else "unknown"
    return hmac.new(key, f"client:{host}".encode(), hashlib.sha256).hexdigest()


def _page(request: Request, template: str, language: str, status: int = 200, **context: Any) -> Response:
    response = render(
        request,
        template,
        None,
        status,
        lang=language,
        t=translator(language),
        words=words_for(language),
        pw=public_words(language),
        **context,
    )
    response.headers["Content-Language"] = language
    return response


# -- the consultation ---------------------------------------------------------------------------------------


def _consultation(request: Request, consultation_id: str) -> Instance:
    engine = desk_of(request).engine
    try:
        instance = engine.get(consultation_id)
    except InstanceNotFound:
        instance = None
    if instance is None or instance.workflow != "consultation" or instance.state in HIDDEN:
        raise InstanceNotFound(f"no open consultation '{consultation_id}'")
    return instance


def deadline_instant(request: Request, instance: Instance) -> datetime | None:
    """The end of the online deadline's day in the body's zone (Geneva): the last instant a response counts."""
    text = instance.fields.get("online_deadline")
    if not isinstance(text, str) or not text:
        return None
    zone = desk_of(request).engine.catalogue.body.calendar.zone()
    return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(0), tzinfo=zone)


def _field_limits(request: Request, instance: Instance) -> dict[str, int]:
    """Each form field's max_length from the definition the consultation runs (else the type's default)."""
    definition = desk_of(request).engine.definition_of(instance)
    items = definition.fields["responses"].item
    limits = {}
    for name in FIELDS:
        spec = items.get(name)
        default = MAX_LENGTH["multiline" if spec is not None and spec.multiline else "text"]
        limits[name] = (spec.max_length if spec is not None else None) or default
    return limits


def _view(request: Request, instance: Instance, language: str) -> dict[str, Any]:
    desk = desk_of(request)
    engine = desk.engine
    zone = engine.catalogue.body.calendar.zone()
    now = aware_utc(engine.clock.now())
    ends = deadline_instant(request, instance)
    left = ends - now if ends is not None and instance.state == OPEN_STATE and ends > now else None
    topic_title = ""
    topic_id = instance.fields.get("topic")
    if isinstance(topic_id, str):
        try:
            topic_title = str(engine.get(topic_id).fields.get("title") or "")
        except InstanceNotFound:
            topic_title = ""
    questions = [str(q.get("text") or "") for q in _items(instance.fields.get("questions"))]
    documents = []
    if instance.state in PUBLISHED:
        latest: dict[tuple[str, str], Any] = {}
        for doc in engine.documents(instance.id):
            if doc.kind == "compilation":
                key = (doc.language, doc.format)
                if key not in latest or doc.revision > latest[key].revision:
                    latest[key] = doc
        documents = sorted(latest.values(), key=lambda d: (d.language != language, d.language, d.format))
    definition = engine.definition_of(instance)
    types = definition.fields["responses"].item["stakeholder_type"].values
    return {
        "instance": instance,
        "topic_title": topic_title,
        "questions": questions,
        "ends": ends,
        "left": left,
        "is_open": instance.state == OPEN_STATE and left is not None,
        "documents": documents,
        "stakeholder_types": types,
        "limits": _field_limits(request, instance),
        "counted": len(counted_responses(instance.fields).responses),
        # Formatted here, in the page's language (the desk's helpers follow the browser's): the last minute
        # that counts, so that "until 20 Aug 23:59" is read as the deadline's own day.
        "ends_text": instant_text(ends - timedelta(minutes=1), language, zone) if ends is not None else "",
        "opens_text": _day_text(instance.fields.get("opens_on"), language),
        "answers_max": format_decimal(_field_limits(request, instance)["answers"], locale=language),
    }


def _day_text(value: object, language: str) -> str:
    return day_text(date.fromisoformat(value), language) if isinstance(value, str) and value else ""


def _items(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


@router.get("/public/consultations/{consultation_id}")
def consultation_page(
    request: Request, consultation_id: str, lang: Annotated[str | None, Query(max_length=2)] = None
) -> Response:
    language = _language(request, lang)
    instance = _consultation(request, consultation_id)
    return _page(request, "public_consultation.html", language, **_view(request, instance, language), given={})


@router.get("/public/documents/{consultation_id}/{document_id}")
def compilation_download(request: Request, consultation_id: str, document_id: int) -> Response:
    """A published compilation of the consultation (never another document)."""
    instance = _consultation(request, consultation_id)
    engine = desk_of(request).engine
    found = [d for d in engine.documents(instance.id) if d.id == document_id and d.kind == "compilation"]
    if instance.state not in PUBLISHED or not found:
        raise InstanceNotFound(f"no published compilation {document_id}")
    doc = found[0]
    media = {
        "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }.get(doc.format, "application/octet-stream")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{doc.symbol}-{doc.language}-r{doc.revision}.{doc.format}")
    return Response(
        engine.document_content(doc.id),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- responding -----------------------------------------------------------------------------------------------


async def _posted(request: Request) -> FormData | None:
    """The posted form, or None when the body is larger than the public page accepts."""
    limit = settings_of(request).max_body
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    request._body = body  # the stream is consumed: form() parses what was read
    return checked_form(await request.form(max_files=0, max_fields=20))


def _given(form: FormData, limits: Mapping[str, int]) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip()[: limits.get(name, 500) + 1] for name in (*FIELDS, "email")}


def _problems(request: Request, given: Mapping[str, str], limits: Mapping[str, int], language: str) -> list[str]:
    pw, words = public_words(language), words_for(language)
    problems = []
    for name in ("name", "answers"):
        if not given[name]:
            problems.append(pw("required", field=words.item("consultation", "responses", name)))
    for name in FIELDS:
        if len(given[name]) > limits[name]:
            problems.append(pw("too_long", field=words.item("consultation", "responses", name), max=limits[name]))
    if not EMAIL.match(given["email"]) or len(given["email"]) > 254:
        problems.append(pw("bad_email"))
    return problems


def _respond(
    request: Request,
    consultation_id: str,
    form: FormData | None,
    replacing: str | None = None,
    token: str | None = None,
) -> Response:
    language = _language(request, str(form.get("lang")) if form is not None else None)
    pw = public_words(language)
    instance = _consultation(request, consultation_id)
    view = _view(request, instance, language)
    template = "public_consultation.html"
    if form is None:
        return _page(request, template, language, 413, **view, given={}, error=pw("too_large"))
    check_csrf(request, form)
    given = _given(form, view["limits"])
    if replacing is not None:
        template, view = "public_manage.html", {**view, "token": token, "pending": None}
    if form.get(HONEYPOT):  # a person never sees the field: answer as if sent, keep nothing
        return _page(
            request,
            "public_message.html",
            language,
            title=pw("sent_title"),
            text=pw("sent", address=given["email"]),
            instance=instance,
        )
    problems = _problems(request, given, view["limits"], language)
    if problems:
        return _page(request, template, language, 422, **view, given=given, error=" ".join(problems))
    engine, settings = desk_of(request).engine, settings_of(request)
    address = given["email"].lower()
    since = aware_utc(engine.clock.now()) - settings.window
    client = _client_hash(request)
    if (
        engine.public_requests_since(since, address=address) >= settings.per_address
        or engine.public_requests_since(since, ip_hash=client) >= settings.per_client
    ):
        return _page(request, template, language, 429, **view, given=given, error=pw("too_many"))
    fields = {name: given[name] for name in FIELDS if given[name]}
    respondent = Person(f"{PUBLIC_PREFIX}{address}", given["name"], address, language, ("public",))
    token = secrets.token_urlsafe(32)
    manage = _manage_token(request, token)
    base = str(request.base_url).rstrip("/")
    try:
        outcome = engine.request_public_response(
            instance.id,
            respondent,
            fields,
            token_hash=_digest(token),
            manage_hash=_digest(manage),
            ip_hash=client,
            links={"confirm_link": f"{base}/public/confirm/{token}", "manage_link": f"{base}/public/manage/{manage}"},
            expires_at=aware_utc(engine.clock.now()) + settings.link_ttl,
            replacing=replacing,
        )
    except NotAllowed:
        return _outcome_page(request, PendingOutcome("closed"), language, instance)
    except FieldError as error:
        return _page(request, template, language, 422, **view, given=given, error=pw("invalid", reason=str(error)))
    if outcome.result != "queued":
        return _outcome_page(request, outcome, language, instance)
    return _page(
        request,
        "public_message.html",
        language,
        title=pw("sent_title"),
        text=pw("sent", address=address),
        instance=instance,
    )


@router.post("/public/consultations/{consultation_id}/respond")
async def respond(request: Request, consultation_id: str) -> Response:
    form = await _posted(request)
    return await run_in_threadpool(_respond, request, consultation_id, form)


# -- following the links of the e-mail ------------------------------------------------------------------------

_TOKEN = Annotated[str, Query(min_length=1, max_length=100)]


def _outcome_page(
    request: Request, outcome: PendingOutcome, language: str, instance: Instance | None = None, **extra: Any
) -> Response:
    pw = public_words(language)
    pages = {
        "confirmed": (200, "confirmed_title", "confirmed"),
        "withdrawn": (200, "withdrawn_title", "withdrawn"),
        "cancelled": (200, "withdrawn_title", "cancelled"),
        "used": (409, "used_title", "used"),
        "expired": (410, "expired_title", "expired"),
        "closed": (409, "late_title", "late"),
        "unknown": (404, "unknown_title", "unknown"),
    }
    status, title, text = pages.get(outcome.result, (200, "title", "title"))
    return _page(
        request, "public_message.html", language, status, title=pw(title), text=pw(text), instance=instance, **extra
    )


def _instance_or_none(request: Request, pending: PendingResponse | None) -> Instance | None:
    if pending is None:
        return None
    try:
        return desk_of(request).engine.get(pending.consultation_id)
    except InstanceNotFound:
        return None


def _past_deadline(request: Request, instance: Instance | None) -> bool:
    if instance is None:
        return False
    ends = deadline_instant(request, instance)
    now = aware_utc(desk_of(request).engine.clock.now())
    return instance.state != OPEN_STATE or (ends is not None and now >= ends)


@router.get("/public/confirm/{token}")
def confirm_page(request: Request, token: str) -> Response:
    engine = desk_of(request).engine
    pending = engine.pending_response(token_hash=_digest(token[:100]))
    language = _language(request, pending.language if pending is not None else None)
    instance = _instance_or_none(request, pending)
    if pending is None or instance is None:
        return _outcome_page(request, PendingOutcome("unknown"), language)
    if pending.status != "pending":
        return _outcome_page(request, PendingOutcome("used", pending), language, instance)
    if _past_deadline(request, instance):
        return _outcome_page(request, PendingOutcome("closed", pending), language, instance)
    if aware_utc(engine.clock.now()) > pending.expires_at:
        return _outcome_page(request, PendingOutcome("expired", pending), language, instance)
    return _page(request, "public_confirm.html", language, pending=pending, instance=instance, token=token)


@router.post("/public/confirm/{token}")
async def confirm(request: Request, token: str) -> Response:
    form = await _posted(request)
    return await run_in_threadpool(_confirm, request, token[:100], form)


def _confirm(request: Request, token: str, form: FormData | None) -> Response:
    if form is None:
        return _outcome_page(request, PendingOutcome("unknown"), _language(request))
    check_csrf(request, form)
    outcome = desk_of(request).engine.confirm_public_response(_digest(token))
    pending = outcome.pending
    language = _language(request, pending.language if pending is not None else None)
    instance = outcome.instance or _instance_or_none(request, pending)
    manage = f"/public/manage/{_manage_token(request, token)}" if outcome.result == "confirmed" else None
    return _outcome_page(request, outcome, language, instance, manage=manage)


def _gone_page(request: Request, language: str, instance: Instance | None) -> Response:
    """The response was already withdrawn or replaced: nothing is left to manage (409)."""
    words = public_words(language)
    return _page(request, "public_message.html", language, 409, title=words("used_title"), text=words("gone"),
                 instance=instance)  # fmt: skip


@router.get("/public/manage/{token}")
def manage_page(request: Request, token: str) -> Response:
    pending = desk_of(request).engine.pending_response(manage_hash=_digest(token[:100]))
    language = _language(request, pending.language if pending is not None else None)
    instance = _instance_or_none(request, pending)
    if pending is None or instance is None:
        return _outcome_page(request, PendingOutcome("unknown"), language)
    if pending.status in ("withdrawn", "replaced"):
        return _gone_page(request, language, instance)
    if _past_deadline(request, instance):
        return _outcome_page(request, PendingOutcome("closed", pending), language, instance)
    view = _view(request, instance, language)
    return _page(
        request,
        "public_manage.html",
        language,
        **view,
        pending=pending,
        token=token,
        given=dict(pending.payload, email=pending.address),
    )


@router.post("/public/manage/{token}/withdraw")
async def withdraw(request: Request, token: str) -> Response:
    form = await _posted(request)
    return await run_in_threadpool(_withdraw, request, token[:100], form)


def _withdraw(request: Request, token: str, form: FormData | None) -> Response:
    if form is None:
        return _outcome_page(request, PendingOutcome("unknown"), _language(request))
    check_csrf(request, form)
    outcome = desk_of(request).engine.withdraw_public_response(_digest(token))
    pending = outcome.pending
    language = _language(request, pending.language if pending is not None else None)
    if outcome.result == "used":
        return _gone_page(request, language, _instance_or_none(request, pending))
    return _outcome_page(request, outcome, language, outcome.instance or _instance_or_none(request, pending))


@router.post("/public/manage/{token}/replace")
async def replace(request: Request, token: str) -> Response:
    form = await _posted(request)
    return await run_in_threadpool(_replace, request, token[:100], form)


def _replace(request: Request, token: str, form: FormData | None) -> Response:
    pending = desk_of(request).engine.pending_response(manage_hash=_digest(token))
    if pending is None:
        return _outcome_page(request, PendingOutcome("unknown"), _language(request))
    return _respond(request, pending.consultation_id, form, replacing=_digest(token), token=token)
