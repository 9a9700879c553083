"""The web desk's pages: dashboard, instances (list, start, show, fire), documents and reports, directory,
outbox. GET pages are plain functions run in the thread pool; form posts read the form, then do the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from babel import Locale
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from engine import Instance, Person
from engine.deadlines import deadline_days
from engine.definition import Definition
from engine.diagram import mermaid
from engine.errors import ConsultflowError, GuardFailed, InstanceNotFound, UnknownWorkflow
from engine.records import OUTBOX_STATUSES, as_outbox_status
from notifications.outbox import outbox_counts, retry_message
from reports import generate_report, languages
from reports.record import REPORTABLE_STATES
from web.access import may_generate_report, may_read_directory, may_run_outbox, require
from web.board import FAILED_LIMIT, board
from web.choices import detail_with_choices, with_choices
from web.deadline_status import deadline_states
from web.desk import desk_of
from web.diagram import svg
from web.documents import document_response, owned_document
from web.errors import CsrfRejected, LoginRequired, NotVisible, http_status
from web.failures import cause_of
from web.forms import FormField, NotOffered, read_fields, start_fields, trigger_fields
from web.i18n import translator
from web.labels import words_for
from web.outbox import OutboxFilter, outbox_page, subject_of
from web.records import own_sections, positions, table, with_other_topics
from web.rendering import check_csrf, checked_form, page_language, page_person, render
from web.schemas import ID_PATTERN
from web.steps import DESTRUCTIVE, check_steps, explain, needs_confirmation
from web.titles import Titles, long_day
from web.uploads import FORMATS, KIND, LANGUAGES, Refusal, check_upload, size_text
from web.values import ValueText
from web.views import desk_listing, instance_detail, visible_instance, visible_instances
from web.warnings import DateWarning, date_warnings

router = APIRouter(include_in_schema=False)
InstanceId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
NameFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_]*$")]
NewWarnings = Annotated[str | None, Query(max_length=1000, pattern=r"^[a-z0-9_:,-]*$")]
STATUSES = OUTBOX_STATUSES
_PASS_THROUGH = (LoginRequired, CsrfRejected, NotVisible, InstanceNotFound)  # hidden and unknown: the same 404


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> FormData:
    return checked_form(await request.form(max_files=0, max_fields=200))


# -- dashboard and lists ------------------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    return _home(request, page_person(request))


def _home(request: Request, person: Person, **extra: Any) -> Response:
    desk = desk_of(request)
    days = desk.settings.dashboard_days
    words = words_for(page_language(request, person))
    found = board(desk.engine, person, desk.engine.clock.now(), days, words, desk.visibility)
    return render(request, "dashboard.html", person, board=found, days=days, **extra)


def _retry_same_cause(request: Request, person: Person, message_id: int) -> Response:
    """Queue again every failed notice failing for the same cause as this one (the dashboard's "retry all"
    of a group), then show the dashboard."""
    engine = desk_of(request).engine
    failed = engine.outbox(status="failed", limit=FAILED_LIMIT)
    cause = next((cause_of(m.last_error) for m in failed if m.id == message_id), None)
    retried = 0
    for message in failed:
        if cause is None or cause_of(message.last_error) != cause:
            continue
        try:
            retry_message(engine, message.id)
        except ConsultflowError:
            continue  # sent or retried by someone else meanwhile: nothing left to do for it
        retried += 1
    t = translator(page_language(request, person))
    return _home(request, person, message=t("dash.retried", count=retried))


@router.get("/instances")
def instances(
    request: Request,
    workflow: NameFilter = None,
    state: NameFilter = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    person = page_person(request)
    desk = desk_of(request)
    found = desk_listing(desk.engine, person, workflow or None, state or None, desk.visibility)
    wanted = " ".join((q or "").split()).casefold()
    if wanted:  # titles are computed from the fields, not stored: matched here, on the listed instances
        titles = Titles.of_engine(desk.engine, page_language(request, person))
        found = [i for i in found if wanted in titles.title(i).casefold() or wanted in i.id]
    return render(
        request,
        "instances.html",
        person,
        instances=found,
        workflows=sorted(desk.engine.catalogue.definitions),
        workflow=workflow or "",
        state=state or "",
        q=q or "",
    )


# -- one instance -------------------------------------------------------------------------------------------


def _instance_page(request: Request, person: Person, instance_id: str, status: int = 200, **extra: Any) -> Response:
    desk = desk_of(request)
    language = page_language(request, person)
    words = words_for(language)
    people = desk.engine.people()
    detail = detail_with_choices(
        instance_detail(desk.engine, instance_id, person, desk.visibility), person, people, words
    )
    titles = Titles.of_engine(desk.engine, language)
    steps = tuple(
        replace(t, fields=with_other_topics(t.fields, desk.engine, detail.instance, titles)) for t in detail.triggers
    )
    detail = replace(detail, triggers=steps)
    definition = detail.definition
    checks = check_steps(
        desk.engine,
        detail.instance,
        definition,
        person,
        [t.trigger for t in detail.permitted],
        words,
        detail.deadlines,
        lambda day: long_day(day, language),
    )
    reportable = (
        detail.instance.workflow == "meeting_cycle"
        and detail.instance.state in REPORTABLE_STATES
        and may_generate_report(person)
    )
    zone = desk.engine.catalogue.body.calendar.zone()
    names = {p.id: p.name for p in people}
    values = ValueText(words, titles, zone, names)
    warned = _warnings(request, detail.instance, definition, language)
    new = set(str(extra.pop("new", None) or "").split(","))
    return render(
        request,
        "instance.html",
        person,
        status,
        detail=detail,
        checks=checks,
        confirmed_steps={
            t.trigger
            for t in detail.permitted
            if needs_confirmation(desk.engine.catalogue, definition, t.trigger, detail.instance.state)
        },
        destructive=DESTRUCTIVE,
        values=values,
        names=names,
        warnings=warned,
        new_warnings=[w for w in warned if w.keys & new],
        own_sections=own_sections(definition.name, detail.instance),
        positions=positions(values, definition, detail.instance) if definition.name == "topic" else (),
        registrations=table(values, definition, detail.instance, "registrations"),
        silence_breaks=table(values, definition, detail.instance, "silence_breaks"),
        history=desk.engine.history(instance_id),
        deadline_states=deadline_states(
            definition,
            detail.instance.state,
            detail.deadlines,
            desk.engine.catalogue.body.calendar.local_date(desk.engine.clock.now()),
        ),
        diagram=mermaid(definition, current=detail.instance.state),
        diagram_svg=svg(definition, words, detail.instance.state, words.workflow(definition.name)),
        states=definition.states,
        ref_fields={n for n, f in definition.fields.items() if f.type == "ref"},
        reportable=reportable,
        report_languages=languages(),
        may_upload=may_upload(person, detail.permitted),
        upload=_upload_form(language, desk.settings.upload_max_bytes),
        upload_kind=KIND,
        given=extra.pop("given", {}),
        **extra,
    )


def _warnings(request: Request, instance: Instance, definition: Definition, language: str) -> list[DateWarning]:
    """The instance's warnings for its dates still ahead (as ``Engine.warnings``), in the reader's words."""
    engine = desk_of(request).engine
    body = engine.catalogue.body
    today = body.calendar.local_date(engine.clock.now())
    return date_warnings(definition, instance.fields, body, words_for(language), since=today)


def _upload_form(language: str, limit: int) -> dict[str, Any]:
    """What the upload form offers: the formats (for the file chooser), the languages by name, the limit."""
    names = Locale.parse(language).languages
    return {
        "accept": ",".join(f".{f}" for f in FORMATS),
        "languages": [(code, names.get(code, code)) for code in LANGUAGES],
        "size": size_text(limit, language),
    }


@router.get("/instances/{instance_id}")
def show(
    request: Request,
    instance_id: InstanceId,
    done: Annotated[str | None, Query(max_length=64)] = None,
    new: NewWarnings = None,
) -> Response:
    person = page_person(request)
    return _instance_page(request, person, instance_id, done=done, new=new)


@router.post("/instances/{instance_id}/fire")
async def fire(request: Request, instance_id: InstanceId) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_fire, request, instance_id, form)


def _fire(request: Request, instance_id: str, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    desk = desk_of(request)
    trigger = str(form.get("trigger") or "")
    try:
        instance = visible_instance(desk.engine, instance_id, person, desk.visibility)
        definition = desk.engine.definition_of(instance)
        language = page_language(request, person)
        offered = with_other_topics(
            with_choices(
                trigger_fields(definition, trigger, instance.state, instance.fields),
                instance.workflow,
                person,
                desk.engine.people(),
                words_for(language),
            ),
            desk.engine,
            instance,
            Titles.of_engine(desk.engine, language),
        )
        values = read_fields(offered, form)
        version = str(form.get("expected_version") or "")
        key = str(form.get("idempotency_key") or "")
        if form.get("confirmed") != "yes" and needs_confirmation(
            desk.engine.catalogue, definition, trigger, instance.state
        ):
            return _preview(request, person, instance, definition, trigger, values, form)
        after = desk.engine.fire(
            instance_id,
            trigger,
            person,
            values,
            note=str(form.get("note") or "").strip() or None,
            expected_version=int(version) if version.isdigit() else None,
            idempotency_key=f"desk:{person.id}:{key}"[:200] if key else None,
        )
    except _PASS_THROUGH:
        raise
    except GuardFailed as error:
        message = _in_words(request, person, instance_id, error)
        return _instance_page(
            request, person, instance_id, http_status(error), error=message, given=dict(form), open_trigger=trigger
        )
    except NotOffered as error:
        message = _not_offered(request, person, instance_id, error)
        return _instance_page(request, person, instance_id, 422, error=message, given=dict(form), open_trigger=trigger)
    except ConsultflowError as error:
        return _instance_page(
            request, person, instance_id, http_status(error), error=str(error), given=dict(form), open_trigger=trigger
        )
    before = {k for w in _warnings(request, instance, definition, "en") for k in w.keys}
    found = _warnings(request, after, desk.engine.definition_of(after), "en")
    added = sorted({k for w in found for k in w.keys} - before)
    new = f"&new={quote(','.join(added), safe=':,-')}" if added else ""
    return _see_other(f"/instances/{after.id}?done={trigger}{new}")


def _not_offered(request: Request, person: Person, instance_id: str, error: NotOffered) -> str:
    language = page_language(request, person)
    workflow = desk_of(request).engine.get(instance_id).workflow
    label = words_for(language).input_label(workflow, error.field)
    return translator(language)("form.not_offered", field=label, value=error.value[:100])


def _in_words(request: Request, person: Person, instance_id: str, error: GuardFailed) -> str:
    """The guard's refusal as a sentence, on the instance as it is now (the refusal left it unchanged)."""
    desk = desk_of(request)
    instance = desk.engine.get(instance_id)
    definition = desk.engine.definition_of(instance)
    language = page_language(request, person)
    days = deadline_days(definition, instance.fields, desk.engine.catalogue.body)
    return explain(
        desk.engine, instance, definition, person, error, words_for(language), days, lambda d: long_day(d, language)
    )


