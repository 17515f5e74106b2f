"""Results of pages that passed, kept under a key of everything that could change them.

The key covers the page's blocks (code and exclusions, in order), the runner's own code, the
web fixtures, the Python, torch and timm versions, the device and the network mode. A page
whose key is unchanged is not run again: its recorded result is reused and reported as cached.
Failed pages are never cached, so a fix outside the key (a driver, a flaky disk) is seen at once.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from modelsite.core.blocks import Page, SourceRef
from modelsite.check.parent import BlockResult, PageResult, RunOptions, as_cached
from modelsite.core.files import installed_version, write_text_atomically

CACHE_VERSION = 2
# The files whose code decides how a page runs and is judged.
_RUNNER_FILES = ("child.py", "expect.py", "offline.py", "parent.py")


def page_key(page: Page, options: RunOptions, fixtures_digest: str) -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    facts = {
        "version": CACHE_VERSION,
        "page": page.path,
        "variant": page.variant,
        "script": page.script,
        # A runnable example's whole text is its one block.
        "blocks": [(block.code, block.skip_reason) for block in page.blocks],
        "python": platform.python_version(),
        "torch": installed_version("torch"),
        "timm": installed_version("timm"),
        "device": options.device,
        "online": options.online,
        "fixtures": fixtures_digest,
        "runner": [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in _RUNNER_FILES],
    }
    digest.update(json.dumps(facts, sort_keys=True).encode())
    return digest.hexdigest()


def load(cache_dir: Path, key: str) -> PageResult | None:
    path = _path(cache_dir, key)
    if not path.is_file():
        return None
    try:
        return as_cached(_page_result(json.loads(path.read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # An unreadable entry is a miss, never an error.


def store(cache_dir: Path, key: str, result: PageResult) -> None:
    if result.failed or result.cached:
        return
    write_text_atomically(_path(cache_dir, key), json.dumps(asdict(result)))


def _path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "check" / f"{key}.json"


def _page_result(data: dict[str, Any]) -> PageResult:
    blocks = tuple(BlockResult(**{**block, "checks": tuple(block["checks"]),
                                  "source": SourceRef(**block["source"]) if block["source"] else None})
                   for block in data["blocks"])
    return PageResult(**{**data, "blocks": blocks})
