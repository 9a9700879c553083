"""Fuzzing the boundary (issue 12, item 8): random values, hostile ones included (lone surrogates, control
characters, line separators, markup, very long text, odd links and dates), through `fire` on shipped steps
that take input; then every notice written is sent to the real embedded SMTP server. Each value is either
refused at the step, naming the field, with nothing written, or delivered: never stored and then unsendable."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultflow.wiring import open_engine
from engine import Engine, FixedClock
from engine.definition import FieldSpec
from engine.directory import read_people_csv
from engine.errors import ConsultflowError
from notifications.dispatcher import Dispatcher
from notifications.maildir_server import start_embedded_smtp
from notifications.smtp import SmtpSettings
from tests.conftest import FIXTURES, at
from tests.integration.test_role_matrix import PERSON_FOR_ROLE, _force_state
from tests.integration.test_role_matrix import _instances as _role_matrix_instances
from tests.scenario import convene
from tests.snapshot import snapshot

HOSTILE = st.sampled_from(
    ["\ud800", "\x00", "\x07", "\u2028", "\x85", "\r\nBcc: all@example.org", "<script>x</script>", "{{ 7*7 }}",
     "=?utf-8?q?=0ABcc:_x?=", "é" * 600, "x" * 20_001, "  ", "https://", "javascript:alert(1)", "20190201",
     "2019-02-30", "https://ok.example/path?q=1", "Genève — réunion", "0", "-1", "99999999999999"]
)  # fmt: skip
READABLE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=120)
TEXT = st.one_of(HOSTILE, READABLE, READABLE, st.text(max_size=60), st.text(alphabet=st.characters(codec="utf-8")))
HOST = st.from_regex(r"[a-z]{1,12}", fullmatch=True)
LINK = st.one_of(TEXT, st.builds("https://{}.example/{}".format, HOST, READABLE))
PERSON = st.one_of(st.sampled_from(["vc.amina", "vc.ar", "chair", "ms.fr", "nobody"]), TEXT)
VALUES = {"agenda_link": LINK, "registration_link": LINK, "acting_chair": PERSON}

# Steps that keep the meeting where it is, so that every example can fire them again on the same world.
STEPS = {
    "submit_contribution": ("meeting", "ms.fr", ("title", "symbol")),
    "correct_details": ("meeting", "sec.alice", ("agenda_link", "registration_link", "remote_participation")),
    "designate_acting_chair": ("meeting", "sec.alice", ("acting_chair",)),
}


class World:
    """One engine, meeting 12 convened with contributions open, and a mail server, for all examples."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cf-fuzz-"))
        self.clock = FixedClock(at("2018-12-01"))
        self.engine: Engine = open_engine(f"sqlite:///{self.folder / 'fuzz.db'}", clock=self.clock)
        people = read_people_csv((FIXTURES / "people.csv").read_text(encoding="utf-8"), "people.csv")
        self.engine.import_people(people)
        self.meeting = convene(self.engine).meeting.id
        self.clock.set(at("2019-01-05"))

    def close(self) -> None:
        self.engine.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def fire_and_deliver(self, instance_id: str, trigger: str, actor: str, fields: Mapping[str, object]) -> list[str]:
        """Fire; a refusal must be one line with nothing written. Otherwise send every notice due to a real
        SMTP server; returns what was not sent (nothing, when the boundary holds)."""
        before = snapshot(self.engine)
        try:
            self.engine.fire(instance_id, trigger, actor, fields, now=self.clock.now())
        except ConsultflowError as refused:
            message = str(refused)
            assert "\n" not in message and message.strip()
            assert snapshot(self.engine) == before  # refused: nothing written
            return []
        with start_embedded_smtp(self.folder / "Maildir", keep=0) as server:
            relay = SmtpSettings(host=server.host, port=server.port, timeout=5)

            async def flush() -> list[str]:
                async with Dispatcher(self.engine, relay, clock=self.clock) as dispatcher:
                    report = await dispatcher.flush()
                return [f"{o.result}: {o.detail}" for o in report.outcomes if o.result != "sent"]

            return asyncio.run(flush())


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same values in every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(trigger=st.sampled_from(sorted(STEPS)), data=st.data())
def test_a_value_is_refused_at_the_step_or_delivered(trigger: str, data: st.DataObject) -> None:
    world = WORLD
    _, actor, names = STEPS[trigger]
    fields = {name: data.draw(VALUES.get(name, TEXT), label=name) for name in names if data.draw(st.booleans())}
    if trigger == "submit_contribution":
        fields.setdefault("title", data.draw(TEXT, label="title"))
    problems = world.fire_and_deliver(world.meeting, trigger, actor, fields)
    assert problems == [], (fields, problems)
    world.clock.set(world.clock.now() + timedelta(minutes=1))




