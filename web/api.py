"""The JSON API under /api/: personal API tokens only (``Authorization: Bearer TOKEN``), so no cookie and no
CSRF; every write goes through ``Engine.start``/``Engine.fire``, so roles, guards and audit are the engine's."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine import Person
from reports import generate_report
from web.access import may_generate_report, may_read_directory, may_run_outbox, require
from web.desk import Desk, desk_of
from web.documents import document_response, latest_report, owned_document
from web.outbox import outbox_listing, retry_notice
from web.schemas import (
    ID_PATTERN,
    NAME_PATTERN,
    AuditOut,
    DeadlineOut,
    DocumentOut,
    ErrorOut,
    FireIn,
    InstanceDetailOut,
    InstanceOut,
    NewTokenOut,
    OutboxMessageOut,
    OutboxOut,
    PersonOut,
    ReportIn,
    ReportOut,
    ScheduledOut,
    StartIn,
    TokenIn,
    TokenOut,
    UpcomingOut,
)
from web.views import instance_detail, upcoming, visible_instance, visible_instances

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A personal API token: `consultflow accounts token PERSON --name N`, or the desk's account page.",
)


def api_person(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Person:
    """The owner of the request's bearer token; 401 without a valid one."""
    person = desk_of(request).accounts.token_person(credentials.credentials) if credentials else None
    if person is None:
        raise HTTPException(
            401, "a valid personal API token is required (Authorization: Bearer TOKEN)", {"WWW-Authenticate": "Bearer"}
        )
    return person


Caller = Annotated[Person, Depends(api_person)]
DeskDep = Annotated[Desk, Depends(desk_of)]
InstanceId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
NameFilter = Annotated[str | None, Query(max_length=64, pattern=NAME_PATTERN)]
SmallId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: dict[int | str, dict[str, object]] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}

router = APIRouter(prefix="/api", responses=_ERRORS)


def _key(person: Person, key: str | None) -> str | None:
    """Idempotency keys are per person: one person's key never returns another's result."""
    if key is None:
        return None
    return "api:" + hashlib.sha256(f"{person.id}\n{key}".encode()).hexdigest()


@router.get("/me", tags=["people"])
def me(person: Caller) -> PersonOut:
    """The caller, as the directory knows them."""
    return PersonOut.of(person)


@router.get("/people", tags=["people"])
def people(person: Caller, desk: DeskDep) -> list[PersonOut]:
    """The directory (Group members and officers only)."""
    require(may_read_directory(person), "read the directory")
    return [PersonOut.of(p) for p in desk.engine.people()]


@router.get("/instances", tags=["instances"])
def list_instances(
    person: Caller,
    desk: DeskDep,
    workflow: NameFilter = None,
    state: NameFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InstanceOut]:
    """The instances the caller may see, newest change first, optionally of one workflow and in one state."""
    return [InstanceOut.of(i) for i in visible_instances(desk.engine, person, workflow, state, limit)]


@router.post("/instances", status_code=201, tags=["instances"])
def start_instance(body: StartIn, person: Caller, desk: DeskDep) -> InstanceOut:
    """Start an instance of a workflow (the engine checks the caller's role and the fields)."""
    return InstanceOut.of(desk.engine.start(body.workflow, person, body.fields, note=body.note))


@router.get("/instances/{instance_id}", tags=["instances"])
def show_instance(instance_id: InstanceId, person: Caller, desk: DeskDep) -> InstanceDetailOut:
    """State, fields, the triggers of the state with who may fire them (and whether the caller may), deadlines."""
    return InstanceDetailOut.of(instance_detail(desk.engine, instance_id, person))


@router.post("/instances/{instance_id}/fire", tags=["instances"])
def fire(instance_id: InstanceId, body: FireIn, person: Caller, desk: DeskDep) -> InstanceOut:
    """Fire a trigger as the caller: one transaction with its audit row, timers, notices and linked effects."""
    visible_instance(desk.engine, instance_id, person)
    return InstanceOut.of(
        desk.engine.fire(
            instance_id,
            body.trigger,
            person,
            body.fields,
            note=body.note,
            expected_version=body.expected_version,
            idempotency_key=_key(person, body.idempotency_key),
        )
    )


@router.get("/instances/{instance_id}/history", tags=["instances"])
def history(instance_id: InstanceId, person: Caller, desk: DeskDep) -> list[AuditOut]:
    """The audit trail: who did what, in which capacity, when, and what changed."""
    visible_instance(desk.engine, instance_id, person)
    return [AuditOut.of(e) for e in desk.engine.history(instance_id)]


