"""Every error consultflow raises on purpose: one root, one class per problem, data kept on the instance.

The first line of each docstring doubles as the default message. Errors say what went wrong, not how an
interface reports it: the CLI maps error classes to exit codes and the web layer to HTTP statuses, each at
its own edge. ``NotFound`` and ``NotAllowed`` group the classes those mappings treat alike.
"""

from __future__ import annotations

from collections.abc import Iterable


class ConsultflowError(Exception):
    """Consultflow could not do what was asked."""

    def __init__(self, message: str | None = None) -> None:
        doc = (type(self).__doc__ or "").strip().splitlines()
        super().__init__(message or (doc[0] if doc else type(self).__name__))


class NotFound(ConsultflowError):
    """Nothing has that name or id."""


class NotAllowed(ConsultflowError):
    """That may not be done: not in this state, not by this person, or not now."""


class DefinitionError(ConsultflowError):
    """A workflow definition is invalid."""

    def __init__(self, source: str, place: str, reason: str) -> None:
        self.source, self.place, self.reason = source, place, reason
        super().__init__(f"{source}: {place}: {reason}")


class DefinitionChanged(ConsultflowError):
    """A workflow file changed without a new version number."""


class UnknownWorkflow(ConsultflowError):
    """No workflow has that name."""


class InstanceNotFound(NotFound):
    """No instance has that id."""


class PersonNotFound(NotFound):
    """No person in the directory has that id."""


class DirectoryError(ConsultflowError):
    """A directory entry is invalid."""


class FieldError(ConsultflowError):
    """A field value is missing or invalid."""


class TriggerNotAllowed(NotAllowed):
    """The trigger cannot be fired in the instance's current state."""

    def __init__(self, instance_id: str, trigger: str, state: str, allowed: Iterable[str]) -> None:
        self.instance_id, self.trigger, self.state = instance_id, trigger, state
        self.allowed = sorted(allowed)
        known = ", ".join(self.allowed) or "none"
        super().__init__(
            f"trigger '{trigger}' cannot be fired on {instance_id} in state '{state}' "
            f"(triggers available there: {known})"
        )


class RoleNotAllowed(NotAllowed):
    """The person does not hold a role allowed to fire this trigger."""

    def __init__(self, person: str, trigger: str, state: str, roles: Iterable[str], allowed: Iterable[str]) -> None:
        self.person, self.trigger, self.state = person, trigger, state
        self.roles, self.allowed = sorted(roles), sorted(allowed)
        super().__init__(
            f"{person} may not fire '{trigger}' in state '{state}': their roles are "
            f"{', '.join(self.roles) or 'none'}; allowed roles are {', '.join(self.allowed)}"
        )


class DecidedElsewhere(NotAllowed):
    """The step records a decision taken on another instance: it follows from that instance's step only."""


class InvariantBroken(ConsultflowError):
    """The step would leave the record contradicting the procedure across linked instances."""


class NoticeUnsendable(ConsultflowError):
    """The step would write a notice that cannot be rendered or built: it is refused, so that nothing is
    stored that no message could carry (the value to change is named in the message)."""


class OutOfOrder(NotAllowed):
    """Council decided the consultations in an order: this one waits until the one before it is presented."""


class GuardFailed(NotAllowed):
    """A guard of the transition refused it."""

    def __init__(self, trigger: str, guard: str, reason: str) -> None:
        self.trigger, self.guard, self.reason = trigger, guard, reason
        # The reason is the sentence a person reads; the guard's name (not its arguments) is for whoever
        # looks the rule up in the definition.
        super().__init__(f"'{trigger}' refused: {reason} (rule {guard.split('(', 1)[0]})")


class Conflict(ConsultflowError):
    """The instance was changed by someone else; reload it and try again."""

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


class DuplicateRow(DatabaseError):
    """The database refused a row that already exists."""


class SchemaOutdated(DatabaseError):
    """The database schema is older than this version of consultflow."""


class UnknownTrigger(NotAllowed):
    """The workflow has no trigger of that name."""

    def __init__(self, workflow: str, trigger: str, known: Iterable[str]) -> None:
        self.workflow, self.trigger = workflow, trigger
        super().__init__(f"'{trigger}' is not a trigger of workflow {workflow} (triggers: {', '.join(known)})")


class KeyReused(Conflict):
    """An idempotency key already answered another call: a retry must repeat the same call."""

    def __init__(self, key: str, first: str, this: str) -> None:  # Conflict.__init__ speaks of versions
        self.key = key
        ConsultflowError.__init__(
            self,
            f"idempotency key {key!r} was first used for {first}, not for {this}: "
            "use a new key for a new call (nothing was written)",
        )
