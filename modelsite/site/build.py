"""The MkDocs hook's logic: pages, models.json and example downloads from the index, and the check's outputs.

hooks/model_pages.py hands MkDocs' events to one `SiteBuild` per build. Index files and pages are
contributors' data, and the build keeps them so: generated pages are never rendered by
mkdocs-macros (whatever their front matter says), the Jinja that renders hand-written pages is
sandboxed and escaping, an unknown `<!-- modelsite: ... -->` marker fails the build, and every
page's HTML passes the allow-list sanitizer last.
"""

from __future__ import annotations

import html
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from modelsite.core.blocks import MARKERS, CodeBlock, unknown_markers, with_block_ids
from modelsite.core.events import BLOCK_IDENTITIES
from modelsite.core.files import installed_version
from modelsite.core.project import PREVIEW_VARIABLE, OutsideProject, Project, docs_path
from modelsite.core.report.results import ReportError
from modelsite.index import ModelIndex
from modelsite.site.escape import sanitize_html
from modelsite.site.macros import lock_down
from modelsite.site.outputs import CheckReport, load_report, with_outputs
from modelsite.site.pages import EXPLORER_PAGE, GeneratedPage, GeneratedSite, generated_site, load_index_for_build
from modelsite.speed.published import TimmBenchmarkError
from modelsite.speed.results import SpeedProblems

# What a hand-written page's front matter may set: the rest of Material's keys (template, icon, status...)
# change the theme's behaviour, which pages from contributors have no business doing.
FRONT_MATTER = {
    "title": "the page's title",
    "description": "its summary for search engines",
    "subtitle": "a line under its title in the navigation",
    "hide": "parts of the theme not to show: navigation, toc, footer",
    "render_macros": "false: the page is not a template",
}
# Set by mike while it builds one version of the published site.
MIKE_VERSION_VARIABLE = "MIKE_DOCS_VERSION"
# The packages each page's header names, with the versions the site was built with.
DOCUMENTED_PACKAGES = ("timm", "torch")
# The ones Material prints into the page's HTML without escaping.
PRINTED_META = ("title", "description", "subtitle")
# A build of the whole zoo takes minutes: it says how far it has come every PROGRESS_EVERY pages.
PROGRESS_EVERY = 250
LOG = logging.getLogger("mkdocs.plugins.modelsite")


