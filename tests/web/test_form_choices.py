"""Forms that know the domain: dates pre-filled from the instance, Vice-Chairs and Member States chosen from
the directory by name, yes/no as a checkbox, contribution kinds filtered by the reader's role."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from engine import FixedClock
from engine.catalogue import load_catalogue
from engine.definition import FieldSpec
from tests.conftest import at
from tests.web.conftest import Site, csrf_of
from tests.web.world import World, build
from web.choices import ChoiceTable, table, with_choices
from web.forms import FormField, NotOffered, read_fields, trigger_fields
from web.labels import words_for

Clients = Callable[[str], TestClient]


@pytest.fixture
def world(site: Site) -> World:
    return build(site.engine)


def _form_of(page: str, trigger: str) -> str:
    found = re.search(rf'<form [^>]*data-trigger="{trigger}".*?</form>', page, re.S)
    assert found, f"no form for {trigger}"
    return html.unescape(found.group(0))


def test_the_postpone_form_shows_the_current_dates(session_client: Clients, world: World) -> None:
    """Postponing starts from the meeting's dates; its reason starts empty (each step gives its own)."""
    page = session_client("sec.alice").get(f"/instances/{world.meeting}").text
    form = _form_of(page, "postpone")
    assert re.search(r'name="f\.start" type="date" value="2019-02-01"', form)
    assert re.search(r'name="f\.end" type="date" value="2019-02-01"', form)
    assert re.search(
        r'<textarea id="postpone-change_reason" name="f\.change_reason" rows="3" required></textarea>', form
    )


def test_the_acting_chair_is_chosen_among_the_vice_chairs_by_name(session_client: Clients, world: World) -> None:
    """A select of the directory's Vice-Chairs, labelled by name, valued by id; nobody else is offered."""
    form = _form_of(session_client("sec.alice").get(f"/instances/{world.meeting}").text, "designate_acting_chair")
    select = re.search(r'<select id="designate_acting_chair-acting_chair".*?</select>', form, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    assert options == [("", "(choose)"), ("vc.amina", "Amina Diallo"), ("vc.li", "Li Wei")]


def test_a_member_state_ticks_a_box_and_is_offered_its_own_kinds(session_client: Clients, world: World) -> None:
    """needs_translation is a checkbox; a Member State is offered contribution kinds, not the secretariat's."""
    form = _form_of(session_client("ms.fr").get(f"/instances/{world.meeting}").text, "submit_contribution")
    assert re.search(r'name="f\.needs_translation" type="checkbox" value="yes"', form)
    kinds = re.search(r'<select id="submit_contribution-kind".*?</select>', form, re.S)
    assert kinds is not None
    assert re.findall(r'<option value="([^"]*)"', kinds.group(0)) == ["", "contribution", "late_event_report"]
    assert "compilation" not in form and "administrative" not in form and "(choisir)" not in form
    assert "f.on_behalf_of" not in form  # the chair's input, for a late document admitted for a Member State


def test_a_kind_not_offered_is_refused_in_one_sentence(
    session_client: Clients, site: Site, world: World, clock: FixedClock
) -> None:
    """A hand-made post of a secretariat kind by a Member State: 422, one French sentence, nothing written."""
    clock.set(at("2019-01-08"))
    ms = session_client("ms.fr")
    page = ms.get(f"/instances/{world.meeting}").text
    before = site.engine.get(world.meeting).version
    form = {"csrf_token": csrf_of(page), "trigger": "submit_contribution", "f.title": "Vues", "f.kind": "compilation"}
    response = ms.post(f"/instances/{world.meeting}/fire", data=form)
    assert response.status_code == 422
    assert "« compilation » ne fait pas partie des choix qui vous sont proposés" in html.unescape(response.text)
    assert site.engine.get(world.meeting).version == before
    done = ms.post(
        f"/instances/{world.meeting}/fire", data={**form, "f.kind": "contribution", "f.needs_translation": "yes"}
    )
    assert done.status_code == 303
    added = site.engine.get(world.meeting).fields["contributions"]
    assert isinstance(added, list) and added[-1]["kind"] == "contribution" and added[-1]["needs_translation"] is True


def test_a_member_state_field_offers_the_directory_s_member_states(site: Site) -> None:
    """The chair admitting a late document picks the Member State from a list; the only kind offered is chosen."""
    meeting = load_catalogue().definition("meeting_cycle")
    chair = site.engine.person("chair")
    fields = with_choices(
        trigger_fields(meeting, "admit_contribution", "in_session"),
        "meeting_cycle",
        chair,
        site.engine.people(),
        words_for("en"),
    )
    by_name = {f.name: f for f in fields}
    assert [v for v, _ in by_name["on_behalf_of"].options] == [
        "Brazil",
        "China",
        "France",
        "Russian Federation",
        "Saudi Arabia",
        "United States",
    ]
    assert by_name["kind"].choices == ("requested_by_meeting",)


def test_values_sent_back_unchanged_are_no_change() -> None:
    """A pre-filled date left as it was is not sent to the engine; a changed one is; an unoffered one is refused."""
    start = FormField("start", "date", True, default="2019-02-01")
    kind = FormField("kind", "enum", False, values=("a", "b"), options=(("a", "A"),))
    assert read_fields((start,), {"f.start": "2019-02-01"}) == {}
    assert read_fields((start, kind), {"f.start": "2019-03-01", "f.kind": "a"}) == {"start": "2019-03-01", "kind": "a"}
    with pytest.raises(NotOffered):
        read_fields((kind,), {"f.kind": "b"})


def test_a_role_not_in_the_table_is_offered_every_value() -> None:
    """Filtering narrows only roles the table names; someone also holding another role sees every value."""
    choices = ChoiceTable.parse({"values_by_role": {"w": {"kind": {"member_state": ["a"]}}}})
    assert choices.offered_values("w", "kind", ("a", "b"), ["member_state"]) == ("a",)
    assert choices.offered_values("w", "kind", ("a", "b"), ["member_state", "secretariat"]) == ("a", "b")
    assert choices.offered_values("w", "other", ("a", "b"), ["member_state"]) == ("a", "b")


def test_the_choice_table_names_only_shipped_fields_and_values() -> None:
    """Every workflow, field, role and value of web/choices.yaml exists in the shipped definitions."""
    catalogue = load_catalogue()

    def field_of(workflow: str, name: str) -> FieldSpec:
        definition = catalogue.definition(workflow)
        found = definition.fields.get(name) or next(
            (f.item[name] for f in definition.fields.values() if name in f.item), None
        )
        assert found is not None, f"{workflow} has no field {name}"
        return found

    found = table()
    for workflow, fields in found.people.items():
        for name in fields:
            assert field_of(workflow, name).type == "person"
    for workflow, names in found.member_states.items():
        for name in names:
            assert field_of(workflow, name).type == "text"
    for workflow, only in found.only_for_roles.items():
        for name in only:
            field_of(workflow, name)
    for workflow, by_field in found.values_by_role.items():
        for name, roles in by_field.items():
            values = set(field_of(workflow, name).values)
            for values_of_role in roles.values():
                assert set(values_of_role) <= values, (workflow, name)
