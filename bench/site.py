"""The site at scale: build it with 1,000 synthetic variants, and time the explorer's filter in chromium.

    .venv/bin/python bench/site.py [--variants 1000] [--collections 10] [--repeats 3]
    .venv/bin/python bench/site.py --real [--repeats 1]

1. Builds a copy of the project whose index holds VARIANTS variants: the real entries, each
   copied under new names (`tf_efficientnet_b0_s0042.aa_in1k`) into COLLECTIONS collections. Each
   variant has a page of its own, and each collection an overview. The names
   are not registered in timm, so the index's timm-registry check is off for these builds.
2. Builds, in the same run and alternately, a plain MkDocs project (same theme and Markdown
   extensions, no hooks, no macros) whose docs/ holds the very Markdown our build produced for each
   page: the cost of the site without our hook. Goal: our build takes at most 1.25 times as long.
   `--real` builds the project's own index and pages instead of synthetic ones: the zoo as readers get it.
3. Opens the explorer of our build in Debian's chromium, waits for the search worker to index the
   site, and types filters: the time from the input event to the table's style and layout done,
   and to the next frame laid out with the charts' points (they follow the table, a bounded
   number per frame). Goal: one frame (16.7 ms at 60 Hz) at 1,000 rows.
"""

from __future__ import annotations

import argparse
import copy
import functools
import http.server
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from modelsite.core.project import PROJECT_PARTS

ROOT = Path(__file__).resolve().parents[1]
# Run in a child interpreter, so each build starts cold, as `mkdocs build` does.
BUILD = """
import sys, time
import modelsite.index.load
modelsite.index.load._timm_problems = lambda models: []  # synthetic names are not in timm's registry
from mkdocs.commands.build import build
from mkdocs.config import load_config
started = time.perf_counter()
build(load_config(sys.argv[1], site_dir=sys.argv[2]))
print(time.perf_counter() - started)
"""
CAPTURE = """
import json, sys
import modelsite.index.load
modelsite.index.load._timm_problems = lambda models: []
from pathlib import Path
from typing import Any
from modelsite.check.discover import built_markdown
pages = built_markdown(Path(sys.argv[1]))
json.dump({path: text for path, (text, _) in pages.items()}, open(sys.argv[2], "w"))
"""
IDLE_BEFORE_TYPING_MS = 20_000
QUERIES = ["b3", "lite", "cc_b0 8e", "s09", "", "efficientnet", "zzz", ""] * 3
FILTER_SCRIPT = """async (text) => {
  const input = document.querySelector("[data-filter=text]");
  const started = performance.now();
  input.value = text;
  input.dispatchEvent(new Event("input", {bubbles: true}));
  document.body.offsetHeight;  // style and layout of the new table, forced now
  const laidOut = performance.now() - started;
  // The charts' points follow in this frame's animation callbacks, which run before this one.
  await new Promise(resolve => requestAnimationFrame(() => { document.body.offsetHeight; resolve(); }));
  const frame = performance.now() - started;
  const shown = document.querySelectorAll("[data-explorer-table] tbody tr:not([hidden])").length;
  return {laidOut, frame, shown};
}"""


def synthetic_project(folder: Path, variants: int, collections: int) -> Path:
    project = folder / "ours"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, project / part)
    real = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "model_index").glob("*.yaml"))]
    headers = [c for data in real for c in data["Collections"]]
    models = [m for data in real for m in data["Models"]]
    shutil.rmtree(project / "model_index")
    # Speed results name the real variants, which this index lacks.
    for results in (project / "speed").glob("*.csv"):
        results.unlink()
    (project / "model_index").mkdir()
    per_collection = -(-variants // collections)
    made = 0
    for number in range(collections):
        header = dict(copy.deepcopy(headers[number % len(headers)]), Name=f"Synthetic collection {number:02d}")
        entries = []
        for _ in range(min(per_collection, variants - made)):
            model = copy.deepcopy(models[made % len(models)])  # shared objects would become YAML anchors
            model["Name"] = f"{model['Name']}_s{made:04d}"
            model["In Collection"] = header["Name"]
            entries.append(model)
            made += 1
        text = yaml.safe_dump({"Collections": [header], "Models": entries}, sort_keys=False, allow_unicode=True)
        (project / "model_index" / f"synthetic-{number:02d}.yaml").write_text(text, encoding="utf-8")
    # Hand-written pages quote real variants, which this index lacks; the generated pages are the subject.
    for page in (project / "docs").rglob("*.md"):
        page.write_text(f"# {page.stem}\n\nLeft out of the scale test.\n", encoding="utf-8")
    return project


def real_project(folder: Path) -> Path:
    """A copy of the project as it is: the real index, every hand-written page."""
    project = folder / "ours"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.exists():
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, project / part)
    return project