@dataclass
class SiteBuild:
    """What one build prepares in on_config and uses in the events after it."""

    site: GeneratedSite | None = None
    report: CheckReport | None = None
    # Each page's Python blocks, as identified in its final Markdown (src_uri -> blocks).
    blocks: dict[str, list[CodeBlock]] = field(default_factory=dict)
    # Pages of the build, and how many have been rendered so far: the progress `make serve` shows.
    pages_total: int = 0
    pages_done: int = 0

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # Rendered once per build (serve reloads the config, and so this, on every change).
        project = Project(Path(config.config_file_path).parent)
        try:
            self.report = load_report(project.latest_report)
        except ReportError as error:
            raise PluginError(str(error)) from None
        started = time.monotonic()
        try:
            index = load_index_for_build(project.root)
            shown = None
            if os.environ.get(PREVIEW_VARIABLE, "").strip():
                shown = preview_collections(index, os.environ[PREVIEW_VARIABLE])
                # The other collections' pages are left out on purpose: links to them are no mistake here, and
                # a strict build of a preview checks everything else (the test suite builds one).
                config.validation.links.not_found = logging.INFO
                LOG.info(
                    "modelsite: a preview of %s alone (%s); links to the other collections' pages lead nowhere",
                    ", ".join(c.name for c in index.collections if c.slug in shown),
                    PREVIEW_VARIABLE,
                )
            self.site = generated_site(project.root, index, self.report, config.site_url, shown)
        except (OutsideProject, SpeedProblems, TimmBenchmarkError) as error:
            raise PluginError(str(error)) from None
        LOG.info(
            "modelsite: %d pages generated from %d collections in %.1f s",
            len(self.site.pages),
            len(index.collections),
            time.monotonic() - started,
        )
        # What every page's header says it documents (overrides/main.html).
        config.extra["documents"] = {package: installed_version(package) for package in DOCUMENTED_PACKAGES}
        if os.environ.get(MIKE_VERSION_VARIABLE):
            # Built by `make publish` (mike): the header's version selector reads the versions.json mike keeps
            # beside the versions. A plain build has no such file, and the selector would fetch it in vain.
            config.extra["version"] = {"provider": "mike", "default": "latest"}
        # Nav lists the generated pages, so a new collection file appears with no edit to mkdocs.yml.
        config.nav = _nav_with_models(config.nav or [], self.site.pages)
        if "macros" in config.plugins:  # Its on_config, which builds its Jinja environment, ran before this one.
            lock_down(config.plugins["macros"])
        # A hook has one on_page_markdown (early, see protect_generated); the late one is a plugin's.
        config.plugins["modelsite/block-identities"] = _BlockIdentities(self)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.site is not None, "on_config runs before on_files"
        project = Project(Path(config.config_file_path).parent)
        for file in files:
            # The files of docs/ (a contributor's); the theme's own assets come from the installed theme.
            if file.generated_by is None and file.abs_src_path and file.src_dir == config.docs_dir:
                try:
                    project.refuse_outside(Path(file.abs_src_path))
                except OutsideProject as error:
                    raise PluginError(str(error)) from None
        for page in self.site.pages:
            files.append(File.generated(config, page.src_uri, content=page.markdown))
        for path, text in self.site.files.items():
            files.append(File.generated(config, path, content=text))
        self.pages_total, self.pages_done = len(files.documentation_pages()), 0
        return files

    def protect_generated(self, markdown: str, page: Page) -> str:
        """Before mkdocs-macros reads the page's meta: a generated page's text is data, never a template, and a
        hand-written page's front matter holds only what pages may set, escaped where the theme prints it."""
        if page.file.generated_by is not None:
            page.meta["render_macros"] = False
            return markdown
        path = docs_path(page.file.src_uri)
        unknown = sorted(set(page.meta) - set(FRONT_MATTER))
        if unknown:
            raise PluginError(
                f"{path}: the front matter key {unknown[0]!r} is not one a page may set; the keys are: "
                + ", ".join(f"{key} ({why})" for key, why in FRONT_MATTER.items())
            )
        for key in PRINTED_META:
            if key in page.meta:
                page.meta[key] = html.escape(str(page.meta[key]))  # Material prints these as they are.
        return markdown

    def identify_blocks(self, markdown: str, page: Page) -> str:
        """After every other plugin: refuse unknown markers, and give each Python fence its identity."""
        path = docs_path(page.file.src_uri)
        unknown = unknown_markers(markdown)
        if unknown:
            line, text = unknown[0]
            raise PluginError(
                f"{path}: {text} (line {line} of the page's final Markdown) is not a marker the check "
                f"reads; the markers are, each on a line of its own: {', '.join(MARKERS)}"
            )
        markdown, self.blocks[page.file.src_uri] = with_block_ids(markdown)
        return markdown

    def on_page_content(self, page_html: str, page: Page) -> str:
        # Under each Python block, what the last check printed there (or that it has not verified it).
        try:
            page_html = with_outputs(
                page_html, self.blocks.get(page.file.src_uri, []), docs_path(page.file.src_uri), self.report
            )
        except ValueError as error:
            raise PluginError(str(error)) from None
        self.pages_done += 1
        if self.pages_done % PROGRESS_EVERY == 0 or self.pages_done == self.pages_total:
            LOG.info("modelsite: %d of %d pages rendered", self.pages_done, self.pages_total)
        return sanitize_html(page_html)


class _BlockIdentities(BasePlugin):
    """Calls SiteBuild.identify_blocks once every other plugin has changed a page's Markdown."""

    def __init__(self, build: SiteBuild) -> None:
        super().__init__()
        self.build = build

    @event_priority(BLOCK_IDENTITIES)
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        return self.build.identify_blocks(markdown, page)


def preview_collections(index: ModelIndex, families: str) -> frozenset[str]:
    """The collections (their file stems) that FAMILIES names, comma- or space-separated."""
    stems = {c.slug for c in index.collections}
    wanted = set(families.replace(",", " ").split())
    unknown = sorted(wanted - stems)
    if unknown:
        raise PluginError(
            f"{PREVIEW_VARIABLE} names {', '.join(unknown)}, which no file of model_index/ is; "
            f"name files by their stem, as in {PREVIEW_VARIABLE}={sorted(stems)[0]}"
        )
    return frozenset(wanted)


def _nav_with_models(nav: list[Any], pages: list[GeneratedPage]) -> list[Any]:
    """Replace the `models/index.md` entry with a section holding the generated pages that are in the navigation
    (the explorer: collection and variant pages are reached from it).

    MkDocs and Material print navigation titles as they are: a collection's Name is HTML-escaped here.
    """
    section = [{html.escape(page.title): page.src_uri} for page in pages if page.in_navigation]
    result = []
    for entry in nav:
        ((title, target),) = entry.items() if isinstance(entry, dict) else ((None, entry),)
        result.append({title or "Models": section} if target == EXPLORER_PAGE else entry)
    return result
