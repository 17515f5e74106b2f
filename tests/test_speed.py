"""Speed results: the committed files validate, bad files are answered with PATH:LINE, the site shows the
speed with its source, and the bench's own arithmetic (batch size, spread, ratios against timm)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import timm

from modelsite.index import load_index
from modelsite.site.pages import generated_site
from modelsite.speed.published import (
    AGREEMENT_BAND,
    GPU_BENCHMARK_FILE,
    TimmBenchmarkError,
    comparisons,
    load_gpu_benchmark,
)
from modelsite.speed.results import SpeedFile, SpeedRow, read_speed_file, speed_files, write_speed_file
from modelsite.speed.run import _spread, measure_in_fresh_interpreter, throughput_batch_size
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
    rows = [SpeedRow("tf_efficientnet_b0.aa_in1k", 224, 30.0, 1.0, 16, 60.0, 2.0, 400_000_000)]
    write_speed_file(path, GOOD_METADATA, rows)
    return path


BROKEN = {
    "a header row of other columns": ("model,image_size,latency_ms\n", "the header row must be", 11),
    "a cell that is no number": (
        "tf_efficientnet_b0.aa_in1k,224,fast,1,16,60,2,400000000\n",
        "latency_ms 'fast' is not a number",
        13,
    ),
    "a variant the index lacks": (
        "resnet50.not_a_released_tag,224,30,1,16,60,2,400000000\n",
        "resnet50.not_a_released_tag is not a variant of the index",
        13,
    ),
    "a row twice": ("tf_efficientnet_b0.aa_in1k,224,30,1,16,60,2,400000000\n", "is already measured on line 12", 13),
    "a row too short": ("tf_efficientnet_b0.aa_in1k,224,30\n", "has 3 cells; a row has 8", 13),
    "a negative latency": (
        "tf_efficientnet_b1.aa_in1k,240,-3,1,16,60,2,400000000\n",
        "must be a positive, finite number",
        13,
    ),
    "a memory that is no whole number": (
        "tf_efficientnet_b1.aa_in1k,240,30,1,16,60,2,1.5GB\n",
        "peak_memory_bytes '1.5GB' is not a whole number",
        13,
    ),
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


def test_a_file_of_the_first_format_reads_with_its_memory_not_measured(tmp_path: Path) -> None:
    path = _good_file(tmp_path)
    lines = path.read_text().splitlines()
    first = [line.removesuffix(",peak_memory_bytes").removesuffix(",400000000") for line in lines]
    path.write_text("\n".join(first).replace("modelsite-speed/2", "modelsite-speed/1") + "\n")
    bench, problems = read_speed_file(path, KEYS)
    assert problems == [] and bench is not None and bench.rows[0].peak_memory_bytes is None
    # Rewritten in the new format (a row measured again beside it), the unmeasured memory stays empty.
    write_speed_file(path, GOOD_METADATA, [*bench.rows, replace(bench.rows[0], model="tf_efficientnet_b1.aa_in1k")])
    again, problems = read_speed_file(path, KEYS)
    assert problems == [] and again is not None and [row.peak_memory_bytes for row in again.rows] == [None, None]
    assert path.read_text().startswith("# modelsite-speed/2\n")


def test_each_variant_is_measured_in_a_fresh_interpreter_with_its_peak_memory() -> None:
    """Random weights, a tiny model of timm's: the peak is the interpreter's, torch and the model included."""
    row = measure_in_fresh_interpreter("test_efficientnet.r160_in1k", 64, 1e7, "cpu", "fp32", 0, 2, 1)
    model = timm.create_model("test_efficientnet", pretrained=False)
    weights = sum(parameter.numel() * parameter.element_size() for parameter in model.parameters())
    assert row.model == "test_efficientnet.r160_in1k" and row.latency_ms > 0 and row.throughput > 0
    assert row.peak_memory_bytes is not None and row.peak_memory_bytes > max(weights, 100 * 2**20)
    # Its own interpreter's, not that of the process that started it (a test worker holds gigabytes): torch and
    # a tiny model stay well under one.
    assert row.peak_memory_bytes < 2**30


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
    site = generated_site(ROOT, INDEX, None, None)
    pages = {page.src_uri: page.markdown for page in site.pages}
    model = next(model for model in INDEX.models if cpu.row(model.key) is not None)
    row = cpu.row(model.key)
    assert row is not None
    # models.json carries what the explorer shows, speed included: each measurement with its file and device.
    published = {entry["id"]: entry for entry in json.loads(site.files["models.json"])["models"]}
    assert [(s["file"], s["latency_ms"], s["throughput_batch_size"]) for s in published[model.key]["speed"]] == [
        ("speed/cpu-fp32.csv", round(row.latency_ms, 3), row.throughput_batch_size)
    ]
    assert all(entry["speed"] == [] for key, entry in published.items() if cpu.row(key) is None)
    page = pages[INDEX.collection(model.collection).variant_page(model)]
    speed = page[page.index("## Speed") : page.index("## Use it")]
    assert f"{row.latency_ms:.1f} ms" in speed and f"{row.throughput:.1f} img/s" in speed
    assert cpu.metadata["date"] in speed and f"`speed/cpu-fp32.csv` line {row.line}" in speed
    # Beside the speed, the peak memory at batch size 1, which a file of the first format never measured.
    assert "Peak memory (batch 1)" in speed and ("not measured" in speed) == (row.peak_memory_bytes is None)
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


def test_timm_s_published_gpu_throughput_reaches_the_explorer_and_models_json_with_its_source() -> None:
    gpu = load_gpu_benchmark(ROOT)
    assert gpu is not None and len(gpu.rows) > 1000
    collections = frozenset({"tf-efficientnet"})
    site = generated_site(ROOT, INDEX, None, None, collections)
    published = {entry["id"]: entry["published_speed"] for entry in json.loads(site.files["models.json"])["models"]}
    b0 = INDEX.model("tf_efficientnet_b0.aa_in1k")
    row = gpu.of(b0)
    # The file's own line for the architecture at the variant's size: what a reader can look up.
    assert row is not None and row.model == "tf_efficientnet_b0" and row.image_size == b0.figures["Image Size"]
    line = (ROOT / gpu.path).read_text(encoding="utf-8").splitlines()[row.line - 1]
    assert line.startswith(f"tf_efficientnet_b0,{row.image_size},{row.throughput}")
    assert published[b0.key] == {
        "source": "timm's results/benchmark-infer-amp-nchw-pt291-cu130-5090.csv at commit aa4b5850c154",
        "file": gpu.file,
        "line": row.line,
        "device": "RTX 5090",
        "setting": gpu.setting,
        "image_size": row.image_size,
        "throughput": row.throughput,
        "batch_size": row.batch_size,
    }
    # A tag at another size than timm benchmarked gets no figure: none is borrowed from another size.
    for model in INDEX.collection("TF EfficientNet").models:
        sizes = {size for name, size in gpu.rows if name == model.name}
        assert (published[model.key] is None) == (model.figures["Image Size"] not in sizes)
    explorer = next(page.markdown for page in site.pages if page.src_uri == "models/index.md")
    assert "## Accuracy against timm's published GPU throughput" in explorer
    assert f'data-gpu="{row.throughput}"' in explorer and "aa4b5850c154" in explorer


def test_a_changed_copy_of_timm_s_benchmark_names_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "speed" / "timm"
    folder.mkdir(parents=True)
    source = (ROOT / "speed" / "timm" / GPU_BENCHMARK_FILE).read_text(encoding="utf-8").splitlines()
    (folder / GPU_BENCHMARK_FILE).write_text("\n".join([*source[:3], "resnet50,224,fast,1,256,25.6,4.1,11.1"]) + "\n")
    with pytest.raises(TimmBenchmarkError, match=f"speed/timm/{GPU_BENCHMARK_FILE}:4: not a row of timm's benchmark"):
        load_gpu_benchmark(tmp_path)
    assert load_gpu_benchmark(tmp_path / "elsewhere") is None