def plain_project(folder: Path, ours: Path, markdown: dict[str, str], keep_nav: bool = False) -> Path:
    """The same pages as static Markdown, built by MkDocs and Material alone; with KEEP_NAV, with our navigation
    (which lists the hand-written pages and the explorer), not MkDocs' default of every page in every page."""
    plain = folder / "plain"
    (plain / "docs").mkdir(parents=True)
    shutil.copytree(ours / "docs" / "stylesheets", plain / "docs" / "stylesheets")
    shutil.copytree(ours / "docs" / "javascripts", plain / "docs" / "javascripts")
    for path, text in markdown.items():
        target = plain / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    # Same config, less our parts: top-level sections are cut as text to keep its Python tags intact.
    sections = re.split(r"(?m)^(?=[a-z_]+:)", (ours / "mkdocs.yml").read_text(encoding="utf-8"))
    left_out = ("hooks:", "watch:", "plugins:") + (() if keep_nav else ("nav:",))
    kept = [s for s in sections if not s.startswith(left_out)]
    (plain / "mkdocs.yml").write_text("".join(kept) + "\nplugins:\n  - search\n", encoding="utf-8")
    return plain


def build_seconds(project: Path, site: Path) -> float:
    completed = subprocess.run(
        [sys.executable, "-c", BUILD, str(project / "mkdocs.yml"), str(site)],
        capture_output=True,
        text=True,
        cwd=project,
    )
    if completed.returncode != 0:
        raise SystemExit(f"build of {project} failed:\n{completed.stderr[-3000:]}")
    return float(completed.stdout.strip().splitlines()[-1])


def page_weights(site: Path) -> dict[str, Any]:
    """Bytes of HTML a reader downloads for the model pages of SITE: every page, and each kind apart (a
    collection's overview at models/SLUG/, a variant's page at models/SLUG/KEY/)."""
    pages = {
        p.relative_to(site).as_posix(): p.stat().st_size
        for p in (site / "models").rglob("index.html")
        if p.parent != site / "models"
    }
    largest = max(pages, key=pages.__getitem__)
    figures: dict[str, Any] = {
        "pages": len(pages),
        "total_bytes": sum(pages.values()),
        "median_bytes": statistics.median(pages.values()),
        "largest": largest,
        "largest_bytes": pages[largest],
    }
    for kind, depth in (("overview", 2), ("variant", 3)):  # models/SLUG/index.html, models/SLUG/KEY/index.html
        sizes = [size for path, size in pages.items() if path.count("/") == depth]
        if sizes:
            figures[kind] = {"pages": len(sizes), "median_bytes": statistics.median(sizes), "largest_bytes": max(sizes)}
    return figures


