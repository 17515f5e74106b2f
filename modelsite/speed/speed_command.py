"""`modelsite speed`: measure the index's variants on this machine, write the result file, compare with timm."""

from __future__ import annotations

import argparse
import fnmatch
import platform
import sys
from datetime import date
from pathlib import Path

from modelsite.core.errors import ModelsiteError
from modelsite.core.files import installed_version
from modelsite.core.machine import DEVICE_CHOICES, available_cores
from modelsite.index import load_index
from modelsite.speed.published import AGREEMENT_BAND, comparisons
from modelsite.speed.results import (
    SETTINGS,
    SPEED_DIR,
    SpeedFile,
    SpeedRow,
    file_name,
    read_speed_file,
    write_speed_file,
)
from modelsite.speed.run import SpeedRunError, measure_in_fresh_interpreter

NAME = "speed"
HELP = "measure each variant's speed on this machine into speed/DEVICE-SETTING.csv"
DESCRIPTION = (
    "Measure latency (batch size 1) and throughput (a batch size that fits) of each variant, warmed up and "
    "repeated, and write the medians and spreads to speed/DEVICE-SETTING.csv (rows of variants not measured this "
    "time are kept); then compare ratios with timm's published benchmark."
)


class SpeedError(ModelsiteError):
    """`modelsite speed` cannot run as asked (no GPU for cuda, a setting the device lacks, no variant matched)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", nargs="+", default=[], metavar="PATTERN", help="variant keys (shell patterns)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--setting", choices=tuple(SETTINGS), default="fp32")
    parser.add_argument("--warmup", type=int, default=2, metavar="N", help="untimed runs first (default 2)")
    parser.add_argument("--repeats", type=int, default=5, metavar="N", help="timed runs (default 5)")


def run(args: argparse.Namespace) -> int:

    root = Path.cwd()
    device = _device(args)
    index = load_index(root, check_timm=False)
    models = [m for m in index.models if not args.only or any(fnmatch.fnmatchcase(m.key, p) for p in args.only)]
    if not models:
        raise SpeedError(f"--only {' '.join(args.only)} matches no variant key")
    path = root / SPEED_DIR / file_name(device, args.setting)
    keys = [model.key for model in index.models]
    kept = _kept_rows(path, keys)
    failed = []
    for number, model in enumerate(models, start=1):
        try:
            row = measure_in_fresh_interpreter(
                model.key,
                int(model.figures["Image Size"]),
                float(model.figures["FLOPs"]),
                device,
                args.setting,
                args.warmup,
                args.repeats,
                available_cores(),
            )
        except SpeedRunError as error:
            # The others are still measured and written; the run exits 1 and names each failure.
            print(f"[{number}/{len(models)}] {error}", file=sys.stderr, flush=True)
            failed.append(model.key)
            continue
        kept[row.model] = row
        print(
            f"[{number}/{len(models)}] {row.model:45} {row.latency_ms:9.2f} ms ±{row.latency_spread_ms:.2f} at "
            f"batch 1, {row.throughput:9.1f} img/s ±{row.throughput_spread:.1f} at batch {row.throughput_batch_size}, "
            f"peak memory {(row.peak_memory_bytes or 0) / 2**20:,.0f} MiB at batch 1",
            file=sys.stderr,
            flush=True,
        )
    metadata = _metadata(device, args)
    rows = [kept[key] for key in keys if key in kept]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_speed_file(path, metadata, rows)
    print(f"wrote {len(rows)} variants to {path.relative_to(root)}", file=sys.stderr)
    held = comparisons(SpeedFile(str(path), metadata, tuple(rows)))
    for comparison in held:
        print(comparison.line())
    if held:
        agreed = sum(c.agrees for c in held)
        print(f"{agreed} of {len(held)} ratios within ×{AGREEMENT_BAND} of timm's published benchmark")
    if failed:
        print(f"modelsite speed: {len(failed)} variants could not be measured: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _device(args: argparse.Namespace) -> str:
    """The device asked for, refused at once when this machine or the setting cannot give it."""
    import torch

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise SpeedError("--device cuda, but torch finds no CUDA device here; use --device cpu")
    if device == "cpu" and args.setting != "fp32":
        raise SpeedError(f"--setting {args.setting} is measured on CUDA only; on the CPU use fp32")
    if args.warmup < 0 or args.repeats < 2:
        raise SpeedError("give --warmup 0 or more and --repeats 2 or more (the spread needs two)")
    return device


def _kept_rows(path: Path, keys: list[str]) -> dict[str, SpeedRow]:
    """The rows PATH already holds, kept for the variants not measured this time."""
    if not path.is_file():
        return {}
    previous, problems = read_speed_file(path, keys)
    if problems or previous is None:
        raise SpeedError(f"{path} has problems; fix or delete it first:\n" + "\n".join(map(str, problems)))
    return {row.model: row for row in previous.rows}


def _metadata(device: str, args: argparse.Namespace) -> dict[str, str]:
    import torch

    return {
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
