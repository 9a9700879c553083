"""The JSON API under /api/: personal API tokens only (``Authorization: Bearer TOKEN``), so no cookie and no
CSRF; every write goes through ``Engine.start``/``Engine.fire``, so roles, guards and audit are the engine's.

Each endpoint does its blocking work (token lookup included) in one trip to the thread pool and answers with
JSON serialised there; the declared response models document the answers in the OpenAPI schema.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from engine import Person
from engine.errors import ConsultflowError
from notifications.outbox import retry_message
from reports import generate_report
from web.access import may_generate_report, may_read_directory, may_run_outbox, require
from web.accounts import TOKEN_PREFIX
from web.desk import Desk, desk_of
from web.documents import document_response, latest_report, owned_document
from web.outbox import outbox_listing
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


class Caller:
    """A request's desk and bearer token; ``person()`` looks the token up (in the endpoint's worker thread)."""

    def __init__(self, desk: Desk, credentials: HTTPAuthorizationCredentials | None) -> None:
        self.desk, self.credentials = desk, credentials

    def person(self) -> Person:
        """The owner of the token; 401 without a valid one."""
        token = self.credentials.credentials if self.credentials else None
        person = self.desk.accounts.token_person(token) if token else None
        if person is None:
            raise HTTPException(
                401,
                "a valid personal API token is required (Authorization: Bearer TOKEN)",
                {"WWW-Authenticate": "Bearer"},
            )
        return person


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Caller:
    """Without anything that could be a token, 401 at once (before the request is even validated)."""
    found = Caller(desk_of(request), credentials)
    if credentials is None or not credentials.credentials.startswith(TOKEN_PREFIX):
        found.person()  # raises the 401
    return found


Who = Annotated[Caller, Depends(caller)]
InstanceId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
NameFilter = Annotated[str | None, Query(max_length=64, pattern=NAME_PATTERN)]
SmallId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: dict[int | str, dict[str, object]] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}

router = APIRouter(prefix="/api", responses=_ERRORS)

Answer = BaseModel | Sequence[BaseModel] | Response


def _json(value: BaseModel | Sequence[BaseModel]) -> bytes:
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode()
    return b"[" + b",".join(v.model_dump_json().encode() for v in value) + b"]"


# The API's own worker threads: a plain executor hands work over in about half the time anyio's pool takes,
# which is a tenth of a small call. Shared by every app of the process; its threads are made on demand.
WORKERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="consultflow-api")


async def answer(work: Callable[[], Answer], status: int = 200) -> Response:
    """Run ``work`` on a worker thread and send what it returns as JSON (or as the response it made)."""
    result = await asyncio.get_running_loop().run_in_executor(WORKERS, work)
    if isinstance(result, Response):
        return result
    return Response(_json(result), status_code=status, media_type="application/json")


def _key(person: Person, key: str | None) -> str | None:
    """Idempotency keys are per person: one person's key never returns another's result."""
    if key is None:
        return None
    return "api:" + hashlib.sha256(f"{person.id}\n{key}".encode()).hexdigest()


@router.get("/me", tags=["people"], response_model=PersonOut)
async def me(who: Who) -> Response:
    """The caller, as the directory knows them."""
    return await answer(lambda: PersonOut.of(who.person()))


@router.get("/people", tags=["people"], response_model=list[PersonOut])
async def people(who: Who) -> Response:
    """The directory (Group members and officers only)."""

    def work() -> Answer:
        require(may_read_directory(who.person()), "read the directory")
        return [PersonOut.of(p) for p in who.desk.engine.people()]

    return await answer(work)


@router.get("/instances", tags=["instances"], response_model=list[InstanceOut])
async def list_instances(
    who: Who,
    workflow: NameFilter = None,
    state: NameFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The instances the caller may see, newest change first, optionally of one workflow and in one state."""

    def work() -> Answer:
        desk = who.desk
        found = visible_instances(desk.engine, who.person(), workflow, state, limit, desk.visibility)
        return [InstanceOut.of(i) for i in found]

    return await answer(work)


