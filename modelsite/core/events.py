"""In which order modelsite's handlers see a page's Markdown: MkDocs event priorities, the higher first, with
mkdocs-macros at its default, 0."""

from __future__ import annotations

# hooks/model_pages.py: generated pages are protected before mkdocs-macros reads their meta.
PROTECT_GENERATED = 100
# check/discover.py: the Markdown after macros and the hooks, which is what the reader gets.
CHECK_CAPTURE = -1000
# site/build.py: block identities after the check's capture, which must read the Markdown as the reader does.
BLOCK_IDENTITIES = -1100