def _preview(
    request: Request,
    person: Person,
    instance: Instance,
    definition: Definition,
    trigger: str,
    values: dict[str, object],
    form: FormData,
) -> Response:
    """The instance page with what the step will send (which notice, to how many, one rendered) and a
    button that posts the same form again, confirmed; a refusal in words instead, if it cannot happen."""
    desk = desk_of(request)
    language = page_language(request, person)
    check = check_steps(
        desk.engine,
        instance,
        definition,
        person,
        [trigger],
        words_for(language),
        deadline_days(definition, instance.fields, desk.engine.catalogue.body),
        lambda day: long_day(day, language),
        submitted=values,
    )[trigger]
    given = dict(form)
    if not check.possible:
        return _instance_page(request, person, instance.id, 409, error=check.reason, given=given, open_trigger=trigger)
    carried = [(k, str(v)) for k, v in form.multi_items() if k not in ("csrf_token", "confirmed")]
    return _instance_page(
        request, person, instance.id, preview=(trigger, check, carried), given=given, open_trigger=trigger
    )


# -- starting an instance -----------------------------------------------------------------------------------


def _startable(request: Request, person: Person) -> list[str]:
    catalogue = desk_of(request).engine.catalogue
    return sorted(name for name, d in catalogue.definitions.items() if set(d.start.roles) & set(person.roles))


