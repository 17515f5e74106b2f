"""modelsite.check.expect: the `# prints` rules, how a block's comments are read, and what a bad one is told.

Pure parsing, no interpreter started; no marker, quick on any CI runner. (The blocks themselves:
test_blocks.py; tracing a block to its source: test_trace.py.)
"""

from __future__ import annotations

import tokenize
from collections.abc import Iterator

import pytest

from modelsite.check.expect import Expectation, ExpectationError, expectations, matches


@pytest.mark.parametrize(
    ("code", "printed", "held"),
    [
        ("print(1)  # prints: 1\n", "1\n", True),
        ("print(1)  # prints: 1\n", "2\n", False),
        ("print('a  ')  # prints: a\n", "a  \n\n", True),  # trailing spaces and blank lines do not count
        ("print('a\\nb')\n# prints:\n# a\n# b\n", "a\nb\n", True),
        ("print('a\\nb')\n# prints:\n# a\n# b\n", "a\nc\n", False),
        ("print(3.14159)  # prints[abs=1e-3]: 3.1416\n", "3.14159\n", True),
        ("print(3.14159)  # prints[abs=1e-6]: 3.1416\n", "3.14159\n", False),
        ("print(t)  # prints[rel=1e-3]: tensor([1.0000, 2.0000])\n", "tensor([1.0004, 2.0001])\n", True),
        ("print(t)  # prints[rel=1e-3]: tensor([1.0000, 2.0000])\n", "tensor([1.0000, 2.0000, 3.0000])\n", False),
        ("print(t)  # prints[rel=1e-3]: tensor([1.0000, 2.0000])\n", "array([1.0000, 2.0000])\n", False),
        ("print(x)  # prints[illustrative]: 0.123\n", "0.987\n", True),
        ("print(x)  # prints[illustrative]: 0.123\n", "", False),  # illustrative output must still exist
    ],
)
def test_prints_rules(code: str, printed: str, held: bool) -> None:
    (expectation,) = expectations(code)
    assert matches(expectation, printed) is held


def test_a_comment_on_its_own_line_belongs_to_the_statement_above_and_a_loop_is_stated_whole() -> None:
    code = "x = 1\nfor i in range(2):\n    print(i)\n# prints:\n# 0\n# 1\n"
    (expectation,) = expectations(code)
    assert (expectation.statement_start, expectation.comment_line, expectation.text) == (2, 4, "0\n1")


def test_prints_inside_a_string_is_not_a_comment() -> None:
    assert expectations('text = "# prints: 1"\n') == []


def test_prints_comments_the_tokenizer_cannot_read_fail_instead_of_vanishing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python's tokenizer and its compiler disagree on some code between versions: ast.parse accepts it, and
    tokenize stops. The block's `# prints` comments must then fail it, not vanish and let it pass unchecked."""

    def stops(readline: object) -> Iterator[tokenize.TokenInfo]:
        raise tokenize.TokenError("EOF in multi-line statement", (3, 0))
        yield  # a generator, like the real one

    monkeypatch.setattr(tokenize, "generate_tokens", stops)
    with pytest.raises(ExpectationError) as raised:
        expectations("x = 1\nprint(x)  # prints: 1\n")
    assert raised.value.line == 2 and "cannot be read" in str(raised.value)
    # A block that states nothing loses nothing: it runs as before.
    assert expectations("x = 1\nprint(x)\n") == []


def test_online_expectations_are_flagged() -> None:
    (expectation,) = expectations("print(best)  # prints[online]: military uniform\n")
    assert expectation == Expectation(1, 1, 1, "military uniform", online=True)


@pytest.mark.parametrize(
    ("code", "complaint"),
    [
        ("print(1)  # prints[fuzzy]: 1\n", "unknown `# prints` option 'fuzzy'"),
        ("print(1)  # prints[abs=x]: 1\n", "`abs=` needs a number"),
        ("print(1)  # prints:\n", "states no output"),
        ("# prints: 1\nprint(1)\n", "needs a statement above it"),
    ],
)
def test_bad_prints_comments_are_explained(code: str, complaint: str) -> None:
    with pytest.raises(ExpectationError, match=complaint):
        expectations(code)
