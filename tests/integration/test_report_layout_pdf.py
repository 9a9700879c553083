"""The Chair's report as PDF: its .docx converted by the real LibreOffice, pages counted and text read back.

LibreOffice (``soffice``) is skipped on a laptop without it and required under CI (``.ci/run`` installs
``libreoffice-writer-nogui``). The PDF's text is read with ``pdftotext`` when installed, else by the small
reader below (LibreOffice writes simple TrueType fonts with a ToUnicode map, which is all it handles).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from engine import Engine
from reports import PDF, PdfUnavailable, build_report, docx_to_pdf, generate_report, render_docx
from tests.conftest import at
from tests.integration.test_report_layout import BODY, TWELFTH
from tests.scenario import convene, hold_meeting


@pytest.fixture
def soffice() -> str:
    """LibreOffice's program; under CI its absence is a failure, elsewhere a skip."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("soffice is not installed: the PDF tests must run in CI (.ci/run installs LibreOffice)")
        pytest.skip("soffice (LibreOffice) is not installed")
    return found


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, whitespace folded: pdftotext when installed, else ``read_pages``."""
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"]
        done = subprocess.run(command, capture_output=True, check=True)
        pages = done.stdout.decode("utf-8").split("\f")
        pages = pages[:-1] if pages and not pages[-1].strip() else pages
    else:
        pages = read_pages(pdf)
    return [" ".join(page.split()) for page in pages]


_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_REF = rb"(\d+) 0 R"


def read_pages(pdf: bytes) -> list[str]:
    """A minimal text reader for LibreOffice's PDFs: pages in order, Tj/TJ strings mapped through ToUnicode."""
    objects = {int(m[1]): m[2] for m in _OBJECT.finditer(pdf)}

    def stream(number: int) -> bytes:
        body = objects[number]
        found = _STREAM.search(body)
        assert found is not None, number
        return zlib.decompress(found[1]) if b"/FlateDecode" in body else found[1]

    def unicode_map(number: int) -> dict[int, str]:
        cmap, mapping = stream(number), {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                first = int.from_bytes(bytes.fromhex(dst.decode()), "big")
                for code in range(int(low, 16), int(high, 16) + 1):
                    mapping[code] = chr(first + code - int(low, 16))
        return mapping

    def fonts(page: bytes) -> dict[bytes, dict[int, str]]:
        resources = re.search(rb"/Resources\s*" + _REF, page)
        text = objects[int(resources[1])] if resources else page
        font_dict = re.search(rb"/Font\s*" + _REF, text)
        entries = objects[int(font_dict[1])] if font_dict else text
        result = {}
        for name, number in re.findall(rb"/(\w+)\s+" + _REF, entries):
            to_unicode = re.search(rb"/ToUnicode\s*" + _REF, objects.get(int(number), b""))
            if to_unicode:
                result[name] = unicode_map(int(to_unicode[1]))
        return result

    catalog = next(body for body in objects.values() if b"/Type/Catalog" in body.replace(b" ", b""))
    root = re.search(rb"/Pages\s*" + _REF, catalog)
    assert root is not None
    kids = re.search(rb"/Kids\s*\[(.*?)\]", objects[int(root[1])], re.S)
    assert kids is not None
    pages = []
    for number in re.findall(_REF, kids[1]):
        page = objects[int(number)]
        mapping, current, out, line = fonts(page), {}, [], None
        contents = re.search(rb"/Contents\s*" + _REF, page)
        assert contents is not None
        # a font; a string shown (not an /ActualText); a position ("x y Td", "1 0 0 1 x y Tm"): its y is the line
        ops = rb"/(\w+)\s+[\d.]+\s+Tf|(?<!ActualText)<([0-9A-Fa-f]*)>|[-\d.]+\s+([-\d.]+)\s+T[dm]\b"
        for font, hexa, y in re.findall(ops, stream(int(contents[1]))):
            if font:
                current = mapping.get(font, {})
            elif y:
                out.append("\n" if line not in (None, y) else "")
                line = y
            else:
                out.append("".join(current.get(b, "") for b in bytes.fromhex(hexa.decode())))
        pages.append("".join(out))
    return pages


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.parametrize(
    ("language", "first_page", "second_page"),
    [
        (
            "fr",
            [
                "Conseil 2019 Genève, 10-20 juin 2019",
                "Document C19/54-F 12 avril 2019 Original: anglais",
                "Résumé",
                "Suite à donner Le Conseil est invité à prendre note du présent rapport et à fournir des orientations",
                "Références",
                "1 Introduction",
            ],
            ["- 2 - C19/54-F", "3.3 Au nom du GTC-Internet"],
        ),
        (
            "en",
            [
                "Council 2019 Geneva, 10-20 June 2019",
                "Document C19/54-E 12 April 2019 Original: English",
                "Summary",
                "Action required The Council is invited to take note of this report and to provide guidance",
                "References",
            ],
            ["- 2 - C19/54-E", "3.3 On behalf of CWG-Internet"],
        ),
    ],
)
def test_libreoffice_prints_the_report_with_its_header_from_page_2(
    soffice: str, tmp_path: Path, language: str, first_page: list[str], second_page: list[str]
) -> None:
    """The .docx through LibreOffice: page 1 the title block and the box, every later page "- N -" and the
    symbol first. Two A4 pages with this machine's fonts; the count is not pinned, since another machine's
    font substitutes may move the last lines to a third page."""
    report = build_report(TWELFTH, BODY, language, issued_on=date(2019, 4, 12), symbol="C19/54")
    pdf = docx_to_pdf(render_docx(report), soffice=soffice)
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) >= 2
    assert f"/Lang({'fr-CH' if language == 'fr' else 'en-GB'})".encode() in pdf
    pages = [page.replace("\u2011", "-").replace("\u00a0", " ") for page in pdf_pages(pdf, tmp_path)]
    assert len(pages) == page_count(pdf)
    squeezed = ["".join(page.split()) for page in pages]  # PDF text has no reliable spaces around "2" in "- 2 -"
    for text in first_page:
        assert "".join(text.split()) in squeezed[0], (text, pages[0])
    assert not squeezed[0].startswith("-1-")  # no header on page 1
    header, closing = second_page
    symbol = header.split()[-1]
    for number, page in enumerate(squeezed[1:], start=2):
        assert page.startswith(f"-{number}-{symbol}"), (number, pages[number - 1])  # the header comes first
    assert "".join(closing.split()) in squeezed[-1], (closing, pages[-1])
    assert all("Conseil 2019" not in page and "Council 2019" not in page for page in pages[1:])