def _start_page(request: Request, person: Person, workflow: str | None, status: int = 200, **extra: Any) -> Response:
    startable = _startable(request, person)
    chosen = workflow if workflow in startable else (startable[0] if len(startable) == 1 else None)
    fields: tuple[FormField, ...] = ()
    definition = None
    if chosen is not None:
        engine = desk_of(request).engine
        definition = engine.catalogue.definition(chosen)
        words = words_for(page_language(request, person))
        fields = with_choices(start_fields(definition), chosen, person, engine.people(), words)
    return render(
        request,
        "start.html",
        person,
        status,
        startable=startable,
        workflow=chosen,
        definition=definition,
        fields=fields,
        given=extra.pop("given", {}),
        **extra,
    )


@router.get("/start")
def start_form(request: Request, workflow: NameFilter = None) -> Response:
    return _start_page(request, page_person(request), workflow)


@router.post("/start")
async def start(request: Request) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_start, request, form)


def _start(request: Request, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    desk = desk_of(request)
    workflow = str(form.get("workflow") or "")
    try:
        if workflow not in desk.engine.catalogue.definitions:
            raise UnknownWorkflow(f"no workflow named '{workflow}'")
        words = words_for(page_language(request, person))
        offered = start_fields(desk.engine.catalogue.definition(workflow))
        values = read_fields(with_choices(offered, workflow, person, desk.engine.people(), words), form)
        made = desk.engine.start(workflow, person, values, note=str(form.get("note") or "").strip() or None)
    except NotOffered as error:
        t = translator(page_language(request, person))
        label = words_for(page_language(request, person)).input_label(workflow, error.field)
        message = t("form.not_offered", field=label, value=error.value[:100])
        return _start_page(request, person, workflow, 422, error=message, given=dict(form))
    except ConsultflowError as error:
        return _start_page(request, person, workflow, http_status(error), error=str(error), given=dict(form))
    return _see_other(f"/instances/{made.id}?done={made.workflow}")


# -- documents and reports ----------------------------------------------------------------------------------


@router.get("/instances/{instance_id}/documents/{document_id}")
def download(
    request: Request, instance_id: InstanceId, document_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    person = page_person(request)
    desk = desk_of(request)
    visible_instance(desk.engine, instance_id, person, desk.visibility)
    return document_response(desk.engine, owned_document(desk.engine, instance_id, document_id))


# Room for the form's other parts (token, symbol, language, multipart boundaries) beside the file itself.
_FORM_OVERHEAD = 64 * 1024


def may_upload(person: Person, permitted: tuple[object, ...]) -> bool:
    """The secretariat, and whoever may take a step on the instance now (a Member State while contributions
    are open), may add a document to it."""
    return "secretariat" in person.roles or bool(permitted)


@router.post("/instances/{instance_id}/documents")
async def upload(request: Request, instance_id: InstanceId) -> Response:
    limit = desk_of(request).settings.upload_max_bytes
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > limit + _FORM_OVERHEAD:
        # Refused before the body is read: a file over the limit is never spooled to disk.
        return await run_in_threadpool(_upload_refused, request, instance_id, Refusal("upload.too_big"), 413)
    form = checked_form(await request.form(max_files=1, max_fields=50))
    file = form.get("file")
    name, content = "", b""
    if isinstance(file, UploadFile):
        name, content = file.filename or "", await file.read(limit + 1)
    await form.close()
    return await run_in_threadpool(_upload, request, instance_id, form, name, content)


def _upload_refused(request: Request, instance_id: str, refusal: Refusal, status: int) -> Response:
    person = page_person(request)
    language = page_language(request, person)
    size = size_text(desk_of(request).settings.upload_max_bytes, language)
    message = translator(language)(refusal.key, name=refusal.name, format=refusal.format, size=size)
    return _instance_page(request, person, instance_id, status, error=message)


def _upload(request: Request, instance_id: str, form: FormData, name: str, content: bytes) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    desk = desk_of(request)
    detail = instance_detail(desk.engine, instance_id, person, desk.visibility)
    if not may_upload(person, detail.permitted):
        return _upload_refused(request, instance_id, Refusal("upload.not_allowed"), 403)
    checked = check_upload(name, content, str(form.get("symbol") or ""), desk.settings.upload_max_bytes)
    if isinstance(checked, Refusal):
        return _upload_refused(request, instance_id, checked, 413 if checked.key == "upload.too_big" else 422)
    language = str(form.get("language") or "")
    language = language if language in LANGUAGES else page_language(request, person)
    revision = desk.engine.save_documents(
        instance_id, KIND, checked.symbol, language, {checked.format: checked.content}, person.id
    )
    t = translator(page_language(request, person))
    return _instance_page(
        request, person, instance_id, message=t("upload.done", name=checked.symbol, revision=revision)
    )


@router.post("/instances/{instance_id}/reports")
async def make_report(request: Request, instance_id: InstanceId) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_make_report, request, instance_id, form)


def _make_report(request: Request, instance_id: str, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    desk = desk_of(request)
    try:
        visible_instance(desk.engine, instance_id, person, desk.visibility)
        require(may_generate_report(person), "generate the Chair's report")
        made = generate_report(
            desk.engine,
            instance_id,
            str(form.get("language") or ""),
            actor=person.id,
            symbol=str(form.get("symbol") or "").strip() or None,
        )
    except _PASS_THROUGH:
        raise
    except ConsultflowError as error:
        return _instance_page(request, person, instance_id, http_status(error), error=str(error))
    return _instance_page(request, person, instance_id, generated=(made.revision, made.symbol))


@router.get("/reports")
def reports(request: Request) -> Response:
    person = page_person(request)
    desk = desk_of(request)
    meetings = visible_instances(desk.engine, person, "meeting_cycle", visibility=desk.visibility)
    documents = {m.id: desk.engine.documents(m.id) for m in meetings}
    return render(
        request,
        "reports.html",
        person,
        meetings=meetings,
        documents=documents,
        reportable=set(REPORTABLE_STATES),
        may_generate=may_generate_report(person),
        report_languages=languages(),
    )


# -- directory and outbox -----------------------------------------------------------------------------------


@router.get("/people")
def people(request: Request) -> Response:
    person = page_person(request)
    require(may_read_directory(person), "read the directory")
    desk = desk_of(request)
    accounts = desk.accounts.with_accounts() if may_run_outbox(person) else None
    return render(request, "people.html", person, people=desk.engine.people(), accounts=accounts)


def _outbox_page(request: Request, person: Person, wanted: OutboxFilter, page: int = 1, **extra: Any) -> Response:
    require(may_run_outbox(person), "see the outbox")
    engine = desk_of(request).engine
    found = outbox_page(engine, wanted, page)
    return render(
        request,
        "outbox.html",
        person,
        counts=outbox_counts(engine),
        found=found,
        subjects={m.id: subject_of(m) for m in found.messages},
        cause_of=cause_of,
        wanted=wanted,
        notices=sorted(engine.catalogue.notices),
        statuses=STATUSES,
        **extra,
    )


def _day_or_none(text: str | None) -> date | None:
    """A filter day; one that is no calendar day (2019-02-30) filters nothing rather than failing the page."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


DayParam = Annotated[str | None, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")]


@router.get("/outbox")
def outbox(
    request: Request,
    status: Annotated[str | None, Query(max_length=16)] = None,
    notice: Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9_]*$")] = None,
    person: Annotated[str | None, Query(max_length=100)] = None,
    since: DayParam = None,
    until: DayParam = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    wanted = OutboxFilter(
        as_outbox_status(status),
        notice or "",
        (person or "").strip(),
        _day_or_none(since),
        _day_or_none(until),
    )
    return _outbox_page(request, page_person(request), wanted, page)


@router.post("/outbox/{message_id}/retry")
async def retry(request: Request, message_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_retry, request, message_id, form)


def _retry(request: Request, message_id: int, form: FormData) -> Response:
    person = page_person(request)
    check_csrf(request, form)
    require(may_run_outbox(person), "retry notices")
    if form.get("same_cause") == "yes":
        return _retry_same_cause(request, person, message_id)
    retry_message(desk_of(request).engine, message_id)
    return _outbox_page(request, person, OutboxFilter("failed"), retried=message_id)
