"""Building blocks of the index schema: each reads a located YAML node and reports problems.

A spec reads a node, returns the plain value (or INVALID), and records where every value
sits, so that later checks can point at the exact line and column of a figure.
"""

from __future__ import annotations

import difflib
import html
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import yaml

from modelsite.core.blocks import CODE_SPAN
from modelsite.core.problems import Problem

KeyPath = tuple[str | int, ...]

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
_constructor = yaml.constructor.SafeConstructor()


@dataclass
class Walk:
    """What reading one file collects: problems, and the position of every key and value."""

    shown_as: str
    # The file's text, so that a problem inside a long value points at its own line and column.
    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    value_at: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_at: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    # Records that lack a required key: they read, but are not whole.
    incomplete: set[KeyPath] = field(default_factory=set)

    def report(self, node: yaml.Node, message: str, snippet: str | None = None) -> None:
        """A problem at NODE, or at SNIPPET's first place inside NODE's text when it is found there."""
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if snippet and self.source:
            start, end = node.start_mark.index, node.end_mark.index
            found = self.source.find(snippet, start, max(end, start + len(snippet)))
            if found >= 0:
                before = self.source[:found]
                line, col = before.count("\n") + 1, found - (before.rfind("\n") + 1) + 1
        self.problems.append(Problem(self.shown_as, line, col, message))


def dotted(path: KeyPath) -> str:
    """`Models[2].Metadata.FLOPs`, the way messages name a place in the layout."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def describe(node: yaml.Node) -> str:
    """Say what a node holds, for messages like `got a list`."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kinds = {STR_TAG: "the text", INT_TAG: "the integer", FLOAT_TAG: "the number", BOOL_TAG: "the boolean"}
    if node.tag == NULL_TAG:
        return "nothing (an empty value)"
    return f"{kinds.get(node.tag, 'the value')} {node.value!r}"


class Spec:
    """Reads one node; subclasses say what the node must hold."""

    expects = "a value"

    def read(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        walk.value_at[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        return self.check(node, path, walk)

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        raise NotImplementedError

    def wrong_type(self, node: yaml.Node, path: KeyPath, walk: Walk, hint: str = "") -> Any:
        walk.report(node, f"{dotted(path)} must be {self.expects}, got {describe(node)}{hint}")
        return INVALID


# An identifier, as timm's model IDs and tags are written: letters, digits, `_`, `.` and `-`. No Markdown or
# HTML context reads any of these as syntax, so the site prints identifiers as they are.
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# Raw HTML: a tag, a closing tag, a comment, a declaration or a processing instruction.
RAW_HTML = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*(?=[\s/>])|/[A-Za-z]|!|\?)")
# Addresses that run or embed content in the reader's browser, wherever they stand.
UNSAFE_ADDRESS = re.compile(r"(?i)\b(?:java|vb|live)script\s*:|\bdata\s*:\s*[a-z]+/[\w.+-]+")
# A Markdown inline link or image `[text](destination ...)`, or a reference definition `[id]: destination`.
MARKDOWN_LINK = re.compile(r"\]\(\s*<?(?P<inline>[^)\s>]*)|^\s{0,3}\[[^\]]+\]:\s*<?(?P<reference>\S+?)>?(?:\s|$)", re.M)
# A fenced code block's opening line: a summary has no code to run (the check would run it).
FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.M)
# Characters that change how text reads without showing: bidirectional overrides and isolates, zero-width
# spaces and joiners, the byte order mark. They can make a name read as another.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Text(Spec):
    """A non-empty string; plain text unless MARKUP says otherwise.

    MARKUP is "plain" (data shown as it is: raw HTML and script addresses are refused, they can
    only be mistakes or attacks), "prose" (Markdown: emphasis, code, math, links to http(s) or
    relative addresses; raw HTML refused), or "literal" (shown verbatim in a code block: anything).
    """

    markup: str = "plain"
    single_line: bool = False
    expects = "text"

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in (STR_TAG, "tag:yaml.org,2002:timestamp"):
            hint = "; put it in quotes" if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG else ""
            return self.wrong_type(node, path, walk, hint)
        if not node.value.strip():
            walk.report(node, f"{dotted(path)} is empty; write {self.expects}")
            return INVALID
        invisible = INVISIBLE.search(node.value)
        if invisible:
            walk.report(
                node,
                f"{dotted(path)} holds the invisible character U+{ord(invisible.group()):04X}, which "
                "changes how the text reads without showing; remove it",
                snippet=invisible.group(),
            )
            return INVALID
        if self.markup != "literal" and not self._safe(node, path, walk):
            return INVALID
        return node.value

    def _safe(self, node: yaml.Node, path: KeyPath, walk: Walk) -> bool:
        value: str = node.value
        outside_code = CODE_SPAN.sub(lambda m: " " * len(m.group()), value) if self.markup == "prose" else value
        if self.single_line and re.search(r"[\r\n\x85\u2028\u2029]", value):
            walk.report(node, f"{dotted(path)} holds a line break; write it on one line")
            return False
        tag = RAW_HTML.search(outside_code)
        if tag:
            shown = value[tag.start() : tag.start() + 24].split("\n")[0]
            advice = (
                "write Markdown instead: *emphasis*, `code`, [a link](https://...)"
                if self.markup == "prose"
                else "this field is plain text: remove the markup"
            )
            walk.report(
                node, f"{dotted(path)} holds raw HTML ({shown!r}); {advice}", snippet=value[tag.start() : tag.end()]
            )
            return False
        # Character references and blanks inside a scheme are read through by browsers: so here.
        unsafe = UNSAFE_ADDRESS.search(value) or UNSAFE_ADDRESS.search(_squeezed(html.unescape(value)))
        if unsafe:
            walk.report(
                node,
                f"{dotted(path)} holds a {unsafe.group().split(':')[0].strip().lower()}: address "
                f"({unsafe.group()!r}); links may lead to http(s) or relative addresses only",
                snippet=unsafe.group(),
            )
            return False
        if self.markup == "prose":
            fence = FENCE_LINE.search(value)
            if fence:
                walk.report(
                    node,
                    f"{dotted(path)} holds a fenced code block; prose fields hold no code blocks "
                    "(the check would run them): show code inline, in `backticks`",
                    snippet=fence.group(1),
                )
                return False
            for link in MARKDOWN_LINK.finditer(outside_code):
                destination = link["inline"] if link["inline"] is not None else link["reference"]
                if destination and not _relative_or_web(_squeezed(html.unescape(destination))):
                    walk.report(
                        node,
                        f"{dotted(path)} links to {destination!r}; links may lead to http(s) or "
                        "relative addresses only",
                        snippet=destination,
                    )
                    return False
        return True


