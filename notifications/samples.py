"""Representative notice contexts, one instance per workflow, drawn from the 12th meeting of CWG-Internet.

Used by the tests (every template renders against them), by ``consultflow notices preview`` when no instance
is named, and by the mail benchmark. The data is ``samples.yaml`` (read once); the notices and the body come
from the shipped workflows folder (``engine.catalogue``), so the samples cannot drift from what the engine sends.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from engine.catalogue import Catalogue, load_catalogue
from engine.errors import UnknownWorkflow
from engine.yamlsource import load_yaml
from notifications.context import SYSTEM_ACTOR, Actor, BodyInfo, InstanceData, NoticeContext, Recipient, RelatedInstance
from notifications.errors import UnknownLanguage, UnknownNotice

SAMPLES_FILE = Path(__file__).parent / "samples.yaml"


@dataclass(frozen=True)
class SampleStep:
    """The step that sends a notice in its sample: on which workflow, by which trigger, to which state."""

    workflow: str
    trigger: str
    state: str
    actor: Actor
    item: dict[str, Any] | None
    item_in: dict[str, dict[str, Any]]  # the item when another workflow sends the notice
    fields: dict[str, Any]  # field values that make this notice's sample coherent
    message: str | None  # the author's message to the recipients (never the audit note)
    changes: dict[str, list[Any]] | None  # the step's audit changes, field -> [old, new]
    with_instances: tuple[str, ...]  # the workflows whose sample instances the same document was also sent for


@dataclass(frozen=True)
class Samples:
    """Everything ``samples.yaml`` holds, typed."""

    recipients: dict[str, Recipient]
    instances: dict[str, InstanceData]
    deadlines: dict[str, dict[str, str]]
    steps: dict[str, SampleStep]
    at: str


@functools.cache
def samples() -> Samples:
    """The sample data, read from ``samples.yaml`` the first time it is asked for."""
    # A context holds only JSON values (it is stored as JSON in an outbox row): the round trip checks that
    # and turns the YAML reader's line-numbered mappings into plain dicts and lists.
    data = json.loads(json.dumps(load_yaml(SAMPLES_FILE.read_text(encoding="utf-8"))))
    actors: dict[str, Actor] = {**data["actors"], "system": SYSTEM_ACTOR}
    steps = {
        notice_id: SampleStep(
            workflow=step["workflow"],
            trigger=step["trigger"],
            state=step["state"],
            actor=actors[step["actor"]],
            item=step.get("item"),
            item_in=step.get("item_in", {}),
            fields=step.get("fields", {}),
            message=step.get("message"),
            changes=step.get("changes"),
            with_instances=tuple(step.get("with_instances", ())),
        )
        for notice_id, step in data["steps"].items()
    }
    return Samples(
        recipients=data["recipients"],
        instances=data["instances"],
        deadlines=data["deadlines"],
        steps=steps,
        at=data["at"],
    )


@functools.cache
def shipped_catalogue() -> Catalogue:
    """The notices, workflows and body of the shipped workflows folder, loaded once for the samples."""
    return load_catalogue()


def __getattr__(name: str) -> Any:
    # MEETING and RECIPIENTS are read by tests; resolving them on first use keeps importing this module
    # (which the CLI does at start) from reading the YAML file.
    if name == "MEETING":
        return samples().instances["meeting_cycle"]
    if name == "RECIPIENTS":
        return samples().recipients
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sample_context(notice_id: str, language: str = "en", workflow: str | None = None) -> NoticeContext:
    """A complete context for ``notice_id`` read in ``language``, on ``workflow`` (default: the sample's own).

    On the sample's own workflow the instance is in the state the notice's step leads to; on another workflow
    that sends the notice, the instance keeps its sample state.
    """
    data, catalogue = samples(), shipped_catalogue()
    spec = catalogue.notices.get(notice_id)
    if spec is None or notice_id not in data.steps:
        raise UnknownNotice(notice_id)
    if language not in data.recipients:
        raise UnknownLanguage(language)
    step = data.steps[notice_id]
    chosen = workflow or step.workflow
    if chosen not in data.instances:
        raise UnknownWorkflow(f"no sample instance of workflow '{chosen}' (known: {', '.join(sorted(data.instances))})")
    instance = copy.deepcopy(data.instances[chosen])
    if chosen == step.workflow:
        instance["state"] = step.state
        instance["fields"].update(copy.deepcopy(step.fields))
    item = step.item_in.get(chosen, step.item)
    context: NoticeContext = {
        "notice": {"id": spec.id, "name": spec.name},
        "body": cast(BodyInfo, catalogue.body.context()),
        "instance": instance,
        "related": copy.deepcopy(_related(instance, data.instances.values())),
        "deadlines": dict(data.deadlines.get(chosen, {})),
        "actor": copy.copy(step.actor),
        "trigger": step.trigger,
        "note": None,
        "at": data.at,
        "item": copy.deepcopy(item),
        "recipient": copy.copy(data.recipients[language]),
    }
    if step.message is not None:
        context["message"] = step.message
        context["message_role"] = _ROLE_OF_ACTOR.get(step.actor["id"])
    if step.changes is not None and chosen == step.workflow:
        context["changes"] = copy.deepcopy(step.changes)
    if step.with_instances and chosen == step.workflow:
        context["with_instances"] = [copy.deepcopy(data.instances[other]) for other in step.with_instances]
    return context


# The role each sample actor acts in when it writes a message (the engine passes the step's role).
_ROLE_OF_ACTOR = {"sec.cwg": "secretariat", "chair": "chair", "ms.fr": "member_state"}


def _related(instance: InstanceData, others: Iterable[InstanceData]) -> dict[str, RelatedInstance]:
    """The sample instances that ``instance``'s fields point to by id, one level deep, by field name."""
    by_id: dict[str, InstanceData] = {other["id"]: other for other in others}
    return {
        name: {"id": target["id"], "workflow": target["workflow"], "state": target["state"], "fields": target["fields"]}
        for name, value in instance["fields"].items()
        if isinstance(value, str) and value != instance["id"] and (target := by_id.get(value)) is not None
    }
