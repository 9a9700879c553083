"""Registers every sub-command group on the app (imported by ``main``)."""

from engine.cli import db, instances, people, workflows  # noqa: F401
