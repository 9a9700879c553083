"""Audiences that match the words (issue 11, item 7): for every notice, who its text addresses, written here
again from the text (not from notices.yaml), checked on every message the three shipped scenarios write:
each recipient is one the text addresses, and everyone it addresses got it (to) or a copy (cc).

"You have registered and not yet contributed" (R02), "responses may still be submitted" (R08), "thank you for
your response" (N12), "your action" (N17, R11) hold only for the people they are sent to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from consultflow.wiring import open_engine
from engine import Engine, Person
from engine.catalogue import SHIPPED
from engine.fields import list_items
from notifications.samples import shipped_catalogue
from tests.acceptance.test_two_topics import _demo

Context = Mapping[str, Any]
Audience = Callable[[Person, Context], bool]
SCENARIOS = ("cwg12.yaml", "two-topics.yaml", "reschedule.yaml")


def role(*names: str) -> Audience:
    return lambda p, _: bool(set(names) & set(p.roles))


def either(*audiences: Audience) -> Audience:
    return lambda p, c: any(a(p, c) for a in audiences)


def nobody(_: Person, __: Context) -> bool:
    return False


def fields(c: Context) -> Mapping[str, Any]:
    return c["instance"]["fields"]  # type: ignore[no-any-return]


def actor(p: Person, c: Context) -> bool:
    return bool(p.id == c["actor"]["id"])


def for_whom(items: str) -> Audience:
    """People who (or whose Member State) appended an item to the list field ``items``."""
    return lambda p, c: any(
        i.get("by") == p.id or (p.member_state is not None and i.get("member_state") == p.member_state)
        for i in list_items(fields(c).get(items))
    )


def item_member_state(p: Person, c: Context) -> bool:
    item = c.get("item") or {}
    return "member_state" in p.roles and p.member_state is not None and item.get("member_state") == p.member_state


def owner(p: Person, c: Context) -> bool:
    kind, named = fields(c).get("owner_kind"), fields(c).get("owner")
    if kind == "member_state":
        return "member_state" in p.roles and p.member_state == named
    kinds = {"all_member_states": "member_state", "secretariat": "secretariat", "chair": "chair"}
    return kinds.get(str(kind)) in p.roles


def respondents(p: Person, c: Context) -> bool:
    return p.id in {i.get("by") for i in list_items(fields(c).get("responses"))}


def registered_without_contribution(p: Person, c: Context) -> bool:
    """R02: "Your Administration has registered ... and has not yet submitted a contribution"."""
    return "member_state" in p.roles and for_whom("registrations")(p, c) and not for_whom("contributions")(p, c)


MS, CHAIRS = role("member_state"), role("chair", "vice_chair")
# notice -> (to, cc), as each notice's text addresses its readers.
AUDIENCES: dict[str, tuple[Audience, Audience]] = {
    "N01": (MS, CHAIRS),  # "You are invited to the meeting"
    "N02": (MS, CHAIRS),  # "the meeting ... has been postponed / cancelled"
    "N03": (actor, role("secretariat")),  # "your contribution arrived after the translation deadline"
    "N04": (either(actor, item_member_state), role("secretariat", "chair")),  # "we acknowledge your contribution"
    "N05": (MS, CHAIRS),
    "N06": (MS, role("chair")),
    "N07": (MS, role("chair", "vice_chair", "secretariat")),
    "N08": (role("council", "member_state"), role("chair")),
    "N09": (MS, CHAIRS),
    "N10": (MS, role("chair")),
    "N11": (role("stakeholder", "member_state"), role("chair")),
    "N12": (actor, role("secretariat")),  # "thank you for your response"
    "N13": (either(role("stakeholder", "member_state"), respondents), role("chair")),
    "N14": (role("secretariat", "chair"), nobody),
    "N15": (either(respondents, role("stakeholder", "member_state")), role("chair")),
    "N16": (role("member_state", "chair", "vice_chair"), role("secretariat")),
    "N16a": (role("chair"), role("secretariat")),
    "N17": (owner, role("chair")),  # "an action is assigned to you"
    "N18": (role("chair", "secretariat"), owner),
    "N19": (either(respondents, role("stakeholder")), role("chair")),
    "N20": (role("secretariat"), role("chair")),
    "N21": (MS, role("chair", "vice_chair", "secretariat")),
    "N22": (role("chair", "secretariat"), MS),
    "N23": (actor, nobody),  # "confirm your response": the address given on the public page
    "R01": (MS, nobody),
    "R02": (registered_without_contribution, nobody),
    "R03": (MS, nobody),
    "R04": (role("secretariat"), nobody),
    "R05": (CHAIRS, nobody),
    "R06": (role("chair"), nobody),
    "R07": (role("chair", "secretariat"), nobody),
    "R08": (lambda p, c: "stakeholder" in p.roles and not respondents(p, c), nobody),  # "you may still respond"
    "R09": (role("secretariat"), nobody),
    "R10": (respondents, nobody),  # "you responded: the meeting is on ..."
    "R11": (owner, nobody),
    "R12": (role("chair", "secretariat"), nobody),
    "R13": (MS, role("secretariat")),
}


def test_every_notice_has_its_audience_written_here() -> None:
    assert set(AUDIENCES) == set(shipped_catalogue().notices)


def _public_actor(context: Context) -> list[Person]:
    """A member of the public who fired the step (not in the directory, but a reader of its receipt)."""
    who = context["actor"]
    if not str(who["id"]).startswith("public:"):
        return []
    return [Person(who["id"], who["name"], str(who["id"]).removeprefix("public:"), "en", ("public",))]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    databases = []
    for name in SCENARIOS:
        out = tmp_path_factory.mktemp(name.removesuffix(".yaml"))
        result = _demo(SHIPPED / "scenarios" / name, out / "demo")
        assert result.returncode == 0, result.stderr
        databases.append(out / "demo" / "consultflow.db")
    return databases


def test_each_message_reaches_exactly_the_people_its_text_addresses(replayed: list[Path]) -> None:
    seen: set[str] = set()
    for database in replayed:
        engine: Engine = open_engine(f"sqlite:///{database}")
        try:
            people = [p for p in engine.people() if "system" not in p.roles]
            # One step or one reminder writes one message per reader, all with the same context but the reader.
            sent: dict[tuple[str, str, str], list[tuple[str, bool, Context]]] = defaultdict(list)
            for m in engine.outbox(limit=1_000_000):
                context: Context = m.context
                event = f"{context['at']}|{context['trigger']}|{context['instance']['version']}"
                key = (m.notice, m.instance_id, event)
                sent[key].append((m.recipient_id, m.for_information, context))
            for (notice, instance_id, _), rows in sent.items():
                seen.add(notice)
                context = rows[0][2]
                to, cc = AUDIENCES[notice]
                readers = [*people, *_public_actor(context)]
                want_to = {p.id for p in readers if to(p, context)}
                want_cc = {p.id for p in readers if cc(p, context)} - want_to
                got_to = {r for r, info, _ in rows if not info}
                got_cc = {r for r, info, _ in rows if info}
                where = f"{notice} on {instance_id} ({context['trigger'] or 'reminder'})"
                assert got_to <= want_to, f"{where} went to {sorted(got_to - want_to)}, whom its text does not address"
                assert got_cc <= want_cc, f"{where} copied {sorted(got_cc - want_cc)}"
                if notice != "N08":  # one copy per person and document: the other instance's copy is dropped
                    assert want_to <= got_to | got_cc, f"{where} missed {sorted(want_to - got_to)}"
        finally:
            engine.close()
    assert {"R02", "R08", "R10", "N04", "N12", "N13", "N17", "N20"} <= seen  # the claims about the reader were met
