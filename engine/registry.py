"""Definition versions in the database, and the one shared machine per version (cached for the process).

A definition is registered (its text stored under name + version + hash) the first time an instance of
it starts; instances keep running the version they started with, read back from the database when the
file has moved on. A file whose meaning changed without a new version number is refused; a change of
comments or layout only is not a new version (the stored text stays the one instances run).
"""

from __future__ import annotations

import yaml

from engine.catalogue import Catalogue
from engine.clock import Clock, aware_utc
from engine.definition import Definition
from engine.errors import DefinitionChanged
from engine.loader import parse_definition
from engine.machine import CompiledWorkflow
from engine.ports import RecordReader, RecordStore
from engine.yamlsource import DuplicateKey, load_yaml


class DefinitionRegistry:
    """Definition row ids and compiled machines, cached; safe to share between transactions."""

    def __init__(self, catalogue: Catalogue, clock: Clock) -> None:
        self.catalogue = catalogue
        self.clock = clock
        self._compiled: dict[str, CompiledWorkflow] = {}  # content hash -> shared machine
        self._definition_hash: dict[int, str] = {}  # definition row id -> content hash
        self._registered: dict[tuple[str, int], int] = {}  # (name, version) -> definition row id

    def register(self, records: RecordStore, definition: Definition) -> int:
        """The row id of ``definition``, storing it on first use; DefinitionChanged if the text moved on."""
        key = (definition.name, definition.version)
        if key in self._registered:
            return self._registered[key]
        found = records.definition_row(definition.name, definition.version)
        if found is None:
            row_id = records.register_definition(
                definition.name,
                definition.version,
                definition.content_hash,
                definition.source,
                definition.text,
                aware_utc(self.clock.now()),
            )
        else:
            row_id, stored_hash = found
            if stored_hash != definition.content_hash and not _same_meaning(records, row_id, definition):
                raise DefinitionChanged(
                    f"{definition.source} changed but still says version {definition.version}, which running "
                    f"instances use: give it version {definition.version + 1} to start new instances with it"
                )
        self._registered[key] = row_id
        self._definition_hash[row_id] = definition.content_hash
        if definition.content_hash not in self._compiled:
            self._compiled[definition.content_hash] = CompiledWorkflow(definition)
        return row_id

    def compiled(self, records: RecordReader, definition_id: int) -> CompiledWorkflow:
        """The shared machine of a registered definition version (parsed from its stored text if new to us)."""
        content_hash = self._definition_hash.get(definition_id)
        if content_hash is None or content_hash not in self._compiled:
            text, source = records.definition_text(definition_id)
            definition = parse_definition(text, source, notice_ids=None, stored=True)
            content_hash = definition.content_hash
            self._definition_hash[definition_id] = content_hash
            if content_hash not in self._compiled:
                self._compiled[content_hash] = CompiledWorkflow(definition)
        return self._compiled[content_hash]

    def current(self, workflow: str) -> CompiledWorkflow:
        """The shared machine of the catalogue's current version of ``workflow``."""
        definition = self.catalogue.definition(workflow)
        if definition.content_hash not in self._compiled:
            self._compiled[definition.content_hash] = CompiledWorkflow(definition)
        return self._compiled[definition.content_hash]


def _same_meaning(records: RecordReader, definition_id: int, definition: Definition) -> bool:
    """Whether the stored text and ``definition`` read as the same YAML data (only comments or layout differ)."""
    stored, _source = records.definition_text(definition_id)
    try:
        return bool(load_yaml(stored) == load_yaml(definition.text))
    except (DuplicateKey, yaml.YAMLError):
        return False
