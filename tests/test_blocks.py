"""modelsite.core.blocks: how the check and the build find a page's Python blocks: fenced blocks in page order
with their line, fences in tabs and lists, info strings, and the HTML comments that mark a block.

Pure parsing; no marker, milliseconds.
"""

from __future__ import annotations

from modelsite.core.blocks import python_blocks


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


def test_an_unknown_marker_is_listed_with_the_known_ones() -> None:
    from modelsite.core.blocks import MARKERS, unknown_markers

    text = "<!-- modelsite: no-chek typo -->\n```python\nx = 1\n```\n`<!-- modelsite: shown as code -->`\n"
    assert unknown_markers(text) == [(1, "<!-- modelsite: no-chek typo -->")]
    assert "<!-- modelsite: no-check REASON -->" in MARKERS
