"""Page runs that passed, reused while nothing that could change them has changed.

The key covers the page's blocks (code and exclusions, in order), the check's own code (the deploy
probe's included), the web fixtures, the versions of Python, torch, timm, onnx, onnxscript and
onnxruntime, the device, the network mode and the variables handed on with --pass-env. A page whose
key is unchanged is not run again: its recorded result is reused and reported as cached. Failed pages
are never stored, so a fix outside the key (a driver, a flaky disk) is seen at once. The entries live
in the "check" store of modelsite.core.cache.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import asdict, replace
from pathlib import Path

from modelsite.check.parent import RunOptions
from modelsite.core.blocks import Page
from modelsite.core.cache import store
from modelsite.core.files import installed_version
from modelsite.core.report import PageResult, page_from_json

# The files whose code decides how a page runs and is judged.
_CHECK_FILES = (
    "check/child.py",
    "check/expect.py",
    "check/offline.py",
    "check/parent.py",
    "core/report.py",
    # The deploy probe's code, which a probe page only calls.
    "check/deploy.py",
    "core/compatibility.py",
)
# Packages whose version changes what a page's code does, beside torch and timm: the deploy paths'.
_PACKAGES = ("torch", "timm", "onnx", "onnxscript", "onnxruntime")


def page_key(page: Page, options: RunOptions, fixtures_digest: str) -> str:
    here = Path(__file__).resolve().parent.parent
    return store(options.cache_dir, "check").key(
        {
            "page": page.path,
            "script": page.script,
            # A runnable example's whole text is its one block.
            "blocks": [(block.code, block.skip_reason) for block in page.blocks],
            "python": platform.python_version(),
            "packages": {name: installed_version(name) for name in _PACKAGES},
            "device": options.device,
            "online": options.online,
            "fixtures": fixtures_digest,
            "passed": {
                name: hashlib.sha256(os.environ.get(name, "").encode()).hexdigest() for name in options.pass_env
            },
            "code": [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in _CHECK_FILES],
        }
    )


def load(cache_dir: Path, key: str) -> PageResult | None:
    """The stored result of KEY, marked as cached; None when there is none or it cannot be read."""
    result = store(cache_dir, "check").read(key, page_from_json)
    return replace(result, cached=True) if result is not None else None


def keep(cache_dir: Path, key: str, result: PageResult) -> None:
    """Store RESULT under KEY when it passed (and was not itself reused)."""
    if not result.failed and not result.cached:
        store(cache_dir, "check").write(key, asdict(result))
