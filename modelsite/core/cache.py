"""The one cache: keyed, atomic, versioned and bounded, under `.modelsite-cache/`.

Each kind of entry is a `Store` described once in STORES: its folder carries its version, so
entries written by an older version of the code are never read (and are removed when the store
next writes), and it keeps at most LIMIT entries, dropping those used least recently. An entry
is written through a file beside it and renamed into place, so a reader (or a crash) never sees
half of one (a writer killed outright leaves its partial file, which prune removes an hour later); an
entry that cannot be read is a miss and is removed. `modelsite cache clear`
empties every store.

The whole folder also has a cap on its size (CAP_VARIABLE, DEFAULT_CAP_BYTES): before a large file entry
is written (a synthesized checkpoint), make_room evicts that store's least recently used entries until the
folder and the new entry fit under it, one writer at a time (a lock file beside the stores), and an evicted
entry is made again when next asked for.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from modelsite.core.errors import ModelsiteError
from modelsite.core.files import PARTIAL_SUFFIX, write_text_atomically

T = TypeVar("T")
CACHE_DIR = ".modelsite-cache"
# The cap on the cache folder's size, and the variable (or `modelsite check --cache-cap`) that changes it.
CAP_VARIABLE = "MODELSITE_CACHE_CAP"
DEFAULT_CAP_BYTES = 20 * 10**9
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
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


class CacheCapError(ModelsiteError):
    """A cap that cannot be read, or an entry larger than what the cap leaves it."""


def parse_size(text: str) -> int:
    """Bytes from TEXT: a number with an optional unit, decimal (20GB, 500MB) or binary (16GiB)."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if match is None or match[2].lower() not in _UNITS:
        raise CacheCapError(f"{text!r} is not a size: give a number with a unit, e.g. 20GB, 500MB or 16GiB")
    value = int(float(match[1]) * _UNITS[match[2].lower()])
    if value <= 0:
        raise CacheCapError(f"{text!r} is not a size above zero")
    return value


def cap_bytes(environment: Mapping[str, str] | None = None) -> int:
    """The cap CAP_VARIABLE sets, DEFAULT_CAP_BYTES without it."""
    text = (os.environ if environment is None else environment).get(CAP_VARIABLE, "").strip()
    if not text:
        return DEFAULT_CAP_BYTES
    try:
        return parse_size(text)
    except CacheCapError as error:
        raise CacheCapError(f"{CAP_VARIABLE}: {error}") from None


def folder_bytes(folder: Path) -> int:
    """The bytes of every file under FOLDER (what `du --apparent-size` counts)."""
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


@contextlib.contextmanager
def writing_large_entry(root: Path) -> Iterator[None]:
    """One writer of a large entry at a time under the cache folder ROOT, across processes."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".large-entries.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def make_room(evictable: Store, needed: int, cap: int, what: str) -> list[Path]:
    """Evict EVICTABLE's least recently used entries until the cache folder and NEEDED more bytes fit CAP; the
    entries removed. Call it within writing_large_entry. WHAT names the new entry in the error when even an
    emptied store leaves it no room."""
    used = folder_bytes(evictable.root)
    entries = sorted(
        (p for p in evictable.folder.glob("*") if p.is_file() and not p.name.startswith(".")), key=_last_used
    )
    removed = []
    while used + needed > cap and entries:
        stale = entries.pop(0)
        size = _size(stale)
        stale.unlink(missing_ok=True)
        used -= size
        removed.append(stale)
    if used + needed > cap:
        raise CacheCapError(
            f"{what} needs {needed / 2**20:,.0f} MiB, and the cache's cap of {cap / 2**20:,.0f} MiB leaves "
            f"{max(0, cap - used) / 2**20:,.0f} MiB for it once every {evictable.kind.name} entry is evicted; "
            f"raise the cap ({CAP_VARIABLE}, `modelsite check --cache-cap`)"
        )
    return removed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
