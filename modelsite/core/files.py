"""Writing files so that a reader (or a crash) never sees half of one."""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write TEXT to PATH through a file beside it, renamed into place; parallel writers never collide."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def installed_version(package: str) -> str:
    """PACKAGE's installed version, or "absent", read without importing it (importing torch costs seconds)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"
