"""A translator's wording of the record's free texts for one report language.

The meeting records its decisions and venue in one language (the body's ``report.record_language``,
English by default). A report in another language takes their wording from a small YAML file::

    language: fr
    venue: au siège de l'UIT à Genève (Suisse)   # how "held its meeting ..." ends
    decisions:                                   # by decision id
      d2: Le Groupe a invité les États Membres à envoyer/actualiser leurs contributions ...

A report on the meetings of one Council session gives each meeting's wording under its number, since
decision ids repeat from one meeting to the next::

    language: fr
    meetings:
      12: {venue: ..., decisions: {d2: ...}}
      13: {decisions: {d2: ...}}

Texts it does not give stay as recorded, and the report lists them as untranslated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reports.errors import TranslationsError


@dataclass(frozen=True)
class MeetingWording:
    """How one meeting's recorded texts read in the report's language: the venue phrase and decision texts by id."""

    venue: str | None = None
    decisions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Translations:
    """Wording of recorded texts in the report's language: of the one meeting reported, or of each by number."""

    language: str | None = None
    venue: str | None = None
    decisions: Mapping[str, str] = field(default_factory=dict)
    meetings: Mapping[int, MeetingWording] = field(default_factory=dict)

    def of_meetings(self, numbers: Sequence[int]) -> dict[int, MeetingWording]:
        """The wording of each meeting reported; ``venue`` and ``decisions`` at the top are the only meeting's."""
        if len(numbers) == 1:
            own = self.meetings.get(numbers[0], MeetingWording())
            return {numbers[0]: MeetingWording(own.venue or self.venue, {**self.decisions, **own.decisions})}
        if self.venue or self.decisions:
            listed = ", ".join(map(str, numbers))
            raise TranslationsError(
                f"the report covers meetings {listed}: give each one's venue and decisions under "
                f"'meetings: {{<number>: ...}}' (decision ids repeat from one meeting to the next)"
            )
        return {n: self.meetings.get(n, MeetingWording()) for n in numbers}

    @classmethod
    def from_data(cls, data: object, source: str) -> Translations:
        """Check and read the parsed YAML of a translations file."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise TranslationsError(f"{source}: expected a mapping with language, venue and decisions")
        unknown = sorted(set(map(str, data)) - {"language", "venue", "decisions", "meetings"})
        if unknown:
            raise TranslationsError(f"{source}: unknown key(s) {', '.join(unknown)}")
        language = data.get("language")
        meetings = data.get("meetings") or {}
        if not isinstance(meetings, Mapping):
            raise TranslationsError(f"{source}: 'meetings' maps meeting numbers to their venue and decisions")
        top = _wording({k: v for k, v in data.items() if k in ("venue", "decisions")}, source)
        return cls(
            language=None if language is None else str(language),
            venue=top.venue,
            decisions=top.decisions,
            meetings={_number(k, source): _wording(v, f"{source}: meetings.{k}") for k, v in meetings.items()},
        )


def _number(key: object, source: str) -> int:
    if isinstance(key, bool) or not str(key).strip().isdigit():
        raise TranslationsError(f"{source}: meetings.{key}: expected a meeting number such as 12")
    return int(str(key))


def _wording(data: object, source: str) -> MeetingWording:
    """``venue`` and ``decisions``, of the only meeting (at the top) or of one meeting (under ``meetings``)."""
    if not isinstance(data, Mapping):
        raise TranslationsError(f"{source}: expected a mapping with venue and decisions")
    unknown = sorted(set(map(str, data)) - {"venue", "decisions"})
    if unknown:
        raise TranslationsError(f"{source}: unknown key(s) {', '.join(unknown)}")
    decisions = data.get("decisions") or {}
    if not isinstance(decisions, Mapping) or not all(isinstance(v, str) for v in decisions.values()):
        raise TranslationsError(f"{source}: 'decisions' maps decision ids to their text")
    venue = data.get("venue")
    return MeetingWording(
        venue=None if venue is None else str(venue),
        decisions={str(k): v.strip() for k, v in decisions.items()},
    )


def load_translations(path: Path) -> Translations:
    """Read a translations file; an unreadable or malformed one is a TranslationsError naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TranslationsError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise TranslationsError(f"{path}: not valid YAML ({exc})") from exc
    return Translations.from_data(data, str(path))
