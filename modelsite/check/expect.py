"""`# prints:` comments: what a statement prints, and how the check compares it.

The rules, which docs/checking.md states for contributors:

- `STATEMENT  # prints: TEXT` holds the output of the top-level statement on that line to TEXT.
- A `# prints:` comment on a line of its own belongs to the top-level statement just above it.
  The comment lines that follow it (`# ...`) continue TEXT, one output line each.
- The whole output of the top-level statement is compared, so a loop's output is stated after it.
- Lines are compared without trailing spaces, and trailing blank lines are ignored.
- Options in brackets: `# prints[abs=1e-4]:` or `# prints[rel=1e-3]:` compare every number
  within that tolerance (the rest of the text exactly, runs of spaces counting as one), which is
  how a tensor's values are stated. `# prints[illustrative]:` shows typical output and is never
  compared: the statement must print something, that is all. `# prints[online]:` holds only when
  the real released weights are loaded (`modelsite check --online`); offline it is reported as
  not held.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from dataclasses import dataclass, replace

from modelsite.core.report.results import Tolerance

_PRINTS = re.compile(r"^#\s*prints(?:\[(?P<options>[^\]]*)\])?\s*:(?P<text>.*)$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)\b")
KNOWN_OPTIONS = ("abs", "rel", "illustrative", "online")


class ExpectationError(ValueError):
    """A `# prints` comment that cannot be understood; LINE is 1-based within the block."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Expectation:
    """What the top-level statement ending on STATEMENT_END prints; lines are 1-based in the block."""

    statement_start: int
    statement_end: int
    comment_line: int
    text: str
    tolerance: Tolerance = Tolerance()
    illustrative: bool = False
    online: bool = False


def expectations(code: str) -> list[Expectation]:
    """Every `# prints` comment of CODE, tied to its top-level statement."""
    statements = ast.parse(code).body
    comments = _comments(code)
    lines = code.splitlines()
    found: list[Expectation] = []
    taken: set[int] = set()
    for line, column, comment in comments:
        match = _PRINTS.match(comment)
        if not match or line in taken:
            continue
        own_line = not lines[line - 1][:column].strip()
        text_lines = [match["text"].strip()] if match["text"].strip() else []
        if own_line:
            following = line + 1
            while (
                following <= len(lines)
                and lines[following - 1].lstrip().startswith("#")
                and not _PRINTS.match(lines[following - 1].lstrip())
            ):
                text_lines.append(_comment_text(lines[following - 1]))
                taken.add(following)
                following += 1
            statement = _statement_above(statements, line)
        else:
            statement = _statement_holding(statements, line)
        if statement is None:
            raise ExpectationError(line, "a `# prints:` comment needs a statement above it or on its line")
        if not text_lines:
            raise ExpectationError(
                line, "`# prints:` states no output; write the text after the colon or on the comment lines below it"
            )
        found.append(
            replace(
                _options(match["options"] or "", line),
                statement_start=statement.lineno,
                statement_end=statement.end_lineno or statement.lineno,
                comment_line=line,
                text="\n".join(text_lines),
            )
        )
    return found


def matches(expectation: Expectation, printed: str) -> bool:
    """Whether PRINTED is what EXPECTATION states (illustrative output only has to exist)."""
    actual = normalized(printed)
    if expectation.illustrative:
        return bool(actual)
    expected = normalized(expectation.text)
    if not expectation.tolerance:
        return actual == expected
    return numbers_close(expected, actual, expectation.tolerance)


def normalized(text: str) -> str:
    """Lines without trailing spaces, and no trailing blank lines."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def numbers_close(expected: str, actual: str, tolerance: Tolerance) -> bool:
    """The same text, runs of spaces aside, and each number of ACTUAL within TOLERANCE of EXPECTED's."""
    absolute, relative = tolerance.absolute, tolerance.relative
    expected_text, expected_numbers = _split_numbers(expected)
    actual_text, actual_numbers = _split_numbers(actual)
    if expected_text != actual_text or len(expected_numbers) != len(actual_numbers):
        return False
    for want, got in zip(expected_numbers, actual_numbers):
        if math.isnan(want) and math.isnan(got):
            continue
        if not abs(got - want) <= absolute + relative * abs(want):
            return False
    return True


def _split_numbers(text: str) -> tuple[str, list[float]]:
    """TEXT with every number replaced by a placeholder and runs of spaces made one, and the numbers."""
    numbers = [float(match.group()) for match in _NUMBER.finditer(text)]
    skeleton = re.sub(r"[ \t]+", " ", _NUMBER.sub("#", text))
    return skeleton, numbers


def _options(raw: str, line: int) -> Expectation:
    """An Expectation holding the options of `# prints[...]` (the rest of it is filled in by the caller)."""
    options = Expectation(statement_start=0, statement_end=0, comment_line=line, text="")
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, _, value = item.partition("=")
        key = key.strip()
        if key in ("abs", "rel"):
            try:
                tolerance = float(value)
            except ValueError:
                raise ExpectationError(line, f"`{key}=` needs a number, as in `# prints[{key}=1e-4]:`") from None
            stated = options.tolerance
            stated = replace(stated, absolute=tolerance) if key == "abs" else replace(stated, relative=tolerance)
            options = replace(options, tolerance=stated)
        elif key == "illustrative" and not value:
            options = replace(options, illustrative=True)
        elif key == "online" and not value:
            options = replace(options, online=True)
        else:
            raise ExpectationError(line, f"unknown `# prints` option {item!r}; use {', '.join(KNOWN_OPTIONS)}")
    return options


# Anything that may be a `# prints` comment, read from the raw text when the tokenizer cannot read it.
_PRINTS_ANYWHERE = re.compile(r"#\s*prints\b")


def _comments(code: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every comment; tokenize keeps `#` inside strings out."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.start[1], token.string))
    except (tokenize.TokenError, IndentationError) as error:
        # ast.parse accepted the code, but Python's tokenizer (which differs from the compiler's between
        # versions) did not. Its comments are lost: a block with `# prints` must not pass unchecked.
        stated = _PRINTS_ANYWHERE.search(code)
        if stated is not None:
            line = code.count("\n", 0, stated.start()) + 1
            raise ExpectationError(
                line,
                f"the `# prints` comments of this block cannot be read (Python's tokenizer stopped: {error}); "
                "rewrite the block so that `python -m tokenize` reads it",
            ) from None
    return found


def _comment_text(line: str) -> str:
    """A continuation line's text: the `#` and the one space after it removed."""
    text = line.lstrip()[1:]
    return text[1:] if text.startswith(" ") else text


def _statement_holding(statements: list[ast.stmt], line: int) -> ast.stmt | None:
    return next((s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)), None)


def _statement_above(statements: list[ast.stmt], line: int) -> ast.stmt | None:
    above = [s for s in statements if (s.end_lineno or s.lineno) < line]
    return above[-1] if above else None
