"""The `modelsite` command line: validate the index, measure a model, register one, check the site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

import yaml

from modelsite.check.command import add_arguments as add_check_arguments
from modelsite.check.command import run as run_check
from modelsite.check.summary import add_arguments as add_summary_arguments
from modelsite.core.errors import ModelsiteError
from modelsite.core.problems import Problem, display_path
from modelsite.core.project import INDEX_DIR, Project
from modelsite.index import index_files, read_index, yaml_files_in
from modelsite.measure.ids import parse_model_id
from modelsite.measure.scaffold import count_placeholders


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ModelsiteError as error:  # A problem with the input: its message says what to do.
        if args.debug:
            raise
        print(f"modelsite {args.command}: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("modelsite: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # A bug in modelsite: say so plainly; --debug shows where.
        if args.debug:
            raise
        print(
            f"modelsite {args.command}: internal error ({type(error).__name__}: {error}); this is a bug in "
            "modelsite: run the command again with --debug for the traceback, and report it",
            file=sys.stderr,
        )
        return 3


class _Parser(argparse.ArgumentParser):
    """argparse, answering a bad argument with one line (and where to read more), not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="modelsite", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the traceback of any error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    validate = commands.add_parser(
        "validate",
        help="check model-index YAML files against the schema",
        description="Check model-index files; print PATH:LINE:COL: message per problem.",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=f"files or folders to check (default: every file in {INDEX_DIR}/)",
    )
    validate.add_argument("--no-timm", action="store_true", help="skip the check that each Name is a timm model")
    validate.set_defaults(run=_validate)

    measure = commands.add_parser(
        "measure",
        help="print the figures measured on the real timm model",
        description="Print a model's figures as a YAML `Metadata:` mapping.",
    )
    measure.add_argument("model_id", metavar="MODEL_ID", help="timm model ID, optionally with its tag (name.tag)")
    measure.set_defaults(run=_measure)

    new = commands.add_parser(
        "new",
        help="measure a timm model and append its complete entry to a collection file",
        description="Measure MODEL_ID and append a complete `Models:` entry to PATH, creating "
        "the file with its `Collections:` entry when it does not exist.",
    )
    new.add_argument("model_id", metavar="MODEL_ID", help="timm model ID, optionally with its tag (name.tag)")
    new.add_argument(
        "--collection",
        required=True,
        type=Path,
        metavar="PATH",
        help="the collection's file in model_index/ (created when absent)",
    )
    new.add_argument(
        "--collection-name",
        metavar="NAME",
        help="Name of a collection created with the file (default: from the file name)",
    )
    new.set_defaults(run=_new)

    check = commands.add_parser(
        "check",
        help="run every code block of the site and compare every figure",
        description="Verify the site: each figure of the index against the real timm "
        "model, and each Python block of each page (and each runnable "
        "example) run in a fresh interpreter and held to its `# prints:`.",
    )
    add_check_arguments(check)
    check.set_defaults(run=_check)

    bench = commands.add_parser(
        "bench",
        help="measure each variant's speed on this machine into benchmarks/DEVICE-SETTING.csv",
        description="Measure latency (batch size 1) and throughput (a batch size that fits) of each variant, "
        "warmed up and repeated, and write the medians and spreads to benchmarks/DEVICE-SETTING.csv "
        "(rows of variants not measured this time are kept); then compare ratios with timm's benchmark.",
    )
    bench.add_argument("--only", nargs="+", default=[], metavar="PATTERN", help="variant keys (shell patterns)")
    bench.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    bench.add_argument("--setting", choices=("fp32", "amp-bf16", "channels-last"), default="fp32")
    bench.add_argument("--warmup", type=int, default=2, metavar="N", help="untimed runs first (default 2)")
    bench.add_argument("--repeats", type=int, default=5, metavar="N", help="timed runs (default 5)")
    bench.set_defaults(run=_bench)

    merge = commands.add_parser(
        "merge-reports",
        help="merge the JSON reports of a sharded check into one",
        description="Merge the reports of `modelsite check --shard K/N` runs into OUT; each page and model "
        "must come from one report only.",
    )
    merge.add_argument("output", type=Path, metavar="OUT", help="the merged report to write")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="REPORT", help="the shards' reports")
    merge.set_defaults(run=_merge_reports)

    summary = commands.add_parser(
        "summary",
        help="the pages a change touched, with the check's verdict for each, as Markdown",
        description="Print a Markdown table of the pages that the change since REV touched (index entries, "
        "hand-written pages, examples, collection files) with the verdict REPORT gives each: a pull "
        "request's job summary.",
    )
    add_summary_arguments(summary)
    summary.set_defaults(run=_summary)

    cache = commands.add_parser(
        "cache",
        help="show or clear the cache in .modelsite-cache/",
        description="Measurements, synthesized checkpoints, discovered pages and passed page "
        "runs are kept in .modelsite-cache/, each kind bounded in size.",
    )
    cache.add_argument("action", choices=("info", "clear"), help="info: what each store holds; clear: empty them all")
    cache.set_defaults(run=_cache)
    return parser


def _bench(args: argparse.Namespace) -> int:
    from modelsite.bench.command import run_bench

    return run_bench(args, Path.cwd())


