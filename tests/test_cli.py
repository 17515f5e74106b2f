"""Every input of the command line gets a plain answer: one line, exit 1 or 2, never a traceback.

The commands run as contributors and CI run them (`python -m modelsite`). No marker: each answers
before any model is built or page run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modelsite.check.check_command import _model_selected, _page_selected
from modelsite.core.blocks import Page
from modelsite.index import load_index
from tests.helpers import ROOT, tree_digest


def modelsite(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelsite", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ("measure", "resnet50.bad_tag"),
            1,
            "has no pretrained weights resnet50.bad_tag; the tags of resnet50 are: a1_in1k",
        ),
        (("measure", "resnet50."), 1, "'resnet50.' ends with a dot but names no tag"),
        (("measure", "no_such_model"), 1, "has no model 'no_such_model'"),
        (("check", "--timeout", "nan"), 2, "'nan' is not a positive, finite number of seconds"),
        (("check", "--timeout", "inf"), 2, "'inf' is not a positive, finite number of seconds"),
        (("check", "--timeout", "-5"), 2, "'-5' is not a positive, finite number of seconds"),
        (("check", "--jobs", "0"), 2, "0 is not positive"),
        (("check", "--jobs", "many"), 2, "'many' is not a whole number"),
        (("check", "--pass-env", "A=B"), 2, "'A=B' is not an environment variable's name"),
        (
            ("new", "resnet18.bad_tag", "--collection", "model_index/x.yaml"),
            1,
            "has no pretrained weights resnet18.bad_tag",
        ),
    ],
)
def test_bad_input_gets_one_line_and_a_status(args: tuple[str, ...], status: int, message: str) -> None:
    result = modelsite(*args)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "path",
    [
        "/tmp/x.yaml",
        "model_index/sub/x.yaml",
        "model_index/x.txt",
        "docs/x.yaml",
        "model_index/Bad Name.yaml",
        "model_index/../x.yaml",
    ],
)
def test_new_writes_only_where_the_index_reads(path: str, tmp_path: Path) -> None:
    before = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.yaml") if ".venv" not in p.parts)
    result = modelsite("new", "resnet18.a1_in1k", "--collection", path)
    assert result.returncode == 1
    assert "write to model_index/NAME.yaml" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.yaml") if ".venv" not in p.parts) == before
    assert not Path("/tmp/x.yaml").exists() or path != "/tmp/x.yaml"


def test_only_selects_by_id_and_by_the_tagged_id_new_prints() -> None:
    model = load_index(ROOT, check_timm=False).model("tf_efficientnet_lite0.in1k")
    assert _model_selected(model, ["tf_efficientnet_lite0"]) and _model_selected(model, ["tf_efficientnet_lite0.in1k"])
    assert not _model_selected(model, ["tf_efficientnet_lite0.other_tag"])
    page = Page(
        path="docs/models/tf-efficientnet-lite/tf_efficientnet_lite0.in1k.md",
        blocks=(),
        models=("tf_efficientnet_lite0", "tf_efficientnet_lite0.in1k"),
    )
    assert _page_selected(page, ["tf_efficientnet_lite0.in1k"]) and not _page_selected(page, ["resnet50.a1_in1k"])


def test_new_measures_several_tags_in_one_run_and_shows_progress(slim_project_copy: Path) -> None:
    tags = ("resnet18.a1_in1k", "resnet18.tv_in1k")
    result = modelsite("new", *tags, "--collection", "model_index/resnet.yaml", cwd=slim_project_copy)
    assert result.returncode == 0, result.stderr
    assert [line.split(" measured")[0] for line in result.stdout.splitlines()[:2]] == [
        f"[1/2] {tags[0]}",
        f"[2/2] {tags[1]}",
    ]
    written = yaml.safe_load((slim_project_copy / "model_index/resnet.yaml").read_text())
    assert [(m["Name"], m["Weights"]["Tag"]) for m in written["Models"]] == [
        ("resnet18", "a1_in1k"),
        ("resnet18", "tv_in1k"),
    ]
    assert modelsite("validate", cwd=slim_project_copy).returncode == 0


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (("resnet18.a1_in1k", "resnet18.no_such_tag"), "has no pretrained weights"),
        (("resnet18.a1_in1k", "resnet18.a1_in1k"), "named more than once"),
        (("resnet18.a1_in1k", "tf_efficientnet_b0.aa_in1k"), "already registered in model_index/"),
    ],
)
def test_new_writes_none_of_several_tags_when_one_cannot_be_added(
    tags: tuple[str, ...], message: str, slim_project_copy: Path
) -> None:
    before = tree_digest(slim_project_copy / "model_index")
    result = modelsite("new", *tags, "--collection", "model_index/resnet.yaml", cwd=slim_project_copy)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(slim_project_copy / "model_index") == before


def timm_results_folder(folder: Path, rows: dict[str, str]) -> Path:
    """A results/ folder shaped as timm's: every file RESULT_FILES names, with ROWS (tag -> 'side,top1,top5')."""
    from modelsite.measure.timm_results import RESULT_FILES

    folder.mkdir()
    for offset, name in enumerate(RESULT_FILES):
        lines = ["model,img_size,top1,top1_err,top5,top5_err,param_count,crop_pct,interpolation"]
        for tag, figures in rows.items():
            side, top1, top5 = figures.split(",")
            lines.append(f"{tag},{side},{float(top1) - offset},0,{top5},0,11.69,0.950,bicubic")
        (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def test_new_copies_each_tags_published_accuracy_with_its_file_and_revision(
    slim_project_copy: Path, tmp_path: Path
) -> None:
    results = timm_results_folder(tmp_path / "results", {"resnet18.a1_in1k": "288,73.2,91.1", "other.x": "1,2,3"})
    result = modelsite(
        "new",
        "resnet18.a1_in1k",
        "--collection",
        "model_index/resnet.yaml",
        "--results",
        str(results),
        "--results-revision",
        "aa4b5850c154",
        cwd=slim_project_copy,
    )
    assert result.returncode == 0, result.stderr
    (entry,) = yaml.safe_load((slim_project_copy / "model_index/resnet.yaml").read_text())["Models"]
    assert [(r["Dataset"], r["Metrics"]["Top 1 Accuracy"], r["Image Size"]) for r in entry["Results"]] == [
        ("ImageNet", 73.2, 288),
        ("ImageNet-ReaL", 72.2, 288),
        ("ImageNetV2", 71.2, 288),
        ("ImageNet-Sketch", 70.2, 288),
        ("ImageNet-A", 69.2, 288),
        ("ImageNet-R", 68.2, 288),
    ]
    assert entry["Results"][0]["Source"] == "timm's results/results-imagenet.csv at aa4b5850c154"
    # What the tag's data token says, with no placeholder: `in1k` is ImageNet-1k.
    assert [data.split(" ")[0] for data in entry["Metadata"]["Training Data"]] == ["ImageNet-1k"]
    assert modelsite("validate", cwd=slim_project_copy).returncode == 0


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (("--results", "{folder}"), "--results and --results-revision go together"),
        (("--results", "{folder}/nowhere", "--results-revision", "abc"), "nowhere: not a folder"),
        (("--results", "{folder}", "--results-revision", " "), "--results-revision is empty"),
        (("--results", "{broken}", "--results-revision", "abc"), "results-imagenet.csv:2: top1, top5 and img_size"),
        (("--results", "{partial}", "--results-revision", "abc"), "results-sketch.csv: missing"),
    ],
)
def test_new_refuses_results_it_cannot_read_before_measuring(
    more: tuple[str, ...], message: str, slim_project_copy: Path, tmp_path: Path
) -> None:
    folders = {
        "folder": timm_results_folder(tmp_path / "results", {"resnet18.a1_in1k": "224,70,90"}),
        "broken": timm_results_folder(tmp_path / "broken", {"resnet18.a1_in1k": "224,70,ninety"}),
        "partial": timm_results_folder(tmp_path / "partial", {}),
    }
    (folders["partial"] / "results-sketch.csv").unlink()
    before = tree_digest(slim_project_copy / "model_index")
    args = [arg.format(**folders) for arg in more]
    result = modelsite(
        "new", "resnet18.a1_in1k", "--collection", "model_index/resnet.yaml", *args, cwd=slim_project_copy
    )
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert tree_digest(slim_project_copy / "model_index") == before
