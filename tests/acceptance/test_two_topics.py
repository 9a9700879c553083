"""The second shipped scenario end to end: two candidate topics in one escalation, Council's order, the two
consultations one after the other, a topic carried over and escalated at the next meeting; and the refusal
to announce a consultation before its turn."""

from __future__ import annotations

import mailbox
import shutil
import subprocess
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from consultflow.wiring import open_engine
from engine import Engine, Instance
from engine.catalogue import SHIPPED
from tests.acceptance.test_cli import CLI, Cli

SCENARIO = SHIPPED / "scenarios" / "two-topics.yaml"
TITLES = {
    "a": "Digital public infrastructure",
    "b": "Artificial intelligence and the Internet",
    "c": "Internet resilience in small island states",
}


def _demo(scenario: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "demo", "--scenario", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def _topics(engine: Engine) -> dict[str, Instance]:
    by_title = {t.fields["title"]: t for t in engine.list("topic")}
    return {key: by_title[title] for key, title in TITLES.items()}


def _meeting(engine: Engine, number: int) -> Instance:
    return next(m for m in engine.list("meeting_cycle") if m.fields["number"] == number)


def test_the_two_topics_scenario_leaves_a_record_that_follows_the_procedure(tmp_path: Path) -> None:
    """One escalation holds A and B; Council orders B then A; B's consultation closes before A's is announced;
    C, carried over, is escalated by the 22nd meeting; the Chair's report C27/40 sets out the views expressed on
    A and B; `check` finds nothing; each person gets C27/40 once."""
    out = tmp_path / "demo"
    result = _demo(SCENARIO, out)
    assert result.returncode == 0, result.stderr
    engine = open_engine(f"sqlite:///{out / 'consultflow.db'}")
    try:
        topics = _topics(engine)
        m21, m22 = _meeting(engine, 21), _meeting(engine, 22)
        (question,) = engine.linked(m21.id, "meeting", "escalation")
        assert [o["topic"] for o in cast(list[dict[str, str]], question.fields["options"])] == [
            topics["a"].id,
            topics["b"].id,
        ]
        assert question.state == "guidance_given"
        assert {k: (t.state, t.fields.get("order")) for k, t in topics.items()} == {
            "a": ("in_consultation", 2),
            "b": ("done", 1),
            "c": ("escalated", None),
        }
        assert topics["a"].fields["escalation"] == topics["b"].fields["escalation"] == question.id

        (question_c,) = engine.linked(m22.id, "meeting", "escalation")
        assert question_c.fields["options"] == [{"topic": topics["c"].id, "title": TITLES["c"]}]
        assert topics["c"].fields["escalation"] == question_c.id and topics["c"].fields["meeting"] == m22.id
        history = [h.trigger for h in engine.history(topics["c"].id)]
        assert history == ["propose_topic", "table_topics", "carry_over", "attach_to_meeting", "table_topics",
                           "record_no_consensus", "escalate"]  # fmt: skip

        stated = Counter(h.trigger for h in engine.history(topics["a"].id))
        assert (stated["state_position"], stated["record_position"]) == (5, 1)  # the US's change is audited too

        consultations = {c.fields["topic"]: c for c in engine.list("consultation")}
        first, second = consultations[topics["b"].id], consultations[topics["a"].id]
        assert (first.state, second.state) == ("closed", "online_open")
        presented_at = next(h.at for h in engine.history(first.id) if h.trigger == "present_results")
        announced_at = next(h.at for h in engine.history(second.id) if h.trigger == "announce")
        assert presented_at < announced_at
        queue = engine.council_queue(second)
        assert [(e.order, e.topic_id, e.consultation_id) for e in queue] == [
            (1, topics["b"].id, first.id),
            (2, topics["a"].id, second.id),
        ]
    finally:
        engine.close()

    _check_views_in_the_chairs_report(out / "reports")
    _check_the_compilation(out / "reports")

    checked = subprocess.run(
        [CLI, "--db", f"sqlite:///{out / 'consultflow.db'}", "check"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    messages = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.Maildir(out / "Maildir")]
    n08 = Counter(str(m["To"]) for m in messages if m["X-Consultflow-Notice"] == "N08")
    assert n08 and max(n08.values()) == 1  # the meeting's and the escalation's report are one message
    guidance = next(
        m for m in messages if m["X-Consultflow-Notice"] == "N16" and m["Content-Language"] == "en"
        and "guidance" in str(m["Subject"])
    )  # fmt: skip
    body = cast(EmailMessage, guidance.get_body(("plain",))).get_content()
    assert f"in this order:\n1. {TITLES['b']}\n2. {TITLES['a']}" in body
    french = next(
        m for m in messages if m["X-Consultflow-Notice"] == "N16" and m["Content-Language"] == "fr"
        and "Conseil" in str(m["Subject"])
    )  # fmt: skip
    assert (
        f"dans cet ordre\u00a0:\n1. {TITLES['b']}\n2. {TITLES['a']}"
        in cast(EmailMessage, french.get_body(("plain",))).get_content()
    )


def _views(markdown: str) -> str:
    """The paragraph setting out the views expressed (2.3) and its items, up to the next heading."""
    start = markdown.index("\n2.3 ")
    return markdown[start : markdown.index("\n## ", start)]


def _check_the_compilation(reports: Path) -> None:
    """Public responses (one replaced, one marked as spam) reach the compilation OPCWGINT21/2 as the record
    says: the replacement, not the first answer; not the advertisement; grouped by stakeholder type."""
    english = (reports / "OPCWGINT21-2-E.md").read_text(encoding="utf-8")
    headings = [line for line in english.splitlines() if line.startswith("## ")]
    assert headings == ["## 1 Questions", "## 2 Academia", "## 3 Technical community", "## 4 Individuals"]
    assert "compiles the 3 responses received" in english
    assert "### 2.1 Amara Okafor" in english and "Public compute for universities." in english
    assert "Transparency of the models used by public services." in english
    assert "First thoughts." not in english and "Buy now!" not in english
    assert "Le présent document rassemble les 3 réponses" in (reports / "OPCWGINT21-2-F.md").read_text(encoding="utf-8")


def _check_views_in_the_chairs_report(reports: Path) -> None:
    """C27/40 sets out, in English and French, each Member State's latest position on topics A and B: France
    and Senegal supported A, the Russian Federation preferred B, the United States reserved its position (its
    earlier objection no longer counts), Brazil objected (recorded by the secretariat); the statements made are
    quoted in the annex."""
    english = (reports / "C27-40-E.md").read_text(encoding="utf-8")
    views = _views(english)
    assert (
        f"a) The topic “{TITLES['a']}” was supported by France and Senegal; the Russian Federation preferred "
        f"the topic “{TITLES['b']}”; the United States reserved its position; Brazil objected." in views
    )
    assert (
        f"b) The topic “{TITLES['b']}” was supported by Brazil, China and India; France preferred the topic "
        f"“{TITLES['a']}”; Saudi Arabia reserved its position; Switzerland objected." in views
    )
    assert TITLES["c"] not in views  # C was carried over, not a no-consensus of the 21st meeting
    annex = english[english.index("## Annex") :]
    assert "United States (reservation): “The United States awaits instructions from its capital.”" in annex
    assert "Brazil (objection): “Brazil asked that its objection be recorded.”" in annex
    french = _views((reports / "C27-40-F.md").read_text(encoding="utf-8"))
    assert (
        f"a) Le thème « {TITLES['a']} » a été appuyé par la France et le Sénégal; la Fédération de Russie a "
        f"préféré le thème « {TITLES['b']} »; les États-Unis ont réservé leur position; le Brésil s'y est "
        "opposé." in french
    )
    assert (
        f"b) Le thème « {TITLES['b']} » a été appuyé par le Brésil, la Chine et l'Inde; la France a préféré "
        f"le thème « {TITLES['a']} »; l'Arabie saoudite a réservé sa position; la Suisse s'y est opposée." in french
    )


def test_announcing_the_second_consultation_first_is_refused_naming_the_first(tmp_path: Path) -> None:
    """Before B's results are presented, announcing A's consultation exits 3 with one line naming B's
    consultation, and writes nothing."""
    # The scenario up to the drafting of A's consultation (cut as text: a YAML round trip would turn the
    # steps' `on:` keys into booleans).
    lines = SCENARIO.read_text(encoding="utf-8").splitlines(keepends=True)
    named = next(i for i, line in enumerate(lines) if line.strip() == "name: oc_a")
    end = next(i for i in range(named, len(lines)) if lines[i].startswith(("  - ", "  # ")))
    folder = tmp_path / "scenario"
    folder.mkdir()
    shutil.copy(SCENARIO.parent / "cwg12-people.csv", folder / "cwg12-people.csv")
    (folder / "early.yaml").write_text("".join(lines[:end]), encoding="utf-8")
    out = tmp_path / "demo"
    result = _demo(folder / "early.yaml", out)
    assert result.returncode == 0, result.stderr

    cli = Cli(f"sqlite:///{out / 'consultflow.db'}", tmp_path)
    consultations = {c["fields"]["topic"]: c for c in cli.json("list", "--workflow", "consultation")}
    engine = open_engine(f"sqlite:///{out / 'consultflow.db'}")
    try:
        topics = _topics(engine)
    finally:
        engine.close()
    first, second = consultations[topics["b"].id]["id"], consultations[topics["a"].id]["id"]
    history_before = cli.json("history", second)
    refused = cli.run(
        "fire", second, "announce", "--as", "sec.alice", "--now", "2027-07-02",
        "--set", "form_link=https://consult.example/dpi", "--set", "opens_on=2027-07-05",
        "--set", "online_deadline=2027-08-31", "--set", "oc_date=2027-09-20",
        ok=False,
    )  # fmt: skip
    assert refused.returncode == 3, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and first in lines[0] and "number 2 in Council's order" in lines[0], lines
    assert cli.json("history", second) == history_before
    assert cli.json("show", second)["instance"]["state"] == "draft"
