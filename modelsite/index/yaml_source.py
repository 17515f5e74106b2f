"""Safe, bounded loading of one YAML file into nodes that remember their line and column.

Nothing here constructs Python objects from tags: the file is scanned as events first, so
tags, anchors and aliases (the ingredients of alias bombs), nesting depth and size are
all refused before any tree is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelsite.core.problems import Problem

# A collection of a hundred variants is about 150 KB; anything far larger is not an index file.
MAX_BYTES = 1_000_000
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# YAML's own line breaks; str.splitlines() knows more (\x1c-\x1e ...) and would miscount lines.
YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True)
class LoadedYaml:
    """The root node of a file, or the problems that stopped it from loading."""

    root: yaml.Node | None
    problems: tuple[Problem, ...]
    # The decoded text, whose character offsets the nodes' marks refer to.
    text: str = ""


def load_yaml_file(path: Path, shown_as: str) -> LoadedYaml:
    """Read PATH and return its single YAML document as located nodes."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return _failed(shown_as, 1, 1, f"cannot read the file: {error.strerror or error}")
    return load_yaml_bytes(data, shown_as)


def load_yaml_bytes(data: bytes, shown_as: str) -> LoadedYaml:
    """Check DATA for encoding, size, tabs and unsafe constructs, then compose it."""
    if len(data) > MAX_BYTES:
        return _failed(
            shown_as,
            1,
            1,
            f"the file is {len(data):,} bytes; a model-index file must stay under "
            f"{MAX_BYTES:,} bytes: split the collection into several files",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _position_of_byte(data, error.start)
        return _failed(shown_as, line, col, f"byte 0x{data[error.start]:02x} is not UTF-8; save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(_is_comment_or_blank(line) for line in YAML_LINE_BREAK.split(text)):
        return _failed(shown_as, 1, 1, "the file is empty; a model-index file holds `Collections:` and/or `Models:`")
    tabs = _tab_problems(text, shown_as)
    if tabs:
        return LoadedYaml(None, tuple(tabs))
    problems = _scan_events(text, shown_as)
    if problems:
        return LoadedYaml(None, tuple(problems))
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        return LoadedYaml(None, (_yaml_error(error, shown_as, text),))
    if root is None:
        return _failed(shown_as, 1, 1, "the file holds no YAML document; write `Collections:` and/or `Models:`")
    return LoadedYaml(root, (), text)


def _scan_events(text: str, shown_as: str) -> list[Problem]:
    """Refuse tags, anchors, aliases, deep nesting and several documents, reading events only."""
    problems: list[Problem] = []
    depth = 0
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            mark = event.start_mark
            where = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            problems += _construct_problems(event, shown_as, where)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    why = f"nesting deeper than {MAX_DEPTH} levels; the model index layout is at most a few levels deep"
                    return [*problems, Problem(shown_as, *where, why)]
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    why = "a second YAML document (`---`); keep one document per model-index file"
                    return [*problems, Problem(shown_as, *where, why)]
            if len(problems) >= 20:
                break
    except yaml.YAMLError as error:
        problems.append(_yaml_error(error, shown_as, text))
    return problems


def _construct_problems(event: yaml.Event, shown_as: str, where: tuple[int, int]) -> list[Problem]:
    """An alias, an anchor or a tag on EVENT: each refused where it stands."""
    problems = []
    anchor, tag = getattr(event, "anchor", None), getattr(event, "tag", None)
    if isinstance(event, yaml.AliasEvent):
        why = f"alias *{anchor} is not allowed in the model index; write the value out in full"
        problems.append(Problem(shown_as, *where, why))
    elif anchor:
        why = f"anchor &{anchor} is not allowed in the model index; write each value out in full"
        problems.append(Problem(shown_as, *where, why))
    # Events carry a tag only when the source writes one (`!!python/object`, `!!str`, ...).
    if tag is not None:
        why = (
            f"the tag {tag} is not allowed; the model index holds plain strings, numbers, lists and mappings: "
            "remove the tag"
        )
        problems.append(Problem(shown_as, *where, why))
    return problems


def _yaml_error(error: yaml.YAMLError, shown_as: str, text: str) -> Problem:
    if isinstance(error, yaml.reader.ReaderError):
        # Raised for control characters such as NUL; it knows only an offset into the text.
        before = text[: error.position]
        line, col = before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1
        return Problem(
            shown_as,
            line,
            col,
            f"character U+{error.character:04X} is not allowed in YAML; remove it"
            if isinstance(error.character, int)
            else "invalid character; remove it",
        )
    if not isinstance(error, yaml.MarkedYAMLError):
        return Problem(shown_as, 1, 1, f"invalid YAML: {error}")
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = error.problem or "malformed YAML"
    context = error.context_mark
    if error.context and context and (context.line, context.column) != (line - 1, col - 1):
        # Where the construct began is often where the mistake is (an unclosed bracket or quote).
        what += f" ({error.context} started at line {context.line + 1}, column {context.column + 1})"
    return Problem(shown_as, line, col, f"invalid YAML: {what}; fix the syntax (indentation, colons, brackets, quotes)")


def _tab_problems(text: str, shown_as: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(YAML_LINE_BREAK.split(text), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(
                    shown_as,
                    number,
                    indent.index("\t") + 1,
                    "tab in indentation; YAML indents with spaces only: replace the tab with spaces",
                )
            )
    return problems[:20]


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, column


def _failed(shown_as: str, line: int, col: int, message: str) -> LoadedYaml:
    return LoadedYaml(None, (Problem(shown_as, line, col, message),))


def accepted_data(path: Path) -> Any:
    """The plain data of PATH, a file the index has accepted whole (no tags, anchors or aliases), read by
    libyaml where PyYAML has it: pure-Python parsing costs seconds at the zoo's size."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
