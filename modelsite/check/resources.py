"""How many pages run at once, and how many CPU threads each gets: the machine shared, never oversubscribed.

Each page's interpreter would otherwise spread torch's work over every core, so N pages side by side
would run N times as many threads as there are cores. A page gets cores // jobs threads (at least one),
set through OMP_NUM_THREADS, MKL_NUM_THREADS and OPENBLAS_NUM_THREADS (modelsite.check.sandbox).

`--jobs auto` picks the jobs from what the machine has: two cores a page beyond two cores (a model's
forward pass uses them well, while a page's start-up is single-threaded), no more pages than the memory
holds at PAGE_MEMORY_BYTES each, and on CUDA no more than the GPU's memory holds at PAGE_GPU_MEMORY_BYTES.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelsite.core.machine import available_cores, memory_bytes

# What one page may use at its peak: a large EfficientNet's training step at its image size.
PAGE_MEMORY_BYTES = 4 * 1024**3
PAGE_GPU_MEMORY_BYTES = 6 * 1024**3


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
