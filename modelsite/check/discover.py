"""Find what the check runs: each built page's Python blocks, and each runnable example.

Pages are read from a real MkDocs build of the project, after every hook, template and macro
has run: the build is stopped once every page's Markdown is final (`on_env`), before HTML is
written, so discovery costs the Markdown stage alone. Its result is cached under a digest of
everything that can change a page, so a rerun with nothing changed does not build at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from mkdocs.plugins import BasePlugin, event_priority

from modelsite.check.trace import SourceTracer
from modelsite.core.blocks import CodeBlock, Page, SourceRef, python_blocks
from modelsite.core.cache import store
from modelsite.core.errors import ModelsiteError
from modelsite.core.events import CHECK_CAPTURE
from modelsite.core.files import installed_version
from modelsite.core.project import DURATIONS_FILE, PREVIEW_VARIABLE, PROJECT_PARTS, Project, docs_path
from modelsite.index import ModelIndex

# Everything a page's final Markdown can depend on: not the offline responses, nor the recorded durations.
PAGE_INPUTS = tuple(part for part in PROJECT_PARTS if part not in ("offline", DURATIONS_FILE))
PAGE_PACKAGES = ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "pymdown-extensions", "jinja2", "timm")


class DiscoveryError(ModelsiteError):
    """The site could not be built, so its pages cannot be checked."""


def discover(
    project: Project, index: ModelIndex | None, use_cache: bool = True, collections: frozenset[str] | None = None
) -> list[Page]:
    """Every page with Python blocks, in navigation order, then every runnable example; INDEX traces entries.
    With COLLECTIONS (file stems), of the generated pages only theirs: a sample needs a few of the zoo's."""
    root = project.root
    pages_store = store(project.cache_dir, "discovery")
    key = inputs_digest(root)
    if collections is not None:
        key += "-" + hashlib.sha256(" ".join(sorted(collections)).encode()).hexdigest()[:16]
    if use_cache:
        cached = pages_store.read(key, lambda entries: [_page_from_dict(entry) for entry in entries])
        if cached is not None:
            return cached
    markdown_by_page = built_markdown(root, collections)
    tracer = SourceTracer(root, index)
    pages = [
        _site_page(root, path, markdown, generated, tracer) for path, (markdown, generated) in markdown_by_page.items()
    ]
    pages = [page for page in pages if page.blocks]
    pages += [_example_page(root, path, tracer) for path in project.runnable_examples()]
    if use_cache:
        pages_store.write(key, [asdict(page) for page in pages])
    return pages


def built_markdown(root: Path, collections: frozenset[str] | None = None) -> dict[str, tuple[str, bool]]:
    """Each page's final Markdown: `docs/...` path -> (text, generated?); with COLLECTIONS, a preview's."""
    from mkdocs.commands import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    capture = _MarkdownCapture()
    errors = _ErrorLog()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(errors)
    with tempfile.TemporaryDirectory() as site_dir, _previewing(collections):
        try:
            config = load_config(str(root / "mkdocs.yml"), site_dir=site_dir, strict=True)
            config.plugins["modelsite-check-capture"] = capture
            build.build(config)
        except _PagesComplete:
            pass
        except MkDocsException as error:
            # MkDocs logs the cause (a plugin's message) and raises a bare "Aborted": show the cause.
            raise DiscoveryError(f"the site does not build: {errors.text() or error}") from None
        except SystemExit as error:  # mkdocs' own abort on a config error.
            raise DiscoveryError(
                f"the site does not build (mkdocs exited with {error.code}): {errors.text()}"
            ) from None
        finally:
            logger.removeHandler(errors)
    if not capture.pages:
        raise DiscoveryError("the build produced no pages")
    return capture.pages


@contextmanager
def _previewing(collections: frozenset[str] | None) -> Iterator[None]:
    """The build's preview of COLLECTIONS (PREVIEW_VARIABLE) while the block runs, and the caller's after."""
    before = os.environ.get(PREVIEW_VARIABLE)
    if collections is None:
        os.environ.pop(PREVIEW_VARIABLE, None)
    else:
        os.environ[PREVIEW_VARIABLE] = " ".join(sorted(collections))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PREVIEW_VARIABLE, None)
        else:
            os.environ[PREVIEW_VARIABLE] = before


def inputs_digest(root: Path) -> str:
    """A hash of every file and package version that a page's final Markdown can depend on."""
    digest = hashlib.sha256()
    for part in PAGE_INPUTS:
        base = root / part
        files = (
            sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if base.is_dir()
            else ([base] if base.is_file() else [])
        )
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for package in PAGE_PACKAGES:
        digest.update(f"{package}={installed_version(package)}".encode())
    return digest.hexdigest()


def _site_page(root: Path, path: str, markdown: str, generated: bool, tracer: SourceTracer) -> Page:
    """A built page as the check runs it: its Python blocks in order, each traced to where it was written."""
    traced = []
    # A block that names no variant works on the one the blocks above it created.
    current_entry = None
    for block in python_blocks(markdown):
        source = tracer.trace(block.code, path)
        if source is not None:
            current_entry = source.entry or current_entry
            source = SourceRef(source.path, source.line, current_entry)
        traced.append(replace(block, source=source, example=_embedded_example(root, block)))
    models = tuple(sorted({m for b in traced for m in tracer.models_in(b.code)}))
    return Page(path=path, blocks=tuple(traced), generated=generated, models=models)


def _embedded_example(root: Path, block: CodeBlock) -> str | None:
    """The example a block embeds, when its text is that file's whole text; an edited copy runs as page code."""
    if block.example is None:
        return None
    path = root / block.example
    same = path.is_file() and path.read_text(encoding="utf-8").rstrip("\n") == block.code.rstrip("\n")
    return block.example if same else None


def _example_page(root: Path, path: Path, tracer: SourceTracer) -> Page:
    relative = path.relative_to(root).as_posix()
    code = path.read_text(encoding="utf-8")
    source = SourceRef(relative, 1, tracer.entry_for(code))
    return Page(
        path=relative,
        blocks=(CodeBlock(1, code, 1, None, source),),
        script=True,
        models=tuple(tracer.models_in(code)),
    )


def _page_from_dict(entry: dict[str, Any]) -> Page:
    blocks = tuple(
        CodeBlock(**{**block, "source": SourceRef(**block["source"]) if block["source"] else None})
        for block in entry["blocks"]
    )
    return Page(**{**entry, "blocks": blocks, "models": tuple(entry["models"])})


class _ErrorLog(logging.Handler):
    """Collects the errors MkDocs logs during the discovery build."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.messages)


class _PagesComplete(Exception):
    """Raised in `on_env`, once every page's Markdown is final, to skip writing HTML."""


class _MarkdownCapture(BasePlugin):
    """Records each page's Markdown after every other plugin and hook has changed it."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, tuple[str, bool]] = {}

    @event_priority(CHECK_CAPTURE)
    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        self.pages[docs_path(page.file.src_uri)] = (markdown, page.file.generated_by is not None)
        # The Markdown is all discovery needs: rendering it to HTML would cost most of a build at the zoo's size.
        return ""

    def on_env(self, env: Any, config: Any, files: Any) -> None:
        raise _PagesComplete
