"""MkDocs hook: pages, models.json and example downloads from model_index/, and the check's outputs under blocks.

Index files and pages are contributors' data. The hook keeps them so: generated pages are never
rendered by mkdocs-macros (whatever their front matter says), the Jinja that renders hand-written
pages is sandboxed and escaping, and every page's HTML passes the allow-list sanitizer last.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from modelsite.site.escape import sanitize_html
from modelsite.site.macros import lock_down
from modelsite.site.pages import EXPLORER_PAGE, GeneratedPage, GeneratedSite, generated_site, load_index_for_build
from modelsite.site.outputs import CheckReport, ReportError, load_report, with_outputs


@dataclass
class _Build:
    """What on_config prepares for the later events of the same build."""

    site: GeneratedSite | None = None
    report: CheckReport | None = None


_this_build = _Build()


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Rendered once per build (serve reloads the config, and so this, on every change).
    root = Path(config.config_file_path).parent
    report = _report(root)
    site = generated_site(root, load_index_for_build(root), report, config.site_url)
    _this_build.site, _this_build.report = site, report
    # Nav lists the generated pages, so a new collection file appears with no edit to mkdocs.yml.
    config.nav = _nav_with_models(config.nav or [], site.pages)
    if "macros" in config.plugins:  # Its on_config, which builds its Jinja environment, ran before this one.
        lock_down(config.plugins["macros"])
    return config


@event_priority(100)  # Before mkdocs-macros reads the page's meta.
def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.generated_by is not None:
        page.meta["render_macros"] = False  # Index text is data: never a template.
    return markdown


def on_files(files: Files, config: MkDocsConfig) -> Files:
    site = _this_build.site
    assert site is not None, "on_config runs before on_files"
    for page in site.pages:
        files.append(File.generated(config, page.src_uri, content=page.markdown))
    for path, text in site.files.items():
        files.append(File.generated(config, path, content=text))
    return files


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    # Under each Python block, what the last check printed there (or that it has not verified it).
    try:
        html = with_outputs(html, page.markdown or "", f"docs/{page.file.src_uri}", _this_build.report)
    except ValueError as error:
        raise PluginError(str(error)) from None
    return sanitize_html(html)


def _report(root: Path) -> CheckReport | None:
    try:
        return load_report(root)
    except ReportError as error:
        raise PluginError(str(error)) from None


def _nav_with_models(nav: list, pages: list[GeneratedPage]) -> list:
    """Replace the `models/index.md` entry with a section holding the explorer and every collection page.

    MkDocs and Material print navigation titles as they are: a collection's Name is HTML-escaped here.
    """
    section = [{html.escape(page.title): page.src_uri} for page in pages]
    result = []
    for entry in nav:
        (title, target), = entry.items() if isinstance(entry, dict) else ((None, entry),)
        result.append({title or "Models": section} if target == EXPLORER_PAGE else entry)
    return result
