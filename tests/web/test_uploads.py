"""Documents people add to an instance: stored with it and listed with the generated ones, downloadable;
refused in one sentence in the reader's language, storing nothing, when too large, of another type, or when
the person may not act on the record."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from engine import Engine
from tests.web.conftest import SECRET, csrf_of, log_in, make_site
from tests.web.world import World, build
from web import WebSettings
from web.uploads import Refusal, Upload, check_upload, content_matches, size_text

Clients = Callable[[str], TestClient]
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{part}document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "content", "expected"),
    [
        ("pdf", PDF, True),
        ("pdf", b"<html>not a pdf</html>", False),
        ("docx", _office("word/"), True),
        ("xlsx", _office("word/"), False),  # a Word file renamed .xlsx
        ("pptx", _office("ppt/"), True),
        ("docx", b"PK\x03\x04 broken zip", False),
        ("doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, True),
        ("doc", PDF, False),
        ("txt", "Ordre du jour, réunion 12\n".encode(), True),
        ("txt", b"MZ\x90\x00 an executable", False),
        ("md", b"# Agenda\x00", False),
        ("html", b"<!doctype html><p>Agenda</p>", True),
    ],
)
def test_content_must_be_what_the_extension_says(fmt: str, content: bytes, expected: bool) -> None:
    """The first bytes (and an Office zip's parts) must match the extension."""
    assert content_matches(fmt, content) is expected


def test_checks_in_order() -> None:
    """Empty, then too large, then an extension not taken, then content of another type; else the symbol."""
    assert check_upload("", b"", "", 100) == Refusal("upload.empty")
    assert check_upload("a.pdf", PDF, "", 10) == Refusal("upload.too_big", "a.pdf")
    assert check_upload("C:\\Users\\x\\tool.exe", b"MZ", "", 100) == Refusal("upload.type", "tool.exe")
    assert check_upload("a.pdf", b"hello", "", 100) == Refusal("upload.content", "a.pdf", "PDF")
    assert check_upload("Agenda v2.PDF", PDF, "", 100) == Upload("pdf", "Agenda v2", PDF)
    assert check_upload("a.pdf", PDF, " WG-Internet\n12/3 ", 100) == Upload("pdf", "WG-Internet 12/3", PDF)
    assert size_text(10_000_000, "en") == "10\u00a0MB" and size_text(2_500_000, "fr") == "2,5\u00a0Mo"


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def _upload(client: TestClient, instance: str, name: str, content: bytes, **form: str) -> tuple[int, str]:
    page = client.get(f"/instances/{instance}").text
    response = client.post(
        f"/instances/{instance}/documents",
        data={"csrf_token": csrf_of(page), **form},
        files={"file": (name, content, "application/octet-stream")},
    )
    return response.status_code, html.unescape(response.text)


def test_the_secretariat_uploads_a_document_and_downloads_it(
    session_client: Clients, engine: Engine, world: World
) -> None:
    """Stored with the instance (kind upload, format its extension), listed by symbol and author, same bytes back."""
    sec = session_client("sec.alice")
    status, page = _upload(sec, world.meeting, "agenda.pdf", PDF, symbol="WG-Internet 12/1 Rev.1", language="fr")
    assert status == 200 and "Stored: WG-Internet 12/1 Rev.1 (revision 1)." in page
    stored = [d for d in engine.documents(world.meeting) if d.kind == "upload"]
    assert [(d.symbol, d.language, d.format, d.created_by) for d in stored] == [
        ("WG-Internet 12/1 Rev.1", "fr", "pdf", "sec.alice")
    ]
    assert "uploaded · Alice Martin" in page
    download = sec.get(f"/instances/{world.meeting}/documents/{stored[0].id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_a_file_of_another_type_is_refused_in_french(session_client: Clients, engine: Engine, world: World) -> None:
    """A Member State may add its contribution's file while contributions are open; a fake PDF stores nothing."""
    ms = session_client("ms.fr")
    before = engine.documents(world.meeting)
    status, page = _upload(ms, world.meeting, "contribution.pdf", b"<script>alert(1)</script>")
    assert status == 422
    assert "« contribution.pdf » ne contient pas ce que contient un fichier PDF" in page
    assert "rien n'a été enregistré" in page
    status, page = _upload(ms, world.meeting, "outil.exe", b"MZ")
    assert status == 422 and "« outil.exe » n'en est pas un" in page
    assert engine.documents(world.meeting) == before
    status, page = _upload(ms, world.meeting, "contribution.docx", _office("word/"))
    assert status == 200 and "Enregistré : contribution (révision 1)." in page


def test_a_file_over_the_limit_is_refused(engine: Engine, world: World) -> None:
    """Over the configured size: 413 and one sentence, whether the body is read or refused by its length."""
    site = make_site(engine, WebSettings(secret_key=SECRET, upload_max_bytes=1_000))
    with TestClient(site.app, follow_redirects=False) as client:
        log_in(client, "sec.alice")
        status, page = _upload(client, world.meeting, "big.pdf", PDF + b"0" * 2_000)
        assert status == 413 and "The file is larger than 1\u00a0kB: nothing was stored." in page
        status, page = _upload(client, world.meeting, "huge.pdf", PDF + b"0" * 200_000)
        assert status == 413 and "The file is larger than 1\u00a0kB" in page
    assert [d for d in engine.documents(world.meeting) if d.kind == "upload"] == []


def test_who_may_upload(session_client: Clients, engine: Engine, world: World) -> None:
    """No form and a refusal for someone who may see the record but not act on it; a 404 for one who may not see it."""
    council = session_client("council.rec")
    assert 'action="/instances/' + world.meeting + '/documents"' not in council.get(f"/instances/{world.meeting}").text
    status, page = _upload(council, world.meeting, "a.pdf", PDF)
    assert status == 403 and "Only the secretariat and the people who may act on this record now" in page
    stakeholder = session_client("sh.isoc")
    csrf = csrf_of(stakeholder.get("/").text)
    response = stakeholder.post(
        f"/instances/{world.meeting}/documents", data={"csrf_token": csrf}, files={"file": ("a.pdf", PDF, "x/y")}
    )
    assert response.status_code == 404
    assert [d for d in engine.documents(world.meeting) if d.kind == "upload"] == []
