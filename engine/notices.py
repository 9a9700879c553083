"""Who receives a notice and what it says, decided when the step commits (so the outbox row is self-contained)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from engine.body import Body
from engine.catalogue import NoticeSpec
from engine.definition import Definition
from engine.fields import list_items
from engine.records import Instance, Person
from engine.roles import DIRECTORY_ROLES, SYSTEM_ROLE, effective_roles, parse_filtered_role


def recipients(
    notice: NoticeSpec,
    people: Sequence[Person],
    actor: Person,
    definition: Definition,
    fields: Mapping[str, object],
    related: Mapping[str, Mapping[str, object]],
    item: Mapping[str, object] | None = None,
) -> list[tuple[Person, bool]]:
    """Each recipient once, with whether they only get it for information (cc); ``to`` wins over ``cc``."""
    chosen: dict[str, tuple[Person, bool]] = {}
    for selectors, for_information in ((notice.to, False), (notice.cc, True)):
        for selector in selectors:
            for person in _select(selector, people, actor, definition, fields, related, item):
                if person.id not in chosen and SYSTEM_ROLE not in person.roles:
                    chosen[person.id] = (person, for_information)
    return list(chosen.values())


def _select(
    selector: str,
    people: Sequence[Person],
    actor: Person,
    definition: Definition,
    fields: Mapping[str, object],
    related: Mapping[str, Mapping[str, object]],
    item: Mapping[str, object] | None,
) -> list[Person]:
    if selector == "actor":
        return [actor]
    if selector == "item_member_state":  # the Member State an appended item was given by (or on behalf of)
        state = (item or {}).get("member_state")
        return [p for p in people if state and "member_state" in p.roles and p.member_state == state]
    if selector in DIRECTORY_ROLES:
        return [p for p in people if selector in p.roles]
    filtered = parse_filtered_role(selector)
    if filtered is not None:
        lists = {name: list_items(fields.get(name)) for name in (*filtered.within, *filtered.without)}
        return [
            p
            for p in people
            if filtered.role in p.roles
            and all(_has_item(p, lists[name]) for name in filtered.within)
            and not any(_has_item(p, lists[name]) for name in filtered.without)
        ]
    if selector.startswith("submitters:"):
        ids = {item.get("by") for item in list_items(fields.get(selector.split(":", 1)[1]))}
        return [p for p in people if p.id in ids]
    if selector in definition.instance_roles:
        return [p for p in people if selector in effective_roles(p, definition, fields, related)]
    return []  # a selector meant for another workflow's instance roles


def _has_item(person: Person, items: Sequence[Mapping[str, object]]) -> bool:
    """Whether the person gave one of these items, or their Member State has one."""
    return any(
        item.get("by") == person.id
        or (person.member_state is not None and item.get("member_state") == person.member_state)
        for item in items
    )


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def instance_data(instance: Instance) -> dict[str, Any]:
    return {
        "id": instance.id,
        "workflow": instance.workflow,
        "state": instance.state,
        "version": instance.version,
        "fields": dict(instance.fields),
    }


def notice_context(
    notice: NoticeSpec,
    body: Body,
    instance: Instance,
    related: Mapping[str, Instance],
    deadlines: Mapping[str, date],
    actor: Person,
    trigger: str | None,
    note: str | None,
    at: datetime,
    item: Mapping[str, object] | None,
) -> dict[str, Any]:
    """The plain-data context a notice template gets (the recipient is added per message)."""
    return {
        "notice": {"id": notice.id, "name": notice.name},
        "body": body.context(),
        "instance": instance_data(instance),
        "related": {name: instance_data(inst) for name, inst in related.items()},
        "deadlines": {name: day.isoformat() for name, day in deadlines.items()},
        "actor": {"id": actor.id, "name": actor.name, "member_state": actor.member_state},
        "trigger": trigger,
        "note": note,
        "at": _plain(at),
        "item": dict(item) if item is not None else None,
    }


def recipient_data(person: Person, for_information: bool) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "language": person.language,
        "member_state": person.member_state,
        "for_information": for_information,
    }
