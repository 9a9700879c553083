"""Turning given values (CLI text, JSON, Python objects) into the JSON values an instance stores, or a clear error."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from engine.definition import FieldSpec
from engine.errors import FieldError

# Deadlines are computed years either side of a date; beyond these bounds that arithmetic would overflow,
# and no meeting or consultation is dated there anyway.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
TRUE = {"true", "yes", "y", "1", "oui"}
FALSE = {"false", "no", "n", "0", "non"}
# Default maximum lengths, in characters (text, link) or items (list); a field may set its own max_length.
# Values must stay showable and sendable: a megabyte venue or title would make every notice slow to build.
MAX_LENGTH = {"text": 500, "multiline": 20_000, "link": 2_000, "id": 100, "list": 1_000}
INT_LIMIT = 1_000_000_000  # whole numbers are meeting numbers, orders, counts: far below this
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _in_range(day: date, label: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise FieldError(f"{label}: {day.isoformat()} is outside {EARLIEST.isoformat()}..{LATEST.isoformat()}")
    return day


def coerce(spec: FieldSpec, value: object, *, where: str, local_zone: ZoneInfo) -> object:
    """The stored (JSON) form of ``value`` for this field, or FieldError naming the field and the problem."""
    if value is None or value == "":
        return None
    label = f"{where}{spec.name}"
    try:
        return _coerce(spec, value, label, local_zone)
    except FieldError:
        raise
    except (TypeError, ValueError) as exc:
        raise FieldError(f"{label}: {exc}") from exc


def _coerce(spec: FieldSpec, value: object, label: str, zone: ZoneInfo) -> object:
    kind = spec.type
    if kind in ("text", "person", "ref", "link"):
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise FieldError(f"{label}: expected text, got {type(value).__name__}")
        text = check_characters(str(value).strip(), label, multiline=spec.multiline and kind == "text")
        default = "multiline" if spec.multiline else kind if kind in ("text", "link") else "id"
        _check_length(text, spec.max_length or MAX_LENGTH[default], label)
        return check_link(text, label) if kind == "link" else text
    if kind == "int":
        if isinstance(value, bool):
            raise FieldError(f"{label}: expected a whole number, got {value!r}")
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 12:
            value = int(value)
        if not isinstance(value, int):
            raise FieldError(f"{label}: expected a whole number, got {str(value)[:40]!r}")
        if abs(value) > INT_LIMIT:
            raise FieldError(f"{label}: {value} is out of range (at most {INT_LIMIT:,} either way)")
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE | FALSE:
            return text in TRUE
        raise FieldError(f"{label}: expected yes or no, got {value!r}")
    if kind == "enum":
        if value not in spec.values:
            raise FieldError(f"{label}: {value!r} is not one of {', '.join(spec.values)}")
        return value
    if kind == "date":
        if isinstance(value, datetime):
            raise FieldError(f"{label}: expected a date (YYYY-MM-DD), got a date and time")
        if not isinstance(value, date):
            text = str(value).strip()
            try:  # fromisoformat alone would also take 20270201; only YYYY-MM-DD is a date here
                if not isinstance(value, str) or not _DATE.fullmatch(text):
                    raise ValueError(text)
                value = date.fromisoformat(text)
            except ValueError:
                raise FieldError(f"{label}: {text[:40]!r} is not a date (YYYY-MM-DD)") from None
        return _in_range(value, label).isoformat()
    if kind == "datetime":
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise FieldError(f"{label}: {value.isoformat()} has no time zone")
            _in_range(value.date(), label)
            return value.astimezone(UTC).isoformat()
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise FieldError(f"{label}: {value!r} is not a date and time (YYYY-MM-DDTHH:MM)") from None
        if parsed.tzinfo is None:  # text from a person: wall-clock time in the body's zone
            parsed = parsed.replace(tzinfo=zone)
        _in_range(parsed.date(), label)
        return parsed.astimezone(UTC).isoformat()
    if kind == "list":
        try:
            items = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            raise FieldError(f"{label}: expected a list, written as JSON ([{{...}}, ...])") from None
        if not isinstance(items, list):
            raise FieldError(f"{label}: expected a list")
        limit = spec.max_length or MAX_LENGTH["list"]
        if len(items) > limit:
            raise FieldError(f"{label}: {len(items)} items; this list holds at most {limit}")
        return [coerce_item(spec.item, item, where=f"{label}[{i}].", local_zone=zone) for i, item in enumerate(items)]
    raise FieldError(f"{label}: unsupported type {kind}")  # pragma: no cover - the loader rejects other types


# Line breaks let a value smuggle extra header lines into a notice's subject or a name; other control
# characters have no business in the record. Fields meant for paragraphs say `multiline: true`.
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _check_length(text: str, limit: int, label: str) -> None:
    if len(text) > limit:
        raise FieldError(f"{label}: {len(text):,} characters; this field holds at most {limit:,}")


def check_link(text: str, label: str) -> str:
    """An absolute http(s) address, as a notice or a page can show and a reader can follow."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise FieldError(f"{label}: {text[:80]!r} is not a web address (https://...)")
    return text


def check_characters(text: str, label: str, *, multiline: bool) -> str:
    """``text`` if every character can be stored, shown and mailed: no lone surrogate (not Unicode text at
    all), no control character (line breaks and tabs only where ``multiline``); else FieldError."""
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            raise FieldError(f"{label}: contains an invalid character (U+{ord(ch):04X}, half of a surrogate pair)")
    if multiline:
        text = text.replace("\r\n", "\n")
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if ch in _LINE_BREAKS or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            if multiline:
                raise FieldError(f"{label}: contains the control character {ord(ch):#04x}")
            what = "a line break" if ch in _LINE_BREAKS else f"the control character {ord(ch):#04x}"
            raise FieldError(f"{label}: contains {what}; this field holds a single line of text")
    return text


def coerce_item(
    item_spec: Mapping[str, FieldSpec], value: object, *, where: str, local_zone: ZoneInfo
) -> dict[str, object]:
    """One list item: a mapping of the item fields (a bare string fills the single required text field)."""
    if isinstance(value, str):
        text_fields = [f for f in item_spec.values() if f.required and f.type == "text"]
        if len(text_fields) != 1:
            raise FieldError(f"{where.rstrip('.')}: expected a mapping of {', '.join(item_spec)}")
        value = {text_fields[0].name: value}
    if not isinstance(value, Mapping):
        raise FieldError(f"{where.rstrip('.')}: expected a mapping of {', '.join(item_spec)}")
    return coerce_mapping(item_spec, value, where=where, local_zone=local_zone, check_required=True)


def coerce_mapping(
    specs: Mapping[str, FieldSpec],
    values: Mapping[str, object],
    *,
    where: str,
    local_zone: ZoneInfo,
    check_required: bool,
    allowed: tuple[str, ...] | None = None,
) -> dict[str, object]:
    """Coerce a whole mapping: unknown names and missing required values are errors."""
    names = allowed if allowed is not None else tuple(specs)
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise FieldError(f"{where}unknown field(s) {', '.join(unknown)}; accepted here: {', '.join(names) or 'none'}")
    result = {name: coerce(specs[name], value, where=where, local_zone=local_zone) for name, value in values.items()}
    if check_required:
        missing = [n for n in names if specs[n].required and result.get(n) is None]
        if missing:
            raise FieldError(f"{where}missing required field(s): {', '.join(missing)}")
    return result


def as_date(value: object) -> date | None:
    """A stored date or datetime field as a calendar date (datetimes are already UTC)."""
    if not isinstance(value, str) or not value:
        return None
    if "T" in value:
        return datetime.fromisoformat(value).date()
    return date.fromisoformat(value)


def list_items(value: object) -> list[dict[str, object]]:
    """The items of a stored list field (an absent field is an empty list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
