"""The one cache: keyed, atomic, versioned and bounded, under `.modelsite-cache/`.

Each kind of entry is a `Store` described once in STORES: its folder carries its version, so
entries written by an older version of the code are never read (and are removed when the store
next writes), and it keeps at most LIMIT entries, dropping those used least recently. An entry
is written through a file beside it and renamed into place, so a reader (or a crash) never sees
half of one (a writer killed outright leaves its partial file, which prune removes an hour later); an
entry that cannot be read is a miss and is removed. `modelsite cache clear`
empties every store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from modelsite.core.files import PARTIAL_SUFFIX, write_text_atomically

T = TypeVar("T")
CACHE_DIR = ".modelsite-cache"
# A partial file this old has no writer left (a checkpoint is written in seconds): prune removes it.
PARTIAL_FILE_LIFETIME_SECONDS = 3600.0


@dataclass(frozen=True)
class Kind:
    """One kind of cached entry: what it holds, its version, and how many entries it keeps."""

    name: str
    holds: str
    version: str
    limit: int


STORES = {
    kind.name: kind
    for kind in (
        Kind("check", "results of page runs that passed, keyed by everything that could change them", "3", 5000),
        Kind("measure", "figures measured per model, timm and torch version", "2", 5000),
        Kind("discovery", "the pages' blocks, keyed by every file and package a page depends on", "5", 16),
        Kind("checkpoints", "weights synthesized offline per model, tag and timm version", "s2", 300),
    )
}


@dataclass(frozen=True)
class Store:
    """The entries of one kind under ROOT (the cache folder)."""

    root: Path
    kind: Kind

    @property
    def folder(self) -> Path:
        return self.root / f"{self.kind.name}-v{self.kind.version}"

    def key(self, *facts: Any) -> str:
        """A key for the entry that FACTS (JSON-serializable) decide."""
        return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()

    def path(self, key: str, suffix: str = ".json") -> Path:
        return self.folder / f"{key}{suffix}"

    def read(self, key: str, decode: Callable[[Any], T]) -> T | None:
        """The entry KEY decoded (DECODE validates it), or None; an unreadable entry is removed."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            value = decode(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            path.unlink(missing_ok=True)
            return None
        _touch(path)
        return value

    def write(self, key: str, data: Any) -> None:
        write_text_atomically(self.path(key), json.dumps(data))
        self.prune()

    def existing(self, key: str, suffix: str) -> Path | None:
        """The file entry KEY (written by the caller, atomically) when it exists, marked as just used."""
        path = self.path(key, suffix)
        if not path.is_file():
            return None
        _touch(path)
        return path

    def prune(self) -> None:
        """Remove this kind's folders of other versions, partial files their killed writers left, and the least
        recently used entries past the limit."""
        for other in self.root.glob(f"{self.kind.name}-v*"):
            if other != self.folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        now = time.time()
        for partial in self.folder.glob(f".*{PARTIAL_SUFFIX}"):  # Left by writers killed outright.
            if now - _last_used(partial) > PARTIAL_FILE_LIFETIME_SECONDS:
                partial.unlink(missing_ok=True)
        entries = [p for p in self.folder.glob("*") if p.is_file() and not p.name.startswith(".")]
        if len(entries) <= self.kind.limit:
            return
        entries.sort(key=_last_used)
        for stale in entries[: len(entries) - self.kind.limit]:
            stale.unlink(missing_ok=True)


def store(root: Path, name: str) -> Store:
    """The store NAME (a key of STORES) under the cache folder ROOT."""
    return Store(root, STORES[name])


def clear(root: Path) -> list[Path]:
    """Remove every store under ROOT (the latest check report is a result, not a cache: it stays)."""
    removed = []
    for name in STORES:
        for folder in sorted(root.glob(f"{name}-v*")):
            if folder.is_dir():
                shutil.rmtree(folder)
                removed.append(folder)
    return removed


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):  # A read-only cache still serves its entries.
        os.utime(path)


def _last_used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
