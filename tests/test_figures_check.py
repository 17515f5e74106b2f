"""The figures half of `modelsite check`, and `modelsite new`.

Each kind of mismatch between the index and the real model is reported at its PATH:LINE:COL
with the measured value; `new` appends a second tag of an architecture, refuses a registered one
and an unknown model. `new`, then build, then check, for a dozen families: test_families.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from modelsite.check.figures import figure_problems
from modelsite.core.problems import IndexProblems
from modelsite.index import load_index
from modelsite.measure import measure

MODEL = "tf_efficientnet_lite0.in1k"
FILE = "model_index/tf-efficientnet-lite.yaml"


def _problems_after(project: Path, old: str, new: str) -> list[str]:
    path = project / FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    model = load_index(project, check_timm=False).model(MODEL)
    return [str(problem) for problem in figure_problems(model, measure(model.key))]


def _line_of(project: Path, text: str) -> int:
    lines = (project / FILE).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.strip() == text)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "FLOPs: 385187552",
            "FLOPs: 488052032",
            "Metadata.FLOPs of tf_efficientnet_lite0.in1k is 488052032, but the model does 385187552 "
            "multiply-accumulates at 224x224 (timm 1.0.31); write the measured figure, see modelsite measure",
        ),
        ("Activations: 6738696", "Activations: 6738697", "its convolution and linear layers produce 6738696 elements"),
        ("Parameters: 4652008", "Parameters: 4652000", "the model has 4652008 parameters"),
        (
            "Image Size: 224",
            "Image Size: 240",
            "Metadata.Image Size of tf_efficientnet_lite0.in1k is 240, but its pretrained config gives 224",
        ),
        ("Crop Pct: 0.875", "Crop Pct: 0.9", "Metadata.Crop Pct of tf_efficientnet_lite0.in1k is 0.9"),
        ("Interpolation: bicubic", "Interpolation: bilinear", "its pretrained config gives 'bicubic'"),
        (
            "Mean: [0.5, 0.5, 0.5]",
            "Mean: [0.485, 0.456, 0.406]",
            "Metadata.Mean of tf_efficientnet_lite0.in1k is [0.485, 0.456, 0.406]",
        ),
        ("File Size: 18820223", "File Size: 19820223", "saves to 18874543 bytes (+5.0%, more than 1% off"),
    ],
)
def test_each_figure_that_differs_is_reported_at_its_line(
    slim_project_copy: Path, old: str, new: str, says: str
) -> None:
    (problem,) = _problems_after(slim_project_copy, old, new)
    line = _line_of(slim_project_copy, new)
    column = (slim_project_copy / FILE).read_text().splitlines()[line - 1].index(": ") + 3
    assert problem.startswith(f"{FILE}:{line}:{column}: ")
    assert says in problem


def test_a_file_size_within_one_percent_holds(slim_project_copy: Path) -> None:
    assert _problems_after(slim_project_copy, "File Size: 18820223", "File Size: 18900000") == []


def test_a_file_size_that_was_not_measured_fails_instead_of_passing(slim_project_copy: Path) -> None:
    model = load_index(slim_project_copy, check_timm=False).model(MODEL)
    unmeasured = measure(model.key, with_file_size=False)
    assert unmeasured["File Size"] == 0
    (problem,) = figure_problems(model, unmeasured)
    assert problem.field == "Metadata.File Size" and "it was not measured" in problem.message


def test_a_tag_the_model_lacks_fails_at_its_item(slim_project_copy: Path) -> None:
    added = "    - RELU6\n    - Squeeze-and-Excitation Block\n"
    (problem,) = _problems_after(slim_project_copy, "    - RELU6\n", added)
    line = _line_of(slim_project_copy, "- Squeeze-and-Excitation Block")
    assert problem.startswith(
        f"{FILE}:{line}:7: Metadata.Architecture of tf_efficientnet_lite0.in1k lists "
        "'Squeeze-and-Excitation Block', but timm 1.0.31 builds tf_efficientnet_lite0 without it"
    )


def test_an_unknown_tag_is_refused_by_validate_naming_the_known_ones(slim_project_copy: Path) -> None:
    # The vocabulary is closed, so validate refuses a tag no module graph can show (and text that is not a tag).
    path = slim_project_copy / FILE
    path.write_text(path.read_text(encoding="utf-8").replace("    - RELU6\n", "    - RELU6\n    - Attention\n", 1))
    with pytest.raises(IndexProblems) as refused:
        load_index(slim_project_copy, check_timm=False)
    (problem,) = refused.value.problems
    assert (problem.line, problem.col) == (_line_of(slim_project_copy, "- Attention"), 7)
    assert "is 'Attention', which is not one of 1x1 Convolution" in problem.message and "CondConv" in problem.message


def test_a_block_no_tag_names_fails(slim_project_copy: Path) -> None:
    (problem,) = _problems_after(slim_project_copy, "    - RELU6\n", "")
    assert "does not name 'RELU6', which the module graph shows" in problem


def test_a_code_link_to_another_line_fails(slim_project_copy: Path) -> None:
    (problem,) = _problems_after(slim_project_copy, "efficientnet.py#L2633", "efficientnet.py#L2600")
    assert re.search(
        r"Code of tf_efficientnet_lite0.in1k is \S+#L2600, but timm 1.0.31 defines the variant at \S+#L2633", problem
    )


def _modelsite(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelsite", *arguments], cwd=project, capture_output=True, text=True, timeout=900
    )


def test_new_appends_a_second_tag_of_an_architecture_and_refuses_a_registered_one(slim_project_copy: Path) -> None:
    again = _modelsite(
        slim_project_copy, "new", "tf_efficientnet_b0.aa_in1k", "--collection", "model_index/tf-efficientnet.yaml"
    )
    assert again.returncode == 1
    assert "tf_efficientnet_b0.aa_in1k is already registered in model_index/tf-efficientnet.yaml:" in again.stderr
    first = _modelsite(slim_project_copy, "new", "resnet18.a1_in1k", "--collection", "model_index/resnet.yaml")
    assert first.returncode == 0, first.stderr
    path = slim_project_copy / "model_index" / "resnet.yaml"
    before = path.read_text()
    # A second tag of the same architecture is a variant of its own, appended to the file.
    second = _modelsite(slim_project_copy, "new", "resnet18.a2_in1k", "--collection", "model_index/resnet.yaml")
    assert second.returncode == 0, second.stderr
    after = path.read_text()
    assert after.startswith(before) and after.count("- Name: resnet18\n") == 2
    index = load_index(slim_project_copy)
    for key in ("resnet18.a1_in1k", "resnet18.a2_in1k"):
        model = index.model(key)
        assert figure_problems(model, measure(model.key)) == []


def test_new_refuses_an_unknown_model_and_changes_nothing(slim_project_copy: Path) -> None:
    result = _modelsite(slim_project_copy, "new", "tf_efficientnet_b99", "--collection", "model_index/new.yaml")
    assert result.returncode == 1 and "has no model 'tf_efficientnet_b99'" in result.stderr
    assert not (slim_project_copy / "model_index" / "new.yaml").exists()


def test_a_model_that_cannot_be_measured_fails_alone(slim_project_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from modelsite.check import check_command
    from modelsite.measure.measurement import FeatureMapsError

    index = load_index(slim_project_copy, check_timm=False)
    broken, fine = index.model(MODEL), index.model("tf_efficientnet_lite1.in1k")

    def measured(key: str, cache: object) -> object:
        if key == MODEL:
            raise FeatureMapsError(f"{key} declares feature maps, but timm could not build them")
        return measure(key, with_file_size=False)

    monkeypatch.setattr(check_command, "cached_measure", measured)
    problems = check_command.check_figures([broken, fine], slim_project_copy, use_cache=False, err=io.StringIO())
    assert [(p.model, p.field) for p in problems if p.field == "Name"] == [(MODEL, "Name")]
    assert "could not build them" in problems[0].message and problems[0].path == FILE
