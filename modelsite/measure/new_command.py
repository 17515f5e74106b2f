"""`modelsite new MODEL_ID --collection PATH`: measure a model and append its complete entry to a collection."""

from __future__ import annotations

import argparse
from pathlib import Path

from modelsite.core.problems import display_path

NAME = "new"
HELP = "measure a timm model and append its complete entry to a collection file"
DESCRIPTION = (
    "Measure each MODEL_ID and append a complete `Models:` entry for it to PATH, creating the file with its "
    "`Collections:` entry when it does not exist. Nothing is written unless every tag was measured."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model_ids",
        nargs="+",
        metavar="MODEL_ID",
        help="timm model ID with its tag (name.tag); several tags of one collection are measured in one run",
    )
    parser.add_argument(
        "--collection",
        required=True,
        type=Path,
        metavar="PATH",
        help="the collection's file in model_index/ (created when absent)",
    )
    parser.add_argument(
        "--collection-name",
        metavar="NAME",
        help="Name of a collection created with the file (default: from the file name)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="the results/ folder of a checkout of timm's repository: each tag's published accuracy is copied "
        "into its entry, with the file and revision as its source",
    )
    parser.add_argument(
        "--results-revision",
        metavar="COMMIT",
        help="the commit of timm's repository that --results was taken at (required with --results)",
    )


def run(args: argparse.Namespace) -> int:
    from modelsite.measure.scaffold import ScaffoldError, new_entry
    from modelsite.measure.timm_results import read_timm_results

    total = len(args.model_ids)
    results = None
    if args.results is not None or args.results_revision is not None:
        if args.results is None or args.results_revision is None:
            raise ScaffoldError("--results and --results-revision go together: the folder and the commit it is from")
        results = read_timm_results(args.results, args.results_revision)

    def progress(done: int, model_id: str, seconds: float) -> None:
        if total > 1:
            print(f"[{done}/{total}] {model_id} measured in {seconds:.1f} s", flush=True)

    done = new_entry(args.model_ids, args.collection, Path.cwd(), args.collection_name, progress, results)
    action = "created with collection" if done.created else "appended to collection"
    print(f"{', '.join(done.model_ids)}: {display_path(done.path)} {action} {done.collection!r}")
    if done.placeholders:
        print(
            f"{done.placeholders} TODO placeholder{'s' * (done.placeholders != 1)} left for you to fill in "
            f"(the page shows them as not given)"
        )
    print(f"next: mkdocs build --strict, then modelsite check --only {' '.join(done.model_ids)}")
    return 0
