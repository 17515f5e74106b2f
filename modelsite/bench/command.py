"""`modelsite bench`: measure the index's variants on this machine, write the result file, compare with timm."""

from __future__ import annotations

import argparse
import fnmatch
import platform
import sys
from datetime import date
from pathlib import Path

from modelsite.bench.published import AGREEMENT_BAND, comparisons
from modelsite.bench.results import BENCH_DIR, BenchFile, BenchRow, file_name, read_bench_file, write_bench_file
from modelsite.bench.run import measure_speed
from modelsite.core.errors import ModelsiteError
from modelsite.core.files import installed_version
from modelsite.core.machine import available_cores
from modelsite.index import load_index


class BenchError(ModelsiteError):
    """The bench cannot run as asked (no GPU for cuda, a setting the device lacks, no variant matched)."""


def run_bench(args: argparse.Namespace, root: Path) -> int:
    import torch

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise BenchError("--device cuda, but torch finds no CUDA device here; use --device cpu")
    if device == "cpu" and args.setting != "fp32":
        raise BenchError(f"--setting {args.setting} is measured on CUDA only; on the CPU use fp32")
    if args.warmup < 0 or args.repeats < 2:
        raise BenchError("give --warmup 0 or more and --repeats 2 or more (the spread needs two)")
    index = load_index(root, check_timm=False)
    models = [m for m in index.models if not args.only or any(fnmatch.fnmatchcase(m.key, p) for p in args.only)]
    if not models:
        raise BenchError(f"--only {' '.join(args.only)} matches no variant key")
    path = root / BENCH_DIR / file_name(device, args.setting)
    keys = [model.key for model in index.models]
    kept: dict[str, BenchRow] = {}
    if path.is_file():
        previous, problems = read_bench_file(path, keys)
        if problems:
            raise BenchError(f"{path} has problems; fix or delete it first:\n" + "\n".join(map(str, problems)))
        assert previous is not None
        kept = {row.model: row for row in previous.rows}
    torch.set_num_threads(available_cores())
    for number, model in enumerate(models, start=1):
        row = measure_speed(
            model.key,
            int(model.figures["Image Size"]),
            float(model.figures["FLOPs"]),
            device,
            args.setting,
            args.warmup,
            args.repeats,
        )
        kept[row.model] = row
        print(
            f"[{number}/{len(models)}] {row.model:45} {row.latency_ms:9.2f} ms ±{row.latency_spread_ms:.2f} at "
            "batch 1, "
            f"{row.throughput:9.1f} img/s ±{row.throughput_spread:.1f} at batch {row.throughput_batch_size}",
            file=sys.stderr,
            flush=True,
        )
    metadata = {
        "device": device,
        "device_name": torch.cuda.get_device_name(0) if device == "cuda" else _cpu_name(),
        "cores": str(available_cores()),
        "setting": args.setting,
        "torch": installed_version("torch") or torch.__version__,
        "timm": installed_version("timm") or "",
        "date": date.today().isoformat(),
        "warmup": str(args.warmup),
        "repeats": str(args.repeats),
    }
    rows = [kept[key] for key in keys if key in kept]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bench_file(path, metadata, rows)
    print(f"wrote {len(rows)} variants to {path.relative_to(root)}", file=sys.stderr)
    held = comparisons(BenchFile(str(path), metadata, tuple(rows)))
    for comparison in held:
        print(comparison.line())
    if held:
        agreed = sum(c.agrees for c in held)
        print(f"{agreed} of {len(held)} ratios within ×{AGREEMENT_BAND} of timm's published benchmark")
    return 0


def _cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo, else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