def _squeezed(text: str) -> str:
    """TEXT without the blanks and control characters a browser skips inside an address."""
    return re.sub(r"[\x00-\x20\x7f]+", "", text)


def _relative_or_web(address: str) -> bool:
    """An http(s) URL, or an address with no scheme (relative, or an anchor)."""
    scheme = urllib.parse.urlsplit(address).scheme.lower()
    return scheme in ("", "http", "https") and not address.startswith("//")


# What an absolute URL may hold: RFC 3986's characters, nothing that could end a link or an attribute.
_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::\d+)?(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]*)?$")


@dataclass(frozen=True)
class Url(Text):
    """An absolute http(s) address."""

    expects = "an absolute URL starting with https://"

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        value = super().check(node, path, walk)
        if value is INVALID:
            return value
        if not value.startswith(("https://", "http://")):
            walk.report(node, f"{dotted(path)} must be an absolute URL starting with https://, got {value!r}")
            return INVALID
        if not _URL.match(value):
            walk.report(
                node,
                f"{dotted(path)} is not a plain URL ({value!r}); percent-encode spaces, quotes, "
                "angle brackets and other characters a URL may not hold",
            )
            return INVALID
        return value


@dataclass(frozen=True)
class Name(Text):
    """An identifier: letters, digits, `_`, `.` and `-`, as timm's model IDs and tags are written."""

    expects = "an identifier (letters, digits, _ . -)"

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        value = super().check(node, path, walk)
        if value is INVALID:
            return value
        if not IDENTIFIER.match(value):
            walk.report(node, f"{dotted(path)} is {value!r}; write {self.expects}")
            return INVALID
        return value


@dataclass(frozen=True)
class Choice(Text):
    """One value out of a fixed set."""

    values: tuple[str, ...] = ()

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        value = super().check(node, path, walk)
        if value is not INVALID and value not in self.values:
            walk.report(
                node,
                f"{dotted(path)} is {value!r}, which is not one of {', '.join(self.values)}"
                f"{_did_you_mean(value, self.values)}",
            )
            return INVALID
        return value


