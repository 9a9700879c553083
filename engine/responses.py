"""Which responses to an open consultation count: the record keeps every response, every withdrawal and
every spam mark (all appended, all audited), and this decides what the compilation and the counts use.

- A withdrawal removes the respondent's responses given before it (``withdraw_response``); replacing a
  response is withdrawing it and responding again.
- A response the secretariat marked as spam (``mark_spam`` names it by its number: 1 is the first received)
  is left out, never deleted.

Respondents are compared by ``by``, the person who appended the item: a directory id, or ``public:ADDRESS``
for someone who answered on the public page and confirmed their address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.fields import list_items

PUBLIC_PREFIX = "public:"
"""The person id of a public respondent: ``public:`` and the address they confirmed."""


@dataclass(frozen=True)
class CountedResponses:
    """The responses that count, and how many were left out for each reason."""

    responses: tuple[Mapping[str, object], ...]
    withdrawn: int = 0
    spam: int = 0


def counted_responses(fields: Mapping[str, object]) -> CountedResponses:
    """The responses not withdrawn after they were given and not marked as spam, in the order received."""
    withdrawn_at: dict[str, str] = {}
    for item in list_items(fields.get("withdrawals")):
        by, at = item.get("by"), item.get("at")
        if isinstance(by, str) and isinstance(at, str):
            withdrawn_at[by] = max(at, withdrawn_at.get(by, ""))
    marked = {m.get("response") for m in list_items(fields.get("spam_marks"))}
    kept: list[Mapping[str, object]] = []
    withdrawn = spam = 0
    for number, item in enumerate(list_items(fields.get("responses")), start=1):
        by, at = str(item.get("by") or ""), str(item.get("at") or "")
        if number in marked:
            spam += 1
        elif by in withdrawn_at and at <= withdrawn_at[by]:
            withdrawn += 1
        else:
            kept.append(item)
    return CountedResponses(tuple(kept), withdrawn, spam)
