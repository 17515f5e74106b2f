"""What `modelsite check` costs beyond running the site's code, and what a rerun costs, on a stratified sample.

At the zoo's size the whole site does not fit a bench run (its warm-up alone ran over 35 minutes at
110 pages), so the bench times a sample that fits --minutes whatever the zoo's size
(modelsite.check.selection.stratified_sample): every hand-written page and example, and of the
variant pages and collection overviews the same share of each, spread evenly from the cheapest to the
dearest by the cost model's expected seconds. Three timings of that sample, one page at a time on the CPU:

- bare: each page's Python blocks joined into one script and run as `python page.py`, one interpreter
  per page, in the same offline environment (offline responses, synthesized weights);
- check: `modelsite check --only PAGES --device cpu --jobs 1 --no-cache`: every page run in its
  isolated interpreter, held to its `# prints:`, and reported. Discovery (the site's build, which finds
  the blocks) is reused, as in every shard of a sweep, which pays it once for all its pages;
- rerun: the same command again without --no-cache and with nothing changed.

Goals: check at most 15% above bare, and rerun under 5% of check. The synthesized checkpoints are made
once before the timings (a warm-up check), since bare needs them as much as check does. The figures'
measurement is bench/measure.py's.

    .venv/bin/python bench/check.py [--minutes 30] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelsite.check import selection  # noqa: E402
from modelsite.check.discover import discover  # noqa: E402
from modelsite.core.blocks import Page  # noqa: E402
from modelsite.core.cache import CACHE_DIR  # noqa: E402
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
# The sample runs about 3.3 times: the warm-up, bare and check at full cost, the rerun at a fraction.
RUNS_PER_SAMPLE = 3.3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="what the whole bench may take (default 30)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    project = Project(ROOT)
    index = load_index(ROOT, check_timm=False)
    pages = discover(project, index, use_cache=True)
    recorded = selection.read_durations(
        (project.committed_durations, project.sweep_durations), selection.durations_key("cpu", "quick")
    )
    seconds = selection.expected_seconds(pages, recorded, index)
    budget = max(0.0, args.minutes * 60 - (time.perf_counter() - started)) / RUNS_PER_SAMPLE
    sample = selection.stratified_sample(pages, seconds, selection.page_sizer(index).kind, budget)
    kinds = Counter(selection.page_sizer(index).kind(page) for page in sample)
    expected = sum(seconds[page.path] for page in sample)
    print(
        f"{len(sample)} of {len(pages)} pages ({', '.join(f'{n} {kind}' for kind, n in kinds.items())}), "
        f"expected {expected:.0f} s a pass; {sum(len(p.runnable_blocks) for p in sample)} blocks",
        file=sys.stderr,
    )
    paths = [page.path for page in sample]
    _check(paths, fresh=True)  # Warm-up: synthesizes the checkpoints every page loads.
    bare = _bare(sample)
    check = _check(paths, fresh=True)
    rerun = _check(paths, fresh=False)
    overhead, rerun_fraction = check / bare - 1, rerun / check
    figures: dict[str, object] = {
        "pages": len(sample),
        "pages_in_site": len(pages),
        "sample": dict(kinds),
        "expected_seconds": round(expected, 1),
        "bare_seconds": round(bare, 2),
        "check_seconds": round(check, 2),
        "rerun_seconds": round(rerun, 2),
        "bench_seconds": round(time.perf_counter() - started, 1),
        "overhead": round(overhead, 4),
        "rerun_fraction": round(rerun_fraction, 4),
        "overhead_goal_met": overhead < 0.15,
        "rerun_goal_met": rerun_fraction < 0.05,
    }
    print(f"bare scripts  {bare:8.2f} s")
    print(f"check         {check:8.2f} s  overhead {overhead:+.1%} (goal < +15%)")
    print(f"rerun         {rerun:8.2f} s  {rerun_fraction:.1%} of check (goal < 5%)")
    print(f"bench         {figures['bench_seconds']:8.1f} s  in all (--minutes {args.minutes:g})")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def _bare(pages: list[Page]) -> float:
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


def _check(paths: list[str], fresh: bool) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "modelsite", "check", "--device", "cpu", "--jobs", "1", "--deploy", "quick"]
        + (["--no-cache"] if fresh else [])
        + ["--only", *paths],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
