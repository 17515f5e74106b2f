"""MkDocs hook: hands MkDocs' events to modelsite.site.build, which generates and protects the site.

A hook file is loaded afresh with the configuration, so the one SiteBuild here lives as long as
its build (`mkdocs serve` reloads it on every change).
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from modelsite.core.events import PROTECT_GENERATED
from modelsite.site.build import SiteBuild

_build = SiteBuild()


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    return _build.on_config(config)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    return _build.on_files(files, config)


@event_priority(PROTECT_GENERATED)
def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return _build.protect_generated(markdown, page)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return _build.on_page_content(html, page)
