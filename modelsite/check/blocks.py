"""Python code blocks of a page's final Markdown, with their place on the page.

A block is what the reader sees and copies: the fenced code after every template, include
and macro has run. `<!-- modelsite: no-check REASON -->` on the line before a fence
excludes that block on purpose; the reason is required and every exclusion is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})

_OPENING_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_NO_CHECK = re.compile(r"^\s*<!--\s*modelsite:\s*no-check\b\s*(?P<reason>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class SourceRef:
    """Where a block's text was written: a template, a docs page or an example, and a line there."""

    path: str
    line: int
    # The model-index entry whose fields the block shows, as PATH:LINE, when there is one.
    entry: str | None = None

    def at(self, line_in_block: int) -> str:
        """`path:line` of line LINE_IN_BLOCK (1-based) of the block."""
        return f"{self.path}:{self.line + line_in_block - 1}"


@dataclass(frozen=True)
class CodeBlock:
    """One Python block of a page; NUMBER counts the page's Python blocks from 1."""

    number: int
    code: str
    # 1-based line of the block's first code line in the page's final Markdown.
    markdown_line: int
    skip_reason: str | None = None
    source: SourceRef | None = None

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None


@dataclass(frozen=True)
class Page:
    """What one fresh interpreter runs: a site page's blocks in order, or one runnable example."""

    path: str
    blocks: tuple[CodeBlock, ...]
    # Generated pages have no file of their own under docs/: their text comes from templates and YAML.
    generated: bool = False
    # Runnable examples run as `python FILE` would: `__name__ == "__main__"`.
    script: bool = False
    # Model IDs the page's blocks use, so that `--only MODEL_ID` selects the page.
    models: tuple[str, ...] = field(default_factory=tuple)

    @property
    def runnable_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple(block for block in self.blocks if not block.skipped)


@dataclass(frozen=True)
class Fence:
    """A fenced block as written in Markdown, before any judgement about its language."""

    language: str
    code: str
    first_code_line: int
    marker: str | None


def fences(markdown: str) -> list[Fence]:
    """Every fenced code block of MARKDOWN, indented ones (in tabs, admonitions, lists) included."""
    lines = markdown.splitlines()
    found: list[Fence] = []
    index = 0
    while index < len(lines):
        opening = _OPENING_FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1:end]]
        found.append(Fence(language=_language(opening["info"]), code="\n".join(body) + "\n",
                           first_code_line=index + 2, marker=_marker_above(lines, index)))
        index = end + 1
    return found


def python_blocks(markdown: str) -> list[CodeBlock]:
    """The Python fences of MARKDOWN as numbered blocks, exclusions kept with their reasons."""
    blocks = []
    for fence in fences(markdown):
        if fence.language not in PYTHON_LANGUAGES:
            continue
        # An empty reason stays empty: the check fails such a block rather than skip it silently.
        blocks.append(CodeBlock(number=len(blocks) + 1, code=fence.code,
                                markdown_line=fence.first_code_line, skip_reason=fence.marker))
    return blocks


def _language(info: str) -> str:
    """`python`, `{ .python title="x" }` and `py linenums="1"` all name the language first."""
    word = info.strip().lstrip("{").strip().split(" ")[0] if info.strip() else ""
    return word.lstrip(".").lower()


def _marker_above(lines: list[str], fence_index: int) -> str | None:
    """The reason of a no-check marker on the nearest non-blank line above the fence, if any."""
    above = fence_index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above < 0:
        return None
    marker = _NO_CHECK.match(lines[above])
    return marker["reason"] if marker else None
