"""`modelsite merge-reports OUT REPORT...`: the reports of a sharded sweep as one, and the sweep's durations."""

from __future__ import annotations

import argparse
from pathlib import Path

from modelsite.check.selection import durations_key, write_durations
from modelsite.core.problems import display_path
from modelsite.core.project import Project
from modelsite.core.report.codec import read_report, write_report
from modelsite.core.report.merging import merge_shards

NAME = "merge-reports"
HELP = "merge the JSON reports of a sharded check into one"
DESCRIPTION = (
    "Merge the reports of `modelsite check --shard K/N` runs into OUT; each page and model must come from one "
    "report only."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("output", type=Path, metavar="OUT", help="the merged report to write")
    parser.add_argument("inputs", nargs="+", type=Path, metavar="REPORT", help="the shards' reports")


def run(args: argparse.Namespace) -> int:
    report = merge_shards([(path, read_report(path)) for path in args.inputs])
    write_report(args.output, report)
    project = Project(Path.cwd())
    if project.mkdocs_config.is_file() and report.deploy:
        # The whole sweep's durations: what the next sweep's shards balance by.
        write_durations(project.sweep_durations, durations_key(report.device, report.deploy), report.pages)
    verdict = "passed" if report.passed else "failed"
    print(f"{display_path(args.output)}: {len(report.pages)} pages, {len(report.models_checked)} models, {verdict}")
    return 0 if report.passed else 1
