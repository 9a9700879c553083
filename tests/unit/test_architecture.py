"""The import directions and public names the architecture depends on (so they cannot drift silently)."""

from __future__ import annotations

import ast
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]


def _imports(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_only_the_machine_module_imports_transitions() -> None:
    """`transitions` is an implementation detail of engine/machine.py."""
    users = {
        p
        for folder in ("engine", "storage", "notifications", "workflows")
        for p, names in _imports(folder).items()
        if "transitions" in names
    }
    assert users == {"engine/machine.py"}


def test_only_storage_imports_the_orm() -> None:
    """SQLModel, SQLAlchemy and Alembic stay inside storage/ (the engine sees plain records)."""
    orm = {"sqlmodel", "sqlalchemy", "alembic"}
    users = {
        p for folder in ("engine", "notifications", "workflows") for p, names in _imports(folder).items() if names & orm
    }
    assert users == set()


def test_public_names_of_the_engine() -> None:
    """The stable Python API: Engine and the records it returns."""
    assert engine.__all__ == sorted(engine.__all__)
    assert {"Engine", "Instance", "AuditEntry", "Person", "FixedClock", "ConsultflowError"} <= set(engine.__all__)
