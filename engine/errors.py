"""Every error consultflow raises on purpose: one root, one class per problem, data kept on the instance.

The first line of each docstring doubles as the default message; the CLI prints ``str(error)`` and exits
non-zero without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class ConsultflowError(Exception):
    """Consultflow could not do what was asked."""

    exit_code = 1

    def __init__(self, message: str | None = None) -> None:
        doc = (type(self).__doc__ or "").strip().splitlines()
        super().__init__(message or (doc[0] if doc else type(self).__name__))


class DefinitionError(ConsultflowError):
    """A workflow definition is invalid."""

    def __init__(self, source: str, place: str, reason: str) -> None:
        self.source, self.place, self.reason = source, place, reason
        super().__init__(f"{source}: {place}: {reason}")


class DefinitionChanged(ConsultflowError):
    """A workflow file changed without a new version number."""


class UnknownWorkflow(ConsultflowError):
    """No workflow has that name."""


class InstanceNotFound(ConsultflowError):
    """No instance has that id."""

    exit_code = 4


class PersonNotFound(ConsultflowError):
    """No person in the directory has that id."""

    exit_code = 4


class DirectoryError(ConsultflowError):
    """A directory entry is invalid."""


class FieldError(ConsultflowError):
    """A field value is missing or invalid."""


class TriggerNotAllowed(ConsultflowError):
    """The trigger cannot be fired in the instance's current state."""

    exit_code = 3

    def __init__(self, instance_id: str, trigger: str, state: str, allowed: Iterable[str]) -> None:
        self.instance_id, self.trigger, self.state = instance_id, trigger, state
        self.allowed = sorted(allowed)
        known = ", ".join(self.allowed) or "none"
        super().__init__(
            f"trigger '{trigger}' cannot be fired on {instance_id} in state '{state}' "
            f"(triggers available there: {known})"
        )


class RoleNotAllowed(ConsultflowError):
    """The person does not hold a role allowed to fire this trigger."""

    exit_code = 3

    def __init__(self, person: str, trigger: str, state: str, roles: Iterable[str], allowed: Iterable[str]) -> None:
        self.person, self.trigger, self.state = person, trigger, state
        self.roles, self.allowed = sorted(roles), sorted(allowed)
        super().__init__(
            f"{person} may not fire '{trigger}' in state '{state}': their roles are "
            f"{', '.join(self.roles) or 'none'}; allowed roles are {', '.join(self.allowed)}"
        )


class GuardFailed(ConsultflowError):
    """A guard of the transition refused it."""

    exit_code = 3

    def __init__(self, trigger: str, guard: str, reason: str) -> None:
        self.trigger, self.guard, self.reason = trigger, guard, reason
        super().__init__(f"'{trigger}' refused by guard {guard}: {reason}")


class Conflict(ConsultflowError):
    """The instance was changed by someone else; reload it and try again."""

    exit_code = 5

    def __init__(self, instance_id: str, expected: int, actual: int | None) -> None:
        self.instance_id, self.expected, self.actual = instance_id, expected, actual
        now = "was changed concurrently" if actual is None else f"is now at version {actual}"
        super().__init__(
            f"conflict on {instance_id}: expected version {expected} but it {now}; "
            "reload it and try again (nothing was written)"
        )


class NaiveDatetime(ConsultflowError):
    """A datetime without a time zone was given; consultflow only accepts aware datetimes."""


class DatabaseError(ConsultflowError):
    """The database could not be used."""


class DatabaseBusy(DatabaseError):
    """The database stayed locked by another writer for too long; try again."""

    exit_code = 5


class DuplicateRow(DatabaseError):
    """The database refused a row that already exists."""


class SchemaOutdated(DatabaseError):
    """The database schema is older than this version of consultflow."""


class UnknownTrigger(ConsultflowError):
    """The workflow has no trigger of that name."""

    exit_code = 3

    def __init__(self, workflow: str, trigger: str, known: Iterable[str]) -> None:
        self.workflow, self.trigger = workflow, trigger
        super().__init__(f"'{trigger}' is not a trigger of workflow {workflow} (triggers: {', '.join(known)})")
