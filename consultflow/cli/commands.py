"""Registers every sub-command group on the app (imported by ``main``)."""

from consultflow.cli import (  # noqa: F401
    audit,
    check,
    compilation,
    db,
    demo,
    instances,
    outbox,
    people,
    report,
    serve,
    timers,
    workflows,
)
