"""timm's published benchmark, for holding our measurements to it: ratios between variants, not absolute
speeds (the machines differ). Copied from timm's results/ at commit aa4b5850c154 (timm 1.0.29.dev0); the
project never reads that folder at run time.

A ratio is how many times faster the first variant runs than the second, in images per second. Ours agree
when their ratio is within a factor of AGREEMENT_BAND of timm's: the devices, batch sizes and kernels
differ, and CondConv's cost in particular depends on how the experts' kernels are batched.
"""

from __future__ import annotations

from dataclasses import dataclass

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