def _merge_reports(args: argparse.Namespace) -> int:
    from modelsite.check.selection import durations_key, write_durations
    from modelsite.core.project import Project
    from modelsite.core.report.codec import read_report, write_report
    from modelsite.core.report.merging import merge_shards

    report = merge_shards([(path, read_report(path)) for path in args.inputs])
    write_report(args.output, report)
    project = Project(Path.cwd())
    if project.mkdocs_config.is_file() and report.deploy:
        # The whole sweep's durations: what the next sweep's shards balance by (a report of before deploy modes
        # were recorded cannot say which sweep's they are).
        write_durations(project.sweep_durations, durations_key(report.device, report.deploy), report.pages)
    verdict = "passed" if report.passed else "failed"
    print(f"{display_path(args.output)}: {len(report.pages)} pages, {len(report.models_checked)} models, {verdict}")
    return 0 if report.passed else 1


def _cache(args: argparse.Namespace) -> int:
    from modelsite.core.cache import STORES, clear, store

    root = Project(Path.cwd()).cache_dir
    if args.action == "clear":
        removed = clear(root)
        print(
            f"removed {len(removed)} store{'s' * (len(removed) != 1)} from {display_path(root)}"
            " (the latest check report stays)"
        )
        return 0
    for name, kind in STORES.items():
        folder = store(root, name).folder
        entries = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
        size = sum(p.stat().st_size for p in entries)
        print(f"{name:<12} {len(entries):>5} of at most {kind.limit:>5} entries, {size / 1e6:9.1f} MB  {kind.holds}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from modelsite.bench.results import bench_files, read_bench_file

    root = Path.cwd()
    expanded = _expand(args.paths)
    # Speed results (benchmarks/*.csv) are validated with the index, against its variants.
    benches = [p for p in expanded if p.suffix == ".csv"] if args.paths else bench_files(root)
    named = [p for p in expanded if p.suffix != ".csv"]
    paths = named if args.paths else index_files(root)
    if not paths and not benches:
        where = ", ".join(map(str, args.paths)) or f"{INDEX_DIR}/"
        print(f"modelsite validate: no YAML or result files found in {where}", file=sys.stderr)
        return 1
    missing = [Problem(display_path(p, root), 1, 1, "no such file") for p in named if not p.exists()]
    # Named files are read with the rest of the index, which defines their collections,
    # but only their own problems are reported.
    read = sorted({p.resolve() for p in named if p.exists()} | {p.resolve() for p in index_files(root)})
    index, problems = read_index(read, base=root, check_timm=not args.no_timm) if read else (None, [])
    shown = {display_path(p, root) for p in paths}
    problems = [p for p in problems if p.path in shown] + missing
    keys = [model.key for model in index.models] if index else []
    for bench in benches:
        problems += read_bench_file(bench, keys, display_path(bench, root))[1]
    problems = sorted(set(problems))
    for problem in problems:
        print(problem)
    count = len(paths) + len(benches)
    summary = f"{count} file{'s' * (count != 1)} checked, {len(problems)} problem{'s' * (len(problems) != 1)}"
    placeholders = sum(
        count_placeholders(yaml.safe_load(p.read_text(encoding="utf-8")))
        for p in paths
        if p.exists() and not any(q.path == display_path(p, root) for q in problems)
    )
    if placeholders:
        summary += f"; {placeholders} TODO placeholder{'s' * (placeholders != 1)} left to fill in"
    print(summary, file=sys.stderr)
    return 1 if problems else 0


def _expand(paths: list[Path]) -> list[Path]:
    """PATHS with each folder replaced by its YAML files."""
    return [
        file
        for path in paths
        for file in ((yaml_files_in(path) + sorted(path.glob("*.csv"))) if path.is_dir() else [path])
    ]


def _measure(args: argparse.Namespace) -> int:
    from modelsite.measure import measure
    from modelsite.measure.scaffold import index_yaml

    name, tag = parse_model_id(args.model_id)
    result = measure(f"{name}.{tag}" if tag else name)
    print(f"# {args.model_id}, measured with timm {result.timm_version} and torch {result.torch_version}")
    print(
        f"# FLOPs: multiply-accumulates for one {result.image_size}x{result.image_size} image "
        "(FlopCounterMode total, halved)"
    )
    print("# Activations: elements produced by convolution and linear layers for that image")
    print(index_yaml({"Metadata": result.metadata(), "Code": result.code}), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    return run_check(args)


def _summary(args: argparse.Namespace) -> int:
    from modelsite.check.summary import run

    return run(args)


def _new(args: argparse.Namespace) -> int:
    from modelsite.measure.scaffold import new_entry

    done = new_entry(args.model_id, args.collection, Path.cwd(), args.collection_name)
    action = "created with collection" if done.created else "appended to collection"
    print(f"{done.model_id}: {display_path(done.path)} {action} {done.collection!r}")
    if done.placeholders:
        print(
            f"{done.placeholders} TODO placeholder{'s' * (done.placeholders != 1)} left for you to fill in "
            f"(the page shows them as not given)"
        )
    print(f"next: mkdocs build --strict, then modelsite check --only {done.model_id}")
    return 0
