"""The layers and the import contracts the architecture depends on, checked on every import of every module.

    consultflow  ->  web  ->  reports, notifications  ->  engine  <-  storage

``consultflow`` (the application) may import everything; ``web`` the layers below it; ``reports`` and
``notifications`` only ``engine``; ``storage`` implements the engine's ports and imports only ``engine``;
``engine`` imports none of them. Every ``import`` counts, wherever it is written (in a function, under
``TYPE_CHECKING``): a wrong one fails here with the file and line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("engine", "storage", "notifications", "reports", "web", "consultflow", "workflows")

# Which of our packages each package may import (besides itself).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "engine": frozenset(),
    "workflows": frozenset(),
    "storage": frozenset({"engine"}),
    "notifications": frozenset({"engine"}),
    "reports": frozenset({"engine"}),
    "web": frozenset({"engine", "notifications", "reports"}),
    "consultflow": frozenset(PRODUCT),
}

# Third-party libraries confined to one place: (library, where it may be imported).
CONFINED: dict[str, tuple[str, ...]] = {
    "transitions": ("engine/machine.py",),
    "sqlalchemy": ("storage/",),
    "sqlmodel": ("storage/",),
    "alembic": ("storage/",),
    "psycopg": ("storage/",),
    "aiosmtplib": ("notifications/",),
    "aiosmtpd": ("notifications/",),
    "icalendar": ("notifications/",),
    "apscheduler": ("consultflow/",),
    "typer": ("consultflow/",),
    "rich": ("consultflow/",),
    "fastapi": ("web/",),
    "starlette": ("web/",),
    "uvicorn": ("consultflow/",),
    "docx": ("reports/",),
}

# What `import engine` must not load: the engine is the light, pure core.
NOT_LOADED_BY_ENGINE = ("aiosmtplib", "jinja2", "icalendar", "fastapi", "apscheduler", "sqlalchemy", "babel")


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository, with '/'
    line: int
    module: str  # the full dotted name imported from

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.module}"


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts and "versions" in path.parts:
                continue  # generated migration scripts: Alembic and SQLAlchemy only
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imports_of(path: str, tree: ast.Module) -> list[Import]:
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(path, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            if node.module:
                found.append(Import(path, node.lineno, node.module))
    return found


def _against_the_layers(imports: list[Import]) -> list[str]:
    def package(i: Import) -> str:
        return i.path.split("/")[0]

    return [str(i) for i in imports if i.top in PRODUCT and i.top != package(i) and i.top not in MAY_IMPORT[package(i)]]


IMPORTS = [i for path, tree in _modules() for i in _imports_of(path, tree)]


def test_every_package_imports_only_the_layers_below_it() -> None:
    assert _against_the_layers(IMPORTS) == []


def test_the_contract_sees_imports_in_functions_and_under_type_checking() -> None:
    """A made-up engine module importing storage for types and web in a function fails the contract."""
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from storage.db import Database\n"
    source += "def f() -> None:\n    import web.app\n"
    found = _against_the_layers(_imports_of("engine/made_up.py", ast.parse(source)))
    assert found == ["engine/made_up.py:3 imports storage.db", "engine/made_up.py:5 imports web.app"]


def test_the_packages_import_one_another_without_a_cycle() -> None:
    edges: dict[str, set[str]] = {p: set() for p in PRODUCT}
    for i in IMPORTS:
        source = i.path.split("/")[0]
        if i.top in PRODUCT and i.top != source:
            edges[source].add(i.top)
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(package: str, trail: tuple[str, ...]) -> None:
        assert package not in visiting, f"import cycle: {' -> '.join((*trail, package))}"
        if package in done:
            return
        visiting.add(package)
        for target in sorted(edges[package]):
            visit(target, (*trail, package))
        visiting.discard(package)
        done.add(package)

    for package in PRODUCT:
        visit(package, ())


@pytest.mark.parametrize("library", sorted(CONFINED))
def test_a_library_is_imported_only_where_it_belongs(library: str) -> None:
    places = CONFINED[library]
    wrong = [str(i) for i in IMPORTS if i.top == library and not i.path.startswith(places)]
    assert wrong == [], f"{library} belongs in {', '.join(places)}"


def test_only_the_application_reads_the_environment() -> None:
    """Settings come from the environment at the edge (consultflow/) and are passed down as values."""
    readers: list[str] = []
    for path, tree in _modules():
        if path.startswith("consultflow/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                readers.append(f"{path}:{node.lineno}")
            elif isinstance(node, ast.ImportFrom) and node.module == "os":
                readers.extend(f"{path}:{node.lineno}" for a in node.names if a.name in ("environ", "getenv"))
    assert readers == []


def test_importing_the_engine_loads_no_mail_web_database_or_scheduler_code() -> None:
    code = f"import sys, engine; print(','.join(m for m in {NOT_LOADED_BY_ENGINE!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""


# What an engine that is ready to fire must not load either: a step's notices are checked and built by
# notifications, which the application loads when a step writes some.
NOT_LOADED_TO_FIRE = (
    *NOT_LOADED_BY_ENGINE,
    "aiosmtpd",
    "markupsafe",
    "starlette",
    "uvicorn",
    "docx",
    "email.generator",
    "email.mime",
    "email.policy",
    "holidays.countries",  # every country of the holidays package: the calendar loads its own country only
    "notifications",
    "reports",
    "web",
)


def test_the_engine_service_and_the_shipped_workflows_load_no_mail_web_template_or_scheduler_code() -> None:
    code = (
        "import sys, datetime, engine\n"
        "engine.Engine\n"
        "from engine.catalogue import load_catalogue\n"
        "load_catalogue().body.calendar.is_closed(datetime.date(2019, 12, 31))\n"
        f"print(','.join(m for m in {NOT_LOADED_TO_FIRE!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""


def test_public_names_of_the_engine() -> None:
    """The stable Python API: Engine and the records it returns."""
    assert engine.__all__ == sorted(engine.__all__)
    assert {"Engine", "Instance", "AuditEntry", "Person", "FixedClock", "ConsultflowError"} <= set(engine.__all__)