@router.post("/instances", status_code=201, tags=["instances"], response_model=InstanceOut)
async def start_instance(body: StartIn, who: Who) -> Response:
    """Start an instance of a workflow (the engine checks the caller's role and the fields)."""

    def work() -> Answer:
        return InstanceOut.of(who.desk.engine.start(body.workflow, who.person(), body.fields, note=body.note))

    return await answer(work, 201)


@router.get("/instances/{instance_id}", tags=["instances"], response_model=InstanceDetailOut)
async def show_instance(instance_id: InstanceId, who: Who) -> Response:
    """State, fields, the triggers of the state with who may fire them (and whether the caller may), deadlines."""

    def work() -> Answer:
        desk = who.desk
        return InstanceDetailOut.of(instance_detail(desk.engine, instance_id, who.person(), desk.visibility))

    return await answer(work)


@router.post("/instances/{instance_id}/fire", tags=["instances"], response_model=InstanceOut)
async def fire(instance_id: InstanceId, body: FireIn, who: Who) -> Response:
    """Fire a trigger as the caller: one transaction with its audit row, timers, notices and linked effects.

    The engine decides who may fire what. A refusal on an instance the caller may not see says only that
    (its reason would tell the state); a step taken is answered only to a caller who may see the instance.
    """

    def work() -> Answer:
        desk, person = who.desk, who.person()
        try:
            after = desk.engine.fire(
                instance_id,
                body.trigger,
                person,
                body.fields,
                note=body.note,
                expected_version=body.expected_version,
                idempotency_key=_key(person, body.idempotency_key),
            )
        except ConsultflowError:
            visible_instance(desk.engine, instance_id, person, desk.visibility)
            raise
        return InstanceOut.of(desk.visibility.check(after, person))

    return await answer(work)


@router.get("/instances/{instance_id}/history", tags=["instances"], response_model=list[AuditOut])
async def history(instance_id: InstanceId, who: Who) -> Response:
    """The audit trail: who did what, in which capacity, when, and what changed."""

    def work() -> Answer:
        desk = who.desk
        visible_instance(desk.engine, instance_id, who.person(), desk.visibility)
        return [AuditOut.of(e) for e in desk.engine.history(instance_id)]

    return await answer(work)


@router.get("/instances/{instance_id}/documents", tags=["documents"], response_model=list[DocumentOut])
async def documents(instance_id: InstanceId, who: Who) -> Response:
    """The documents generated from the instance's record, newest revision first."""

    def work() -> Answer:
        desk = who.desk
        visible_instance(desk.engine, instance_id, who.person(), desk.visibility)
        return [DocumentOut.of(d) for d in desk.engine.documents(instance_id)]

    return await answer(work)


