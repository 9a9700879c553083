"""Read workflow YAML into a validated ``Definition``; every problem names the file, the place and the reason."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, cast

import yaml

from engine.calendar import DeadlineRule, DeadlineRuleError
from engine.conditions import ConditionError, check_condition, compile_condition
from engine.definition import (
    ALWAYS,
    FIELD_TYPES,
    SAME_STATE,
    START,
    Condition,
    DateConstraint,
    DeadlineSpec,
    Definition,
    EffectSpec,
    FieldSpec,
    FieldType,
    Gather,
    GuardSpec,
    OnlyBy,
    RoleClause,
    TimerSpec,
    TransitionSpec,
)
from engine.errors import DefinitionError
from engine.guards import GUARDS, READS_RELATED, SHORT_ARG
from engine.roles import DIRECTORY_ROLES, PUBLIC_ROLE, SYSTEM_ROLE
from engine.yamlsource import DuplicateKey, LineDict, line_of, load_yaml

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
# Every key the definition language accepts, per section: the loader refuses any other, and
# workflows/README.md documents exactly these (a test compares the two).
SECTION_KEYS: Mapping[str, frozenset[str]] = {
    "file": frozenset(
        {
            "name",
            "version",
            "title",
            "description",
            "fields",
            "states",
            "start",
            "transitions",
            "deadlines",
            "timers",
            "instance_roles",
            "acting_chair",
            "visible_to",
            "constraints",
        }
    ),
    "constraint": frozenset({"field", "not_before", "after", "warn"}),
    "field": frozenset(
        {"type", "required", "values", "workflow", "item", "title", "multiline", "max_length", "per_step"}
    ),
    "state": frozenset({"initial", "final", "title"}),
    "deadline": frozenset({"rule", "on_closed_day", "title"}),
    "instance_role": frozenset({"when", "role", "member_state_field", "person_field"}),
    "transition": frozenset(
        {
            "trigger",
            "source",
            "dest",
            "roles",
            "guards",
            "requires",
            "sets",
            "append",
            "notices",
            "effects",
            "title",
            "only_by",
            "clears",
        }
    ),
    "only_by": frozenset({"workflow", "via"}),
    "start": frozenset({"trigger", "roles", "guards", "requires", "sets", "append", "notices", "effects", "title"}),
    "effect": frozenset({"start", "fire", "for_each", "linked", "on", "where", "fields", "gather"}),
    "effect.linked": frozenset({"workflow", "via", "state"}),
    "effect.gather": frozenset({"into", "fields"}),
    "timer": frozenset({"key", "while", "deadline", "rule", "notice", "fire", "when", "set"}),
}
# What an appended list item carries besides its declared fields, and what a linked instance offers
# besides its fields: both can be tested in `where:` and read as `$item.NAME`.
ITEM_EXTRAS: Mapping[str, FieldSpec] = {
    "by": FieldSpec("by", "person"),
    "at": FieldSpec("at", "datetime"),
    "member_state": FieldSpec("member_state", "text"),
}
LINKED_EXTRAS: Mapping[str, FieldSpec] = {"id": FieldSpec("id", "text"), "state": FieldSpec("state", "text")}
EXPR = re.compile(r"^\$(self|item)\.([a-z_][a-z0-9_]*)$")


class _Reader:
    """Validation state for one file: where we are, and how to complain."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, place: str, reason: str, node: object = None) -> DefinitionError:
        line = line_of(node)
        where = f"line {line}: {place}" if line else place
        return DefinitionError(self.source, where, reason)

    def mapping(self, value: object, place: str) -> LineDict:
        if not isinstance(value, dict):
            raise self.fail(place, f"expected a mapping, found {type(value).__name__}", value)
        return cast(LineDict, value)

    def names(self, value: object, place: str, node: object = None) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise self.fail(place, "expected a name or a list of names", node)
        if len(set(items)) != len(items):
            raise self.fail(place, f"duplicate names in {items}", node)
        return tuple(items)

    def condition(self, raw: object, place: str, schema: Mapping[str, FieldSpec] | None, node: object) -> Condition:
        """A ``when:``/``where:`` condition, checked against ``schema`` (None: checked later, by check_links)."""
        if raw is None:
            return ALWAYS
        data = self.mapping(raw, place)
        try:
            condition = compile_condition(data)
            if schema is not None:
                check_condition(condition, schema)
        except ConditionError as exc:
            raise self.fail(place, str(exc), data if line_of(data) else node) from None
        return condition

    def check_keys(self, data: Mapping[str, Any], allowed: frozenset[str], place: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(place, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}", data)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_definition(
    text: str,
    source: str,
    notice_ids: Iterable[str] | None = (),
    *,
    stored: bool = False,
) -> Definition:
    """Validate one workflow file on its own (links to other workflows are checked by ``check_links``).

    ``stored``: the text of a version a database registered, read back for its running instances; rules
    added since (a start declaring its fields) are not held against it.
    """
    reader = _Reader(source)
    try:
        data = load_yaml(text)
    except DuplicateKey as exc:
        raise DefinitionError(source, f"line {exc.line}", f"duplicate key '{exc.key}'") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise DefinitionError(source, where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    top = reader.mapping(data, "file")
    reader.check_keys(top, SECTION_KEYS["file"], "file")
    for key in ("name", "version", "title", "states", "start"):
        if key not in top:
            raise reader.fail("file", f"missing required key '{key}'", top)
    name = top["name"]
    if not isinstance(name, str) or not IDENT.match(name):
        raise reader.fail("name", f"'{name}' is not a lower-case identifier", top)
    version = top["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise reader.fail("version", f"expected a positive whole number, found {version!r}", top)
    title = reader.mapping(top["title"], "title")
    for lang in ("en", "fr"):
        if not isinstance(title.get(lang), str) or not title[lang].strip():
            raise reader.fail("title", f"missing the {lang} title", title)

    fields = _fields(reader, top.get("fields") or LineDict(), "fields", allow_list=True)
    states, initial, finals = _states(reader, top["states"])
    deadlines = _deadlines(reader, top.get("deadlines") or LineDict(), fields)
    instance_roles = _instance_roles(reader, top.get("instance_roles") or LineDict(), fields)
    roles_known = set(DIRECTORY_ROLES) | {SYSTEM_ROLE, PUBLIC_ROLE} | set(instance_roles)
    notices = set(notice_ids) if notice_ids is not None else None
    ctx = _TransitionContext(reader, fields, states, deadlines, roles_known, notices)
    start = ctx.transition(top["start"], "start", is_start=True, initial=initial)
    raw_transitions = top.get("transitions") or []
    if not isinstance(raw_transitions, list):
        raise reader.fail("transitions", "expected a list", top)
    transitions = tuple(ctx.transition(raw, f"transitions[{i}]") for i, raw in enumerate(raw_transitions))
    _check_duplicates(reader, transitions)
    _check_graph(reader, states, initial, finals, transitions)
    timers = _timers(reader, top.get("timers") or [], states, deadlines, fields, notices, transitions)
    visible_to = reader.names(top.get("visible_to"), "visible_to", top)
    for role in visible_to:
        if role not in DIRECTORY_ROLES:
            raise reader.fail("visible_to", f"unknown role '{role}'", top)
    if visible_to:  # whoever may act on an instance must be able to see it
        for spec in (start, *transitions):
            hidden = [r for r in spec.roles if r in DIRECTORY_ROLES and r not in visible_to]
            if hidden:
                raise reader.fail(
                    f"{spec.trigger}.roles", f"role(s) {', '.join(hidden)} may fire it but cannot see the instance"
                )
    constraints = _constraints(reader, top.get("constraints") or [], fields, deadlines)
    missing = [f.name for f in fields.values() if f.required and f.name not in start.requires]
    # A version stored by an earlier consultflow ran under the rules of its day: its instances must still load.
    if missing and stored:
        start = replace(start, requires=start.requires + tuple(missing), sets=start.sets or tuple(fields))
    elif missing:
        raise reader.fail(
            "start.requires", f"required field(s) {', '.join(missing)} must be given at the start: list them", top
        )
    acting_chair = top.get("acting_chair")
    if acting_chair is not None:
        head = str(acting_chair).split(".")[0]
        if head not in fields:
            raise reader.fail("acting_chair", f"unknown field '{head}'", top)
    return Definition(
        name=name,
        version=version,
        title=dict(title),
        fields=fields,
        states=states,
        initial=initial,
        finals=frozenset(finals),
        start=start,
        transitions=transitions,
        deadlines=deadlines,
        timers=timers,
        instance_roles=instance_roles,
        acting_chair=str(acting_chair) if acting_chair else None,
        visible_to=visible_to,
        constraints=constraints,
        source=source,
        content_hash=content_hash(text),
        text=text,
    )


def _constraints(
    reader: _Reader, raw: object, fields: Mapping[str, FieldSpec], deadlines: Mapping[str, DeadlineSpec]
) -> tuple[DateConstraint, ...]:
    if not isinstance(raw, list):
        raise reader.fail("constraints", "expected a list of {field: NAME, not_before: NAME}", raw)
    result: list[DateConstraint] = []
    for i, item in enumerate(raw):
        place = f"constraints[{i}]"
        data = reader.mapping(item, place)
        reader.check_keys(data, SECTION_KEYS["constraint"], place)
        warn = data.get("warn", False)
        if not isinstance(warn, bool):
            raise reader.fail(place, "warn is true or false", data)
        if ("not_before" in data) == ("after" in data):
            raise reader.fail(place, "give one of not_before and after", data)
        other = "after" if "after" in data else "not_before"
        for key in ("field", other):
            name = str(data.get(key))
            spec = fields.get(name)
            is_date = spec is not None and spec.type in ("date", "datetime")
            if not is_date and not (warn and name in deadlines):
                what = "a date field or, with warn: true, a deadline" if warn else "a date field"
                raise reader.fail(place, f"{key} must name {what}, not {name!r}", data)
        result.append(DateConstraint(str(data["field"]), str(data[other]), warn=warn, strict=other == "after"))
    return tuple(result)


def _fields(reader: _Reader, raw: object, place: str, *, allow_list: bool) -> dict[str, FieldSpec]:
    data = reader.mapping(raw, place)
    result: dict[str, FieldSpec] = {}
    for fname, spec_raw in data.items():
        where = f"{place}.{fname}"
        if not isinstance(fname, str) or not IDENT.match(fname):
            raise reader.fail(where, "field names are lower-case identifiers", data)
        spec = reader.mapping(spec_raw, where)
        reader.check_keys(spec, SECTION_KEYS["field"], where)
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES or (ftype == "list" and not allow_list):
            allowed = [t for t in FIELD_TYPES if allow_list or t != "list"]
            raise reader.fail(where, f"unknown type {ftype!r}; expected one of {allowed}", spec)
        values = reader.names(spec.get("values"), f"{where}.values", spec)
        if ftype == "enum" and not values:
            raise reader.fail(where, "an enum field needs a list of values", spec)
        if ftype == "ref" and not isinstance(spec.get("workflow"), str):
            raise reader.fail(where, "a ref field names the workflow it points to (workflow: NAME)", spec)
        max_length = spec.get("max_length")
        if max_length is not None and (
            not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1
            or ftype not in ("text", "link", "list")
        ):  # fmt: skip
            raise reader.fail(where, "max_length is a positive whole number, for text, link and list fields", spec)
        item: dict[str, FieldSpec] = {}
        if ftype == "list":
            if "item" not in spec:
                raise reader.fail(where, "a list field declares its item fields (item: {...})", spec)
            item = _fields(reader, spec["item"], f"{where}.item", allow_list=False)
        result[fname] = FieldSpec(
            name=fname,
            type=cast(FieldType, ftype),
            required=bool(spec.get("required", False)),
            values=values,
            workflow=spec.get("workflow"),
            item=item,
            title=str(spec.get("title", "")),
            multiline=bool(spec.get("multiline", False)),
            max_length=max_length,
            per_step=bool(spec.get("per_step", False)),
        )
    return result


def _states(reader: _Reader, raw: object) -> tuple[tuple[str, ...], str, set[str]]:
    data = reader.mapping(raw, "states")
    initial = [s for s, spec in data.items() if isinstance(spec, dict) and spec.get("initial")]
    finals = {s for s, spec in data.items() if isinstance(spec, dict) and spec.get("final")}
    for state, spec in data.items():
        if not isinstance(state, str) or not IDENT.match(state):
            raise reader.fail(f"states.{state}", "state names are lower-case identifiers", data)
        if spec is not None:
            reader.check_keys(reader.mapping(spec, f"states.{state}"), SECTION_KEYS["state"], f"states.{state}")
    if len(initial) != 1:
        found = ", ".join(initial) or "none"
        raise reader.fail("states", f"exactly one state must be initial (found: {found})", data)
    if not finals:
        raise reader.fail("states", "at least one state must be final", data)
    return tuple(data), initial[0], finals


def _deadlines(reader: _Reader, raw: object, fields: Mapping[str, FieldSpec]) -> dict[str, DeadlineSpec]:
    data = reader.mapping(raw, "deadlines")
    result: dict[str, DeadlineSpec] = {}
    for dname, spec_raw in data.items():
        where = f"deadlines.{dname}"
        spec = reader.mapping({"rule": spec_raw} if isinstance(spec_raw, str) else spec_raw, where)
        reader.check_keys(spec, SECTION_KEYS["deadline"], where)
        rule = _rule(reader, spec.get("rule"), where, fields, data)
        policy = spec.get("on_closed_day", "keep")
        if policy not in ("keep", "earlier", "later"):
            raise reader.fail(where, f"on_closed_day must be keep, earlier or later, not {policy!r}", data)
        result[dname] = DeadlineSpec(
            name=dname,
            rule=rule.text,
            anchor=rule.anchor,
            offset=rule.offset,
            unit=rule.unit,
            on_closed_day=cast(Literal["keep", "earlier", "later"], policy),
        )
    return result


def _rule(reader: _Reader, text: object, where: str, fields: Mapping[str, FieldSpec], node: object) -> DeadlineRule:
    try:
        rule = DeadlineRule.parse(str(text))
    except DeadlineRuleError as exc:
        raise reader.fail(where, str(exc), node) from exc
    anchor = fields.get(rule.anchor)
    if anchor is None:
        raise reader.fail(where, f"rule '{rule.text}' refers to unknown field '{rule.anchor}'", node)
    if anchor.type not in ("date", "datetime"):
        raise reader.fail(where, f"rule '{rule.text}' needs a date field, '{rule.anchor}' is {anchor.type}", node)
    return rule


def _instance_roles(reader: _Reader, raw: object, fields: Mapping[str, FieldSpec]) -> dict[str, tuple[RoleClause, ...]]:
    data = reader.mapping(raw, "instance_roles")
    result: dict[str, tuple[RoleClause, ...]] = {}
    for rname, clauses_raw in data.items():
        where = f"instance_roles.{rname}"
        if rname in DIRECTORY_ROLES:
            raise reader.fail(where, f"'{rname}' is a directory role; pick another name", data)
        if not isinstance(clauses_raw, list) or not clauses_raw:
            raise reader.fail(where, "expected a list of clauses", data)
        clauses = []
        for i, clause_raw in enumerate(clauses_raw):
            cwhere = f"{where}[{i}]"
            clause = reader.mapping(clause_raw, cwhere)
            reader.check_keys(clause, SECTION_KEYS["instance_role"], cwhere)
            when = reader.condition(clause.get("when"), f"{cwhere}.when", fields, clause)
            for fname in (clause.get("member_state_field"), clause.get("person_field")):
                if fname is not None and fname not in fields:
                    raise reader.fail(cwhere, f"unknown field '{fname}'", clause)
            role = clause.get("role")
            if role is not None and role not in DIRECTORY_ROLES:
                raise reader.fail(cwhere, f"unknown role '{role}'", clause)
            if sum(k in clause for k in ("role", "member_state_field", "person_field")) != 1:
                raise reader.fail(cwhere, "give exactly one of role, member_state_field, person_field", clause)
            clauses.append(
                RoleClause(
                    when=when,
                    role=role,
                    member_state_field=clause.get("member_state_field"),
                    person_field=clause.get("person_field"),
                )
            )
        result[rname] = tuple(clauses)
    return result


class _TransitionContext:
    def __init__(
        self,
        reader: _Reader,
        fields: Mapping[str, FieldSpec],
        states: Sequence[str],
        deadlines: Mapping[str, DeadlineSpec],
        roles: set[str],
        notices: set[str] | None,
    ) -> None:
        self.reader, self.fields, self.states = reader, fields, states
        self.deadlines, self.roles, self.notices = deadlines, roles, notices

    def transition(self, raw: object, place: str, *, is_start: bool = False, initial: str = "") -> TransitionSpec:
        reader = self.reader
        data = reader.mapping(raw, place)
        reader.check_keys(data, SECTION_KEYS["start" if is_start else "transition"], place)
        trigger = data.get("trigger")
        if not isinstance(trigger, str) or not IDENT.match(trigger):
            raise reader.fail(place, f"trigger must be a lower-case identifier, found {trigger!r}", data)
        place = f"{place} ({trigger})"
        sources: tuple[str, ...]
        dest: object
        if is_start:
            sources, dest = (START,), initial
        else:
            sources = reader.names(data.get("source"), f"{place}.source", data)
            if not sources:
                raise reader.fail(place, "no source state", data)
            for state in sources:
                if state not in self.states:
                    raise reader.fail(place, f"unknown source state '{state}'", data)
            dest = data.get("dest")
            if dest != SAME_STATE and dest not in self.states:
                raise reader.fail(place, f"unknown destination state {dest!r}", data)
        only_by = self._only_by(data.get("only_by"), place, data, is_start)
        roles = reader.names(data.get("roles"), f"{place}.roles", data)
        if only_by is not None and roles:
            raise reader.fail(place, "a transition with only_by is fired by its cause only: give it no roles", data)
        if not roles and only_by is None:
            raise reader.fail(place, "no role is allowed to fire it (roles: [...])", data)
        for role in roles:
            if role not in self.roles:
                raise reader.fail(place, f"unknown role '{role}'; known: {sorted(self.roles)}", data)
        requires = reader.names(data.get("requires"), f"{place}.requires", data)
        sets = reader.names(data.get("sets"), f"{place}.sets", data)
        for fname in requires + sets:
            if fname not in self.fields:
                raise reader.fail(place, f"unknown field '{fname}'", data)
            # A list grows by append, one audited item per step. A start may give a list its first items, and a
            # step may require a whole list it alone records (Council's decision on every option at once).
            if self.fields[fname].type == "list" and not is_start and fname not in requires:
                raise reader.fail(
                    place, f"list field '{fname}' is changed with append, or required whole by one step", data
                )
        clears = reader.names(data.get("clears"), f"{place}.clears", data)
        for fname in clears:
            spec_ = self.fields.get(fname)
            if spec_ is None or spec_.required or spec_.type == "list" or fname in requires + sets:
                raise reader.fail(
                    place, f"clears names '{fname}': an optional, non-list field the step does not also set", data
                )
        append = data.get("append")
        item: Mapping[str, FieldSpec] | None = None
        if append is not None:
            spec = self.fields.get(str(append))
            if spec is None or spec.type != "list":
                raise reader.fail(place, f"append names '{append}', which is not a list field", data)
            item = spec.item
        guards = tuple(
            self._guard(g, f"{place}.guards[{i}]", data, item) for i, g in enumerate(data.get("guards") or [])
        )
        notices = reader.names(data.get("notices"), f"{place}.notices", data)
        for notice in notices:
            if self.notices is not None and notice not in self.notices:
                raise reader.fail(place, f"unknown notice '{notice}' (not in workflows/notices.yaml)", data)
        effects = tuple(self._effect(e, f"{place}.effects[{i}]") for i, e in enumerate(data.get("effects") or []))
        return TransitionSpec(
            trigger=trigger,
            sources=sources,
            dest=str(dest),
            roles=roles,
            guards=guards,
            requires=requires,
            sets=sets,
            append=str(append) if append else None,
            notices=notices,
            effects=effects,
            title=str(data.get("title", "")),
            only_by=only_by,
            clears=clears,
        )

    def _only_by(self, raw: object, place: str, node: object, is_start: bool) -> OnlyBy | None:
        if raw is None:
            return None
        if is_start:
            raise self.reader.fail(place, "a start cannot be only_by another instance (effects start it anyway)", node)
        data = self.reader.mapping(raw, f"{place}.only_by")
        self.reader.check_keys(data, SECTION_KEYS["only_by"], f"{place}.only_by")
        workflow, via = data.get("workflow"), data.get("via")
        if not isinstance(workflow, str) or not isinstance(via, str):
            raise self.reader.fail(
                place, "only_by names the deciding workflow and its ref field: {workflow, via}", node
            )
        return OnlyBy(workflow, via)

    def _guard(self, raw: object, place: str, node: object, item: Mapping[str, FieldSpec] | None) -> GuardSpec:
        reader = self.reader
        if isinstance(raw, str):
            name, args = raw, {}
        elif isinstance(raw, dict) and len(raw) == 1:
            name, value = next(iter(raw.items()))
            if isinstance(value, dict):
                args = dict(value)
            elif name in SHORT_ARG:
                args = {SHORT_ARG[name]: value}
            else:
                raise reader.fail(place, f"guard '{name}' takes named arguments", node)
        else:
            raise reader.fail(place, "a guard is a name or {name: arguments}", node)
        kind = GUARDS.get(name)
        if kind is None:
            raise reader.fail(place, f"unknown guard '{name}'; known: {sorted(GUARDS)}", node)
        if set(args) != set(kind.args):
            raise reader.fail(place, f"guard '{name}' takes {sorted(kind.args)}, got {sorted(args)}", node)
        for arg, what in kind.args.items():
            value = args[arg]
            if what == "deadline" and value not in self.deadlines:
                raise reader.fail(place, f"guard '{name}' names unknown deadline '{value}'", node)
            if what == "field" and "." in str(value):
                head = str(value).split(".", 1)[0]
                if name not in READS_RELATED:
                    raise reader.fail(place, f"guard '{name}' reads this instance's fields only, not '{value}'", node)
                if head not in self.fields or self.fields[head].type != "ref":
                    raise reader.fail(place, f"guard '{name}': '{head}' in '{value}' is not a ref field", node)
            elif what == "field" and value not in self.fields and (item is None or value not in item):
                raise reader.fail(place, f"guard '{name}' names unknown field '{value}'", node)
            elif what == "fields":
                unknown = [f for f in (value if isinstance(value, list) else [value]) if f not in self.fields]
                if unknown:
                    raise reader.fail(place, f"guard '{name}' names unknown field(s) {unknown}", node)
        dotted = "." in str(args.get("field", ""))  # a referenced instance's field: checked by check_links
        if "field" in kind.args and "values" in kind.args and not dotted:  # the condition language's values
            schema = {**(item or {}), **self.fields}
            values = args["values"] if isinstance(args["values"], list) else [args["values"]]
            try:
                check_condition(compile_condition({str(args["field"]): values}), schema)
            except ConditionError as exc:
                raise reader.fail(place, f"guard '{name}': {exc}", node) from None
        return GuardSpec(name=name, args=args)

    def _effect(self, raw: object, place: str) -> EffectSpec:
        reader = self.reader
        data = reader.mapping(raw, place)
        reader.check_keys(data, SECTION_KEYS["effect"], place)
        if ("start" in data) == ("fire" in data):
            raise reader.fail(
                place, "an effect either starts a workflow (start: NAME) or fires a trigger (fire: NAME)", data
            )
        action: Literal["start", "fire"] = "start" if "start" in data else "fire"
        for_each, on = data.get("for_each"), data.get("on")
        linked = data.get("linked")
        if for_each is not None and (for_each not in self.fields or self.fields[str(for_each)].type != "list"):
            raise reader.fail(place, f"for_each names '{for_each}', which is not a list field", data)
        # With for_each, `on` names a ref field of the list's items (fire on each item's instance).
        on_fields = self.fields[str(for_each)].item if for_each is not None and action == "fire" else self.fields
        if on is not None and (on not in on_fields or on_fields[str(on)].type != "ref"):
            where_on = f"a ref field of {for_each} items" if on_fields is not self.fields else "a ref field"
            raise reader.fail(place, f"on names '{on}', which is not {where_on}", data)
        if action == "fire" and (on is None) == (linked is None):
            raise reader.fail(place, "a fire effect names its target: on: REF_FIELD or linked: {...}", data)
        if action == "fire" and for_each is not None and on is None:
            raise reader.fail(place, "a fire effect with for_each names the items' ref field: on: FIELD", data)
        gather = self._gather(data, place, action, linked)
        if linked is not None:
            links = reader.mapping(linked, f"{place}.linked")
            reader.check_keys(links, SECTION_KEYS["effect.linked"], f"{place}.linked")
            if not isinstance(links.get("workflow"), str) or not isinstance(links.get("via"), str):
                raise reader.fail(place, "linked needs workflow and via", data)
        values = reader.mapping(data.get("fields") or LineDict(), f"{place}.fields")
        for fname, expr in values.items():
            match = EXPR.match(expr) if isinstance(expr, str) and expr.startswith("$") else None
            if isinstance(expr, str) and expr.startswith("$") and match is None:
                raise reader.fail(
                    place, f"field {fname}: cannot read expression {expr!r} ($self.FIELD or $item.FIELD)", data
                )
            if match and match.group(1) == "self" and match.group(2) not in self.fields and match.group(2) != "id":
                raise reader.fail(place, f"field {fname}: unknown field '{match.group(2)}' in {expr}", data)
            if match and match.group(1) == "item" and for_each is None and linked is None:
                raise reader.fail(place, f"field {fname}: $item is only defined with for_each or linked", data)
            if match and match.group(1) == "item" and for_each is not None:
                item = self.fields[str(for_each)].item
                if match.group(2) not in item and match.group(2) not in ITEM_EXTRAS:
                    raise reader.fail(
                        place, f"field {fname}: '{match.group(2)}' is not a field of {for_each} items", data
                    )
        # The fields `where` tests: a list's items, the instance's own, or (checked by check_links, which
        # knows the other workflows) those of the linked instances.
        schema: Mapping[str, FieldSpec] | None = self.fields
        if for_each is not None:
            schema = {**ITEM_EXTRAS, **self.fields[str(for_each)].item}
        elif linked is not None:
            schema = None
        where = reader.condition(data.get("where"), f"{place}.where", schema, data)
        return EffectSpec(
            action=action,
            target=str(data[action]),
            fields=dict(values),
            for_each=for_each,
            linked=dict(linked) if linked else None,
            on=on,
            where=where,
            line=line_of(data),
            gather=gather,
        )

    def _gather(self, data: Mapping[str, object], place: str, action: str, linked: object) -> Gather | None:
        """``gather: {into: LIST_FIELD, fields: {...}}`` on a start over linked instances (checked further by
        check_links, which knows the started workflow)."""
        raw = data.get("gather")
        if raw is None:
            return None
        reader = self.reader
        if action != "start" or linked is None:
            raise reader.fail(place, "gather collects linked instances into one start: start + linked + gather", data)
        spec = reader.mapping(raw, f"{place}.gather")
        reader.check_keys(spec, SECTION_KEYS["effect.gather"], f"{place}.gather")
        into = spec.get("into")
        if not isinstance(into, str):
            raise reader.fail(place, "gather needs into: LIST_FIELD of the started workflow", data)
        values = reader.mapping(spec.get("fields") or LineDict(), f"{place}.gather.fields")
        for fname, expr in values.items():
            if isinstance(expr, str) and expr.startswith("$") and not (EXPR.match(expr) and expr.startswith("$item.")):
                raise reader.fail(place, f"gather field {fname}: {expr!r} is not $item.FIELD", data)
        return Gather(into=into, fields=dict(values))


def _check_duplicates(reader: _Reader, transitions: Sequence[TransitionSpec]) -> None:
    """A trigger may be declared twice from one state only as guarded alternatives: every declaration but
    the last has guards (or the later ones could never be taken), and all take the same roles and fields
    (the form and the role check do not depend on which alternative is taken)."""
    seen: dict[tuple[str, str], int] = {}
    for i, spec in enumerate(transitions):
        for source in spec.sources:
            key = (spec.trigger, source)
            if key in seen:
                first = transitions[seen[key]]
                earlier = [t for t in transitions[:i] if t.trigger == spec.trigger and source in t.sources]
                place = f"transitions[{i}] ({spec.trigger})"
                if any(not t.guards for t in earlier):
                    raise reader.fail(
                        place,
                        f"duplicate transition: '{spec.trigger}' from '{source}' is already declared "
                        f"at transitions[{seen[key]}] without guards, so this one could never be taken",
                    )
                if (first.roles, first.requires, first.sets, first.append) != (
                    spec.roles, spec.requires, spec.sets, spec.append
                ):  # fmt: skip
                    raise reader.fail(
                        place,
                        f"'{spec.trigger}' from '{source}' is an alternative of transitions[{seen[key]}]: "
                        "it must take the same roles, requires, sets and append",
                    )
            else:
                seen[key] = i


def _check_graph(
    reader: _Reader, states: Sequence[str], initial: str, finals: set[str], transitions: Sequence[TransitionSpec]
) -> None:
    edges: dict[str, set[str]] = {s: set() for s in states}
    for spec in transitions:
        for source in spec.sources:
            edges[source].add(source if spec.dest == SAME_STATE else spec.dest)
    seen, queue = {initial}, deque([initial])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    unreachable = [s for s in states if s not in seen]
    if unreachable:
        raise reader.fail("states", f"unreachable state(s) from '{initial}': {', '.join(unreachable)}")
    # Walking the arrows backwards from the finals: a state outside what that reaches is a trap (a loop, or a
    # corner, that no instance in it can ever leave for good).
    leads_out, backlog = set(finals), deque(finals)
    while backlog:
        target = backlog.popleft()
        for source, dests in edges.items():
            if target in dests and source not in leads_out:
                leads_out.add(source)
                backlog.append(source)
    trapped = [s for s in states if s not in leads_out and s not in finals]
    for state in states:
        exits = edges[state] - {state}
        if state in finals and edges[state]:
            raise reader.fail(f"states.{state}", f"final state '{state}' has outgoing transitions")
        if state not in finals and not exits:
            raise reader.fail(
                f"states.{state}", f"non-final state '{state}' has no way out (mark it final or add a transition)"
            )
    if trapped:
        raise reader.fail("states", f"no final state can be reached from: {', '.join(trapped)}")


def _timers(
    reader: _Reader,
    raw: object,
    states: Sequence[str],
    deadlines: Mapping[str, DeadlineSpec],
    fields: Mapping[str, FieldSpec],
    notices: set[str] | None,
    transitions: Sequence[TransitionSpec],
) -> tuple[TimerSpec, ...]:
    if not isinstance(raw, list):
        raise reader.fail("timers", "expected a list", raw)
    result: list[TimerSpec] = []
    for i, timer_raw in enumerate(raw):
        place = f"timers[{i}]"
        data = reader.mapping(timer_raw, place)
        reader.check_keys(data, SECTION_KEYS["timer"], place)
        key = data.get("key")
        if not isinstance(key, str) or not key:
            raise reader.fail(place, "a timer needs a key", data)
        place = f"{place} ({key})"
        if any(t.key == key for t in result):
            raise reader.fail(place, f"duplicate timer key '{key}'", data)
        active = reader.names(data.get("while"), f"{place}.while", data)
        if not active:
            raise reader.fail(place, "a timer lists the states it is active in (while: [...])", data)
        for state in active:
            if state not in states:
                raise reader.fail(place, f"unknown state '{state}'", data)
        if ("deadline" in data) == ("rule" in data):
            raise reader.fail(place, "a timer has either deadline: NAME or rule: 'FIELD +/- N days'", data)
        if "deadline" in data and data["deadline"] not in deadlines:
            raise reader.fail(place, f"unknown deadline '{data['deadline']}'", data)
        rule = _rule(reader, data["rule"], place, fields, data).text if "rule" in data else None
        if ("notice" in data) == ("fire" in data):
            raise reader.fail(place, "a timer either sends a notice or fires a trigger", data)
        notice, fire = data.get("notice"), data.get("fire")
        if notice is not None and notices is not None and notice not in notices:
            raise reader.fail(place, f"unknown notice '{notice}'", data)
        given: dict[str, object] = {}
        if fire is not None:
            specs = [t for t in transitions if t.trigger == fire]
            if not specs:
                raise reader.fail(place, f"unknown trigger '{fire}'", data)
            # Only the declarations the timer can fire matter: those leaving a state it is active in.
            active_specs = [t for t in specs if set(t.sources) & set(active)] or specs
            if not all(SYSTEM_ROLE in t.roles for t in active_specs):
                raise reader.fail(
                    place, f"trigger '{fire}' must allow the role '{SYSTEM_ROLE}' to be fired by a timer", data
                )
            given = _timer_values(reader, data.get("set") or {}, place, (fields, deadlines), active_specs, data)
        elif "set" in data:
            raise reader.fail(place, "only a timer that fires a trigger gives values (set:)", data)
        when = reader.condition(data.get("when"), f"{place}.when", fields, data)
        result.append(
            TimerSpec(
                key=key,
                active_in=active,
                deadline=data.get("deadline"),
                rule=rule,
                notice=notice,
                fire=fire,
                when=when,
                sets=given,
            )
        )
    return tuple(result)


def _timer_values(
    reader: _Reader,
    raw: object,
    place: str,
    known: tuple[Mapping[str, FieldSpec], Mapping[str, DeadlineSpec]],
    specs: Sequence[TransitionSpec],
    node: object,
) -> dict[str, object]:
    """``set: {report_approved_on: $deadline.silence, report_mode: correspondence}``: the values a timed step
    gives, literals, ``$self.FIELD`` or ``$deadline.NAME`` (that deadline's day), each a field the step takes."""
    values = reader.mapping(raw, f"{place}.set")
    fields, deadlines = known
    accepted = {f for t in specs for f in t.accepted_fields}
    for name, value in values.items():
        if name not in accepted:
            raise reader.fail(place, f"set: the step does not take '{name}' (it takes {sorted(accepted)})", node)
        if isinstance(value, str) and value.startswith("$deadline.") and value.split(".", 1)[1] not in deadlines:
            raise reader.fail(place, f"set: {value!r} names no deadline of this workflow", node)
        if isinstance(value, str) and value.startswith("$self.") and value.split(".", 1)[1] not in fields:
            raise reader.fail(place, f"set: {value!r} names no field of this workflow", node)
    return dict(values)


def check_links(definitions: Mapping[str, Definition]) -> None:
    """Cross-file checks: effects and ref fields name workflows, triggers and fields that exist."""
    for definition in definitions.values():
        reader = _Reader(definition.source)
        for fspec in definition.fields.values():
            if fspec.type == "ref" and fspec.workflow not in definitions:
                raise reader.fail(f"fields.{fspec.name}", f"ref to unknown workflow '{fspec.workflow}'")
        for spec in (definition.start, *definition.transitions):
            for i, effect in enumerate(spec.effects):
                place = f"{spec.trigger}.effects[{i}]"
                if effect.action == "start":
                    target = definitions.get(effect.target)
                    if target is None:
                        raise reader.fail(place, f"starts unknown workflow '{effect.target}'")
                    for fname in effect.fields:
                        if fname not in target.fields:
                            raise reader.fail(place, f"sets unknown field '{fname}' of {effect.target}")
                        if fname not in target.start.accepted_fields:
                            raise reader.fail(
                                place, f"sets '{fname}', which the start of {effect.target} does not accept"
                            )
                    given = set(effect.fields)
                    if effect.gather is not None:
                        _check_gather(reader, place, effect.gather, target)
                        given.add(effect.gather.into)
                    missing = [f.name for f in target.fields.values() if f.required and f.name not in given]
                    if missing:
                        raise reader.fail(place, f"does not set required field(s) {missing} of {effect.target}")
                else:
                    on_fields = (
                        definition.fields[effect.for_each].item if effect.for_each is not None else definition.fields
                    )
                    wf = (
                        definitions[str(on_fields[effect.on].workflow)]
                        if effect.on
                        else definitions.get(str((effect.linked or {}).get("workflow")))
                    )
                    if wf is None:
                        raise reader.fail(place, f"fires on unknown workflow {(effect.linked or {}).get('workflow')!r}")
                    if effect.target not in wf.triggers:
                        raise reader.fail(place, f"fires unknown trigger '{effect.target}' of {wf.name}")
                if effect.linked is not None:
                    linked_wf = definitions.get(str(effect.linked.get("workflow")))
                    via = str(effect.linked.get("via"))
                    if linked_wf is None:
                        raise reader.fail(place, f"linked names unknown workflow {effect.linked.get('workflow')!r}")
                    if via not in linked_wf.fields or linked_wf.fields[via].type != "ref":
                        raise reader.fail(place, f"linked via '{via}', which is not a ref field of {linked_wf.name}")
                    state = effect.linked.get("state")
                    if state is not None and state not in linked_wf.states:
                        raise reader.fail(place, f"linked state '{state}' is not a state of {linked_wf.name}")
                    try:
                        check_condition(effect.where, {**LINKED_EXTRAS, **linked_wf.fields})
                    except ConditionError as exc:
                        raise reader.fail(f"{place}.where", f"{exc} of {linked_wf.name}", effect) from None
        for spec in definition.transitions:
            if spec.only_by is not None:
                _check_only_by(reader, definition, spec, spec.only_by, definitions)
        for spec in definition.transitions:
            for guard in spec.guards:
                path = str(guard.args.get("field", ""))
                if "." in path:  # meeting.start: a field of the instance the ref names
                    head, _, tail = path.partition(".")
                    target = definitions[str(definition.fields[head].workflow)]
                    if tail == "state":  # the referenced instance's state: the values name its states
                        wanted = guard.args.get("values")
                        unknown = [
                            v for v in (wanted if isinstance(wanted, list) else [wanted]) if v not in target.states
                        ]
                        if unknown:
                            raise reader.fail(f"{spec.trigger}.guards", f"{unknown} are not states of {target.name}")
                    elif tail not in target.fields:
                        raise reader.fail(f"{spec.trigger}.guards", f"'{tail}' is not a field of {target.name}")
        for guard in (g for t in definition.transitions for g in t.guards if g.name == "linked_all_in"):
            linked_wf = definitions.get(str(guard.args["workflow"]))
            if linked_wf is None or str(guard.args["via"]) not in linked_wf.fields:
                raise reader.fail(f"guard {guard.describe()}", "names an unknown workflow or ref field")


def _check_gather(reader: _Reader, place: str, gather: Gather, target: Definition) -> None:
    into = target.fields.get(gather.into)
    if into is None or into.type != "list":
        raise reader.fail(place, f"gathers into '{gather.into}', which is not a list field of {target.name}")
    if gather.into not in target.start.accepted_fields:
        raise reader.fail(place, f"gathers into '{gather.into}', which the start of {target.name} does not accept")
    unknown = [name for name in gather.fields if name not in into.item]
    if unknown:
        raise reader.fail(place, f"gather sets {unknown}, which are not fields of {gather.into} items")


def with_article(noun: str) -> str:
    """``noun`` with its indefinite article: "a topic", "an escalation"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def deciding_steps(definition: Definition, trigger: str, deciding: Definition, via: str) -> list[str]:
    """The triggers of ``deciding`` whose effects fire ``trigger`` on an instance of ``definition``: through
    ``deciding``'s ref field ``via`` (``on: via``), or on the instances whose ref ``via`` names it (``linked``)."""

    def fires_it(effect: EffectSpec) -> bool:
        if effect.action != "fire" or effect.target != trigger:
            return False
        linked = effect.linked or {}
        if effect.for_each is not None:  # fired on each item's ref: the item names an instance of definition
            item = deciding.fields[effect.for_each].item
            return effect.on is not None and item[effect.on].workflow == definition.name
        return effect.on == via or (linked.get("workflow") == definition.name and linked.get("via") == via)

    return [spec.trigger for spec in (deciding.start, *deciding.transitions) if any(map(fires_it, spec.effects))]


def _check_only_by(
    reader: _Reader,
    definition: Definition,
    spec: TransitionSpec,
    only_by: OnlyBy,
    definitions: Mapping[str, Definition],
) -> None:
    place = f"{spec.trigger}.only_by"
    deciding = definitions.get(only_by.workflow)
    if deciding is None:
        raise reader.fail(place, f"unknown workflow '{only_by.workflow}'")
    theirs, ours = deciding.fields.get(only_by.via), definition.fields.get(only_by.via)
    if not (theirs is not None and theirs.type == "ref" and theirs.workflow == definition.name) and not (
        ours is not None and ours.type == "ref" and ours.workflow == deciding.name
    ):
        raise reader.fail(
            place,
            f"'{only_by.via}' is neither a ref field of {deciding.name} naming {with_article(definition.name)} "
            f"nor one of {definition.name} naming {with_article(deciding.name)}",
        )
    if not deciding_steps(definition, spec.trigger, deciding, only_by.via):
        raise reader.fail(
            place,
            f"no step of {deciding.name} fires '{spec.trigger}' on its {only_by.via} (effects: fire ..., on: ...)",
        )
