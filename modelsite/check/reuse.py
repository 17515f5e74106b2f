"""Page runs that passed, reused while nothing that could change them has changed.

The key covers the page's blocks (code and exclusions, in order), the source of every package module
the check and the page interpreter import (read from the import graph, so a new module is covered the
day it is imported), the offline responses, the versions of Python, torch, timm, onnx, onnxscript and
onnxruntime, the device, the timeout, the network mode and the variables handed on with --pass-env. A page whose
key is unchanged is not run again: its recorded result is reused and reported as cached. Failed pages
are never stored, so a fix outside the key (a driver, a flaky disk) is seen at once. The entries live
in the "check" store of modelsite.core.cache.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import asdict, replace
from functools import cache
from pathlib import Path

from modelsite.check.offline import offline_responses, responses_digest
from modelsite.check.sandbox import RunOptions
from modelsite.core.blocks import Page
from modelsite.core.cache import store
from modelsite.core.files import installed_version
from modelsite.core.imports import PACKAGE_DIR, closure
from modelsite.core.report.codec import page_from_json
from modelsite.core.report.results import PageResult

# Where the check starts, in this process and in each page's interpreter: whatever decides how a page runs
# and is judged is imported from one of them.
CHECK_ENTRY_POINTS = ("modelsite.check.check_command", "modelsite.check.interpreter")
# Packages whose version changes what a page's code does, beside torch and timm: the deploy paths'.
_PACKAGES = ("torch", "timm", "onnx", "onnxscript", "onnxruntime")


def check_code_files() -> tuple[Path, ...]:
    """The source files of the check's code and of everything it imports from the package."""
    return closure(*CHECK_ENTRY_POINTS)


def page_key(page: Page, options: RunOptions, responses_digest: str) -> str:
    return store(options.cache_dir, "check").key(
        {
            "page": page.path,
            "script": page.script,
            # A runnable example's whole text is its one block.
            "blocks": [(block.code, block.skip_reason) for block in page.blocks],
            "python": platform.python_version(),
            "packages": {name: installed_version(name) for name in _PACKAGES},
            "device": options.device,
            "timeout": options.timeout,
            "online": options.online,
            "offline responses": responses_digest,
            "passed": {
                name: hashlib.sha256(os.environ.get(name, "").encode()).hexdigest() for name in options.pass_env
            },
            "code": _code_digest(),
        }
    )


@cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in check_code_files():
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def reusable_paths(pages: list[Page], options: RunOptions) -> frozenset[str]:
    """The paths of PAGES whose passed result is in the cache for these options: what a run would reuse."""
    digest = responses_digest(offline_responses(options.root))
    return frozenset(page.path for page in pages if load(options.cache_dir, page_key(page, options, digest)))


def load(cache_dir: Path, key: str) -> PageResult | None:
    """The stored result of KEY, marked as cached; None when there is none or it cannot be read."""
    result = store(cache_dir, "check").read(key, page_from_json)
    return replace(result, cached=True) if result is not None else None


def keep(cache_dir: Path, key: str, result: PageResult) -> None:
    """Store RESULT under KEY when it passed (not failed, not left unstarted, and not itself reused)."""
    if result.status == "passed" and not result.cached:
        store(cache_dir, "check").write(key, asdict(result))