@dataclass(frozen=True)
class Number(Spec):
    """An integer or float within bounds; integer_only refuses floats."""

    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    integer_only: bool = False

    @property
    def expects(self) -> str:  # type: ignore[override]
        kind = "an integer" if self.integer_only else "a number"
        if self.integer_only and self.maximum == LARGEST_COUNT:
            return f"{kind} of at least {self.minimum:g} and below 10^15"
        if self.minimum is not None and self.maximum is not None:
            low, high = ("(" if self.exclusive_minimum else "["), "]"
            return f"{kind} in {low}{self.minimum:g}, {self.maximum:g}{high}"
        if self.minimum is not None:
            return f"{kind} {'above' if self.exclusive_minimum else 'of at least'} {self.minimum:g}"
        return kind

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        allowed = (INT_TAG,) if self.integer_only else (INT_TAG, FLOAT_TAG)
        if not isinstance(node, yaml.ScalarNode) or node.tag not in allowed:
            hint = ""
            if isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG and _parses_as_number(node.value):
                if node.style in ("'", '"'):
                    hint = f"; write {node.value.strip()} without quotes"
                else:  # YAML 1.1 reads `63.7e9` (no sign in the exponent) as text.
                    hint = f"; YAML reads {node.value.strip()} as text: write the number out in digits"
            elif isinstance(node, yaml.ScalarNode) and node.tag == FLOAT_TAG and self.integer_only:
                hint = "; write the exact whole number"
            return self.wrong_type(node, path, walk, hint)
        try:
            value = _constructor.construct_object(node)
        except (ValueError, OverflowError):  # A number of thousands of digits, in any YAML notation.
            walk.report(node, f"{dotted(path)} is a number too long to read; it must be {self.expects}")
            return INVALID
        if value != value or value in (float("inf"), float("-inf")):
            return self.wrong_type(node, path, walk)
        too_low = self.minimum is not None and (
            value <= self.minimum if self.exclusive_minimum else value < self.minimum
        )
        too_high = self.maximum is not None and value > self.maximum
        if too_low or too_high:
            walk.report(node, f"{dotted(path)} is {_short(value)}, out of range: it must be {self.expects}")
            return INVALID
        return value


# Far above any count a model has (the largest have about 10**12 parameters or multiply-accumulates).
LARGEST_COUNT = 10**15


def Integer(minimum: int = 1) -> Number:
    """A whole number of at least MINIMUM and below 10**15 (sizes and counts are positive, and finite in practice)."""
    return Number(minimum=minimum, maximum=LARGEST_COUNT, integer_only=True)


@dataclass(frozen=True)
class ListOf(Spec):
    """A non-empty list whose items each follow ITEM; unique items when asked."""

    item: Spec = field(default_factory=Text)
    unique: bool = False

    @property
    def expects(self) -> str:  # type: ignore[override]
        return f"a list of {self.item.expects}"

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self.wrong_type(node, path, walk, "; write one `- item` per line")
        if not node.value:
            walk.report(node, f"{dotted(path)} is an empty list; give at least one item or remove the key")
            return INVALID
        items, seen = [], set()
        for index, child in enumerate(node.value):
            value = self.item.read(child, (*path, index), walk)
            if self.unique and isinstance(value, str):
                if value in seen:
                    walk.report(child, f"{dotted(path)} lists {value!r} twice; keep one")
                seen.add(value)
            items.append(value)
        return items


@dataclass(frozen=True)
class CountsOrNone(Spec):
    """A list of whole numbers, or the word `none`."""

    expects = "a list of integers, or none"

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG and node.value == "none":
            return None
        if not isinstance(node, yaml.SequenceNode):
            return self.wrong_type(node, path, walk, "; write `[2, 4, 8]`, or `none`")
        return ListOf(Integer()).check(node, path, walk)


@dataclass(frozen=True)
class Field:
    """A key of a record: its spec, whether it must be there, and what it means (shown in the docs)."""

    spec: Spec
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class Record(Spec):
    """A mapping with a closed set of keys."""

    fields: dict[str, Field] = field(default_factory=dict)
    name: str = "mapping"

    @property
    def expects(self) -> str:  # type: ignore[override]
        return f"a mapping ({self.name})"

    def check(self, node: yaml.Node, path: KeyPath, walk: Walk) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self.wrong_type(node, path, walk, "; write `Key: value` lines indented under it")
        values: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != STR_TAG:
                walk.report(
                    key_node, f"keys of {dotted(path) or 'the file'} must be plain names, got {describe(key_node)}"
                )
                continue
            key = key_node.value
            if key in values:
                walk.report(key_node, f"{dotted(path + (key,))} is given twice; keep one")
                continue
            walk.key_at[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            spec = self.fields.get(key)
            if spec is None:
                walk.report(
                    key_node,
                    f"unknown key {key!r} in {dotted(path) or 'the top level'}"
                    f"{_did_you_mean(key, tuple(self.fields))}; allowed keys: {', '.join(self.fields)}",
                )
                values[key] = INVALID
                continue
            values[key] = spec.spec.read(value_node, (*path, key), walk)
        for key, spec in self.fields.items():
            if spec.required and key not in values:
                walk.incomplete.add(path)
                walk.report(node, f"{dotted(path) or 'the file'} lacks the required key {key!r} ({spec.spec.expects})")
        return values


def _short(value: float) -> str:
    """VALUE as a message shows it: a number of hundreds of digits by its size, not its digits."""
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"a number of about {int(abs(value).bit_length() * 0.30103) + 1} digits"
    return f"{value}"


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {choice.lower(): choice for choice in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parses_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
