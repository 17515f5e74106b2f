"""`modelsite validate`: every class of problem in a model-index file, reported at its line and column.

Each case writes one bad file beside the real index (which defines the collections it may
name) and asserts the `PATH:LINE:COL: message` the validator gives. The command-line tests
run the installed console script, as a contributor and CI do. No marker: all run on the CPU
in seconds.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelsite.core.problems import Problem
from modelsite.index import index_files, read_index
from tests.helpers import ROOT, SEED_COLLECTIONS, VALID_ENTRY


def problems_in(tmp_path: Path, content: str | bytes, name: str = "extra.yaml") -> list[Problem]:
    """The problems of CONTENT read as one more file of the seed collections' index (the whole zoo's would take
    seconds a case; test_the_real_index_is_valid reads it). The entry the cases vary, tf_efficientnet_b8.ap_in1k,
    is registered by the AdvProp file, which the seeds do not hold."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    others = [file for file in index_files(ROOT) if file.name in SEED_COLLECTIONS]
    _, problems = read_index([*others, path], base=tmp_path)
    return sorted(problem for problem in problems if problem.path == name)


def test_the_real_index_is_valid() -> None:
    _, problems = read_index(index_files(ROOT), base=ROOT)
    assert problems == []


def test_a_complete_new_entry_is_valid(tmp_path: Path) -> None:
    assert problems_in(tmp_path, VALID_ENTRY) == []


