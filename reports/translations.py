"""A translator's wording of the record's free texts for one report language.

The meeting records its decisions and venue in one language (the body's ``report.record_language``,
English by default). A report in another language takes their wording from a small YAML file::

    language: fr
    venue: au siège de l'UIT à Genève (Suisse)   # how "held its meeting ..." ends
    decisions:                                   # by decision id
      d2: Le Groupe a invité les États Membres à envoyer/actualiser leurs contributions ...

Texts it does not give stay as recorded, and the report lists them as untranslated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reports.errors import TranslationsError


@dataclass(frozen=True)
class Translations:
    """Wording of recorded texts in the report's language: the venue phrase and decision texts by id."""

    language: str | None = None
    venue: str | None = None
    decisions: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: object, source: str) -> Translations:
        """Check and read the parsed YAML of a translations file."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise TranslationsError(f"{source}: expected a mapping with language, venue and decisions")
        unknown = sorted(set(data) - {"language", "venue", "decisions"})
        if unknown:
            raise TranslationsError(f"{source}: unknown key(s) {', '.join(map(str, unknown))}")
        decisions = data.get("decisions") or {}
        if not isinstance(decisions, Mapping) or not all(isinstance(v, str) for v in decisions.values()):
            raise TranslationsError(f"{source}: 'decisions' maps decision ids to their text")
        language, venue = data.get("language"), data.get("venue")
        return cls(
            language=None if language is None else str(language),
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