# Every shipped transition that takes input (requires, sets or append), in each of its source states, with
# a person of a role it lists; the instances are the role matrix's, put into the source state directly.
def _steps_with_input() -> list[tuple[str, str, str, str]]:
    from engine.catalogue import load_catalogue

    found = []
    for name, definition in sorted(load_catalogue().definitions.items()):
        for spec in definition.transitions:
            if spec.only_by is not None or not (spec.requires or spec.sets or spec.append):
                continue
            role = next((r for r in spec.roles if r in PERSON_FOR_ROLE), None)
            if role is not None:
                found += [(name, spec.trigger, source, PERSON_FOR_ROLE[role]) for source in spec.sources]
    return found


ALL_STEPS = _steps_with_input()


def _value(data: st.DataObject, spec: FieldSpec, label: str) -> object:
    """A value of roughly the field's kind, hostile now and then (the boundary must refuse those cleanly)."""
    if data.draw(st.integers(0, 3), label=f"{label} hostile") == 0:
        return data.draw(TEXT, label=label)
    if spec.type == "list":
        return [{n: _value(data, f, f"{label}.{n}") for n, f in spec.item.items() if f.required}]
    kinds: dict[str, st.SearchStrategy[object]] = {
        "date": st.dates().map(date.isoformat),
        "datetime": st.datetimes().map(lambda d: d.isoformat()),
        "int": st.integers(-5, 2_000_000_000),
        "bool": st.sampled_from(["yes", "no", "maybe"]),
        "enum": st.sampled_from([*spec.values, "other"]),
        "person": PERSON,
        "link": LINK,
    }
    return data.draw(kinds.get(spec.type, TEXT), label=label)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(step=st.sampled_from(ALL_STEPS), data=st.data())
def test_every_step_that_takes_input_refuses_a_value_or_delivers_its_notices(
    step: tuple[str, str, str, str], data: st.DataObject
) -> None:
    world = BROAD
    workflow, trigger, source, actor = step
    instance_id = world.instances[workflow]
    _force_state(world.engine, instance_id, source)
    definition = world.engine.definition_of(world.engine.get(instance_id))
    spec = definition.transition(trigger, source)
    assert spec is not None
    if spec.append is not None:
        item = definition.fields[spec.append].item
        fields = {n: _value(data, f, n) for n, f in item.items() if f.required or data.draw(st.booleans())}
    else:
        names = [*spec.requires, *(n for n in spec.sets if data.draw(st.booleans()))]
        fields = {n: _value(data, definition.fields[n], n) for n in names}
    problems = world.fire_and_deliver(instance_id, trigger, actor, fields)
    assert problems == [], (step, fields, problems)


class BroadWorld(World):
    """The fuzz world plus one instance of every workflow (the role matrix's), each forced into states."""

    def __init__(self) -> None:
        super().__init__()
        self.instances = _role_matrix_instances(self.engine)


BROAD: BroadWorld


WORLD: World


def setup_module() -> None:
    global WORLD, BROAD
    WORLD = World()
    BROAD = BroadWorld()


def teardown_module() -> None:
    WORLD.close()
    BROAD.close()
