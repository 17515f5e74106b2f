"""Whatever a file holds, validation answers with located problems and never raises.

Hypothesis feeds random bytes, random text and random edits of a valid entry to the
validator; each answer must be a list of problems with 1-based positions inside the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelsite.index import read_index
from modelsite.index.yaml_source import YAML_LINE_BREAK, load_yaml_bytes
from tests.helpers import VALID_ENTRY

# Fixed examples under CI so a run is reproducible; fresh ones on each local run widen the search.
FUZZ = settings(
    max_examples=int(os.environ.get("MODELSITE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
YAML_PIECES = st.sampled_from(
    [
        "\t",
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!python/object ",
        "'",
        '"',
        "\n",
        "  ",
        "#",
        "---\n",
        "? ",
        "|",
        ">",
        "%YAML 1.1\n",
        "\ufeff",
        "\x00",
        "é",
    ]
)


def assert_answers_cleanly(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    _, problems = read_index([path], base=tmp_path, check_timm=False)
    line_count = len(YAML_LINE_BREAK.split(data.decode("utf-8", errors="replace")))
    for problem in problems:
        assert problem.path == "fuzz.yaml"
        assert 1 <= problem.line <= line_count + 1 and problem.col >= 1, str(problem)
        assert problem.message


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    assert_answers_cleanly(tmp_path, data)


@FUZZ
@given(st.lists(st.one_of(YAML_PIECES, st.text(max_size=8)), max_size=40))
def test_random_yaml_like_text(tmp_path: Path, pieces: list[str]) -> None:
    assert_answers_cleanly(tmp_path, "".join(pieces).encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.integers(min_value=0, max_value=len(VALID_ENTRY)), st.integers(min_value=0, max_value=12), YAML_PIECES)
def test_edits_of_a_valid_entry(tmp_path: Path, at: int, cut: int, insert: str) -> None:
    edited = VALID_ENTRY[:at] + insert + VALID_ENTRY[at + cut :]
    assert_answers_cleanly(tmp_path, edited.encode("utf-8", errors="surrogatepass"))


def test_loader_accepts_a_byte_order_mark() -> None:
    loaded = load_yaml_bytes(b"\xef\xbb\xbf" + VALID_ENTRY.encode(), "bom.yaml")
    assert loaded.problems == () and loaded.root is not None
