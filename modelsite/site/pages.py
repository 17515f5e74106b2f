"""Pages generated from the model index: one per collection, and the list of collections.

The MkDocs hook turns these into `File.generated` pages; tests render them directly.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from modelsite.core.files import installed_version
from modelsite.core.problems import IndexProblems
from modelsite.core.project import EXAMPLES_DIR, MODELS_DIR, Project, docs_path
from modelsite.index import Collection, Model, ModelIndex, index_files, load_index
from modelsite.site.catalog import Row, catalog_rows, explorer_charts, models_json
from modelsite.site.escape import PageSandbox, finalize, front_matter
from modelsite.site.formatting import FILTERS, GLOBALS, placeholder
from modelsite.site.outputs import CheckReport
from modelsite.site.recipe import train_flags
from modelsite.speed.published import load_gpu_benchmark
from modelsite.speed.results import load_speeds

EXPLORER_PAGE = f"{MODELS_DIR}/index.md"
MODELS_JSON = "models.json"


@dataclass(frozen=True)
class GeneratedPage:
    """A page's path under docs/ (it is never written there) and its Markdown."""

    src_uri: str
    title: str
    markdown: str
    # Collection and variant pages stay out of the navigation, which every page carries whole (at the zoo's
    # size, a list of every family would outweigh a variant page's own text): the explorer's table of
    # collections leads to each collection's page, and its variants table and the switcher to each variant.
    in_navigation: bool = True


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


def generated_site(
    root: Path,
    index: ModelIndex,
    report: CheckReport | None,
    site_url: str | None,
    shown: frozenset[str] | None = None,
) -> GeneratedSite:
    """The pages the index implies, `models.json`, and each runnable example as a download; with SHOWN, only
    the pages of those collections (file stems) and an explorer of them: a preview."""
    pages, rows, shared = _pages_and_rows(root, index, report, shown)
    files = {MODELS_JSON: models_json(index, rows, report, site_url, shared["speeds"], shared["gpu"])}
    for path in Project(root).runnable_examples():
        files[f"{EXAMPLES_DIR}/{path.name}"] = path.read_text(encoding="utf-8")
    return GeneratedSite(pages, files)


def generated_pages(
    root: Path, index: ModelIndex | None = None, report: CheckReport | None = None
) -> list[GeneratedPage]:
    """Render every page that the model index implies: the explorer, then one page per collection.

    REPORT, the last check's, gives the explorer its verdict per variant.
    """
    return _pages_and_rows(root, index or load_index(root), report)[0]


class PageRenderer:
    """The templates of a collection's overview and of a variant's page, with what every page sees."""

    def __init__(self, root: Path, index: ModelIndex, report: CheckReport | None = None) -> None:
        environment = template_environment(root)
        self.environment = environment
        self.overview_template = environment.get_template("collection.md.j2")
        self.variant_template = environment.get_template("variant.md.j2")
        self.shared = page_context(root, index, report)

    def overview(self, collection: Collection) -> GeneratedPage:
        header = page_header(
            collection.name,
            f"{collection.name}: {len(collection.models)} timm variants with measured figures and tested code.",
        )
        # Addresses of the one-page-per-collection layout (`?variant=NAME`) lead to the variant's page.
        redirects = {model.name: model.key for model in reversed(collection.models)}
        markdown = header + self.overview_template.render(collection=collection, redirects=redirects, **self.shared)
        return GeneratedPage(collection.page, collection.name, markdown, in_navigation=False)

    def variant(self, collection: Collection, model: Model) -> GeneratedPage:
        """A page per variant: its figures, what its weights are, and its code, checked as the reader sees it."""
        header = page_header(
            model.key,
            f"{model.key}: {model.name} with the {model.tag} weights of timm, with measured figures and tested code.",
        )
        markdown = header + self.variant_template.render(model=model, collection=collection, **self.shared)
        return GeneratedPage(collection.variant_page(model), model.key, markdown, in_navigation=False)


def variant_page(root: Path, index: ModelIndex, model: Model) -> GeneratedPage:
    """MODEL's page alone, as the build renders it."""
    return PageRenderer(root, index).variant(index.collection(model.collection), model)


