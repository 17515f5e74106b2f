"""Speed results: the committed files validate, bad files are answered with PATH:LINE, the site shows the
speed with its source, and the bench's own arithmetic (batch size, spread, ratios against timm)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modelsite.index import load_index
from modelsite.site.pages import generated_pages
from modelsite.speed.published import AGREEMENT_BAND, comparisons
from modelsite.speed.results import SpeedFile, SpeedRow, read_speed_file, speed_files, write_speed_file
from modelsite.speed.run import _spread, throughput_batch_size
from tests.helpers import ROOT, SEED_COLLECTIONS

INDEX = load_index(ROOT, check_timm=False)
KEYS = [model.key for model in INDEX.models]
GOOD_METADATA = {
    "device": "cpu",
    "device_name": "Test CPU",
    "cores": "2",
    "setting": "fp32",
    "torch": "2.14.1",
    "timm": "1.0.31",
    "date": "2026-11-23",
    "warmup": "1",
    "repeats": "3",
}


def test_every_committed_result_file_is_valid_and_the_cpu_file_covers_every_variant() -> None:
    files = speed_files(ROOT)
    assert files, "speed/ holds no result file"
    for path in files:
        bench, problems = read_speed_file(path, KEYS)
        assert problems == [] and bench is not None
    cpu, _ = read_speed_file(ROOT / "speed" / "cpu-fp32.csv", KEYS)
    # Measured for the EfficientNet collections and the first families beyond (speed/cpu-fp32.txt says when).
    seeds = {m.key for m in INDEX.models if m.file.removeprefix("model_index/") in SEED_COLLECTIONS}
    assert cpu is not None and seeds <= {row.model for row in cpu.rows} <= set(KEYS)
    for row in cpu.rows:
        assert row.latency_ms > 0 and row.throughput > 0 and row.throughput_batch_size >= 1
        assert row.image_size == INDEX.model(row.model).figures["Image Size"]


def _good_file(folder: Path) -> Path:
    path = folder / "cpu-fp32.csv"
    rows = [SpeedRow("tf_efficientnet_b0.aa_in1k", 224, 30.0, 1.0, 16, 60.0, 2.0)]
    write_speed_file(path, GOOD_METADATA, rows)
    return path


BROKEN = {
    "a header row of other columns": ("model,image_size,latency_ms\n", "the header row must be", 11),
    "a cell that is no number": (
        "tf_efficientnet_b0.aa_in1k,224,fast,1,16,60,2\n",
        "latency_ms 'fast' is not a number",
        13,
    ),
    "a variant the index lacks": (
        "resnet50.not_a_released_tag,224,30,1,16,60,2\n",
        "resnet50.not_a_released_tag is not a variant of the index",
        13,
    ),
    "a row twice": ("tf_efficientnet_b0.aa_in1k,224,30,1,16,60,2\n", "is already measured on line 12", 13),
    "a row too short": ("tf_efficientnet_b0.aa_in1k,224,30\n", "has 3 cells; a row has 7", 13),
    "a negative latency": ("tf_efficientnet_b1.aa_in1k,240,-3,1,16,60,2\n", "must be a positive, finite number", 13),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_result_file_is_answered_with_its_path_and_line(tmp_path: Path, case: str) -> None:
    text, message, line = BROKEN[case]
    path = _good_file(tmp_path)
    original = path.read_text()
    if text.startswith("model,"):
        path.write_text(original.replace(original.splitlines()[10] + "\n", text))
    else:
        path.write_text(original + text)
    bench, problems = read_speed_file(path, KEYS, "speed/cpu-fp32.csv")
    assert bench is None
    assert any(p.line == line and message in p.message for p in problems), [str(p) for p in problems]


def test_missing_metadata_and_a_misnamed_file_are_refused(tmp_path: Path) -> None:
    path = _good_file(tmp_path)
    path.write_text(path.read_text().replace("# date: 2026-11-23\n", ""))
    assert "lack date" in str(read_speed_file(path, KEYS)[1][0])
    renamed = tmp_path / "cuda-fp32.csv"
    shutil.copy(_good_file(tmp_path), renamed)
    (problem,) = read_speed_file(renamed, KEYS)[1]
    assert "is named cpu-fp32.csv" in problem.message


def test_validate_checks_the_result_files_with_the_index(tmp_path: Path, project_copy: Path) -> None:
    target = project_copy / "speed" / "cpu-fp32.csv"
    target.write_text(target.read_text() + "resnet50.not_a_released_tag,224,30,1,16,60,2\n")
    completed = subprocess.run(
        [sys.executable, "-m", "modelsite", "validate", "--no-timm"],
        cwd=project_copy,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert (
        "speed/cpu-fp32.csv:" in completed.stdout and "resnet50.not_a_released_tag is not a variant" in completed.stdout
    )
    assert "Traceback" not in completed.stderr


def test_the_variant_page_shows_its_speed_with_device_date_and_source() -> None:
    cpu, _ = read_speed_file(ROOT / "speed" / "cpu-fp32.csv", KEYS)
    assert cpu is not None
    pages = {page.src_uri: page.markdown for page in generated_pages(ROOT, INDEX)}
    model = next(model for model in INDEX.models if cpu.row(model.key) is not None)
    row = cpu.row(model.key)
    assert row is not None
    page = pages[INDEX.collection(model.collection).variant_page(model)]
    speed = page[page.index("## Speed") : page.index("## Use it")]
    assert f"{row.latency_ms:.1f} ms" in speed and f"{row.throughput:.1f} img/s" in speed
    assert cpu.metadata["date"] in speed and f"`speed/cpu-fp32.csv` line {row.line}" in speed
    explorer = pages["models/index.md"]
    assert "cpu fp32 img/s" in explorer and "## Accuracy against speed on cpu, fp32" in explorer


def test_the_throughput_batch_fits_the_device_budget() -> None:
    assert throughput_batch_size(0.4e9, "cpu") == 32
    assert throughput_batch_size(40e9, "cpu") == 1
    assert throughput_batch_size(0.4e9, "cuda") == 256
    assert _spread([1.0]) == 0.0 and _spread([1.0, 2.0, 3.0, 4.0, 5.0]) > 0


def test_ratios_are_held_to_timms_published_benchmark() -> None:
    def bench(rates: dict[str, float]) -> SpeedFile:
        rows = tuple(SpeedRow(f"{name}.x", 224, 1000 / rate, 0, 1, rate, 0) for name, rate in rates.items())
        return SpeedFile("speed/cpu-fp32.csv", GOOD_METADATA, rows)

    timm_like = bench(
        {
            "tf_efficientnet_b0": 77,
            "tf_efficientnet_cc_b0_4e": 64,
            "tf_efficientnet_lite0": 97,
            "tf_efficientnet_b7": 2.1,
        }
    )
    found = comparisons(timm_like)
    assert len(found) == 3 and all(c.agrees for c in found)
    off = bench(
        {"tf_efficientnet_b0": 77, "tf_efficientnet_cc_b0_4e": 64 / (AGREEMENT_BAND * 2), "tf_efficientnet_lite0": 97}
    )
    verdicts = {c.pair: c.agrees for c in comparisons(off)}
    assert verdicts[("tf_efficientnet_b0", "tf_efficientnet_cc_b0_4e")] is False
    assert "DIFFERS" in next(c.line() for c in comparisons(off) if not c.agrees)
