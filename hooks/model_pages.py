"""MkDocs hook: a page per collection of model_index/, and the list of them, generated at build time."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from modelsite.pages import MODELS_DIR, GeneratedPage, generated_pages, load_index_for_build


_pages_of_this_build: list[GeneratedPage] = []


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Rendered once per build (serve reloads the config, and so this, on every change).
    _pages_of_this_build[:] = _pages(config)
    # Nav lists the generated pages, so a new collection file appears with no edit to mkdocs.yml.
    config.nav = _nav_with_models(config.nav or [], _pages_of_this_build)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for page in _pages_of_this_build:
        files.append(File.generated(config, page.src_uri, content=page.markdown))
    return files


def _pages(config: MkDocsConfig) -> list[GeneratedPage]:
    root = Path(config.config_file_path).parent
    return generated_pages(root, load_index_for_build(root))


def _nav_with_models(nav: list, pages: list[GeneratedPage]) -> list:
    """Replace the `models/index.md` entry with a section holding every collection page."""
    section = [{page.title: page.src_uri} for page in pages]
    result = []
    for entry in nav:
        (title, target), = entry.items() if isinstance(entry, dict) else ((None, entry),)
        result.append({title or "Models": section} if target == f"{MODELS_DIR}/index.md" else entry)
    return result