# (case, content, expected line, column and a piece of the message)
CASES = [
    (
        "yaml syntax",
        VALID_ENTRY.replace("    Parameters: 87413142", "    Parameters: [87413142"),
        (7, 14),
        # Where the unclosed bracket began, in the validator's own words; what the YAML library says is not held.
        "started at line 6, column 17); fix the syntax",
    ),
    ("tab indentation", VALID_ENTRY.replace("    Crop Pct: 0.954", "\tCrop Pct: 0.954"), (9, 1), "tab in indentation"),
    ("quoted number", VALID_ENTRY.replace("Image Size: 672", "Image Size: '672'"), (8, 17), "write 672 without quotes"),
    (
        "float for an integer",
        VALID_ENTRY.replace("Parameters: 87413142", "Parameters: 87.4"),
        (6, 17),
        "write the exact whole number",
    ),
    (
        "list for a text",
        VALID_ENTRY.replace("Interpolation: bicubic", "Interpolation: [bicubic]"),
        (10, 20),
        "must be text, got a list",
    ),
    (
        "missing required key",
        VALID_ENTRY.replace("    Tasks: [Image Classification]\n", ""),
        (5, 5),
        "lacks the required key 'Tasks'",
    ),
    ("negative size", VALID_ENTRY.replace("File Size: 351617699", "File Size: -5"), (7, 16), "out of range"),
    (
        "crop pct above one",
        VALID_ENTRY.replace("Crop Pct: 0.954", "Crop Pct: 95.4"),
        (9, 15),
        "out of range: it must be a number in (0, 2]",
    ),
    ("crop pct of zero", VALID_ENTRY.replace("Crop Pct: 0.954", "Crop Pct: 0"), (9, 15), "out of range"),
    (
        "unknown interpolation",
        VALID_ENTRY.replace("Interpolation: bicubic", "Interpolation: bicubik"),
        (10, 20),
        "did you mean 'bicubic'",
    ),
    (
        "unknown metadata key",
        VALID_ENTRY.replace("    Tasks:", "    Flops: 3\n    Tasks:"),
        (13, 5),
        "unknown key 'Flops' in Models[0].Metadata (did you mean 'FLOPs'?)",
    ),
    ("unknown top-level key", VALID_ENTRY + "Type: model-index\n", (29, 1), "unknown key 'Type' in the top level"),
    (
        "unknown model key",
        VALID_ENTRY.replace("  Code:", "  ID: tf_efficientnet_b8\n  Code:"),
        (23, 3),
        "unknown key 'ID' in Models[0]",
    ),
    (
        "unknown paper key",
        "Collections:\n- Name: X\n  Paper: {title: T, url: 'https://arxiv.org', year: 2019}\n"
        "  Summary: s\n  Citation: c\n  Weights Source: w\n",
        (3, 47),
        "unknown key 'year' in Collections[0].Paper",
    ),
    (
        "duplicate key",
        VALID_ENTRY.replace("    Tasks:", "    Image Size: 600\n    Tasks:"),
        (13, 5),
        "Models[0].Metadata.Image Size is given twice",
    ),
    (
        "unknown collection",
        VALID_ENTRY.replace("In Collection: TF EfficientNet", "In Collection: TF EfficientNets"),
        (3, 18),
        "did you mean 'TF EfficientNet'",
    ),
    (
        "model registered twice",
        VALID_ENTRY.replace("tf_efficientnet_b8", "tf_efficientnet_b0").replace("ap_in1k", "aa_in1k"),
        (25, 10),
        "the weights 'tf_efficientnet_b0.aa_in1k' are already registered in",
    ),
    (
        "id timm does not know",
        VALID_ENTRY.replace("Name: tf_efficientnet_b8", "Name: tf_efficientnet_b9"),
        (2, 9),
        "has no model 'tf_efficientnet_b9'",
    ),
    (
        "name with a tag",
        VALID_ENTRY.replace("Name: tf_efficientnet_b8", "Name: tf_efficientnet_b8.ap_in1k"),
        (2, 9),
        "put the tag under Weights.Tag",
    ),
    (
        "tag timm does not know",
        VALID_ENTRY.replace("Tag: ap_in1k", "Tag: ns_jft_in1k"),
        (25, 10),
        "its tags are: ap_in1k, ra_in1k",
    ),
    (
        "tag token the table lacks",
        VALID_ENTRY.replace("Tag: ap_in1k", "Tag: ap_zq_in1k"),
        (25, 10),
        "has tokens that modelsite's table of tag tokens does not explain: 'zq'; add each to TAG_TOKENS",
    ),
    (
        "relative url",
        VALID_ENTRY.replace("URL: https://huggingface.co/", "URL: huggingface.co/"),
        (26, 10),
        "must be an absolute URL",
    ),
    (
        "repeated list item",
        VALID_ENTRY.replace("Training Data: [ImageNet]", "Training Data: [ImageNet, ImageNet]"),
        (11, 31),
        "lists 'ImageNet' twice",
    ),
    ("empty file", "", (1, 1), "the file is empty"),
    ("only comments", "# nothing here yet\n\n", (1, 1), "the file is empty"),
    ("neither section", "{}\n", (1, 1), "neither `Collections:` nor `Models:`"),
    ("not a mapping", "- just\n- a list\n", (1, 1), "must be a mapping"),
    ("python tag", "Models: !!python/object/apply:os.system ['echo hi']\n", (1, 9), "the tag"),
    ("anchor and alias", "a: &x [1]\nModels: *x\n", (1, 4), "anchor &x is not allowed"),
    ("two documents", VALID_ENTRY + "---\nModels: []\n", (29, 1), "a second YAML document"),
]


