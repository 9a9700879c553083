"""The public page of an open consultation (issue 16), over real requests: no login, a CSRF-protected form
with a honeypot and limits, a response that counts only once the e-mailed link is followed (once, before
the deadline), and a second link that withdraws or replaces it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine import Engine, FixedClock, Instance
from engine.responses import counted_responses
from tests.conftest import at
from tests.integration.test_rescheduling import _online_consultation
from tests.web.conftest import Site, csrf_of
from web.public import PublicSettings

FORM = {
    "name": "Jane Roe",
    "organisation": "Open Access Lab",
    "country": "Kenya",
    "job_title": "Researcher",
    "stakeholder_type": "academia",
    "answers": "Affordable access matters.\nSecond paragraph.",
    "email": "Jane@Example.org",
}


@pytest.fixture
def consultation(engine: Engine, clock: FixedClock) -> Instance:
    made = _online_consultation(engine)  # online from 2019-07-01 until 2019-08-20
    clock.set(at("2019-07-20"))
    return made


def _page(client: TestClient, consultation: Instance, lang: str = "en") -> str:
    response = client.get(f"/public/consultations/{consultation.id}?lang={lang}")
    assert response.status_code == 200
    return response.text


def _respond(client: TestClient, consultation: Instance, **changes: str) -> Any:
    csrf = csrf_of(_page(client, consultation))
    return client.post(f"/public/consultations/{consultation.id}/respond", data={**FORM, "csrf_token": csrf, **changes})


def _links(engine: Engine, consultation: Instance) -> list[tuple[str, str]]:
    mails = [m for m in engine.outbox(instance_id=consultation.id, limit=10_000) if m.notice == "N23"]
    items = [m.context["item"] for m in mails]
    return [(str(i["confirm_link"]), str(i["manage_link"])) for i in items if isinstance(i, dict)]


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_the_page_shows_the_consultation_and_its_form_without_login(client: TestClient, consultation: Instance) -> None:
    """Title, deadline in Geneva time with the time left, the labelled select, honeypot and CSRF, in en and fr."""
    html = _page(client, consultation)
    assert "Open consultation: C" in html
    assert "until 21 Aug 2019 00:00 (Geneva time)" in html or "(Geneva time)" in html
    assert "Time left: 31 days" in html
    assert '<option value="academia">Academia' in html or ">Academia<" in html
    assert 'name="website"' in html and 'name="csrf_token"' in html
    french = _page(client, consultation, "fr")
    assert '<html lang="fr">' in french and "heure de Genève" in french and "Votre réponse" in french


def test_a_response_counts_once_confirmed_and_the_link_works_once(
    client: TestClient, site: Site, consultation: Instance
) -> None:
    """Posting queues N23 and records nothing; the link shows a button; posting it counts the response once."""
    engine = site.engine
    sent = _respond(client, consultation)
    assert sent.status_code == 200 and "jane@example.org" in sent.text
    assert counted_responses(engine.get(consultation.id).fields).responses == ()
    ((confirm, manage),) = _links(engine, consultation)
    page = client.get(_path(confirm))
    assert page.status_code == 200 and "Confirm my response" in page.text
    done = client.post(_path(confirm), data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "Your response is recorded" in done.text
    assert _path(manage) in done.text  # the receipt page carries the withdraw-or-replace link
    (response,) = counted_responses(engine.get(consultation.id).fields).responses
    assert response["by"] == "public:jane@example.org" and response["stakeholder_type"] == "academia"
    again = client.post(_path(confirm), data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and "already used" in again.text
    assert "already used" in client.get(_path(confirm)).text


def test_withdraw_and_replace_before_the_deadline_and_a_refusal_after(
    client: TestClient, site: Site, consultation: Instance, clock: FixedClock
) -> None:
    """The manage link replaces (the old one withdrawn, the new one pending) and withdraws; after the
    deadline the confirmation page says so and nothing is written."""
    engine = site.engine
    _respond(client, consultation)
    ((confirm, manage),) = _links(engine, consultation)
    csrf = csrf_of(_page(client, consultation))
    client.post(_path(confirm), data={"csrf_token": csrf})
    form = client.get(_path(manage))
    assert form.status_code == 200 and "Replace my response" in form.text and "Affordable access" in form.text
    replaced = client.post(_path(manage) + "/replace", data={**FORM, "answers": "A better answer.", "csrf_token": csrf})
    assert replaced.status_code == 200, replaced.text
    assert counted_responses(engine.get(consultation.id).fields).responses == ()
    (_, (confirm2, manage2)) = _links(engine, consultation)
    clock.set(at("2019-07-21"))  # the new link is followed later (time is injected, never slept)
    client.post(_path(confirm2), data={"csrf_token": csrf})
    (response,) = counted_responses(engine.get(consultation.id).fields).responses
    assert response["answers"] == "A better answer."
    withdrawn = client.post(_path(manage2) + "/withdraw", data={"csrf_token": csrf})
    assert withdrawn.status_code == 200 and "withdrawn" in withdrawn.text
    assert counted_responses(engine.get(consultation.id).fields).responses == ()

    _respond(client, consultation, answers="Late one.")
    confirm3 = _links(engine, consultation)[-1][0]
    clock.set(at("2019-08-21"))
    history = len(engine.history(consultation.id))
    assert "deadline" in client.get(_path(confirm3)).text.lower()
    late = client.post(_path(confirm3), data={"csrf_token": csrf})
    assert late.status_code == 409 and "The deadline for responses has passed" in late.text
    assert len(engine.history(consultation.id)) == history
    assert "Your response" not in _page(client, consultation)  # no form once closed for responses


def test_abuse_limits(client: TestClient, site: Site, consultation: Instance) -> None:
    """No CSRF token: 403; the honeypot filled: answered as sent, nothing kept; an oversized body: 413;
    a field past its max_length or a bad address: 422; the per-address limit: 429."""
    engine = site.engine
    assert client.post(f"/public/consultations/{consultation.id}/respond", data=FORM).status_code == 403
    _respond(client, consultation)
    ((confirm, manage),) = _links(engine, consultation)
    for path in (_path(confirm), _path(manage) + "/withdraw", _path(manage) + "/replace"):
        assert client.post(path, data={**FORM, "csrf_token": "forged"}).status_code == 403, path
    assert counted_responses(engine.get(consultation.id).fields).responses == ()
    trap = _respond(client, consultation, website="http://spam.example")
    assert trap.status_code == 200 and len(_links(engine, consultation)) == 1  # nothing kept for the bot
    huge = _respond(client, consultation, answers="x" * 300_000)
    assert huge.status_code == 413
    long_name = _respond(client, consultation, name="n" * 501)
    assert long_name.status_code == 422 and "500 characters" in long_name.text
    assert _respond(client, consultation, email="not-an-address").status_code == 422
    site.app.state.public = PublicSettings(per_address=3)
    assert _respond(client, consultation).status_code == 200
    assert _respond(client, consultation).status_code == 200
    limited = _respond(client, consultation)
    assert limited.status_code == 429 and "Too many" in limited.text
    assert len(_links(engine, consultation)) == 3


def test_unknown_links_and_hidden_consultations(client: TestClient, engine: Engine, consultation: Instance) -> None:
    """A made-up link says it is unknown; an unknown instance, or one of another workflow, is not found."""
    assert client.get("/public/confirm/made-up").status_code == 404
    assert client.get("/public/manage/made-up").status_code == 404
    assert client.get("/public/consultations/consultation-0000000000").status_code == 404
    assert client.get(f"/public/consultations/{consultation.fields['topic']}").status_code == 404


def test_a_published_consultation_shows_its_status_and_the_latest_compilation(
    client: TestClient, site: Site, clock: FixedClock
) -> None:
    """Once published: the state in words, no form, a download link per language and format of the latest
    revision only, and the file itself; no other kind of document is served."""
    from reports import generate_compilation
    from tests.integration.test_compilation import consultation as published

    engine = site.engine
    found = published(engine)
    generate_compilation(engine, found.id, "en", now=at("2019-09-11"))
    generate_compilation(engine, found.id, "en", now=at("2019-09-12"))
    generate_compilation(engine, found.id, "fr", now=at("2019-09-12"))
    clock.set(at("2019-09-13"))
    html = client.get(f"/public/consultations/{found.id}?lang=en").text
    assert "Status:" in html and "no longer takes responses" in html and 'name="answers"' not in html
    links = re.findall(rf"/public/documents/{found.id}/(\d+)", html)
    latest = {d.id for d in engine.documents(found.id) if d.revision == 2 or d.language == "fr"}
    assert set(map(int, links)) == latest and len(links) == 6
    download = client.get(f"/public/documents/{found.id}/{links[0]}")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert client.get(f"/public/documents/{found.id}/999999").status_code == 404
