"""A definition drawn as a Mermaid ``stateDiagram-v2`` (optionally with the current state highlighted)."""

from __future__ import annotations

from engine.definition import SAME_STATE, Definition


def mermaid(definition: Definition, current: str | None = None) -> str:
    """Mermaid text: start, every transition labelled with its trigger and roles, finals to [*]."""
    lines = ["stateDiagram-v2", f"    %% {definition.name} v{definition.version}: {definition.title.get('en', '')}"]
    lines.append(f"    [*] --> {definition.initial}: {definition.start.trigger}")
    for spec in definition.transitions:
        for source in spec.sources:
            dest = source if spec.dest == SAME_STATE else spec.dest
            who = f"by {spec.only_by.workflow}" if spec.only_by is not None else ", ".join(spec.roles)
            lines.append(f"    {source} --> {dest}: {spec.trigger} ({who})")
    for final in sorted(definition.finals):
        lines.append(f"    {final} --> [*]")
    if current is not None:
        lines.append("    classDef current fill:#ffd54f,stroke:#333,stroke-width:2px")
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"