@router.get("/instances/{instance_id}/documents", tags=["documents"])
def documents(instance_id: InstanceId, person: Caller, desk: DeskDep) -> list[DocumentOut]:
    """The documents generated from the instance's record, newest revision first."""
    visible_instance(desk.engine, instance_id, person)
    return [DocumentOut.of(d) for d in desk.engine.documents(instance_id)]


@router.get(
    "/instances/{instance_id}/documents/{document_id}",
    tags=["documents"],
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def document(instance_id: InstanceId, document_id: SmallId, person: Caller, desk: DeskDep) -> Response:
    """Download one stored document."""
    visible_instance(desk.engine, instance_id, person)
    return document_response(desk.engine, owned_document(desk.engine, instance_id, document_id))


@router.post("/instances/{instance_id}/reports", status_code=201, tags=["documents"])
def make_report(instance_id: InstanceId, body: ReportIn, person: Caller, desk: DeskDep) -> ReportOut:
    """Generate the Chair's report on a meeting in one language, every format, as one new revision."""
    visible_instance(desk.engine, instance_id, person)
    require(may_generate_report(person), "generate the Chair's report")
    made = generate_report(desk.engine, instance_id, body.language, actor=person.id, symbol=body.symbol)
    stored = [
        d for d in desk.engine.documents(instance_id) if d.revision == made.revision and d.language == made.language
    ]
    return ReportOut(
        revision=made.revision,
        symbol=made.symbol,
        language=made.language,
        documents=[DocumentOut.of(d) for d in stored if d.kind == "chair_report"],
    )


@router.get(
    "/instances/{instance_id}/report",
    tags=["documents"],
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/octet-stream": {}}}},
)
def report(
    instance_id: InstanceId,
    person: Caller,
    desk: DeskDep,
    language: Annotated[str, Query(pattern=r"^[a-z]{2,3}$")] = "en",
    format: Annotated[Literal["md", "html", "docx"], Query()] = "md",
) -> Response:
    """Download the newest generated Chair's report on a meeting in a language and format."""
    visible_instance(desk.engine, instance_id, person)
    return document_response(desk.engine, latest_report(desk.engine, instance_id, language, format))


@router.get("/deadlines", tags=["deadlines"])
def deadlines(person: Caller, desk: DeskDep, days: Annotated[int, Query(ge=0, le=366)] = 14) -> UpcomingOut:
    """Deadlines and scheduled reminders of the instances the caller sees, from now to ``days`` ahead."""
    found = upcoming(desk.engine, person, desk.engine.clock.now(), days)
    return UpcomingOut(
        days=days,
        deadlines=[DeadlineOut.of(d) for d in found.deadlines],
        timers=[ScheduledOut.of(t) for t in found.timers],
        overdue=[ScheduledOut.of(t) for t in found.overdue],
    )


@router.get("/outbox", tags=["outbox"])
def outbox(
    person: Caller,
    desk: DeskDep,
    status: Annotated[Literal["pending", "sent", "failed"] | None, Query()] = None,
    instance_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> OutboxOut:
    """Notices by status, and the messages (secretariat only)."""
    require(may_run_outbox(person), "see the outbox")
    counts, messages = outbox_listing(desk.engine, status, instance_id, limit)
    return OutboxOut(counts=counts, messages=[OutboxMessageOut.of(m) for m in messages])


@router.post("/outbox/{message_id}/retry", tags=["outbox"])
def retry(message_id: SmallId, person: Caller, desk: DeskDep) -> OutboxMessageOut:
    """Put a failed notice back in the queue (secretariat only)."""
    require(may_run_outbox(person), "retry notices")
    return OutboxMessageOut.of(retry_notice(desk.engine, message_id))


@router.get("/tokens", tags=["tokens"])
def tokens(person: Caller, desk: DeskDep) -> list[TokenOut]:
    """The caller's own API tokens (never the secrets)."""
    return [TokenOut.of(t) for t in desk.accounts.tokens(person.id)]


@router.post("/tokens", status_code=201, tags=["tokens"])
def new_token(body: TokenIn, person: Caller, desk: DeskDep) -> NewTokenOut:
    """Create a token for the caller; the response is the only time it is shown."""
    made = desk.accounts.create_token(person.id, body.name)
    return NewTokenOut(id=made.record.id, name=made.record.name, token=made.secret)


@router.delete("/tokens/{token_id}", status_code=204, tags=["tokens"])
def revoke_token(token_id: SmallId, person: Caller, desk: DeskDep) -> Response:
    """Revoke one of the caller's tokens (404 when the caller has no such active token)."""
    if not desk.accounts.revoke_token(person.id, token_id):
        raise HTTPException(404, f"you have no active token {token_id}")
    return Response(status_code=204)
