"""timm's published benchmark: for holding our measurements to it (ratios between variants, not absolute
speeds: the machines differ), and, whole, for the explorer's accuracy against GPU throughput across
families. Copied from timm's results/ at commit aa4b5850c154 (timm 1.0.29.dev0), the few rates below by
hand and the GPU file whole into speed/timm/; the project never reads timm's folder at run time.

A ratio is how many times faster the first variant runs than the second, in images per second. Ours agree
when their ratio is within a factor of AGREEMENT_BAND of timm's: the devices, batch sizes and kernels
differ, and CondConv's cost in particular depends on how the experts' kernels are batched.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modelsite.core.errors import ModelsiteError
from modelsite.core.project import SPEED_DIR
from modelsite.index import Model
from modelsite.speed.results import SpeedFile

AGREEMENT_BAND = 1.5


@dataclass(frozen=True)
class Published:
    """timm's images per second for one architecture in one of its benchmark files."""

    file: str
    device: str
    rates: dict[str, float]


PUBLISHED = (
    Published(
        "benchmark-infer-fp32-nchw-pt240-cpu-i7_12700h-dynamo.csv (batch size 1)",
        "cpu",
        {
            "tf_efficientnet_b0": 77.17,
            "tf_efficientnet_cc_b0_4e": 64.52,
            "tf_efficientnet_lite0": 97.3,
            "tf_efficientnet_b7": 2.15,
        },
    ),
    Published(
        "benchmark-infer-amp-nchw-pt291-cu130-5090.csv (RTX 5090, AMP)",
        "cuda",
        {
            "tf_efficientnet_b0": 11319.39,
            "tf_efficientnet_cc_b0_4e": 6668.62,
            "tf_efficientnet_lite0": 12723.97,
            "tf_efficientnet_b7": 300.67,
        },
    ),
)
# (faster, slower): the pairs the issue of CondConv, Lite and scaling asks about.
PAIRS = (
    ("tf_efficientnet_b0", "tf_efficientnet_cc_b0_4e"),
    ("tf_efficientnet_lite0", "tf_efficientnet_b0"),
    ("tf_efficientnet_b0", "tf_efficientnet_b7"),
)


@dataclass(frozen=True)
class Comparison:
    pair: tuple[str, str]
    ours: float
    timm: float
    source: str

    @property
    def agrees(self) -> bool:
        return 1 / AGREEMENT_BAND <= self.ours / self.timm <= AGREEMENT_BAND

    def line(self) -> str:
        verdict = "agrees" if self.agrees else f"DIFFERS (beyond ×{AGREEMENT_BAND})"
        return (
            f"{self.pair[0]} / {self.pair[1]}: ours {self.ours:.2f}×, timm {self.timm:.2f}× ({self.source}): {verdict}"
        )


def comparisons(bench: SpeedFile) -> list[Comparison]:
    """Our ratios (throughput for CUDA, latency at batch size 1 for the CPU, as timm's files measure)."""
    found = []
    published = next((p for p in PUBLISHED if p.device == bench.device), None)
    if published is None:
        return []
    by_name: dict[str, float] = {}
    for row in bench.rows:
        name = row.model.partition(".")[0]
        rate = row.throughput if bench.device == "cuda" else 1000 / row.latency_ms
        by_name.setdefault(name, rate)
    for faster, slower in PAIRS:
        if faster in by_name and slower in by_name:
            found.append(
                Comparison(
                    (faster, slower),
                    by_name[faster] / by_name[slower],
                    published.rates[faster] / published.rates[slower],
                    published.file,
                )
            )
    return found


# timm's whole GPU inference benchmark, copied with its source into speed/timm/ (see its README): what the
# explorer plots accuracy against, across families, beside the site's own measurements.
TIMM_BENCHMARK_DIR = f"{SPEED_DIR}/timm"
TIMM_COMMIT = "aa4b5850c1543fa488abf260f18390eda46cf85d"


@dataclass(frozen=True)
class BenchmarkRow:
    """One architecture at one input size in timm's benchmark file, and its line there."""

    model: str
    image_size: int
    throughput: float
    batch_size: int
    line: int


@dataclass(frozen=True)
class TimmBenchmark:
    """A benchmark file of timm's results/: where it came from, what ran it, and its rows."""

    file: str
    device: str
    setting: str
    rows: Mapping[tuple[str, int], BenchmarkRow]

    @property
    def path(self) -> str:
        return f"{TIMM_BENCHMARK_DIR}/{self.file}"

    @property
    def source(self) -> str:
        return f"timm's results/{self.file} at commit {TIMM_COMMIT[:12]}"

    def of(self, model: Model) -> BenchmarkRow | None:
        """MODEL's architecture as timm benchmarked it at MODEL's own image size; None where it did not."""
        return self.rows.get((model.name, int(model.figures["Image Size"])))


GPU_BENCHMARK_FILE = "benchmark-infer-amp-nchw-pt291-cu130-5090.csv"


def load_gpu_benchmark(root: Path) -> TimmBenchmark | None:
    """timm's RTX 5090 benchmark from ROOT's speed/timm/, None where the project has no such file; the first
    row of an architecture and size wins (the file repeats a few)."""
    path = root / TIMM_BENCHMARK_DIR / GPU_BENCHMARK_FILE
    if not path.is_file():
        return None
    rows: dict[tuple[str, int], BenchmarkRow] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, cells in enumerate(csv.DictReader(handle), start=2):
            try:
                row = BenchmarkRow(
                    cells["model"],
                    int(cells["infer_img_size"]),
                    float(cells["infer_samples_per_sec"]),
                    int(cells["infer_batch_size"]),
                    line,
                )
            except (KeyError, TypeError, ValueError):
                raise TimmBenchmarkError(
                    f"{TIMM_BENCHMARK_DIR}/{GPU_BENCHMARK_FILE}:{line}: not a row of timm's benchmark; copy the "
                    f"file again, unchanged, from timm's results/ at {TIMM_COMMIT[:12]}"
                ) from None
            rows.setdefault((row.model, row.image_size), row)
    return TimmBenchmark(GPU_BENCHMARK_FILE, "RTX 5090", "AMP (float16), NCHW, PyTorch 2.9.1, CUDA 13.0", rows)


class TimmBenchmarkError(ModelsiteError):
    """The copy of timm's benchmark cannot be read."""
