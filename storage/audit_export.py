r"""An instance's audit trail as a file, with its hashes: JSON Lines or CSV, and read back for checking.

Every value is written so that reading it back gives what the hash was computed from: ``at`` in UTC ISO
with microseconds; in CSV, ``changes`` as canonical JSON text and an absent value as ``\N`` (as
PostgreSQL's COPY writes it; a text that starts with a backslash gets one more), so an empty note and no
note stay apart.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

from engine.errors import ConsultflowError
from storage.chain import ChainedRow, utc_text

Format = Literal["jsonl", "csv"]
COLUMNS = tuple(ChainedRow.__dataclass_fields__)
_NUMBERS = ("id", "caused_by", "version")
_OPTIONAL = ("member_state", "from_state", "note", "caused_by")
NULL = "\\N"
"""An absent value in a CSV cell."""


def record(row: ChainedRow) -> dict[str, Any]:
    """One row as plain data, in column order."""
    values = {name: getattr(row, name) for name in COLUMNS}
    values["at"] = utc_text(row.at)
    values["changes"] = dict(row.changes)
    return values


def write(rows: Iterable[ChainedRow], fmt: Format, out: io.TextIOBase | Any) -> int:
    """Write ``rows`` to the text stream ``out``; returns how many."""
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(record(row), sort_keys=False, ensure_ascii=True) + "\n")
            count += 1
        return count
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = record(row)
        values["changes"] = json.dumps(values["changes"], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        writer.writerow([_cell(values[name]) if name in _OPTIONAL else values[name] for name in COLUMNS])
        count += 1
    return count


def read(text: str, fmt: Format, source: str) -> Iterator[ChainedRow]:
    """The rows of an exported file; a line that is not one is refused, naming the file and the line."""
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield _row(_json_line(line, source, number), source, number)
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ConsultflowError(f"{source} is not an audit export: its header is not {','.join(COLUMNS)}")
    for number, cells in enumerate(reader, 2):
        values: dict[str, Any] = {k: (_uncell(v) if k in _OPTIONAL else v) for k, v in cells.items()}
        values["changes"] = _json_line(values["changes"] or "", source, number)
        yield _row(values, source, number)


def _cell(value: object) -> str:
    if value is None:
        return NULL
    text = str(value)
    return "\\" + text if text.startswith("\\") else text


def _uncell(cell: str | None) -> str | None:
    if cell is None or cell == NULL:
        return None
    return cell[1:] if cell.startswith("\\") else cell


def _json_line(line: str, source: str, number: int) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise ConsultflowError(f"{source}, line {number}: not valid JSON") from None


def _row(values: Any, source: str, number: int) -> ChainedRow:
    try:
        if not isinstance(values, dict) or set(values) != set(COLUMNS):
            raise ValueError("its fields are not those of an audit row")
        for name in _NUMBERS:
            if values[name] is not None:
                values[name] = int(values[name])
        values["at"] = datetime.fromisoformat(values["at"])
        if values["at"].tzinfo is None or not isinstance(values["changes"], dict):
            raise ValueError("its time has no offset or its changes are not an object")
        return ChainedRow(**values)
    except (ValueError, TypeError) as exc:
        raise ConsultflowError(f"{source}, line {number}: not an audit row ({exc})") from None
