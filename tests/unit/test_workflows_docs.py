"""workflows/README.md documents exactly what the loader accepts: keys per section, guards, field types, notice keys."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.catalogue import NOTICE_KEYS
from engine.definition import FIELD_TYPES
from engine.guards import GUARDS
from engine.loader import SECTION_KEYS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "workflows" / "README.md"
SHOWN = "workflows/README.md"

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
SECTION_HEADING = re.compile(r"^Section `([^`]+)`$")
NAME_CELL = re.compile(r"^`([A-Za-z_][A-Za-z0-9_.]*)`$")
SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")

GUARDS_HEADING = "Guards"
FIELD_TYPES_HEADING = "Field types"
NOTICES_HEADING = "Keys of `notices.yaml`"


@dataclass(frozen=True)
class Row:
    """One body row of a markdown table: its line number and its cells, stripped."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A markdown table: the header cells and the body rows."""

    line: int
    header: tuple[str, ...]
    rows: tuple[Row, ...]


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple(cell.strip() for cell in inner.split("|"))


def _tables(lines: Sequence[tuple[int, str]]) -> list[Table]:
    """The tables among ``lines`` (numbered lines outside code blocks): runs of lines starting with ``|``."""
    tables: list[Table] = []
    run: list[tuple[int, str]] = []
    for number, line in [*lines, (0, "")]:
        if line.lstrip().startswith("|"):
            run.append((number, line))
            continue
        if run:
            header, *rest = run
            body = rest[1:] if rest and all(SEPARATOR_CELL.match(c) for c in _cells(rest[0][1])) else rest
            tables.append(Table(header[0], _cells(header[1]), tuple(Row(n, _cells(text)) for n, text in body)))
            run = []
    return tables


def _sections(text: str) -> dict[str, list[tuple[int, str]]]:
    """Each heading's text -> the numbered lines up to the next heading (headings inside code blocks don't count)."""
    sections: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_code = not in_code
            continue
        heading = None if in_code else HEADING.match(line)
        if heading:
            title = heading.group(2)
            assert title not in sections, f"{SHOWN}:{number}: the heading '{title}' appears twice"
            current = sections[title] = []
        elif current is not None and not in_code:
            current.append((number, line))
    return sections


@pytest.fixture(scope="module")
def sections() -> dict[str, list[tuple[int, str]]]:
    return _sections(README.read_text(encoding="utf-8"))


def _name_table(sections: Mapping[str, Sequence[tuple[int, str]]], heading: str, first_column: str) -> Table:
    """The one table under ``heading`` whose first column is headed ``first_column``."""
    assert heading in sections, f"{SHOWN} has no heading '{heading}'"
    found = [t for t in _tables(sections[heading]) if t.header and t.header[0] == first_column]
    assert len(found) == 1, (
        f"{SHOWN}, '{heading}': expected one table whose first column is '{first_column}', found {len(found)}"
    )
    return found[0]


def _names(table: Table, heading: str) -> dict[str, Row]:
    """The names in the first column (one backticked name per row), refusing unreadable and repeated rows."""
    names: dict[str, Row] = {}
    for row in table.rows:
        match = NAME_CELL.match(row.cells[0])
        assert match, f"{SHOWN}:{row.line} ('{heading}'): the first cell {row.cells[0]!r} is not one `name`"
        name = match.group(1)
        assert name not in names, f"{SHOWN}:{row.line} ('{heading}'): `{name}` is documented twice"
        names[name] = row
    return names


def _differences(heading: str, documented: Iterable[str], accepted: Iterable[str], what: str) -> list[str]:
    shown, known = set(documented), set(accepted)
    problems = [
        f"{SHOWN}, '{heading}': {what} `{name}` is accepted by the code but not documented"
        for name in sorted(known - shown)
    ]
    problems += [
        f"{SHOWN}, '{heading}': {what} `{name}` is documented but not accepted by the code"
        for name in sorted(shown - known)
    ]
    return problems


@pytest.mark.parametrize("section", sorted(SECTION_KEYS))
def test_each_loader_section_documents_exactly_the_keys_it_accepts(
    section: str, sections: dict[str, list[tuple[int, str]]]
) -> None:
    """Under `Section `NAME``, the key table lists every key SECTION_KEYS[NAME] accepts, and no other."""
    heading = f"Section `{section}`"
    documented = _names(_name_table(sections, heading, "key"), heading)
    problems = _differences(heading, documented, SECTION_KEYS[section], f"key of section '{section}'")
    assert not problems, "\n".join(problems)


def test_no_section_heading_names_a_section_the_loader_does_not_have(
    sections: dict[str, list[tuple[int, str]]],
) -> None:
    """Every `Section `NAME`` heading of the README is a section of SECTION_KEYS."""
    named = {m.group(1) for title in sections if (m := SECTION_HEADING.match(title))}
    unknown = sorted(named - set(SECTION_KEYS))
    assert not unknown, f"{SHOWN} documents section(s) the loader does not have: {unknown}"


def test_the_guards_documented_are_the_guards_implemented(sections: dict[str, list[tuple[int, str]]]) -> None:
    """The guard table names every guard of engine.guards.GUARDS, and no other."""
    documented = _names(_name_table(sections, GUARDS_HEADING, "guard"), GUARDS_HEADING)
    problems = _differences(GUARDS_HEADING, documented, GUARDS, "guard")
    assert not problems, "\n".join(problems)


def test_each_guard_is_documented_with_its_arguments(sections: dict[str, list[tuple[int, str]]]) -> None:
    """The arguments column of each documented guard names exactly the arguments the guard takes."""
    documented = _names(_name_table(sections, GUARDS_HEADING, "guard"), GUARDS_HEADING)
    problems: list[str] = []
    for name, row in documented.items():
        if name in GUARDS and len(row.cells) > 1:
            given = set(re.findall(r"`([^`]+)`", row.cells[1]))
            if given != set(GUARDS[name].args):
                problems.append(
                    f"{SHOWN}:{row.line}: guard `{name}` takes {sorted(GUARDS[name].args)}, not {sorted(given)}"
                )
    assert not problems, "\n".join(problems)


def test_the_field_types_documented_are_the_field_types(sections: dict[str, list[tuple[int, str]]]) -> None:
    """The field-type table names every type of engine.definition.FIELD_TYPES, and no other."""
    documented = _names(_name_table(sections, FIELD_TYPES_HEADING, "type"), FIELD_TYPES_HEADING)
    problems = _differences(FIELD_TYPES_HEADING, documented, FIELD_TYPES, "field type")
    assert not problems, "\n".join(problems)


def test_the_notice_keys_documented_are_the_keys_notices_yaml_accepts(
    sections: dict[str, list[tuple[int, str]]],
) -> None:
    """The notices.yaml key table names every key of engine.catalogue.NOTICE_KEYS, and no other."""
    documented = _names(_name_table(sections, NOTICES_HEADING, "key"), NOTICES_HEADING)
    problems = _differences(NOTICES_HEADING, documented, NOTICE_KEYS, "notices.yaml key")
    assert not problems, "\n".join(problems)
