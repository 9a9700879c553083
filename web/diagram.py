"""A workflow drawn as an inline SVG on the server, in the reader's words, with the current state highlighted.

No JavaScript and no font or library from a CDN: the desk must work offline, and the same Python draws the
same picture in French and English (only the words change). The layout is deliberately simple: states in
rows by their distance from the initial state along the workflow's forward steps (the longest such path,
so a linear procedure reads as one column), forward steps as straight arrows, steps going back or across
as curves on the right; a step that can be taken from three states or more (cancel, postpone) would cross
the whole picture, so it is listed under it instead ("Cancel: from Planned, Convened… → Cancelled").
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from engine.definition import SAME_STATE, Definition
from web.i18n import RIGHT_TO_LEFT
from web.labels import Words

NODE_W, NODE_H = 190, 44
GAP_X, GAP_Y = 36, 58
MARGIN = 16
BACK_LANE = 34  # horizontal room per curve on the right
LABEL_ROOM = 200  # room on the right for the words of the arrows and the lists under the picture
WIDE = 3  # a step from this many states or more is listed under the picture, not drawn
LINE_CHARS = 24  # characters per line of a state's label (two lines at most)


@dataclass(frozen=True)
class Edge:
    source: str
    dest: str
    labels: tuple[str, ...]


def _wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
        if len(lines[1]) > width:
            lines[1] = lines[1][: width - 1] + "…"
    return lines or [""]


def split_steps(definition: Definition, words: Words) -> tuple[list[Edge], list[tuple[str, tuple[str, ...], str]]]:
    """Edges to draw (one per pair of states, labels merged) and wide steps (label, sources, dest) to list."""
    pairs: dict[tuple[str, str], list[str]] = {}
    wide: list[tuple[str, tuple[str, ...], str]] = []
    for spec in definition.transitions:
        if spec.dest == SAME_STATE:
            continue  # a step that keeps the state (a contribution, a decision) is no arrow
        label = words.trigger(definition.name, spec.trigger)
        if len(spec.sources) >= WIDE:
            wide.append((label, spec.sources, spec.dest))
            continue
        for source in spec.sources:
            found = pairs.setdefault((source, spec.dest), [])
            if label not in found:
                found.append(label)
    return [Edge(s, d, tuple(labels)) for (s, d), labels in pairs.items()], wide


def layers(definition: Definition, edges: list[Edge]) -> dict[str, int]:
    """Each state's row: the longest path from the initial state once the edges that go back (to a state on
    the current depth-first path) are left out; states no drawn edge reaches go in one last row."""
    following: dict[str, list[str]] = {}
    for e in edges:
        following.setdefault(e.source, []).append(e.dest)
    order: list[str] = []  # reverse post-order: a topological order of the forward edges
    going_back: set[tuple[str, str]] = set()
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(state: str) -> None:
        on_path.add(state)
        for nxt in following.get(state, []):
            if nxt in on_path:
                going_back.add((state, nxt))
            elif nxt not in done:
                visit(nxt)
        on_path.discard(state)
        done.add(state)
        order.append(state)

    visit(definition.initial)
    row = dict.fromkeys(done, 0)
    for state in reversed(order):
        for nxt in following.get(state, []):
            if (state, nxt) not in going_back:
                row[nxt] = max(row[nxt], row[state] + 1)
    last = max(row.values(), default=0) + 1
    return {s: row.get(s, last) for s in definition.states}


def _text(
    x: float, y: float, lines: list[str], size: int, weight: str = "normal", anchor: str = "middle", rtl: bool = False
) -> str:
    first = y - (len(lines) - 1) * size * 0.6
    direction = (
        ' direction="rtl"' if rtl else ""
    )  # a sentence in Arabic starts at the right (its anchor) and reads leftwards
    spans = "".join(
        f'<tspan x="{x:.0f}" y="{first + i * size * 1.2:.0f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return (
        f'<text font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" dominant-baseline="middle"{direction}>'
        f"{spans}</text>"
    )


def svg(definition: Definition, words: Words, current: str | None, title: str) -> Markup:
    """The picture, ready to be placed in a page (every text escaped)."""
    edges, wide = split_steps(definition, words)
    row = layers(definition, edges)
    rows: dict[int, list[str]] = {}
    for state in definition.states:
        rows.setdefault(row[state], []).append(state)
    per_row = max(len(r) for r in rows.values())
    back = [e for e in edges if row[e.dest] < row[e.source]]
    body_w = per_row * NODE_W + (per_row - 1) * GAP_X
    width = MARGIN * 2 + body_w + BACK_LANE * max(len(back), 1) + LABEL_ROOM
    place: dict[str, tuple[float, float]] = {}
    for r, states in rows.items():
        span = len(states) * NODE_W + (len(states) - 1) * GAP_X
        left = MARGIN + (body_w - span) / 2
        for i, state in enumerate(states):
            place[state] = (left + i * (NODE_W + GAP_X) + NODE_W / 2, MARGIN + 24 + r * (NODE_H + GAP_Y) + NODE_H / 2)
    rtl = words.language in RIGHT_TO_LEFT
    arrow = "←" if rtl else "→"  # the notes read right to left in Arabic: so do their arrows
    note_x = width - MARGIN if rtl else MARGIN  # the notes under the picture start on the reader's side
    notes_top = MARGIN + 24 + (max(rows) + 1) * (NODE_H + GAP_Y) - GAP_Y / 2
    height = notes_top + 22 * (len(wide) + len(back)) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" role="img" aria-labelledby="diagram-title" font-family="system-ui, sans-serif">',
        f'<title id="diagram-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4a4a4a"/></marker></defs>',
    ]
    ix, iy = place[definition.initial]
    parts.append(f'<circle cx="{ix:.0f}" cy="{MARGIN + 4}" r="6" fill="#1b1b1b"/>')
    parts.append(_line(ix, MARGIN + 10, ix, iy - NODE_H / 2))
    for e in edges:
        (sx, sy), (dx, dy) = place[e.source], place[e.dest]
        label = " / ".join(e.labels)
        if row[e.dest] > row[e.source]:
            parts.append(_line(sx, sy + NODE_H / 2, dx, dy - NODE_H / 2))
            parts.append(_label((sx + dx) / 2 + 6, (sy + NODE_H / 2 + dy - NODE_H / 2) / 2, label, "start"))
        elif row[e.dest] == row[e.source]:  # side by side: a short arrow between them, its words above
            step = NODE_W / 2 if dx > sx else -NODE_W / 2
            parts.append(_line(sx + step, sy, dx - step, dy))
            parts.append(_label((sx + dx) / 2, sy - 10, label, "middle"))
    for i, e in enumerate(back):  # going back up: a dashed curve on the right, numbered, its words listed below
        (sx, sy), (dx, dy) = place[e.source], place[e.dest]
        lane = MARGIN + body_w + BACK_LANE * (i + 1) - BACK_LANE / 2
        parts.append(
            f'<path d="M{sx + NODE_W / 2:.0f},{sy:.0f} C{lane:.0f},{sy:.0f} {lane:.0f},{dy:.0f} '
            f'{dx + NODE_W / 2:.0f},{dy:.0f}" fill="none" stroke="#4a4a4a" stroke-dasharray="5 3" '
            'marker-end="url(#arrow)"/>'
        )
        bx, by = lane * 0.75 + (sx + NODE_W / 2) * 0.25, (sy + dy) / 2  # on the curve, about its middle
        parts.append(f'<circle cx="{bx:.0f}" cy="{by:.0f}" r="9" fill="#fff" stroke="#4a4a4a"/>')
        parts.append(_text(bx, by, [str(i + 1)], 11, "bold"))
        names = f"{words.state(definition.name, e.source)} {arrow} {words.state(definition.name, e.dest)}"
        parts.append(
            _text(
                note_x,
                notes_top + 22 * (len(wide) + i) + 11,
                [f"{i + 1}. {label_of(e)}: {names}"],
                12,
                anchor="start",
                rtl=rtl,
            )
        )
    for state, (x, y) in place.items():
        parts.append(_node(definition, words, state, x, y, state == current))
    for i, (label, sources, dest) in enumerate(wide):
        names = ", ".join(words.state(definition.name, s) for s in sources)
        line = f"{label}: {names} {arrow} {words.state(definition.name, dest)}"
        parts.append(_text(note_x, notes_top + 22 * i + 11, [line], 12, anchor="start", rtl=rtl))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through html.escape


def label_of(edge: Edge) -> str:
    return " / ".join(edge.labels)


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#4a4a4a" stroke-width="1.5" '
        'marker-end="url(#arrow)"/>'
    )


def _label(x: float, y: float, text: str, anchor: str) -> str:
    """An arrow's words, outlined in white so that a line behind them does not strike them through."""
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="11" fill="#1b1b1b" text-anchor="{anchor}" '
        f'dominant-baseline="middle" stroke="#fff" stroke-width="4" paint-order="stroke">{escape(text)}</text>'
    )


def _node(definition: Definition, words: Words, state: str, x: float, y: float, current: bool) -> str:
    fill, stroke, width = ("#ffd54f", "#1b1b1b", 3) if current else ("#ffffff", "#4a4a4a", 1.5)
    left, top = x - NODE_W / 2, y - NODE_H / 2
    shape = (
        f'<rect x="{left:.0f}" y="{top:.0f}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"/>'
    )
    if state in definition.finals:  # a final state has a double border, as in UML
        shape += (
            f'<rect x="{left + 3:.0f}" y="{top + 3:.0f}" width="{NODE_W - 6}" height="{NODE_H - 6}" rx="6" '
            f'fill="none" stroke="{stroke}"/>'
        )
    label = _text(x, y, _wrap(words.state(definition.name, state)), 13, "bold" if current else "normal")
    marker = ' data-current="true"' if current else ""
    return f'<g class="state" data-state="{escape(state)}"{marker}>{shape}{label}</g>'
