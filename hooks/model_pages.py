"""MkDocs hook: pages, models.json and example downloads from model_index/, and the check's outputs under blocks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from modelsite.pages import EXPLORER_PAGE, GeneratedPage, GeneratedSite, generated_site, load_index_for_build
from modelsite.verified import CheckReport, ReportError, load_report, with_outputs


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
    return config


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
        return with_outputs(html, page.markdown or "", f"docs/{page.file.src_uri}", _this_build.report)
    except ValueError as error:
        raise PluginError(str(error)) from None


def _report(root: Path) -> CheckReport | None:
    try:
        return load_report(root)
    except ReportError as error:
        raise PluginError(str(error)) from None


def _nav_with_models(nav: list, pages: list[GeneratedPage]) -> list:
    """Replace the `models/index.md` entry with a section holding the explorer and every collection page."""
    section = [{page.title: page.src_uri} for page in pages]
    result = []
    for entry in nav:
        (title, target), = entry.items() if isinstance(entry, dict) else ((None, entry),)
        result.append({title or "Models": section} if target == EXPLORER_PAGE else entry)
    return result