def filter_times(site: Path, queries: list[str]) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/models/")
            page.wait_for_selector("[data-explorer-filters]:not([hidden])")
            # Let the search worker index the site first: it competes for the same two cores.
            page.wait_for_timeout(IDLE_BEFORE_TYPING_MS)
            rows = page.locator("[data-explorer-table] tbody tr").count()
            results = []
            for query in queries:
                # A keystroke every quarter second, as a quick typist: each filter starts from a settled page.
                page.wait_for_timeout(250)
                results.append({"query": query, "rows": rows, **page.evaluate(FILTER_SCRIPT, query)})
            browser.close()
            return results
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--collections", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="build the project's real index, not synthetic variants")
    parser.add_argument("--site", type=Path, help="skip the builds: time the filter on this built site")
    parser.add_argument("--keep", type=Path, help="copy our built site here, for a later --site")
    parser.add_argument("--json", type=Path, help="also write every figure measured to this file")
    args = parser.parse_args()
    figures: dict[str, object] = (
        {"index": "real"} if args.real else {"variants": args.variants, "collections": args.collections}
    )
    if args.site:
        figures["page_weight"] = page_weights(args.site)
        figures["filter"] = report_filter(filter_times(args.site, QUERIES))
        _write(args.json, figures)
        return
    with tempfile.TemporaryDirectory(prefix="modelsite-bench-site-") as work:
        folder = Path(work)
        ours = real_project(folder) if args.real else synthetic_project(folder, args.variants, args.collections)
        captured = folder / "markdown.json"
        subprocess.run([sys.executable, "-c", CAPTURE, str(ours), str(captured)], check=True, cwd=ours)
        markdown = json.loads(captured.read_text())
        plain = plain_project(folder, ours, markdown, keep_nav=args.real)
        size = sum(len(text) for text in markdown.values())
        what = "the real index" if args.real else f"{args.variants} variants in {args.collections} collections"
        print(f"{what}: {len(markdown)} pages, {size / 1e6:.1f} MB of Markdown")
        ours_times, plain_times = [], []
        for repeat in range(args.repeats):
            # Alternate, so that drift in the machine's speed hits both alike.
            plain_times.append(build_seconds(plain, folder / "plain-site"))
            ours_times.append(build_seconds(ours, folder / "ours-site"))
            print(f"  build {repeat + 1}: plain MkDocs {plain_times[-1]:.1f} s, with our hook {ours_times[-1]:.1f} s")
        ours_best, plain_best = min(ours_times), min(plain_times)
        overhead = ours_best / plain_best - 1
        print(
            f"best of {args.repeats}: plain {plain_best:.1f} s, ours {ours_best:.1f} s: "
            f"our hook adds {overhead:+.1%} (goal at most +25%): {'met' if overhead <= 0.25 else 'MISSED'}"
        )
        weights = page_weights(folder / "ours-site")
        print(
            f"model pages: {weights['pages']}, {int(weights['total_bytes']) / 1e6:.1f} MB of HTML in all, median "
            f"{float(weights['median_bytes']) / 1e3:.0f} kB, largest {weights['largest']} at "
            f"{int(weights['largest_bytes']) / 1e6:.2f} MB"
            + "".join(
                f"; {kind} pages: {weights[kind]['pages']}, median {weights[kind]['median_bytes'] / 1e3:.0f} kB"
                for kind in ("overview", "variant")
                if kind in weights
            )
        )
        figures.update(
            {
                "build_seconds": {"plain": plain_times, "ours": ours_times, "overhead": round(overhead, 4)},
                "page_weight": weights,
            }
        )
        if args.keep:
            shutil.copytree(folder / "ours-site", args.keep, dirs_exist_ok=True)
        figures["filter"] = report_filter(filter_times(folder / "ours-site", QUERIES))
        _write(args.json, figures)


def _write(path: Path | None, figures: dict[str, object]) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def report_filter(times: list[dict[str, float]]) -> dict[str, float]:
    laid_out = [t["laidOut"] for t in times]
    frames = [t["frame"] for t in times]
    print(
        f"explorer filter at {times[0]['rows']} rows, {len(times)} filters: input to the table laid out "
        f"median {statistics.median(laid_out):.1f} ms, worst {max(laid_out):.1f} ms "
        f"(goal: one frame, 16.7 ms): {'met' if max(laid_out) <= 16.7 else 'MISSED'}; "
        f"to the next frame laid out with the charts' points: median {statistics.median(frames):.1f} ms, "
        f"worst {max(frames):.1f} ms"
    )
    return {
        "rows": times[0]["rows"],
        "laid_out_median_ms": statistics.median(laid_out),
        "laid_out_worst_ms": max(laid_out),
        "frame_median_ms": statistics.median(frames),
        "frame_worst_ms": max(frames),
    }


if __name__ == "__main__":
    main()
