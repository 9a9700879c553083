"""The views expressed on the topics that found no consensus, as the Chair's report sets them out.

The rules of procedure ask the chair, when consensus cannot be reached, to report "the views expressed". The
report groups each Member State's latest position on the topic (``engine.positions``) in a sentence of the
register of the Chair's reports: "Le thème « X » a été appuyé par la France et le Sénégal; la Fédération de
Russie a préféré le thème « Y »; les États-Unis ont réservé leur position; le Brésil s'y est opposé." The
statements, when any were made, are quoted in an annex rather than in the sentence. The clauses are in
``templates/<language>/wording.yaml`` (``views``); the names of the Member States, with their article and
gender, in ``templates/<language>/member_states.yaml``. A name missing from that table is not guessed: its
group is written "les États Membres suivants: ..." ("the following Member States: ..."), which needs none.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import yaml

from engine.formatting import join_words
from engine.positions import POSITION_ORDER
from reports.errors import ReportError
from reports.model import Item, Paragraph, Section, letter
from reports.record import Topic
from reports.wording import TEMPLATES_DIR, Wording

MEMBER_STATES_FILE = "member_states.yaml"
_GENDERS = ("f", "m")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class MemberStateName:
    """How the report names a Member State in one language: "la Fédération de Russie", "l'Inde", "the United States"."""

    name: str
    article: str = ""
    feminine: bool = False
    plural: bool = False

    @property
    def with_article(self) -> str:
        if not self.article:
            return self.name
        elided = self.article.endswith(("'", "\u2019"))  # "l'Inde"
        return f"{self.article}{'' if elided else ' '}{self.name}"


@functools.cache
def member_state_names(language: str) -> Mapping[str, MemberStateName]:
    """The Member States ``templates/<language>/member_states.yaml`` names, by recorded name (none: no file)."""
    path = TEMPLATES_DIR / language / MEMBER_STATES_FILE
    if not path.is_file():
        return {}
    return read_member_state_names(yaml.safe_load(path.read_text(encoding="utf-8")), f"{language}/{MEMBER_STATES_FILE}")


def read_member_state_names(data: object, source: str) -> dict[str, MemberStateName]:
    """Check and read a table of names: recorded name -> {name, article, gender}.

    ``gender`` (f or m) defaults to feminine after "la" and masculine otherwise, and must be given after "l'"
    and "les", which do not show it; "les" makes the name plural ("les États-Unis ont réservé leur position").
    """
    if not isinstance(data, Mapping):
        raise ReportError(f"{source}: expected a mapping of recorded names to {{name, article, gender}}")
    names = {}
    for recorded, entry in data.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ReportError(f"{source}: '{recorded}' needs a name")
        unknown = sorted(set(map(str, entry)) - {"name", "article", "gender"})
        if unknown:
            raise ReportError(f"{source}: '{recorded}': unknown key(s) {', '.join(unknown)}")
        article, gender = str(entry.get("article") or ""), entry.get("gender")
        if gender is None and article in ("l'", "les"):
            raise ReportError(f"{source}: '{recorded}': give its gender (f or m) after the article {article}")
        if gender is not None and gender not in _GENDERS:
            raise ReportError(f"{source}: '{recorded}': gender is f or m, not {gender!r}")
        feminine = gender == "f" if gender is not None else article == "la"
        names[str(recorded)] = MemberStateName(entry["name"].strip(), article, feminine, article == "les")
    return names


def views_paragraph(number: str, topics: Sequence[Topic], words: Wording, titles: Mapping[str, str]) -> Paragraph:
    """The paragraph after the measures: "The following views were expressed ...", one lettered item per topic.

    ``titles`` names the topics a Member State may have preferred instead (topic id -> title).
    """
    annexed = any(p.statement for t in topics for p in t.views.positions)
    intro = words.say("views.intro", several=len(topics) > 1, annex=annexed)
    items = tuple(Item(letter(i), topic_views(t, words, titles)) for i, t in enumerate(topics))
    return Paragraph(intro, number=number, items=items)


def topic_views(topic: Topic, words: Wording, titles: Mapping[str, str]) -> str:
    """One topic's views in a sentence: who supported it, who preferred which other topic, reserved, objected."""
    names = member_state_names(words.language)
    clauses = []
    for position in POSITION_ORDER:
        if position == "prefer_other":
            preferred: dict[str | None, list[str]] = {}
            for stated in topic.views.positions:
                if stated.position == position:
                    preferred.setdefault(stated.other_option, []).append(stated.member_state)
            for other, states in preferred.items():
                title = titles.get(other) if other else None
                context = _named(states, words, names)
                clauses.append(words.say("views.clauses.prefer_other", other=title, **context))
        elif topic.views.by_position.get(position):
            context = _named(topic.views.by_position[position], words, names)
            clauses.append(words.say(f"views.clauses.{position}", topic=topic.title, **context))
    supported = bool(topic.views.by_position.get("support"))
    return words.say("views.sentence", topic=topic.title, supported=supported, clauses=clauses)


def statements_annex(topics: Sequence[Topic], words: Wording, titles: Mapping[str, str]) -> Section | None:
    """The annex quoting the statements made with the positions, topic by topic; ``None`` when none was made."""
    names = member_state_names(words.language)
    paragraphs = []
    for topic in topics:
        stated = [p for p in topic.views.positions if p.statement]
        if not stated:
            continue
        items = tuple(
            Item(
                letter(i),
                words.say(
                    "views.annex.statement",
                    member_state=_bare(p.member_state, names),
                    position=p.position,
                    other=titles.get(p.other_option) if p.other_option else None,
                    statement=_SPACES.sub(" ", p.statement or "").strip(),
                ),
            )
            for i, p in enumerate(stated)
        )
        paragraphs.append(Paragraph(words.say("views.annex.topic", topic=topic.title), items=items))
    if not paragraphs:
        return None
    return Section(words.say("labels.annex_views"), tuple(paragraphs))


def _named(states: Sequence[str], words: Wording, names: Mapping[str, MemberStateName]) -> dict[str, object]:
    """How a clause names a group of Member States: subject (with articles), the list after a colon, agreement."""
    known = [names.get(s) for s in states]
    several = len(states) > 1
    if all(known):
        ordered = sorted((n for n in known if n), key=lambda n: _sort_key(n.name))
        return {
            "subject": join_words(words.language, [n.with_article for n in ordered]),
            "listed": "",
            "plural": several or any(n.plural for n in ordered),
            "feminine": all(n.feminine for n in ordered),
        }
    bare = sorted((_bare(s, names) for s in states), key=_sort_key)
    return {
        "subject": words.say("views.fallback.subject", plural=several),
        "listed": words.say("views.fallback.listed", names=join_words(words.language, bare)),
        "plural": several,
        "feminine": False,
    }


def _bare(member_state: str, names: Mapping[str, MemberStateName]) -> str:
    known = names.get(member_state)
    return known.name if known else member_state


def _sort_key(text: str) -> str:
    """Alphabetical order without regard to case or accents ("États-Unis" among the e's)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
