"""Values written before the boundary checked them (a lone surrogate in a title, from an older version or by
hand) are shown escaped, never a 500: the desk's templates and the API's JSON both pass through here."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


def showable(value: Any) -> Any:
    """``value``, with any text that cannot be encoded as UTF-8 shown as its escape (``\\ud800``)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def showable_deep(value: Any) -> Any:
    """``showable`` through lists and mappings (an instance's fields, an audit row's changes)."""
    if isinstance(value, dict):
        return {showable(k): showable_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [showable_deep(v) for v in value]
    return showable(value)


class ShowableJSONResponse(JSONResponse):
    """JSON as FastAPI writes it, except that text which is not valid Unicode is escaped instead of failing."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:  # only then pay for the escaping: \\uXXXX is valid JSON for any code point
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
