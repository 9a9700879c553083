"""Who may act: directory roles, the acting-chair designation, and roles a definition derives from fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.definition import Definition, RoleClause
from engine.records import Person

DIRECTORY_ROLES = frozenset({"secretariat", "chair", "vice_chair", "member_state", "stakeholder", "council"})
SYSTEM_ROLE = "system"
PUBLIC_ROLE = "public"
"""Anyone who answers an open consultation on its public page, once their address is confirmed (not a
directory role: the desk builds that person from the address, ``public:ADDRESS``)."""
SYSTEM_ACTOR = Person(
    id="system", name="consultflow", email="consultflow@localhost", language="en", roles=(SYSTEM_ROLE,)
)


def lookup(path: str, fields: Mapping[str, object], related: Mapping[str, Mapping[str, object]]) -> object:
    """A field of the instance (``acting_chair``) or of an instance it refers to (``meeting.acting_chair``)."""
    head, _, rest = path.partition(".")
    if not rest:
        return fields.get(head)
    return related.get(head, {}).get(rest)


def _clause_holds(clause: RoleClause, person: Person, fields: Mapping[str, object]) -> bool:
    if not clause.when.holds(fields):
        return False
    if clause.role is not None:
        return clause.role in person.roles
    if clause.member_state_field is not None:
        wanted = fields.get(clause.member_state_field)
        return "member_state" in person.roles and wanted is not None and person.member_state == wanted
    return clause.person_field is not None and fields.get(clause.person_field) == person.id


ACTING_CHAIR = "acting_chair"
"""The role a step records when a Vice-Chair designated acting chair takes it as chair."""


def effective_roles(
    person: Person,
    definition: Definition,
    fields: Mapping[str, object],
    related: Mapping[str, Mapping[str, object]],
) -> tuple[str, ...]:
    """The person's directory roles, plus ``chair`` when designated acting chair, plus instance roles."""
    roles = list(person.roles)
    if (
        definition.acting_chair
        and "vice_chair" in person.roles
        and "chair" not in roles
        and lookup(definition.acting_chair, fields, related) == person.id
    ):
        roles.append("chair")
    for name, clauses in definition.instance_roles.items():
        if any(_clause_holds(c, person, fields) for c in clauses):
            roles.append(name)
    return tuple(roles)


def matching_role(roles: tuple[str, ...], allowed: tuple[str, ...]) -> str | None:
    """The role the person acts in: the first of the transition's allowed roles that they hold."""
    for role in allowed:
        if role in roles:
            return role
    return None


@dataclass(frozen=True)
class FilteredRole:
    """``member_state:in=registrations:without=contributions``: the people of a directory role, kept only if
    they (or their Member State) have an item in each ``in`` list field and none in each ``without`` one, so
    a reminder reaches exactly those its words address ("registered, no contribution yet")."""

    role: str
    within: tuple[str, ...] = ()
    without: tuple[str, ...] = ()


def parse_filtered_role(selector: str) -> FilteredRole | None:
    """The filtered role a selector writes, or None if it is not one (or is malformed)."""
    role, *clauses = selector.split(":")
    if not clauses or role not in DIRECTORY_ROLES:
        return None
    within: list[str] = []
    without: list[str] = []
    for clause in clauses:
        kind, _, name = clause.partition("=")
        if not name or kind not in ("in", "without"):
            return None
        (within if kind == "in" else without).append(name)
    return FilteredRole(role, tuple(within), tuple(without))
