"""Mandate references ("Resolution 102 (Rev. Dubai, 2018)") read into parts and written in another language.

The body settings list references in English, the way ITU cites them. The report groups them the way
ITU documents do: "Resolutions 102 (Rev. Dubai, 2018) and 140 (Rev. Dubai, 2018)", "Résolutions 102
(Rév. Dubaï, 2018) et 140 (Rév. Dubaï, 2018)". A reference that does not follow the pattern is kept as
written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

_PATTERN = re.compile(
    r"^(?P<kind>Resolution|Decision|Recommendation)\s+(?P<number>\d+[A-Z]?)"
    r"(?:\s+\((?:(?P<qualifier>Rev\.|Mod\.)\s+)?(?:(?P<place>[^,()]+),\s*)?(?P<year>\d{4})\))?$"
)


@dataclass(frozen=True)
class Reference:
    """One cited text: kind (resolution, decision...), number and edition; ``verbatim`` when unparsed."""

    kind: str | None
    number: str
    qualifier: str | None = None  # "rev" or "mod"
    place: str | None = None
    year: str | None = None
    verbatim: str | None = None


@dataclass(frozen=True)
class ReferenceWording:
    """How one language writes references: kind names (singular, plural), qualifiers, place names."""

    kinds: Mapping[str, tuple[str, str]]
    qualifiers: Mapping[str, str]
    places: Mapping[str, str]
    join: Callable[[Sequence[str]], str]


def parse_reference(text: str) -> Reference:
    """Read "Resolution 1336 (Mod. 2015)" into its parts; anything else is kept verbatim."""
    match = _PATTERN.match(text.strip())
    if match is None:
        return Reference(kind=None, number="", verbatim=text.strip())
    qualifier = match["qualifier"]
    return Reference(
        kind=match["kind"].lower(),
        number=match["number"],
        qualifier=qualifier.rstrip(".").lower() if qualifier else None,
        place=match["place"].strip() if match["place"] else None,
        year=match["year"],
    )


def edition(reference: Reference, wording: ReferenceWording) -> str:
    """The edition in brackets: "(Rév. Dubaï, 2018)", "(Mod. 2015)", "(2009)"; empty when none is given."""
    if reference.year is None:
        return ""
    parts = []
    if reference.qualifier:
        parts.append(wording.qualifiers.get(reference.qualifier, reference.qualifier))
    if reference.place:
        parts.append(wording.places.get(reference.place, reference.place) + ",")
    parts.append(reference.year)
    return f"({' '.join(parts)})"


def cite(references: Iterable[Reference], wording: ReferenceWording) -> tuple[str, bool]:
    """Cite references together ("Résolutions 1305 (2009) et 1336 (Mod. 2015)") and say if it is plural.

    Consecutive references of one kind share the kind's name; an unparsed reference stands alone.
    """
    chunks: list[tuple[str | None, list[str]]] = []
    for ref in references:
        if ref.kind is None:
            chunks.append((None, [ref.verbatim or ""]))
            continue
        cited = f"{ref.number} {edition(ref, wording)}".strip()
        if chunks and chunks[-1][0] == ref.kind:
            chunks[-1][1].append(cited)
        else:
            chunks.append((ref.kind, [cited]))
    phrases = []
    for kind, cited_list in chunks:
        if kind is None:
            phrases.append(cited_list[0])
            continue
        singular, plural = wording.kinds.get(kind, (kind.capitalize(), kind.capitalize() + "s"))
        phrases.append(f"{plural if len(cited_list) > 1 else singular} {wording.join(cited_list)}")
    is_plural = len(chunks) > 1 or any(len(c) > 1 for _, c in chunks)
    return wording.join(phrases), is_plural
