"""Who may see what beyond a single step: the engine decides instances (``can_see``, roles, guards);
the desk adds who may read the directory, run the outbox and generate the Chair's report."""

from __future__ import annotations

from engine import Engine, Instance, Person
from web.errors import NotPermitted, NotVisible

GROUP_ROLES = frozenset({"secretariat", "chair", "vice_chair", "member_state", "council"})
REPORT_ROLES = frozenset({"secretariat", "chair"})


def may_read_directory(person: Person) -> bool:
    """The directory (names, e-mail addresses) is for the Group and its officers, not for stakeholders."""
    return bool(GROUP_ROLES & set(person.roles))


def may_run_outbox(person: Person) -> bool:
    """The secretariat sends the notices, so only it sees the outbox and retries failed ones."""
    return "secretariat" in person.roles


def may_generate_report(person: Person) -> bool:
    """The Chair's report to Council is prepared by the chair and the secretariat."""
    return bool(REPORT_ROLES & set(person.roles))


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise NotPermitted(f"your roles do not allow you to {what}")


class Visibility:
    """``Engine.can_see`` for one person, asked once per definition version rather than once per instance."""

    def __init__(self, engine: Engine, person: Person) -> None:
        self.engine, self.person = engine, person
        self._seen: dict[str, bool] = {}

    def sees(self, instance: Instance) -> bool:
        key = instance.definition_hash
        if key not in self._seen:
            self._seen[key] = self.engine.can_see(instance, self.person)
        return self._seen[key]

    def check(self, instance: Instance) -> Instance:
        if not self.sees(instance):
            raise NotVisible(f"{instance.id} is not visible to {self.person.id}: its workflow is for the Group only")
        return instance
