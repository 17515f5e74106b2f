"""Pages generated from the model index: one per collection, and the list of collections.

The MkDocs hook turns these into `File.generated` pages; tests render them directly.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import jinja2

from modelsite.site.catalog import MODELS_DIR, Row, catalog_rows, explorer_charts, models_json
from modelsite.site.escape import PageSandbox, finalize, front_matter
from modelsite.site.formatting import FILTERS, GLOBALS, placeholder
from modelsite.index import ModelIndex, load_index
from modelsite.core.problems import IndexProblems
from modelsite.core.project import EXAMPLES_DIR, Project
from modelsite.site.recipe import train_flags
from modelsite.site.outputs import CheckReport

EXPLORER_PAGE = f"{MODELS_DIR}/index.md"
MODELS_JSON = "models.json"


@dataclass(frozen=True)
class GeneratedPage:
    """A page's path under docs/ (it is never written there) and its Markdown."""

    src_uri: str
    title: str
    markdown: str


def template_environment(root: Path) -> jinja2.Environment:
    """The Jinja environment of generated pages: sandboxed, strict about undefined names, and escaping
    every printed value that is not already Markup (see modelsite.site.escape)."""
    environment = PageSandbox(
        loader=jinja2.FileSystemLoader(Project(root).templates_dir),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=finalize,
    )
    install_template_helpers(environment)
    return environment


def install_template_helpers(environment: jinja2.Environment, globals_: dict | None = None) -> None:
    """Filters, tests and functions that every template may use, in both Jinja environments."""
    environment.filters.update(FILTERS)
    environment.tests["placeholder"] = placeholder
    names = environment.globals if globals_ is None else globals_
    names.update(GLOBALS)
    names["train_flags"] = train_flags


@dataclass(frozen=True)
class GeneratedSite:
    """What the build adds to docs/ without writing there: pages, and files served as they are."""

    pages: list[GeneratedPage]
    # Site path -> text: models.json and the runnable examples offered for download.
    files: dict[str, str]


def generated_site(root: Path, index: ModelIndex, report: CheckReport | None, site_url: str | None) -> GeneratedSite:
    """The pages the index implies, `models.json`, and each runnable example as a download."""
    pages, rows = _pages_and_rows(root, index, report)
    files = {MODELS_JSON: models_json(index, rows, report, site_url)}
    for path in Project(root).runnable_examples():
        files[f"{EXAMPLES_DIR}/{path.name}"] = path.read_text(encoding="utf-8")
    return GeneratedSite(pages, files)


def generated_pages(root: Path, index: ModelIndex | None = None,
                    report: CheckReport | None = None) -> list[GeneratedPage]:
    """Render every page that the model index implies: the explorer, then one page per collection.

    REPORT, the last check's, gives the explorer its verdict per variant.
    """
    return _pages_and_rows(root, index or load_index(root), report)[0]


def _pages_and_rows(root: Path, index: ModelIndex, report: CheckReport | None) -> tuple[list[GeneratedPage], list[Row]]:
    environment = template_environment(root)
    collection_template = environment.get_template("collection.md.j2")
    collections = []
    for collection in index.collections:
        # Every variant gets its snippets; the first is shown until the reader picks another.
        header = page_header(collection.name, f"{collection.name}: {len(collection.models)} timm variants with "
                             "measured figures and tested code.")
        markdown = header + collection_template.render(collection=collection, index=index)
        collections.append(GeneratedPage(f"{MODELS_DIR}/{collection.slug}.md", collection.name, markdown))
    rows = catalog_rows(index, report, {f"docs/{page.src_uri}": page.markdown for page in collections})
    header = page_header("Models", "Every timm variant of the site in one table and two charts: measured FLOPs, "
                         "parameters and reported accuracy.", hide=["toc"])
    explorer = header + environment.get_template("explorer.md.j2").render(index=index, rows=rows,
                                                                          charts=explorer_charts(rows))
    return [GeneratedPage(EXPLORER_PAGE, "All models", explorer), *collections], rows


def page_header(title: str, description: str, **more: object) -> str:
    """A generated page's front matter, written by the YAML serializer.

    MkDocs and Material print `title` (in the navigation and headings) and `description` (in a
    `content` attribute) without escaping, so both are HTML-escaped here. `render_macros: false`
    keeps mkdocs-macros away from the page's text; the hook enforces it whatever the front matter says.
    """
    return front_matter({"render_macros": False, "title": html.escape(title), "description": html.escape(description),
                         **more})


def load_index_for_build(root: Path) -> ModelIndex:
    """The index, or a build error listing PATH:LINE:COL problems (MkDocs shows it without a traceback)."""
    from mkdocs.exceptions import PluginError

    try:
        return load_index(root)
    except IndexProblems as problems:
        raise PluginError(f"the model index has problems:\n{problems}\n"
                          "Fix them, then check with `modelsite validate`.") from None
