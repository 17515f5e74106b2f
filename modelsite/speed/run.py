"""Measure a variant's speed on the device at hand: latency at batch size 1 and throughput at a batch size
that fits, each warmed up, repeated, and reported as the median and the interquartile range; and the peak
memory at batch size 1.

Each variant is measured in a fresh interpreter (`python -m modelsite.speed.run`), so that its peak memory on
the CPU is its own: the interpreter's peak resident memory once the batch-size-1 runs are done (torch, the
model and its activations). On CUDA it is `torch.cuda.max_memory_allocated` over those runs.

The weights do not change the speed, so the model is built with random weights (nothing is downloaded),
at the variant's own input size. Settings: fp32; on CUDA also bf16 autocast (amp-bf16) and channels_last.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from modelsite.core.errors import ModelsiteError
from modelsite.speed.results import SpeedRow


class SpeedRunError(ModelsiteError):
    """The interpreter that measured a variant failed (out of memory, say); the message says how."""


# A throughput step's work, in multiply-accumulates: big enough to keep the device busy, small enough to fit.
_STEP_MACS = {"cpu": 20e9, "cuda": 4e12}
_MAX_BATCH = {"cpu": 32, "cuda": 256}


def throughput_batch_size(flops: float, device: str) -> int:
    """The largest power of two up to the device's maximum whose step stays within its work budget."""
    batch = 1
    while batch * 2 <= _MAX_BATCH[device] and batch * 2 * flops <= _STEP_MACS[device]:
        batch *= 2
    return batch


def measure_speed(
    key: str, image_size: int, flops: float, device: str, setting: str, warmup: int, repeats: int
) -> SpeedRow:
    import timm
    import torch

    model = timm.create_model(key.partition(".")[0], pretrained=False).eval().to(device)
    memory_format = torch.channels_last if setting == "channels-last" else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    batch_size = throughput_batch_size(flops, device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    latency = _timed(model, 1, image_size, device, setting, memory_format, warmup, repeats)
    peak_memory = torch.cuda.max_memory_allocated() if device == "cuda" else _peak_resident_bytes()
    while True:
        try:
            throughput_times = _timed(model, batch_size, image_size, device, setting, memory_format, warmup, repeats)
            break
        except torch.OutOfMemoryError:
            if batch_size == 1:
                raise
            batch_size //= 2
            torch.cuda.empty_cache()
    rates = [batch_size / seconds for seconds in throughput_times]
    return SpeedRow(
        model=key,
        image_size=image_size,
        latency_ms=statistics.median(latency) * 1000,
        latency_spread_ms=_spread(latency) * 1000,
        throughput_batch_size=batch_size,
        throughput=statistics.median(rates),
        throughput_spread=_spread(rates),
        peak_memory_bytes=int(peak_memory),
    )


def _peak_resident_bytes() -> int:
    """This interpreter's own peak resident memory. Linux's VmHWM, not getrusage's ru_maxrss, which keeps the
    peak of the process this one was forked from (the parent that started it, however large)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # In kB.
    except OSError:
        pass
    # Elsewhere: macOS counts ru_maxrss in bytes, the others in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def measure_in_fresh_interpreter(
    key: str, image_size: int, flops: float, device: str, setting: str, warmup: int, repeats: int, threads: int
) -> SpeedRow:
    """measure_speed in an interpreter of its own, with THREADS CPU threads: what its memory is, alone."""
    arguments = [key, image_size, flops, device, setting, warmup, repeats, threads]
    completed = subprocess.run(
        [sys.executable, "-m", "modelsite.speed.run", json.dumps(arguments)], capture_output=True, text=True
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"])[-1]
        raise SpeedRunError(f"measuring {key} failed: {last}")
    return SpeedRow(**json.loads(completed.stdout.strip().splitlines()[-1]))


def _main(arguments: str) -> None:
    import torch

    key, image_size, flops, device, setting, warmup, repeats, threads = json.loads(arguments)
    torch.set_num_threads(threads)
    row = measure_speed(key, image_size, flops, device, setting, warmup, repeats)
    print(json.dumps(asdict(row)))


def _timed(
    model: Any, batch: int, size: int, device: str, setting: str, memory_format: Any, warmup: int, repeats: int
) -> list[float]:
    import torch

    images = torch.randn(batch, 3, size, size, device=device).to(memory_format=memory_format)
    synchronize: Callable[[], None] = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    autocast = torch.autocast(device, dtype=torch.bfloat16, enabled=setting == "amp-bf16")
    times = []
    with torch.inference_mode(), autocast:
        for step in range(warmup + repeats):
            synchronize()
            started = time.perf_counter()
            model(images)
            synchronize()
            if step >= warmup:
                times.append(time.perf_counter() - started)
    return times


def _spread(values: list[float]) -> float:
    """The interquartile range; zero with fewer than two values."""
    if len(values) < 2:
        return 0.0
    quartiles = statistics.quantiles(values, n=4)
    return quartiles[2] - quartiles[0]


if __name__ == "__main__":
    _main(sys.argv[1])
