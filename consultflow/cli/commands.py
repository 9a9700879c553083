"""Registers every sub-command group on the app (imported by ``main``)."""

from consultflow.cli import check, db, demo, instances, outbox, people, report, serve, timers, workflows  # noqa: F401
