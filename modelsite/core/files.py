"""Writing files so that a reader (or a crash) never sees half of one."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

# How a file being written ends (`.NAME.RANDOM.partial`): a writer killed outright (a page past its timeout or
# out of memory) leaves one, which the cache's prune removes once no writer can still be at it.
PARTIAL_SUFFIX = ".partial"


@contextlib.contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A new file beside PATH for the block to write, renamed onto PATH when the block ends and removed if it
    raises: a reader (or a crash) never sees half a file.

    Its name is random, not the process ID: pages run in their own PID namespace, where two pages writing the
    same file at once both have PID 1, and one would rename the other's file away.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}{PARTIAL_SUFFIX}")
    try:
        partial.touch(exist_ok=False)
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """Write TEXT to PATH through a file beside it, renamed into place; parallel writers never collide."""
    with replaced_atomically(path) as partial:
        partial.write_text(text, encoding="utf-8")


def installed_version(package: str) -> str:
    """PACKAGE's installed version, or "absent", read without importing it (importing torch costs seconds)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"
