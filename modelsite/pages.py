"""Pages generated from the model index: one per collection, and the list of collections.

The MkDocs hook turns these into `File.generated` pages; tests render them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from modelsite.formatting import FILTERS
from modelsite.index import ModelIndex, load_index
from modelsite.problems import IndexProblems
from modelsite.recipe import train_flags

TEMPLATES_DIR = "templates"
MODELS_DIR = "models"


@dataclass(frozen=True)
class GeneratedPage:
    """A page's path under docs/ (it is never written there) and its Markdown."""

    src_uri: str
    title: str
    markdown: str


def template_environment(root: Path) -> jinja2.Environment:
    """The Jinja environment of generated pages; undefined names fail instead of rendering empty."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    install_template_helpers(environment.filters, environment.globals)
    return environment


def install_template_helpers(filters: dict, globals_: dict) -> None:
    """Filters and functions that every template may use, in both Jinja environments."""
    filters.update(FILTERS)
    globals_["train_flags"] = train_flags


def generated_pages(root: Path, index: ModelIndex | None = None) -> list[GeneratedPage]:
    """Render every page that the model index implies."""
    index = index or load_index(root)
    environment = template_environment(root)
    pages = [GeneratedPage(f"{MODELS_DIR}/index.md", "Collections",
                           environment.get_template("collections.md.j2").render(index=index))]
    collection_template = environment.get_template("collection.md.j2")
    for collection in index.collections:
        # Snippets load the collection's first variant; a collection with none gets no snippets.
        example = collection.models[0] if collection.models else None
        markdown = collection_template.render(collection=collection, index=index, model=example)
        pages.append(GeneratedPage(f"{MODELS_DIR}/{collection.slug}.md", collection.name, markdown))
    return pages


def load_index_for_build(root: Path) -> ModelIndex:
    """The index, or a build error listing PATH:LINE:COL problems (MkDocs shows it without a traceback)."""
    from mkdocs.exceptions import PluginError

    try:
        return load_index(root)
    except IndexProblems as problems:
        raise PluginError(f"the model index has problems:\n{problems}\n"
                          "Fix them, then check with `modelsite validate`.") from None
