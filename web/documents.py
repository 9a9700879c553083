"""Stored documents (the Chair's report in md, html and docx; files people uploaded) found for an instance and
sent as downloads."""

from __future__ import annotations

import re

from fastapi import Response

from engine import Document, Engine
from engine.errors import NotFound
from reports import KIND

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain; charset=utf-8",
}


class DocumentNotFound(NotFound):
    """No such document on this instance."""


def owned_document(engine: Engine, instance_id: str, document_id: int) -> Document:
    for document in engine.documents(instance_id):
        if document.id == document_id:
            return document
    raise DocumentNotFound(f"{instance_id} has no document {document_id}")


def latest_report(engine: Engine, instance_id: str, language: str, fmt: str) -> Document:
    """The newest revision of the Chair's report in ``language`` and ``fmt``."""
    found = [d for d in engine.documents(instance_id) if d.kind == KIND and d.language == language and d.format == fmt]
    if not found:
        raise DocumentNotFound(f"no Chair's report in '{language}' ({fmt}) on {instance_id} yet: generate one first")
    return max(found, key=lambda d: d.revision)


def file_name(document: Document) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{document.symbol}-r{document.revision}").strip("-") or document.kind
    return f"{stem}.{document.format}"


def document_response(engine: Engine, document: Document) -> Response:
    """The document as an attachment (never rendered as a page of this site)."""
    return Response(
        engine.document_content(document.id),
        media_type=MEDIA_TYPES.get(document.format, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{file_name(document)}"'},
    )
