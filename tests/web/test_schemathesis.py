"""Schemathesis against the published OpenAPI schema: generated requests, valid and invalid, on every
operation (also on real instance ids, so that fires reach the engine) never get a server error.
Bounded: a fixed number of examples per operation and mode, no shrinking database, a fixed seed."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.schemas import BaseSchema

from engine import FixedClock
from tests.conftest import at
from tests.web.conftest import Site
from tests.web.world import build

EXAMPLES = 20  # per operation, per mode and per id choice: about 1,400 requests on each backend

BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def operations(schema: BaseSchema) -> list[Any]:
    """Every operation of the schema; an operation schemathesis cannot read fails the test."""
    found = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


def test_generated_requests_never_get_a_server_error(site: Site, clock: FixedClock) -> None:
    """Every operation, fed valid and invalid requests by schemathesis as the secretariat, answers below 500."""
    world = build(site.engine)
    clock.set(at("2019-01-08"))
    headers = site.headers("sec.alice")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", site.app, headers=headers)
    real_ids = {"instance_id": world.meeting, "document_id": world.document, "message_id": world.failed_notice}
    tried = 0
    for operation in operations(schema):
        params = {p.name for p in operation.path_parameters}
        fixed = {k: v for k, v in real_ids.items() if k in params}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in ({}, fixed) if fixed else ({},):
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

                @seed(7)
                @BOUNDED
                @given(case=strategy)
                def check(case: Any) -> None:
                    case.call_and_validate(headers=headers, checks=[not_a_server_error])

                try:
                    check()
                except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
                    assert mode is GenerationMode.NEGATIVE, operation.label
                    continue
                tried += 1
    assert tried >= 20  # every operation was exercised (17 endpoints, some twice)


@pytest.mark.parametrize("person", ["ms.fr", "sh.isoc"])
def test_generated_requests_of_other_roles(site: Site, person: str) -> None:
    """The same without the secretariat's rights: refusals are 4xx, never 500 (a smaller run)."""
    world = build(site.engine)
    headers = site.headers(person)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", site.app, headers=headers)
    for operation in operations(schema):
        params = {p.name for p in operation.path_parameters}
        fixed = {k: v for k, v in {"instance_id": world.meeting}.items() if k in params}

        @seed(11)
        @settings(BOUNDED, max_examples=8)
        @given(case=operation.as_strategy(path_parameters=fixed or None))
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
