"""How the check reads pages: fenced blocks, exclusion markers, `# prints` rules, source tracing.

Pure parsing, no interpreter started; no marker, quick on any CI runner.
"""

from __future__ import annotations

import tokenize
from collections.abc import Iterator

import pytest

from modelsite.check.expect import Expectation, ExpectationError, expectations, matches
from modelsite.check.trace import SourceTracer
from modelsite.core.blocks import python_blocks
from modelsite.index import load_index
from modelsite.site.pages import generated_pages
from tests.helpers import ROOT


def test_blocks_are_numbered_in_page_order_with_their_markdown_line() -> None:
    markdown = "# Title\n\n```python\na = 1\n```\n\n```bash\nls\n```\n\n```py\nb = 2\nc = 3\n```\n"
    blocks = python_blocks(markdown)
    assert [(b.number, b.code, b.markdown_line) for b in blocks] == [(1, "a = 1\n", 4), (2, "b = 2\nc = 3\n", 12)]


def test_indented_fences_in_tabs_and_lists_are_found_and_dedented() -> None:
    markdown = '=== "Tab"\n\n    ```python\n    x = 1\n    if x:\n        print(x)\n    ```\n'
    (block,) = python_blocks(markdown)
    assert block.code == "x = 1\nif x:\n    print(x)\n"


def test_attribute_style_info_strings_name_python() -> None:
    markdown = '``` { .python title="demo.py" }\nx = 1\n```\n\n````python\n```\n````\n'
    assert [b.code for b in python_blocks(markdown)] == ["x = 1\n", "```\n"]


def test_a_no_check_marker_excludes_the_next_block_with_its_reason() -> None:
    markdown = (
        "<!-- modelsite: no-check needs a dataset on disk -->\n\n```python\nopen('/data')\n```\n```python\nx = 1\n```\n"
    )
    first, second = python_blocks(markdown)
    assert first.skipped and first.skip_reason == "needs a dataset on disk"
    assert not second.skipped


def test_a_no_check_marker_without_reason_is_kept_empty_so_the_check_refuses_it() -> None:
    (block,) = python_blocks("<!-- modelsite: no-check -->\n```python\nx = 1\n```\n")
    assert block.skip_reason == ""


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


@pytest.mark.parametrize("key", ["tf_efficientnet_lite0.in1k", "tf_efficientnetv2_s.in21k", "efficientnet_b5.sw_in12k"])
def test_blocks_of_a_variant_page_trace_to_their_template_line_and_index_entry(key: str) -> None:
    # The label set changes which branch of the templates' `{%- if %}` renders; each traces all the same.
    index = load_index(ROOT, check_timm=False)
    model = index.model(key)
    source = index.collection(model.collection).variant_page(model)
    page = next(p for p in generated_pages(ROOT, index) if p.src_uri == source)
    tracer = SourceTracer(ROOT, index)
    blocks = python_blocks(page.markdown)
    first = tracer.trace(blocks[0].code, f"docs/{source}")
    assert first is not None and first.path == "templates/partials/predict.md.j2"
    template_lines = (ROOT / first.path).read_text(encoding="utf-8").splitlines()
    assert template_lines[first.line - 1] == blocks[0].code.splitlines()[0]
    assert first.entry == f"{model.file}:{model.where('Name')[0]}"
    traced = [tracer.trace(block.code, f"docs/{source}") for block in blocks]
    assert all(traced) and {t.path for t in traced if t} >= {"templates/partials/predict.md.j2"}
