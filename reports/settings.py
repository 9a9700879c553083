"""What the report needs of the body, read from ``workflows/body.yaml`` and checked: names, mandate, report settings.

``mandate`` lists the references the report cites, by group (``plenipotentiary``, ``council``...). A
reference is its text, or a mapping that also gives the days it is in force, both included::

    plenipotentiary:
      - {ref: "Resolution 102 (Rev. Busan, 2014)", until: 2018-11-15}
      - {ref: "Resolution 102 (Rev. Dubai, 2018)", from: 2018-11-16}

``mandate.introduction.<language>`` is the text of section 1: paragraphs given as text, or as
``{text, items, from, until}``. A report cites the references and keeps the paragraphs in force on its
date. ``report`` holds ``record_language`` and ``action_required_cites_paragraphs``. ``council_sessions``
says where and when each Council session meets, for the report's title block ("Genève, 10-20 juin 2019"),
the place as recorded (in English) and both days included::

    council_sessions:
      "Council 2019": {place: Geneva, from: 2019-06-10, until: 2019-06-20}

A bad value is a one-line ``SettingsError`` naming body.yaml, the line when known, and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from engine.body import Body
from reports.errors import SettingsError

SOURCE = "body.yaml"
REPORT_KEYS = ("record_language", "action_required_cites_paragraphs")
_SESSION_KEYS = ("place", "from", "until")
_REFERENCE_KEYS = ("ref", "from", "until")
_PARAGRAPH_KEYS = ("text", "items", "from", "until")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def in_force(start: date | None, end: date | None, day: date) -> bool:
    """Whether ``day`` falls from ``start`` to ``end``, both included; a missing end is open."""
    return (start is None or start <= day) and (end is None or day <= end)


@dataclass(frozen=True)
class MandateReference:
    """A reference as ITU cites it ("Resolution 102 (Rev. Dubai, 2018)") and the days it is in force."""

    text: str
    start: date | None = None
    end: date | None = None

    def in_force_on(self, day: date) -> bool:
        return in_force(self.start, self.end, day)


@dataclass(frozen=True)
class MandateParagraph:
    """A paragraph of section 1 as configured, with its lettered items and the days it applies."""

    text: str
    items: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def in_force_on(self, day: date) -> bool:
        return in_force(self.start, self.end, day)


@dataclass(frozen=True)
class CouncilSession:
    """Where and when a Council session meets: its place (in the record's language) and its first and last days."""

    name: str  # "Council 2019", as the meetings' council_session names it
    place: str
    start: date
    end: date


def session_key(session: object) -> str:
    """A Council session's name compared whatever its case and spacing: "council  2019" is "Council 2019"."""
    return " ".join(str(session or "").split()).casefold()


@dataclass(frozen=True)
class BodySettings:
    """What the report needs of the body: names and codes per language, mandate, record language, wording choices."""

    code: Mapping[str, str]  # language -> code ("CWG-Internet", "GTC-Internet")
    name: Mapping[str, str]  # language -> full name
    mandate: Mapping[str, tuple[MandateReference, ...]]  # group ("plenipotentiary", "council") -> references
    introduction: Mapping[str, tuple[MandateParagraph, ...]] = field(default_factory=dict)  # language -> section 1
    record_language: str = "en"  # the language decisions and venues are recorded in, and the original's
    # "... provide guidance with respect to 2.2 c)": the Chair's report to Council 2019 names them only in its
    # conclusion, so CWG-Internet's body.yaml turns this off.
    action_required_cites_paragraphs: bool = True
    council_sessions: tuple[CouncilSession, ...] = ()

    def council_session(self, name: str | None) -> CouncilSession | None:
        """The configured place and days of the Council session ``name`` (none: not configured)."""
        key = session_key(name)
        return next((s for s in self.council_sessions if key and session_key(s.name) == key), None)

    def code_in(self, language: str) -> str:
        return self.code.get(language) or self.code["en"]

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.code_in(language)

    def mandate_on(self, day: date) -> dict[str, tuple[str, ...]]:
        """The references in force on ``day`` by group, in configured order; groups with none are left out."""
        groups = {group: tuple(r.text for r in refs if r.in_force_on(day)) for group, refs in self.mandate.items()}
        return {group: refs for group, refs in groups.items() if refs}

    def introduction_on(self, language: str, day: date) -> tuple[MandateParagraph, ...]:
        """The configured paragraphs of section 1 in ``language`` that apply on ``day`` (none: not configured)."""
        return tuple(p for p in self.introduction.get(language, ()) if p.in_force_on(day))

    @classmethod
    def from_body(cls, body: Body) -> BodySettings:
        """Read and check the body's ``mandate``, ``report`` and ``council_sessions`` (kept in ``body.extra``)."""
        mandate = _mapping(body.extra.get("mandate"), "mandate", body.extra)
        report = _mapping(body.extra.get("report"), "report", body.extra)
        _unknown_keys(report, "report", REPORT_KEYS)
        groups = {
            str(group): _references(refs, f"mandate.{group}", mandate)
            for group, refs in mandate.items()
            if group != "introduction"
        }
        introduction = _mapping(mandate.get("introduction"), "mandate.introduction", mandate)
        cites = report.get("action_required_cites_paragraphs", True)
        if not isinstance(cites, bool):
            raise SettingsError(f"{_at(report)}report.action_required_cites_paragraphs: expected true or false")
        language = report.get("record_language", "en")
        if not isinstance(language, str) or not language:
            raise SettingsError(f"{_at(report)}report.record_language: expected a language code such as en")
        return cls(
            code={"en": body.code, "fr": body.code_fr},
            name={"en": body.name.get("en", body.code), "fr": body.name.get("fr", body.code_fr)},
            mandate=groups,
            introduction={
                str(lang): _paragraphs(paragraphs, f"mandate.introduction.{lang}", introduction)
                for lang, paragraphs in introduction.items()
            },
            record_language=language,
            action_required_cites_paragraphs=cites,
            council_sessions=_sessions(body.extra.get("council_sessions"), "council_sessions", body.extra),
        )


def _at(node: object) -> str:
    """ "body.yaml line 21: " for a node read with its line, else "body.yaml: "."""
    line = getattr(node, "line", 0)
    return f"{SOURCE} line {line}: " if line else f"{SOURCE}: "


def _mapping(value: object, key: str, parent: object) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SettingsError(f"{_at(parent)}{key}: expected a mapping")
    return value


def _sequence(value: object, key: str, parent: object) -> Sequence[object]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SettingsError(f"{_at(parent)}{key}: expected a list")
    return value


def _day(value: object, key: str, node: object) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    text = str(value).strip()
    try:
        if not _DAY.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SettingsError(f"{_at(node)}{key}: {text!r} is not a date (YYYY-MM-DD)") from exc


def _span(item: Mapping[str, object], key: str) -> tuple[date | None, date | None]:
    start, end = _day(item.get("from"), f"{key}.from", item), _day(item.get("until"), f"{key}.until", item)
    if start and end and end < start:
        raise SettingsError(f"{_at(item)}{key}: until {end.isoformat()} is before from {start.isoformat()}")
    return start, end


def _unknown_keys(item: Mapping[str, object], key: str, known: Sequence[str]) -> None:
    unknown = sorted(str(k) for k in item if k not in known)
    if unknown:
        raise SettingsError(f"{_at(item)}{key}: unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})")


def _text(value: object, key: str, node: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{_at(node)}{key}: expected text")
    return value.strip()


def _references(value: object, key: str, parent: object) -> tuple[MandateReference, ...]:
    refs = []
    for i, item in enumerate(_sequence(value, key, parent)):
        where = f"{key}[{i}]"
        if not isinstance(item, Mapping):
            refs.append(MandateReference(_text(item, where, value)))
            continue
        _unknown_keys(item, where, _REFERENCE_KEYS)
        start, end = _span(item, where)
        refs.append(MandateReference(_text(item.get("ref"), f"{where}.ref", item), start, end))
    return tuple(refs)


def _paragraphs(value: object, key: str, parent: object) -> tuple[MandateParagraph, ...]:
    paragraphs = []
    for i, item in enumerate(_sequence(value, key, parent)):
        where = f"{key}[{i}]"
        if not isinstance(item, Mapping):
            paragraphs.append(MandateParagraph(_text(item, where, value)))
            continue
        _unknown_keys(item, where, _PARAGRAPH_KEYS)
        items = _sequence(item.get("items"), f"{where}.items", item)
        start, end = _span(item, where)
        paragraphs.append(
            MandateParagraph(
                _text(item.get("text"), f"{where}.text", item),
                tuple(_text(t, f"{where}.items[{j}]", item) for j, t in enumerate(items)),
                start,
                end,
            )
        )
    return tuple(paragraphs)


def _sessions(value: object, key: str, parent: object) -> tuple[CouncilSession, ...]:
    sessions = []
    for name, item in _mapping(value, key, parent).items():
        where = f"{key}.{name}"
        if not isinstance(item, Mapping):
            raise SettingsError(f"{_at(value)}{where}: expected {{place, from, until}}")
        _unknown_keys(item, where, _SESSION_KEYS)
        start, end = _span(item, where)
        if start is None or end is None:
            raise SettingsError(f"{_at(item)}{where}: expected both from and until (YYYY-MM-DD)")
        sessions.append(CouncilSession(str(name), _text(item.get("place"), f"{where}.place", item), start, end))
    return tuple(sessions)
