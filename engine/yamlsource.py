"""YAML reading that keeps line numbers and refuses duplicate keys (PyYAML silently keeps the last one)."""

from __future__ import annotations

import re
from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers the line it started on."""

    line: int = 0


class LineList(list[Any]):
    """A sequence read from YAML that remembers the line it started on."""

    line: int = 0


class DuplicateKey(ValueError):
    """A YAML mapping names the same key twice."""

    def __init__(self, key: str, line: int) -> None:
        self.key, self.line = key, line
        super().__init__(f"duplicate key '{key}'")


# libyaml's parser when PyYAML was built with it (several times faster: every process parses the workflows
# when it opens an engine); the constructors and resolvers below are the same Python code either way.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DuplicateKey(str(key), key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
# Dates stay text (the engine parses them with its own rules), and only true/false are booleans:
# YAML 1.1 would turn the effect key `on:` and a Member State answer `no` into booleans.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    """Parse YAML text into LineDict/LineList; raises yaml.YAMLError or DuplicateKey."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader


def line_of(node: object) -> int:
    return getattr(node, "line", 0)
