"""What `modelsite check` costs beyond running the site's code, and what a rerun costs.

Three timings of the whole site on the CPU, one page at a time (`--jobs 1`):

- bare: each page's Python blocks joined into one script and run as `python page.py`, one
  interpreter per page, in the same offline environment (offline responses, synthesized weights);
- check: `modelsite check --device cpu --jobs 1` with its page and discovery caches emptied, so
  that it builds the pages, runs every one and reports; the figures' measurements are kept, as
  bare measures nothing;
- rerun: the same command again with nothing changed;
- figures: the cost of measuring every model of the index afresh, timed apart (a check with only
  the measurement cache emptied).

Goals: check at most 15% above bare, and rerun under 5% of check. The synthesized checkpoints
are made once before the timings (a warm-up), since bare needs them as much as check does.

    .venv/bin/python bench/check.py [--repeat N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelsite.check.discover import discover  # noqa: E402
from modelsite.core.cache import CACHE_DIR, store  # noqa: E402
from modelsite.core.project import Project  # noqa: E402
from modelsite.index import load_index  # noqa: E402

# Installs exactly the offline environment the check gives a page, then runs the script.
_BARE_BOOTSTRAP = """
import runpy, sys
from pathlib import Path
from modelsite.check.offline import install, offline_responses
root = Path(sys.argv[1])
install(offline_responses(root), root / {cache!r})
sys.argv = [sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="timings of each kind (the median is reported)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    cache = ROOT / CACHE_DIR
    pages = discover(Project(ROOT), load_index(ROOT, check_timm=False), use_cache=False)
    print(f"{len(pages)} pages, {sum(len(p.runnable_blocks) for p in pages)} blocks", file=sys.stderr)
    _check()  # Warm-up: synthesizes the checkpoints every page loads.

    bare, check, rerun, measure = [], [], [], []
    for _ in range(args.repeat):
        bare.append(_bare(pages))
        for part in ("check", "discovery"):
            shutil.rmtree(store(cache, part).folder, ignore_errors=True)
        check.append(_check())
        rerun.append(_check())
        shutil.rmtree(store(cache, "measure").folder, ignore_errors=True)
        measure.append(_check() - rerun[-1])
    figures = {
        "pages": len(pages),
        "bare_seconds": round(statistics.median(bare), 2),
        "check_seconds": round(statistics.median(check), 2),
        "rerun_seconds": round(statistics.median(rerun), 2),
        "figures_seconds": round(statistics.median(measure), 2),
    }
    figures["overhead"] = round(figures["check_seconds"] / figures["bare_seconds"] - 1, 4)
    figures["rerun_fraction"] = round(figures["rerun_seconds"] / figures["check_seconds"], 4)
    figures["overhead_goal_met"] = figures["overhead"] < 0.15
    figures["rerun_goal_met"] = figures["rerun_fraction"] < 0.05
    print(f"bare scripts  {figures['bare_seconds']:8.2f} s")
    print(f"check         {figures['check_seconds']:8.2f} s  overhead {figures['overhead']:+.1%} (goal < +15%)")
    print(f"rerun         {figures['rerun_seconds']:8.2f} s  {figures['rerun_fraction']:.1%} of check (goal < 5%)")
    print(f"figures       {figures['figures_seconds']:8.2f} s  measuring every model of the index afresh")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def _bare(pages: list) -> float:
    bootstrap = _BARE_BOOTSTRAP.format(cache=CACHE_DIR)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for number, page in enumerate(pages):
            script = Path(folder) / f"page{number}.py"
            script.write_text("\n".join(block.code for block in page.runnable_blocks), encoding="utf-8")
            workdir = Path(folder) / f"cwd{number}"
            workdir.mkdir()
            subprocess.run(
                [sys.executable, "-c", bootstrap, str(ROOT), str(script)],
                cwd=workdir,
                check=True,
                env={"CUDA_VISIBLE_DEVICES": "", "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)},
                stdout=subprocess.DEVNULL,
            )
    return time.perf_counter() - started


def _check() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "modelsite", "check", "--device", "cpu", "--jobs", "1"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