def test_generate_report_stores_the_pdf_beside_the_docx(soffice: str, engine: Engine, tmp_path: Path) -> None:
    """Asking for pdf stores it in the same revision as the .docx it was converted from."""
    s = hold_meeting(convene(engine))
    fields = {"chair_report_symbol": "C19/54", "action_required": "note_and_guidance"}
    s.fire("meeting", "submit_chair_report", "chair", fields, when="2019-04-12")
    generated = generate_report(
        engine, s.meeting.id, "fr", ("docx", PDF), actor="sec.alice", now=at("2019-04-12"), soffice=soffice
    )
    assert set(generated.files) == {"docx", "pdf"} and page_count(generated.files["pdf"]) >= 2
    stored = {d.format for d in engine.documents(s.meeting.id) if d.revision == generated.revision}
    assert stored == {"docx", "pdf"}
    assert "GTC-Internet" in pdf_pages(generated.files["pdf"], tmp_path)[0].replace("\u2011", "-")


def test_without_libreoffice_pdf_is_refused_in_one_sentence(tmp_path: Path) -> None:
    """No soffice: PdfUnavailable says what is missing and what to install, in one line; nothing is converted."""
    missing = str(tmp_path / "no-soffice-here")
    with pytest.raises(PdfUnavailable) as raised:
        docx_to_pdf(b"not read", soffice=missing)
    message = str(raised.value)
    assert message == (
        "PDF output needs LibreOffice (soffice), which is not installed: install libreoffice-writer-nogui."
    )


def test_the_python_reader_agrees_with_pdftotext(soffice: str, tmp_path: Path) -> None:
    """The fallback reader finds the same characters as pdftotext on the same PDF (when pdftotext is installed)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed: nothing to compare the reader with")
    report = build_report(TWELFTH, BODY, "fr", issued_on=date(2019, 4, 12), symbol="C19/54")
    pdf = docx_to_pdf(render_docx(report), soffice=soffice)
    ours = [" ".join(page.split()) for page in read_pages(pdf)]
    theirs = pdf_pages(pdf, tmp_path)
    assert len(ours) == len(theirs) == 2
    for mine, poppler in zip(ours, theirs, strict=True):  # the same characters, whatever the order and spacing
        assert Counter("".join(mine.split())) == Counter("".join(poppler.split()))