def _pages_and_rows(
    root: Path, index: ModelIndex, report: CheckReport | None, shown: frozenset[str] | None = None
) -> tuple[list[GeneratedPage], list[Row], dict[str, Any]]:
    """Every generated page (SHOWN's alone in a preview), the explorer's rows, and what every page saw
    (page_context: the speed results and timm's benchmark among it)."""
    renderer = PageRenderer(root, index, report)
    environment, speeds, gpu = renderer.environment, renderer.shared["speeds"], renderer.shared["gpu"]
    if shown is not None:
        index = ModelIndex(tuple(c for c in index.collections if c.slug in shown))
    pages = []
    for collection in index.collections:
        pages.append(renderer.overview(collection))
        pages += [renderer.variant(collection, model) for model in collection.models]
    rows = catalog_rows(index, report, {docs_path(page.src_uri): page.markdown for page in pages})
    header = page_header(
        "Models",
        "Every timm variant of the site in one table and two charts: measured FLOPs, parameters and accuracy.",
        hide=["toc"],
    )
    released, registered = released_tags(), {model.key for model in index.models}
    explorer = header + environment.get_template("explorer.md.j2").render(
        index=index,
        rows=rows,
        charts=explorer_charts(rows, speeds, gpu),
        gpu=gpu,
        speeds=speeds,
        released=released,
        timm_version=installed_version("timm"),
        missing=[] if shown is not None else [tag for tag in released if tag not in registered],
    )
    return [GeneratedPage(EXPLORER_PAGE, "All models", explorer), *pages], rows, renderer.shared


def page_context(root: Path, index: ModelIndex, report: CheckReport | None = None) -> dict[str, Any]:
    """What every generated page's template sees beside its own collection and variant."""
    return {
        # Each variant's deploy paths, as the probe that stands for it found them (modelsite.check.deploy).
        "compatibility": {
            key: report.compatibility[probe] for key, probe in index.probed_as.items() if probe in report.compatibility
        }
        if report
        else {},
        "index": index,
        "loads": bare_name_loads(index),
        # Each variant's page, relative to models/: pages link to one another through it.
        "pages": {
            model.key: c.variant_page(model).removeprefix(f"{MODELS_DIR}/")
            for c in index.collections
            for model in c.models
        },
        "timm_version": installed_version("timm"),
        # Measured speed, one result file per device and setting (speed/).
        "speeds": load_speeds(root, [model.key for model in index.models]),
        # timm's own GPU benchmark (speed/timm/): accuracy against a published throughput, across families.
        "gpu": load_gpu_benchmark(root),
    }


def released_tags() -> list[str]:
    """Every pretrained tag of the installed timm (`arch.tag`), without timm's own `test_` models."""
    import timm

    return [tag for tag in timm.list_pretrained() if not tag.startswith("test_")]


def bare_name_loads(index: ModelIndex) -> dict[str, str]:
    """For each architecture of INDEX, the variant key `timm.create_model(name, pretrained=True)` loads.

    Read from the installed timm when the site is built, so it is what the reader's timm of this
    version does.
    """
    from timm.models import get_pretrained_cfg

    loads: dict[str, str] = {}
    for model in index.models:
        if model.name not in loads:
            config = get_pretrained_cfg(model.name)
            tag = str(getattr(config, "tag", "") or "")
            loads[model.name] = f"{model.name}.{tag}" if tag else model.name
    return loads


def page_header(title: str, description: str, **more: object) -> str:
    """A generated page's front matter, written by the YAML serializer.

    MkDocs and Material print `title` (in the navigation and headings) and `description` (in a
    `content` attribute) without escaping, so both are HTML-escaped here. `render_macros: false`
    keeps mkdocs-macros away from the page's text; the hook enforces it whatever the front matter says.
    """
    return front_matter(
        {"render_macros": False, "title": html.escape(title), "description": html.escape(description), **more}
    )


# The hook and the macros both read the index in one build; one read serves both while no index file changed.
_LOADED: dict[tuple[object, ...], ModelIndex] = {}


def load_index_for_build(root: Path) -> ModelIndex:
    """The index, or a build error listing PATH:LINE:COL problems (MkDocs shows it without a traceback)."""
    from mkdocs.exceptions import PluginError

    files = index_files(root)
    key = (root.resolve(), *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    try:
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_index(root)
        return _LOADED[key]
    except IndexProblems as problems:
        raise PluginError(
            f"the model index has problems:\n{problems}\nFix them, then check with `modelsite validate`."
        ) from None
