"""check/reuse.py: a passed page run is reused only while nothing that decides its verdict has changed.

No marker: milliseconds, no page runs (a reused run against a real check: test_check_pages.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from modelsite.check import reuse
from modelsite.check.sandbox import RunOptions
from modelsite.core.blocks import CodeBlock, Page
from modelsite.core.imports import PACKAGE_DIR, closure, imports_of


def key_of(page: Page, options: RunOptions) -> str:
    return reuse.page_key(page, options, responses_digest="fixtures")


def a_page() -> Page:
    return Page(path="docs/one.md", blocks=(CodeBlock(1, "print(1)", 1, None, None),))


def test_the_key_covers_every_module_the_check_and_the_page_interpreter_import() -> None:
    covered = {path.relative_to(PACKAGE_DIR).as_posix() for path in reuse.check_code_files()}
    # What a hand-kept list once left out: the allow-listed environment, the device rules, the block grammar.
    assert {"core/environment.py", "check/devices.py", "core/blocks.py"} <= covered
    # The page interpreter's own imports, which the check process never makes.
    assert {"check/interpreter.py", "check/protocol.py", "check/expect.py", "check/offline.py"} <= covered
    # Everything the entry points import from the package, transitively, is there.
    imported = {path for file in reuse.check_code_files() for module in imports_of(file) for path in closure(module)}
    assert imported <= set(reuse.check_code_files())


def test_the_key_changes_with_the_timeout_the_device_and_the_code(tmp_path: Path) -> None:
    options = RunOptions(root=tmp_path, cache_dir=tmp_path / "cache")
    page = a_page()
    key = key_of(page, options)
    assert key == key_of(page, options)
    assert key != key_of(page, replace(options, timeout=options.timeout + 1))
    assert key != key_of(page, replace(options, device="cuda"))
    edited = replace(page, blocks=(replace(page.blocks[0], code="print(2)"),))
    assert key != key_of(edited, options)
