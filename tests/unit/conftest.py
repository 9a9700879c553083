"""Fixtures shared by the unit tests of notifications/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifications import rendering


@pytest.fixture
def template_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the templates folder that rendering uses for the duration of a test."""
    folder = tmp_path / "templates"
    shutil.copytree(rendering.TEMPLATES_DIR, folder)
    monkeypatch.setattr(rendering, "TEMPLATES_DIR", folder)
    rendering.environment.cache_clear()
    yield folder
    rendering.environment.cache_clear()
