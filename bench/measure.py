"""Measuring on the meta device against measuring on real CPU tensors, over timm's EfficientNet family.

For every architecture `timm.list_models('*efficientnet*')` gives, `modelsite.measure` runs
twice without the file size: on the meta device (shapes only, nothing allocated) and on the
CPU (real tensors, real arithmetic). Each pass is timed and its peak memory growth recorded;
the figures of the two passes must be equal. Goal: the meta pass at least 5x cheaper.

    .venv/bin/python bench/measure.py [--pattern '*efficientnet*'] [--limit N] [--json PATH]

Each model is measured in a fresh interpreter, so one pass's allocations never count in another.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One model, one device, in a fresh interpreter: seconds, peak RSS growth and the figures.
_ONE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import timm, torch
from modelsite.measure import measure
torch.set_num_threads(2)
name, device = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
m = measure(name, with_file_size=False, device=device)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({{"seconds": seconds, "peak_kib": peak,
                  "figures": [m["FLOPs"], m["Activations"], m["Parameters"], m["Image Size"], m["Architecture"]]}}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pattern", default="*efficientnet*")
    parser.add_argument("--limit", type=int, default=0, help="only the first N architectures (0: all)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import timm

    names = timm.list_models(args.pattern)
    if args.limit:
        names = names[: args.limit]
    rows, mismatches = [], []
    for number, name in enumerate(names, 1):
        meta, cpu = _run(name, "meta"), _run(name, "cpu")
        if meta is None or cpu is None:
            print(f"[{number}/{len(names)}] {name}: could not be measured", file=sys.stderr)
            continue
        same = meta["figures"] == cpu["figures"]
        if not same:
            mismatches.append(name)
        rows.append(
            {
                "model": name,
                "meta_seconds": meta["seconds"],
                "cpu_seconds": cpu["seconds"],
                "meta_peak_kib": meta["peak_kib"],
                "cpu_peak_kib": cpu["peak_kib"],
                "same_figures": same,
            }
        )
        print(
            f"[{number}/{len(names)}] {name:40} meta {meta['seconds']:6.2f} s  cpu {cpu['seconds']:7.2f} s  "
            f"{'same' if same else 'DIFFERENT'}",
            file=sys.stderr,
            flush=True,
        )
    meta_total = sum(r["meta_seconds"] for r in rows)
    cpu_total = sum(r["cpu_seconds"] for r in rows)
    meta_memory = sum(r["meta_peak_kib"] for r in rows)
    cpu_memory = sum(r["cpu_peak_kib"] for r in rows)
    summary = {
        "models": len(rows),
        "meta_seconds": round(meta_total, 2),
        "cpu_seconds": round(cpu_total, 2),
        "speedup": round(cpu_total / meta_total, 2),
        "meta_peak_mib": round(meta_memory / 1024, 1),
        "cpu_peak_mib": round(cpu_memory / 1024, 1),
        "different_figures": mismatches,
    }
    summary["goal_met"] = summary["speedup"] >= 5 and not mismatches
    print(
        f"{len(rows)} architectures: meta {meta_total:.1f} s, cpu {cpu_total:.1f} s, "
        f"meta is {summary['speedup']}x faster (goal >= 5x); peak memory growth summed: "
        f"meta {summary['meta_peak_mib']} MiB, cpu {summary['cpu_peak_mib']} MiB; "
        f"figures differ for {len(mismatches)}: {', '.join(mismatches) or 'none'}"
    )
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "models": rows}, indent=2) + "\n")
    return 0 if not mismatches else 1


def _run(name: str, device: str) -> dict | None:
    completed = subprocess.run(
        [sys.executable, "-c", _ONE.format(root=str(ROOT)), name, device], capture_output=True, text=True, timeout=1800
    )
    if completed.returncode != 0:
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
