"""Everything read from the workflows folder: the body, the notice list and every workflow definition."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import yaml

from engine.body import Body, load_body
from engine.definition import Definition
from engine.errors import DefinitionError, UnknownWorkflow
from engine.loader import check_links, parse_definition
from engine.roles import DIRECTORY_ROLES, parse_filtered_role
from engine.yamlsource import DuplicateKey, load_yaml

SHIPPED = Path(__file__).resolve().parent.parent / "workflows"
NOT_WORKFLOWS = {"notices.yaml", "body.yaml"}
# Recipient selectors every notice may use besides directory roles and a definition's instance roles.
SPECIAL_SELECTORS = {"actor", "item_member_state"}


NOTICE_KEYS = frozenset({"name", "to", "cc", "calendar", "document", "quotes_dates"})


@dataclass(frozen=True)
class NoticeSpec:
    """One kind of e-mail: its id (N01, R03...), name, who receives it, whether it carries a calendar invitation."""

    id: str
    name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    calendar: bool = False
    # The field naming the document the notice is about (N08: chair_report_symbol): within one step and the
    # steps it causes, a person gets the notice once per document, however many instances send it.
    document: str | None = None
    # The notice states the instance's dates (an invitation, a postponement): a copy still queued when a later
    # step moves them, or sends another such notice, is superseded instead of going out wrong.
    quotes_dates: bool = False
    workflows: tuple[str, ...] = ()  # the workflows whose steps or timers send it (filled in from the definitions)

    @property
    def is_reminder(self) -> bool:
        """A scheduled reminder (sent by a timer) rather than a notice of a step."""
        return self.id.startswith("R")


@dataclass(frozen=True)
class Catalogue:
    """The workflows in force, by name, with the notices and the body they use."""

    definitions: Mapping[str, Definition]
    notices: Mapping[str, NoticeSpec]
    body: Body
    folder: Path

    @cached_property
    def _dated_notices(self) -> dict[str, tuple[str, ...]]:
        return {
            name: tuple(sorted(n.id for n in self.notices.values() if n.quotes_dates and name in n.workflows))
            for name in self.definitions
        }

    @cached_property
    def timer_keys_with_values(self) -> frozenset[str]:
        """The keys of timers that give their step values (``set:``). ``set:`` is new with these definitions,
        so no stored older version has a timer that gives values where the current one does not."""
        return frozenset(t.key for d in self.definitions.values() for t in d.timers if t.sets)

    def dated_notices(self, workflow: str) -> tuple[str, ...]:
        """The notices a workflow sends that state its instance's dates (``quotes_dates``)."""
        return self._dated_notices.get(workflow, ())

    def definition(self, name: str) -> Definition:
        try:
            return self.definitions[name]
        except KeyError:
            known = ", ".join(sorted(self.definitions))
            raise UnknownWorkflow(f"no workflow named '{name}' (known: {known})") from None


def load_notices(path: Path) -> dict[str, NoticeSpec]:
    """Read ``notices.yaml``: id -> {name, to, cc}; selectors are checked against the definitions later."""
    source = path.name
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (DuplicateKey, yaml.YAMLError) as exc:
        raise DefinitionError(source, "file", str(exc)) from exc
    if not isinstance(data, dict):
        raise DefinitionError(source, "file", "expected a mapping of notice ids")
    notices: dict[str, NoticeSpec] = {}
    for notice_id, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec.get("to"):
            raise DefinitionError(source, str(notice_id), "a notice needs a name and a 'to' list")
        unknown = sorted(set(spec) - NOTICE_KEYS)
        if unknown:
            raise DefinitionError(source, str(notice_id), f"unknown key(s) {unknown}; allowed: {sorted(NOTICE_KEYS)}")
        if not isinstance(spec.get("calendar", False), bool):
            raise DefinitionError(source, str(notice_id), "calendar is true or false")
        if not isinstance(spec.get("quotes_dates", False), bool):
            raise DefinitionError(source, str(notice_id), "quotes_dates is true or false")
        if not isinstance(spec.get("document", ""), str):
            raise DefinitionError(source, str(notice_id), "document names a field (chair_report_symbol)")
        notices[str(notice_id)] = NoticeSpec(
            id=str(notice_id),
            name=spec["name"],
            to=tuple(spec["to"]),
            cc=tuple(spec.get("cc") or ()),
            calendar=bool(spec.get("calendar", False)),
            document=spec.get("document"),
            quotes_dates=bool(spec.get("quotes_dates", False)),
        )
    return notices


def _with_senders(notices: Mapping[str, NoticeSpec], definitions: Mapping[str, Definition]) -> dict[str, NoticeSpec]:
    """Each notice with the workflows that send it (a step's notices or a timer's reminder)."""
    senders: dict[str, list[str]] = {notice_id: [] for notice_id in notices}
    for definition in definitions.values():
        sent = {n for t in (definition.start, *definition.transitions) for n in t.notices}
        sent |= {t.notice for t in definition.timers if t.notice is not None}
        for notice_id in sent:
            if notice_id in senders:
                senders[notice_id].append(definition.name)
    return {i: replace(n, workflows=tuple(sorted(senders[i]))) for i, n in notices.items()}


def _check_selectors(notices: Mapping[str, NoticeSpec], definitions: Mapping[str, Definition]) -> None:
    instance_roles = {r for d in definitions.values() for r in d.instance_roles}
    list_fields = {f"submitters:{f.name}" for d in definitions.values() for f in d.fields.values() if f.type == "list"}
    known = DIRECTORY_ROLES | SPECIAL_SELECTORS | instance_roles | list_fields
    for notice in notices.values():
        for selector in notice.to + notice.cc:
            filtered = parse_filtered_role(selector)
            if filtered is not None:
                unknown = [f for f in (*filtered.within, *filtered.without) if f"submitters:{f}" not in list_fields]
                if unknown:
                    raise DefinitionError(
                        "notices.yaml", notice.id, f"'{selector}' names {unknown}, not list fields of any workflow"
                    )
                continue
            if selector not in known:
                raise DefinitionError(
                    "notices.yaml", notice.id, f"unknown recipient '{selector}'; known: {sorted(known)}"
                )


def load_catalogue(folder: Path | None = None, files: Iterable[Path] | None = None) -> Catalogue:
    """Load and validate the body, notices and workflows of ``folder`` (default: the shipped one)."""
    folder = folder or SHIPPED
    notices = load_notices(folder / "notices.yaml")
    body = load_body(folder / "body.yaml") if (folder / "body.yaml").exists() else Body()
    paths = (
        sorted(files) if files is not None else sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_WORKFLOWS)
    )
    definitions: dict[str, Definition] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DefinitionError(str(path), "file", f"cannot be read ({exc.strerror})") from exc
        definition = parse_definition(text, path.name, notices)
        if definition.name in definitions:
            first = definitions[definition.name].source
            raise DefinitionError(path.name, "name", f"workflow '{definition.name}' is already defined in {first}")
        definitions[definition.name] = definition
    check_links(definitions)
    _check_selectors(notices, definitions)
    return Catalogue(definitions=definitions, notices=_with_senders(notices, definitions), body=body, folder=folder)
