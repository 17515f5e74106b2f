"""How many pages run at once, and how many CPU threads each gets: the machine shared, never oversubscribed.

Each page's interpreter would otherwise spread torch's work over every core, so N pages side by side
would run N times as many threads as there are cores. A page gets cores // jobs threads (at least one),
set through OMP_NUM_THREADS, MKL_NUM_THREADS and OPENBLAS_NUM_THREADS (modelsite.check.sandbox).

`--jobs auto` picks the jobs from what the machine has: two cores a page beyond two cores (a model's
forward pass uses them well, while a page's start-up is single-threaded), no more pages than the memory
holds at PAGE_MEMORY_BYTES each, and on CUDA no more than the GPU's memory holds at PAGE_GPU_MEMORY_BYTES.

Beyond the count, memory gates each page (MemoryGate): before a page starts, what it needs is estimated from
the measured figures of the models it runs (page_memory_bytes: copies of the float32 weights, and the
activations of the images its largest pass keeps), and it starts only once the pages already running leave
that much of the memory the check was given. A page that needs more than all of it is not started at all.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from modelsite.check import costs
from modelsite.core.machine import available_cores, memory_bytes

T = TypeVar("T")  # What MemoryGate.take hands out: the check's pages, or anything a test queues.

# What one page may use at its peak: a large EfficientNet's training step at its image size.
PAGE_MEMORY_BYTES = 4 * 1024**3
PAGE_GPU_MEMORY_BYTES = 6 * 1024**3
# A page's interpreter before any model: Python, torch, timm and onnxruntime imported.
INTERPRETER_BYTES = 1024**3
# The float32 copies of a model's weights a page holds at its peak. Every page: the model, and the checkpoint's
# state dict while it loads; a variant page also a second model (its feature extractor) and the fine-tuning
# step's gradients; a probe the exported program and onnxruntime's session; an overview its compiled copy.
WEIGHT_COPIES = {
    costs.VARIANT_PAGE: 4,
    costs.OVERVIEW: 4,
    costs.PROBE: 5,
    costs.EXAMPLE: 4,
    costs.HAND_WRITTEN: 3,
}
# The images whose activations the largest pass keeps: the batch of two of the fine-tuning step or of the
# deploy code, twice over for the backward pass or the exporter's trace.
ACTIVATION_IMAGES = 4


@dataclass(frozen=True)
class Budget:
    """Pages run at once, and CPU threads per page; what chose them."""

    jobs: int
    threads: int
    cores: int
    reason: str

    def describe(self) -> str:
        return f"{self.jobs} at once, {self.threads} CPU thread{'s' * (self.threads != 1)} each ({self.reason})"


def budget(requested: int | str, device: str) -> Budget:
    """REQUESTED jobs (a number, or "auto") on DEVICE, and the threads each page gets."""
    cores = available_cores()
    if requested == "auto":
        jobs, reason = auto_jobs(cores, memory_bytes(), gpu_memory_bytes() if device == "cuda" else None)
    else:
        jobs, reason = int(requested), "--jobs"
    return Budget(jobs=jobs, threads=threads_per_page(cores, jobs), cores=cores, reason=f"{reason}, {cores} cores")


def threads_per_page(cores: int, jobs: int) -> int:
    return max(1, cores // max(1, jobs))


def auto_jobs(cores: int, memory: int | None, gpu_memory: int | None) -> tuple[int, str]:
    """The jobs for a machine of CORES, MEMORY bytes and (on CUDA) GPU_MEMORY bytes, and which limit set it."""
    limits = {"cores": cores if cores <= 2 else cores // 2}
    if memory is not None:
        limits["memory"] = memory // PAGE_MEMORY_BYTES
    if gpu_memory is not None:
        limits["GPU memory"] = gpu_memory // PAGE_GPU_MEMORY_BYTES
    name = min(limits, key=lambda key: limits[key])
    return max(1, limits[name]), f"auto: set by the {name}"


def gpu_memory_bytes() -> int | None:
    import torch

    if not torch.cuda.is_available():
        return None
    free, _ = torch.cuda.mem_get_info(0)
    return int(free)


def page_memory_bytes(size: costs.PageSize) -> int:
    """What a page of SIZE (its kind, the summed size of its models) needs at its peak, estimated."""
    weights = WEIGHT_COPIES[size.kind] * size.mparams * 1e6 * 4
    activations = ACTIVATION_IMAGES * size.mactivations * 1e6 * 4
    return int(INTERPRETER_BYTES + weights + activations)


def machine_share(need: int, memory: int, jobs: int) -> int:
    """How many of the JOBS places a page holds while it runs: one, or more when its NEED leaves too little of
    MEMORY for others beside it (a page starts only once the pages running leave it room, so one that needs
    more than half of it runs alone on two)."""
    if memory <= 0 or jobs <= 1:
        return 1
    return min(jobs, max(1, math.ceil(need * jobs / memory)))


def gib(size: int) -> str:
    return f"{size / 1024**3:.1f} GiB"


class MemoryGate:
    """The memory pages running side by side may use together: a free job takes the first waiting page whose
    need is free, so a large page waiting for room holds up no smaller page behind it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._used = 0
        self._free = threading.Condition()

    def fits(self, need: int) -> bool:
        return need <= self.total

    def take(self, waiting: list[T], need: Callable[[T], int]) -> T | None:
        """The first of WAITING (shared by the jobs) whose NEED is free now, removed from it and held until
        release; waits while none is (any fits when nothing runs: see fits); None once WAITING is empty."""
        with self._free:
            while waiting:
                for item in waiting:
                    if self._used == 0 or self._used + need(item) <= self.total:
                        waiting.remove(item)
                        self._used += need(item)
                        return item
                self._free.wait()
            return None

    def release(self, need: int) -> None:
        with self._free:
            self._used -= need
            self._free.notify_all()
