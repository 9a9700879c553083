"""Defaults of the application, in a module light enough for the CLI to import before any command runs."""

from __future__ import annotations

DEFAULT_URL = "sqlite:///consultflow.db"
"""The database when neither --db nor CONSULTFLOW_DATABASE_URL says otherwise: a SQLite file here."""
DATABASE_ENV = "CONSULTFLOW_DATABASE_URL"
WORKFLOWS_ENV = "CONSULTFLOW_WORKFLOWS"
