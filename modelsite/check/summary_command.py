"""`modelsite summary REPORT --changed-since REV`: the pages a change touched, with the check's verdict for each.

A pull request's CI appends it to the job summary, so that a contributor sees at once how the pages of their
change fared. Touched pages are the variant pages and deploy probes of index entries that are new or differ
from REV (the check's own `--changed-since` rule), every hand-written page and runnable example whose file
differs, and the overviews of collections whose file differs. A change to a template or to modelsite itself
touches every generated page: the summary then counts their verdicts instead of listing them.
"""

from __future__ import annotations

import argparse
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from modelsite.check.selection import SelectionError, changed_page_paths, changed_variants, variant_pages
from modelsite.core.project import DOCS_DIR, EXAMPLES_DIR, INDEX_DIR, TEMPLATES_DIR, docs_path
from modelsite.core.report.codec import read_report
from modelsite.core.report.results import PageResult, Report
from modelsite.index import ModelIndex, load_index

# Files whose change reaches every generated page.
_EVERY_GENERATED_PAGE = (f"{TEMPLATES_DIR}/", "modelsite/", "hooks/", "mkdocs.yml")


NAME = "summary"
HELP = "the pages a change touched, with the check's verdict for each, as Markdown"
DESCRIPTION = (
    "Print a Markdown table of the pages that the change since REV touched (index entries, hand-written pages, "
    "examples, collection files) with the verdict REPORT gives each: a pull request's job summary."
)


@dataclass(frozen=True)
class TouchedPage:
    """A page the change touched, why, and what the check said of it."""

    path: str
    why: str
    verdict: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", type=Path, metavar="REPORT", help="the check's report (merged, for a sweep)")
    parser.add_argument(
        "--changed-since",
        required=True,
        metavar="REV",
        help="the git revision the change is compared with: a pull request's base",
    )


def run(args: argparse.Namespace) -> int:
    root = Path.cwd()
    report = read_report(args.report)
    print(summary_markdown(root, args.changed_since, report))
    return 0


def changed_files(root: Path, revision: str) -> list[str]:
    """The files of ROOT's working tree that differ from REVISION, as git names them."""
    try:
        done = subprocess.run(
            ["git", "diff", "--name-only", "--no-renames", revision, "--"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except FileNotFoundError:
        raise SelectionError("summary needs git, and git is not installed") from None
    if done.returncode != 0:
        raise SelectionError(
            f"--changed-since {revision}: git cannot compare with that revision here ({done.stderr.strip()}); give "
            "a commit, branch or tag of this repository"
        )
    return [line for line in done.stdout.splitlines() if line]


def touched_pages(
    root: Path, index: ModelIndex, revision: str, files: list[str], results: dict[str, PageResult], differ: set[str]
) -> list[TouchedPage]:
    """Every page the change since REVISION (which changed FILES) touched, once, with the verdict RESULTS give it;
    a variant page whose model's figures DIFFER from the index fails whatever its code did."""
    reasons: dict[str, str] = {}
    for page in changed_page_paths(index, changed_variants(root, index, revision)):
        reasons.setdefault(page, "its index entry is new or changed")
    for file in files:
        if file.startswith(f"{DOCS_DIR}/") and file.endswith(".md") or file.startswith(f"{EXAMPLES_DIR}/"):
            reasons.setdefault(file, "its file changed")
    changed_collection_files = {file for file in files if file.startswith(f"{INDEX_DIR}/")}
    for collection in index.collections:
        if collection.file in changed_collection_files:
            reasons.setdefault(docs_path(collection.page), f"`{_code(collection.file)}` changed")
    variants = variant_pages(index)
    return [
        TouchedPage(
            path,
            why,
            "failed: its figures differ from the model"
            if path in variants and variants[path].key in differ
            else _verdict(results.get(path)),
        )
        for path, why in sorted(reasons.items())
    ]


def summary_markdown(root: Path, revision: str, report: Report) -> str:
    """The job summary: a table of the touched pages, and a count of every generated page's verdicts when the
    change reaches them all."""
    index = load_index(root, check_timm=False)
    pages = report.pages
    results = {page.path: page for page in pages}
    files = changed_files(root, revision)
    touched = touched_pages(root, index, revision, files, results, {problem.model for problem in report.figures})
    lines = [f"### Pages this change touched (against `{_code(revision)}`)", ""]
    if touched:
        lines += ["| Page | Why | Check |", "| --- | --- | --- |"]
        lines += [f"| `{_code(page.path)}` | {page.why} | {page.verdict} |" for page in touched]
    else:
        lines.append("No page's own source changed.")
    reaching = sorted({file for file in files if file.startswith(_EVERY_GENERATED_PAGE)})
    if reaching:
        generated = Counter(_verdict(page) for page in pages if page.generated)
        counts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(generated.items())) or "none checked"
        lines += ["", f"{len(reaching)} changed file(s) reach every generated page ({counts}):", ""]
        lines += [f"- `{_code(file)}`" for file in reaching]
    return "\n".join(lines)


def _verdict(result: PageResult | None) -> str:
    if result is None:
        return "not checked by this run"
    return result.status


def _code(text: str) -> str:
    """TEXT safe inside a Markdown code span of a table: file names come from contributors."""
    return text.replace("`", "'").replace("|", "/").replace("\n", " ")
