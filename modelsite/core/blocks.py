"""Python code blocks of a page's final Markdown, with their place on the page: the grammar the check
and the build share.

A block is what the reader sees and copies: the fenced code after every template, include
and macro has run. HTML comments, invisible to the reader, tell the check more; MARKERS lists
them, and any other `<!-- modelsite: ... -->` comment is a mistake that fails the build:

- `<!-- modelsite: no-check REASON -->` on the line before a fence excludes that block on
  purpose; the reason is required and every exclusion is reported.
- `<!-- modelsite: example PATH -->` before a fence says the block is the runnable example
  PATH, embedded whole: it runs alone as that file, not among the page's blocks.

The build gives each Python fence its identity (`with_block_ids`): an attribute on the rendered
block that says which block of the Markdown it is, so the output the check captured goes under
the block it belongs to, never by counting blocks in the HTML.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})

_OPENING_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_NO_CHECK = re.compile(r"^\s*<!--\s*modelsite:\s*no-check\b\s*(?P<reason>.*?)\s*-->\s*$")
_EXAMPLE = re.compile(r"^\s*<!--\s*modelsite:\s*example\s+(?P<path>\S+)\s*-->\s*$")
_ANY_MARKER = re.compile(r"<!--\s*modelsite\s*:(?P<body>.*?)-->", re.DOTALL)

# Every comment the check reads, as written on a line of its own, and what it does.
MARKERS = {
    "<!-- modelsite: no-check REASON -->": "the next fence is not run, for REASON (required)",
    "<!-- modelsite: example PATH -->": "the next fence is the runnable example PATH, run alone as that file",
}
_KNOWN_MARKERS = (_NO_CHECK, _EXAMPLE)
# The attribute the build writes on each rendered Python block: its identity.
BLOCK_ATTRIBUTE = "data-modelsite-block"


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
    """One Python block of a page; NUMBER counts, from 1, the page's Python blocks in the order the reader sees
    them: the N-th Python block of the built HTML, where its verified output goes."""

    number: int
    code: str
    # 1-based line of the block's first code line in the page's final Markdown.
    markdown_line: int
    skip_reason: str | None = None
    source: SourceRef | None = None
    # The runnable example the block embeds whole; it runs alone as that file.
    example: str | None = None

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
        return tuple(block for block in self.blocks if not block.skipped and not block.example)


@dataclass(frozen=True)
class Fence:
    """A fenced block as written in Markdown, before any judgement about its language."""

    language: str
    code: str
    first_code_line: int
    marker: str | None
    example: str | None = None
    # 1-based line of the closing fence (one past the last line when the fence is never closed).
    last_line: int = 0


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
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[index + 1 : end]]
        above = _line_above(lines, index)
        no_check, example = _NO_CHECK.match(above), _EXAMPLE.match(above)
        found.append(
            Fence(
                language=_language(opening["info"]),
                code="\n".join(body) + "\n",
                first_code_line=index + 2,
                marker=no_check["reason"] if no_check else None,
                example=example["path"] if example else None,
                last_line=end + 1,
            )
        )
        index = end + 1
    return found


def python_blocks(markdown: str) -> list[CodeBlock]:
    """The Python fences of MARKDOWN as numbered blocks, exclusions kept with their reasons."""
    blocks: list[CodeBlock] = []
    for fence in fences(markdown):
        if fence.language not in PYTHON_LANGUAGES:
            continue
        # An empty reason stays empty: the check fails such a block rather than skip it silently.
        blocks.append(
            CodeBlock(
                number=len(blocks) + 1,
                code=fence.code,
                markdown_line=fence.first_code_line,
                skip_reason=fence.marker,
                example=fence.example,
            )
        )
    return blocks


def _language(info: str) -> str:
    """`python`, `{ .python title="x" }` and `py linenums="1"` all name the language first."""
    word = info.strip().lstrip("{").strip().split(" ")[0] if info.strip() else ""
    return word.lstrip(".").lower()


def _line_above(lines: list[str], fence_index: int) -> str:
    """The nearest non-blank line above the fence, where a marker would be; empty if none."""
    above = fence_index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return lines[above] if above >= 0 else ""


def block_label(path: str, number: int, script: bool = False) -> str:
    """How tracebacks and messages name a block: `PAGE, block N`; a runnable example runs as its own file."""
    return path if script else f"{path}, block {number}"


def traceback_lines(text: str, path: str) -> list[int]:
    """The lines of PATH's blocks that a traceback or stack dump TEXT names (`File "LABEL", line N`), in order."""
    pattern = re.compile(rf'File "{re.escape(path)}(?:, block \d+)?", line (\d+)')
    return [int(line) for line in pattern.findall(text)]


# A Markdown code span: a run of backticks, text without that run, the same run again. It may wrap onto the
# next line but not cross a blank one, which ends the paragraph.
CODE_SPAN = re.compile(r"(`+)(?:(?!\1)(?!\n[ \t]*\n).)+?\1", re.S)


def code_digest(code: str) -> str:
    """How a block's text is recognised on a later build: trailing newlines do not count."""
    return hashlib.sha256((code.rstrip("\n") + "\n").encode()).hexdigest()


def unknown_markers(markdown: str) -> list[tuple[int, str]]:
    """(line, text) of each `<!-- modelsite: ... -->` comment of MARKDOWN that is not a marker of MARKERS
    on a line of its own: a mistyped marker would otherwise be ignored in silence."""
    found = []
    # Markers shown as code (in a fence or a code span) are text about markers, not markers.
    lines = markdown.split("\n")
    for fence in fences(markdown):
        for index in range(fence.first_code_line - 2, min(fence.last_line, len(lines))):
            lines[index] = " " * len(lines[index])
    # Blanked, line breaks kept: the markers found after it keep their line numbers.
    markdown = CODE_SPAN.sub(lambda span: re.sub("[^\n]", " ", span.group()), "\n".join(lines))
    for match in _ANY_MARKER.finditer(markdown):
        start = markdown.rfind("\n", 0, match.start()) + 1
        end = markdown.find("\n", match.end())
        line = markdown[start : end if end >= 0 else len(markdown)]
        if not any(pattern.match(line) for pattern in _KNOWN_MARKERS):
            found.append((markdown.count("\n", 0, match.start()) + 1, match.group().strip()))
    return found


def block_id(block: CodeBlock) -> str:
    """A Python block's identity on its page: its number among the page's Python blocks and its text's digest."""
    return f"{block.number}-{code_digest(block.code)[:16]}"


def with_block_ids(markdown: str) -> tuple[str, list[CodeBlock]]:
    """MARKDOWN with each Python fence's opening line carrying its identity (BLOCK_ATTRIBUTE), and the blocks."""
    blocks = python_blocks(markdown)
    lines = markdown.split("\n")
    for block in blocks:
        index = block.markdown_line - 2  # The fence's opening line.
        opening = _OPENING_FENCE.match(lines[index])
        if opening is None:  # pragma: no cover - python_blocks found a fence here
            raise ValueError(f"line {index + 1} is not a fence")
        attribute = f'{BLOCK_ATTRIBUTE}="{block_id(block)}"'
        info = opening["info"].strip()
        if info.startswith("{"):
            info = info[: info.rindex("}")].rstrip() + f" {attribute} }}"
        else:
            language, _, rest = info.partition(" ")
            info = " ".join(part for part in ("{", f".{language}", rest.strip(), attribute, "}") if part)
        lines[index] = f"{opening['indent']}{opening['fence']}{info}"
    return "\n".join(lines), blocks