@router.get(
    "/instances/{instance_id}/documents/{document_id}",
    tags=["documents"],
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def document(instance_id: InstanceId, document_id: SmallId, who: Who) -> Response:
    """Download one stored document."""

    def work() -> Answer:
        desk = who.desk
        visible_instance(desk.engine, instance_id, who.person(), desk.visibility)
        return document_response(desk.engine, owned_document(desk.engine, instance_id, document_id))

    return await answer(work)


@router.post("/instances/{instance_id}/reports", status_code=201, tags=["documents"], response_model=ReportOut)
async def make_report(instance_id: InstanceId, body: ReportIn, who: Who) -> Response:
    """Generate the Chair's report on a meeting in one language, every format, as one new revision."""

    def work() -> Answer:
        desk, person = who.desk, who.person()
        visible_instance(desk.engine, instance_id, person, desk.visibility)
        require(may_generate_report(person), "generate the Chair's report")
        made = generate_report(desk.engine, instance_id, body.language, actor=person.id, symbol=body.symbol)
        stored = [
            DocumentOut.of(d)
            for d in desk.engine.documents(instance_id)
            if (d.kind, d.language, d.revision) == ("chair_report", made.language, made.revision)
        ]
        return ReportOut(revision=made.revision, symbol=made.symbol, language=made.language, documents=stored)

    return await answer(work, 201)


@router.get(
    "/instances/{instance_id}/report",
    tags=["documents"],
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/octet-stream": {}}}},
)
async def report(
    instance_id: InstanceId,
    who: Who,
    language: Annotated[str, Query(pattern=r"^[a-z]{2,3}$")] = "en",
    format: Annotated[Literal["md", "html", "docx"], Query()] = "md",
) -> Response:
    """Download the newest generated Chair's report on a meeting in a language and format."""

    def work() -> Answer:
        desk = who.desk
        visible_instance(desk.engine, instance_id, who.person(), desk.visibility)
        return document_response(desk.engine, latest_report(desk.engine, instance_id, language, format))

    return await answer(work)


@router.get("/deadlines", tags=["deadlines"], response_model=UpcomingOut)
async def deadlines(who: Who, days: Annotated[int, Query(ge=0, le=366)] = 14) -> Response:
    """Deadlines and scheduled reminders of the instances the caller sees, from now to ``days`` ahead."""

    def work() -> Answer:
        engine = who.desk.engine
        found = upcoming(engine, who.person(), engine.clock.now(), days)
        return UpcomingOut(
            days=days,
            deadlines=[DeadlineOut.of(d) for d in found.deadlines],
            timers=[ScheduledOut.of(t) for t in found.timers],
            overdue=[ScheduledOut.of(t) for t in found.overdue],
        )

    return await answer(work)


@router.get("/outbox", tags=["outbox"], response_model=OutboxOut)
async def outbox(
    who: Who,
    status: Annotated[Literal["pending", "sent", "failed"] | None, Query()] = None,
    instance_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Notices by status, and the messages (secretariat only)."""

    def work() -> Answer:
        require(may_run_outbox(who.person()), "see the outbox")
        counts, messages = outbox_listing(who.desk.engine, status, instance_id, limit)
        shown = [OutboxMessageOut.of(m) for m in messages]
        return OutboxOut(counts={str(k): n for k, n in counts.items()}, messages=shown)

    return await answer(work)


@router.post("/outbox/{message_id}/retry", tags=["outbox"], response_model=OutboxMessageOut)
async def retry(message_id: SmallId, who: Who) -> Response:
    """Put a failed notice back in the queue (secretariat only)."""

    def work() -> Answer:
        require(may_run_outbox(who.person()), "retry notices")
        return OutboxMessageOut.of(retry_message(who.desk.engine, message_id))

    return await answer(work)


@router.get("/tokens", tags=["tokens"], response_model=list[TokenOut])
async def tokens(who: Who) -> Response:
    """The caller's own API tokens (never the secrets)."""
    return await answer(lambda: [TokenOut.of(t) for t in who.desk.accounts.tokens(who.person().id)])


@router.post("/tokens", status_code=201, tags=["tokens"], response_model=NewTokenOut)
async def new_token(body: TokenIn, who: Who) -> Response:
    """Create a token for the caller; the response is the only time it is shown."""

    def work() -> Answer:
        made = who.desk.accounts.create_token(who.person().id, body.name)
        return NewTokenOut(id=made.record.id, name=made.record.name, token=made.secret)

    return await answer(work, 201)


@router.delete("/tokens/{token_id}", status_code=204, tags=["tokens"])
async def revoke_token(token_id: SmallId, who: Who) -> Response:
    """Revoke one of the caller's tokens (404 when the caller has no such active token)."""

    def work() -> Answer:
        if not who.desk.accounts.revoke_token(who.person().id, token_id):
            raise HTTPException(404, f"you have no active token {token_id}")
        return Response(status_code=204)

    return await answer(work)
