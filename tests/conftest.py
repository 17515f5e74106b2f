"""Shared by the tests: the project root (ROOT), and a scratch copy of the project for builds that change it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a build reads; a copy of these is a complete project.
PROJECT_PARTS = ("mkdocs.yml", "docs", "templates", "hooks", "model_index", "runnable_examples", "modelsite", "fixtures")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the site's sources that a test may edit freely."""
    target = tmp_path / "project"
    target.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target