@pytest.mark.parametrize(("content", "where", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_problem_is_reported_at_its_line(tmp_path: Path, content: str, where: tuple[int, int], message: str) -> None:
    problems = problems_in(tmp_path, content)
    assert problems, "expected a problem"
    matching = [p for p in problems if message in p.message]
    assert matching, f"no problem says {message!r}: {[str(p) for p in problems]}"
    assert (matching[0].line, matching[0].col) == where, str(matching[0])


def test_non_utf8_byte_is_located(tmp_path: Path) -> None:
    content = VALID_ENTRY.encode("utf-8").replace(b"Swish", b"Sw\xe9sh")
    problems = problems_in(tmp_path, content)
    assert [(p.line, p.col) for p in problems] == [(12, 22)]
    assert "byte 0xe9 is not UTF-8" in problems[0].message


def test_alias_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    # The "billion laughs": nine levels of ten aliases each would expand to 10**9 items. Memory, not time,
    # shows that nothing was expanded: a timed assertion fails on a loaded machine.
    lines = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    tracemalloc.start()
    try:
        problems = problems_in(tmp_path, "\n".join(lines) + "\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB taken: the aliases were expanded"
    assert problems and all("not allowed" in p.message for p in problems)


def test_deep_nesting_is_refused_at_its_line_without_being_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever stops it first, the index's depth limit or the parser's own, the file is refused on
    its line and never composed into a tree; the wording is not held, it belongs to the YAML library."""
    nested = "Models: " + "[" * 10_000 + "]" * 10_000 + "\n"

    def compose(text: Any, *args: Any, **kwargs: Any) -> Any:
        assert text != nested, "the deeply nested file was composed into a tree"
        return real_compose(text, *args, **kwargs)

    real_compose = yaml.compose
    monkeypatch.setattr(yaml, "compose", compose)
    problems = problems_in(tmp_path, nested)
    assert problems and {problem.line for problem in problems} == {1}
    assert all(problem.col >= 1 for problem in problems)
    # The command line says so on that line too, and exits 1 with no traceback.
    monkeypatch.undo()
    result = run_cli("validate", str(tmp_path / "extra.yaml"), cwd=ROOT)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{tmp_path / 'extra.yaml'}:1:")
    assert "Traceback" not in result.stdout + result.stderr


def test_oversized_file_is_refused_without_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    padding = "# padding\n" * 200_000

    def parser(real: Callable[..., Any]) -> Callable[..., Any]:
        def parse(text: object, *args: object, **kwargs: object) -> Any:
            assert text != padding, "the oversized file was handed to the YAML parser"
            return real(text, *args, **kwargs)

        return parse

    # The other files of the index are parsed as usual.
    monkeypatch.setattr(yaml, "compose", parser(yaml.compose))
    monkeypatch.setattr(yaml, "parse", parser(yaml.parse))
    problems = problems_in(tmp_path, padding)
    assert (problems[0].line, problems[0].col) == (1, 1) and "must stay under" in problems[0].message


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelsite", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_exits_zero_on_the_real_index() -> None:
    result = run_cli("validate", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_cli_prints_path_line_col_and_exits_one(slim_project_copy: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    # Read with the seed collections' index, which lacks the AdvProp file's B8: the entry's one problem is the crop.
    bad.write_text(VALID_ENTRY.replace("Crop Pct: 0.954", "Crop Pct: 2.5"), encoding="utf-8")
    result = run_cli("validate", str(bad), cwd=slim_project_copy)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bad}:9:15: Models[0].Metadata.Crop Pct is 2.5, out of range: it must be a number in (0, 2]"
    ]
    assert "Traceback" not in result.stderr


def test_cli_never_prints_a_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.yaml"
    result = run_cli("validate", str(garbage), str(missing), cwd=ROOT)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{missing}:1:1: no such file" in result.stdout
    assert result.stdout.startswith(f"{garbage}:")


def test_two_tags_of_one_architecture_are_two_variants(tmp_path: Path) -> None:
    lite = [file for file in index_files(ROOT) if file.name == "tf-efficientnet-lite.yaml"]
    entry = VALID_ENTRY.replace("In Collection: TF EfficientNet", "In Collection: TF EfficientNet Lite")
    other_tag = entry.replace("ap_in1k", "ra_in1k")
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(entry)
    second.write_text(other_tag)
    _, problems = read_index([*lite, first, second], base=tmp_path, check_timm=False)
    assert problems == []
    # The same tag twice: the second entry is blamed, at its tag, with the first's place.
    second.write_text(entry)
    _, problems = read_index([*lite, first, second], base=tmp_path, check_timm=False)
    (problem,) = problems
    assert (problem.path, problem.line, problem.col) == ("second.yaml", 25, 10)
    assert "already registered in first.yaml:" in problem.message
