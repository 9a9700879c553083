"""Documents a person adds to an instance: which files are taken (by extension and by what their first bytes
are), how large, and the name they are kept under. Refusals are values (``Refusal``), worded by the page.

A file is checked twice, cheaply: its extension must be one of ``FORMATS`` and its content must look like
that format (the signature of a PDF, an OLE2 Word file, an Office Open XML zip holding the right part; text
with no NUL byte and none of those signatures). Nothing is decompressed or parsed beyond a zip's directory.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

KIND = "upload"  # the documents table's kind for files people added (String(32))
SYMBOL_MAX = 100  # characters of a symbol or title kept
FORMATS = ("pdf", "docx", "doc", "xlsx", "pptx", "txt", "md", "html")
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")  # the six languages of the ITU
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_BINARY = (b"%PDF-", b"PK\x03\x04", _OLE2, b"MZ", b"\x7fELF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


@dataclass(frozen=True)
class Refusal:
    """Why a file was not stored: a message key of web/i18n.py and its values."""

    key: str
    name: str = ""
    format: str = ""


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks: its format (the extension) and the symbol it is stored under."""

    format: str
    symbol: str
    content: bytes


def base_name(file_name: str) -> str:
    """The file's own name, without a folder a browser may send (``C:\\Users\\x\\a.pdf`` -> ``a.pdf``)."""
    name = PureWindowsPath(PurePosixPath(file_name).name).name
    return re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:200]


def format_of(file_name: str) -> str | None:
    suffix = PurePosixPath(file_name.lower()).suffix.lstrip(".")
    return {"htm": "html", "markdown": "md"}.get(suffix, suffix) if suffix else None


def content_matches(fmt: str, content: bytes) -> bool:
    """Whether ``content`` looks like a ``fmt`` file (see the module's docstring)."""
    if fmt == "pdf":
        return content.startswith(b"%PDF-")
    if fmt == "doc":
        return content.startswith(_OLE2)
    if fmt in _OOXML_PART:
        if not content.startswith(b"PK\x03\x04"):
            return False
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(_OOXML_PART[fmt]) for n in names)
    # txt, md, html: text, so no NUL byte and no binary signature (UTF-16 text is refused: it has NULs).
    return b"\x00" not in content[:65536] and not content.startswith(_BINARY)


def check_upload(file_name: str, content: bytes, symbol: str, limit: int) -> Upload | Refusal:
    """The file as it will be stored, or why it is refused (empty, too large, wrong type, content not its type)."""
    name = base_name(file_name)
    if not name or not content:
        return Refusal("upload.empty")
    if len(content) > limit:
        return Refusal("upload.too_big", name)
    fmt = format_of(name)
    if fmt not in FORMATS:
        return Refusal("upload.type", name)
    if not content_matches(fmt, content):
        return Refusal("upload.content", name, fmt.upper())
    given = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", symbol).split())
    return Upload(fmt, (given or PurePosixPath(name).stem or name)[:SYMBOL_MAX], content)


def size_text(limit: int, language: str) -> str:
    """``10 MB`` / ``10 Mo``: the limit as the reader writes it."""
    megabytes = limit / 1_000_000
    number = f"{megabytes:g}" if megabytes >= 1 else f"{limit / 1000:g}"
    units = {"fr": ("Mo", "ko"), "ru": ("МБ", "КБ")}.get(language, ("MB", "kB"))
    unit = units[0] if megabytes >= 1 else units[1]
    return f"{number.replace('.', ',') if language in ('fr', 'es', 'ru') else number}\u00a0{unit}"
