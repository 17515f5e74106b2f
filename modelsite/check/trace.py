"""Trace a block of a built page back to the file a contributor edits.

Every Python fence written in `templates/`, `docs/` or `runnable_examples/` becomes a pattern:
its literal text kept, each Jinja expression a wildcard. A block of the built page comes from
the fence whose pattern it matches, and its lines map one to one onto that fence's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from modelsite.core.blocks import PYTHON_LANGUAGES, SourceRef, fences
from modelsite.core.project import SOURCE_FOLDERS
from modelsite.index import ModelIndex

_QUOTED = re.compile(r'(?="([^"\n]*)")')
_JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)


@dataclass(frozen=True)
class WrittenFence:
    """A Python fence as a contributor wrote it, and the pattern its rendered text matches."""

    path: str
    first_line: int
    pattern: re.Pattern[str]


class SourceTracer:
    """Finds, for a block's text, the written fence and the index entry behind it."""

    def __init__(self, root: Path, index: ModelIndex | None) -> None:
        self.fences = written_fences(root)
        self.index = index

    def trace(self, code: str, page_path: str) -> SourceRef | None:
        text = code.rstrip("\n")
        found = [fence for fence in self.fences if fence.pattern.fullmatch(text)]
        if not found:
            return None
        # Text written on the page itself wins over the same text in a template it does not use.
        found.sort(key=lambda fence: fence.path != page_path)
        return SourceRef(found[0].path, found[0].first_line, self.entry_for(code))

    def entry_for(self, code: str) -> str | None:
        """`model_index/FILE:LINE` of the variant whose key (`name.tag`) the block quotes, else of the first
        variant of the architecture it quotes by name."""
        if self.index is None:
            return None
        quoted = _quoted(code)
        keys = self._keys_quoted(quoted) or self._names_quoted(quoted)
        if not keys:
            return None
        model = self.index.model(min(keys, key=self._positions.__getitem__))
        line, _ = model.where("Name")
        return f"{model.file}:{line}"

    def models_in(self, code: str) -> list[str]:
        """What `--only` matches of the variants CODE names: a key's name and key, a bare name's name."""
        if self.index is None:
            return []
        quoted = _quoted(code)
        keys = self._keys_quoted(quoted)
        found: list[str] = []
        for key in sorted(keys | self._names_quoted(quoted), key=self._positions.__getitem__):
            model = self.index.model(key)
            found += [model.name, model.key] if key in keys else [model.name]
        return list(dict.fromkeys(found))

    def _keys_quoted(self, quoted: set[str]) -> set[str]:
        """The variant keys among QUOTED."""
        return {text for text in quoted if text in self._positions}

    def _names_quoted(self, quoted: set[str]) -> set[str]:
        """The key of the first variant of each architecture named among QUOTED."""
        assert self.index is not None
        return {variants[0].key for text in quoted for variants in [self.index.variants_of(text)] if variants}

    @cached_property
    def _positions(self) -> dict[str, int]:
        """Each variant key's place in the index: the order in which both of the above name variants."""
        models = self.index.models if self.index else ()
        positions: dict[str, int] = {}
        for number, model in enumerate(models):
            positions.setdefault(model.key, number)
        return positions


def _quoted(code: str) -> set[str]:
    """Every double-quoted text of CODE, overlapping ones too (`"a"b"` quotes both `a` and `b`)."""
    return set(_QUOTED.findall(code))


def written_fences(root: Path) -> list[WrittenFence]:
    """Every Python fence of the project's sources; a runnable example is one fence, its whole file."""
    found = []
    for folder, pattern in SOURCE_FOLDERS:
        for path in sorted((root / folder).rglob(pattern)):
            relative = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                found.append(WrittenFence(relative, 1, _pattern(text.rstrip("\n"))))
                continue
            for fence in fences(text):
                if fence.language in PYTHON_LANGUAGES:
                    found.append(WrittenFence(relative, fence.first_code_line, _pattern(fence.code.rstrip("\n"))))
    return found


def _pattern(template_text: str) -> re.Pattern[str]:
    """Literal text matched exactly; what Jinja fills in matched by anything; what an `if` or a `for` holds
    optional (a `for` may repeat it). A tag's whitespace control (`{%-`, `-%}`) strips the whitespace beside
    it from the output, so it is stripped from the pattern too."""
    pieces = _JINJA.split(template_text)
    literals, tags = pieces[::2], pieces[1::2]
    for number, tag in enumerate(tags):
        if tag[2:3] == "-":
            literals[number] = literals[number].rstrip()
        if tag[-3:-2] == "-":
            literals[number + 1] = literals[number + 1].lstrip()
    parts = [re.escape(literals[0])]
    for tag, literal in zip(tags, literals[1:]):
        parts.append(_tag_pattern(tag))
        parts.append(re.escape(literal))
    return re.compile("".join(parts))


def _tag_pattern(tag: str) -> str:
    if tag.startswith("{#"):
        return ""
    if tag.startswith("{{"):
        return r"[\s\S]*?"
    word = tag.strip("{%-+ }").split(maxsplit=1)[0] if tag.strip("{%-+ ") else ""
    return {"if": "(?:", "for": "(?:", "elif": ")?(?:", "else": ")?(?:", "endif": ")?", "endfor": ")*"}.get(
        word, r"[\s\S]*?"
    )
