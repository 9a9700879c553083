"""What a plan has changed so far, laid over the database's reads, so that later steps of the same plan
see the earlier ones (an effect fires on an instance an earlier effect started, a guard counts linked
instances as the plan leaves them). Nothing here writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from engine.machine import CompiledWorkflow
from engine.ports import RecordReader
from engine.records import Instance, TimerStatus

TimerKey = tuple[str, datetime]  # a timer of an instance is known by its key and due time


class Overlay:
    """Reads through to the store, except for what ``put`` said the plan changes."""

    def __init__(self, reader: RecordReader) -> None:
        self.reader = reader
        self._instances: dict[str, tuple[Instance, CompiledWorkflow]] = {}
        self._refs: dict[str, dict[str, str | None]] = {}
        self._timers: dict[str, dict[TimerKey, TimerStatus]] = {}

    def put(
        self,
        instance: Instance,
        compiled: CompiledWorkflow,
        refs: Mapping[str, str | None],
        cancelled: Sequence[TimerKey] = (),
        added: Sequence[TimerKey] = (),
    ) -> None:
        """Record a planned step: the instance as it will be, its changed refs, its timers cancelled and added."""
        if cancelled or added:
            current = self.timers(instance.id) if instance.version > 1 else {}
            for key in cancelled:
                current[key] = "cancelled"
            for key in added:
                current[key] = "pending"
            self._timers[instance.id] = current
        self._instances[instance.id] = (instance, compiled)
        self._refs.setdefault(instance.id, {}).update(refs)

    def instance(self, instance_id: str, *, lock: bool = False) -> tuple[Instance, int | CompiledWorkflow] | None:
        """The instance as the plan leaves it, with its machine; else as stored, with its definition row id."""
        if instance_id in self._instances:
            return self._instances[instance_id]
        return self.reader.instance(instance_id, lock=lock)

    def linked(
        self, target_id: str, via: str, workflow: str | None = None, state: str | None = None
    ) -> list[tuple[str, str]]:
        """(id, state) of the instances whose ref ``via`` points to ``target_id``, with the plan applied."""
        found: list[tuple[str, str]] = []
        seen: set[str] = set()
        for linked_id, linked_state in self.reader.linked(target_id, via, workflow):
            if via in self._refs.get(linked_id, {}) and self._refs[linked_id][via] != target_id:
                continue  # the plan points this ref elsewhere
            seen.add(linked_id)
            if linked_id in self._instances:
                linked_state = self._instances[linked_id][0].state
            if state is None or linked_state == state:
                found.append((linked_id, linked_state))
        for planned_id, refs in self._refs.items():  # in the order the plan touched them
            if planned_id in seen or refs.get(via) != target_id:
                continue
            instance = self._instances[planned_id][0]
            if (workflow is None or instance.workflow == workflow) and (state is None or instance.state == state):
                found.append((planned_id, instance.state))
        return found

    def timers(self, instance_id: str) -> dict[TimerKey, TimerStatus]:
        """(key, due) -> status of the instance's timers: pending wins over fired or skipped; cancelled ones
        are left out (a deadline moved back to a cancelled date plans that timer again)."""
        if instance_id in self._timers:
            return {k: v for k, v in self._timers[instance_id].items() if v != "cancelled"}
        found: dict[TimerKey, TimerStatus] = {}
        for timer in self.reader.timers_of(instance_id, ("pending", "fired", "skipped")):
            key = (timer.key, timer.due_at)
            if found.get(key) != "pending":
                found[key] = timer.status
        return found
