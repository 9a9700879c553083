"""Who may see what beyond a single step: the engine decides instances (``can_see``, roles, guards);
the desk adds who may read the directory, run the outbox and generate the Chair's report."""

from __future__ import annotations

from engine import Engine, Instance, Person
from engine.errors import InstanceNotFound
from web.errors import NotPermitted

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
    """``Engine.can_see``, asked once per definition version and set of directory roles.

    What ``can_see`` answers depends on nothing else (the definition's ``visible_to`` and the person's roles),
    and a definition version never changes (its content hash names it), so the answer can be kept for the
    life of the app.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._seen: dict[tuple[str, tuple[str, ...]], bool] = {}

    def sees(self, instance: Instance, person: Person) -> bool:
        key = (instance.definition_hash, tuple(sorted(person.roles)))
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = self.engine.can_see(instance, person)
        return seen

    def check(self, instance: Instance, person: Person) -> Instance:
        """The instance if the person may see it; else the very refusal an unknown id gets (404, same words,
        same error name), so that a refusal does not tell that the instance exists."""
        if not self.sees(instance, person):
            raise InstanceNotFound(f"no instance '{instance.id}' (see `consultflow list`)")
        return instance
