"""`modelsite validate [PATH ...]`: model-index files (and the result files beside them) against the schema.

One `PATH:LINE:COL: message` line per problem and exit 1, never a traceback. Named files are read with the
rest of the index, which defines their collections, but only their own problems are reported. Result files
that sit beside the index and name its variants (the speed results of modelsite.speed) are validated too:
the command line hands their readers in (ResultFiles), since they belong to parts above this one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelsite.core.problems import Problem, display_path
from modelsite.core.project import INDEX_DIR
from modelsite.index.load import index_files, read_index, yaml_files_in
from modelsite.index.placeholders import count_placeholders
from modelsite.index.yaml_source import accepted_data

NAME = "validate"
HELP = "check model-index YAML files against the schema"
DESCRIPTION = "Check model-index files; print PATH:LINE:COL: message per problem."


@dataclass(frozen=True)
class ResultFiles:
    """A kind of file beside the index that names its variants: its suffix, where they all are, and its check
    (path, the index's variant keys, the path as shown) -> problems."""

    suffix: str
    every: Callable[[Path], list[Path]]
    problems: Callable[[Path, list[str], str], list[Problem]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=f"files or folders to check (default: every file in {INDEX_DIR}/)",
    )
    parser.add_argument("--no-timm", action="store_true", help="skip the check that each Name is a timm model")


def run(args: argparse.Namespace, results: Sequence[ResultFiles] = ()) -> int:
    root = Path.cwd()
    suffixes = {kind.suffix: kind for kind in results}
    expanded = _expand(args.paths, tuple(suffixes))
    named = [p for p in expanded if p.suffix not in suffixes]
    paths = named if args.paths else index_files(root)
    others = (
        [(p, suffixes[p.suffix]) for p in expanded if p.suffix in suffixes]
        if args.paths
        else [(p, kind) for kind in results for p in kind.every(root)]
    )
    if not paths and not others:
        where = ", ".join(map(str, args.paths)) or f"{INDEX_DIR}/"
        print(f"modelsite validate: no YAML or result files found in {where}", file=sys.stderr)
        return 1
    missing = [Problem(display_path(p, root), 1, 1, "no such file") for p in named if not p.exists()]
    read = sorted({p.resolve() for p in named if p.exists()} | {p.resolve() for p in index_files(root)})
    index, problems = read_index(read, base=root, check_timm=not args.no_timm) if read else (None, [])
    shown = {display_path(p, root) for p in paths}
    problems = [p for p in problems if p.path in shown] + missing
    keys = [model.key for model in index.models] if index else []
    for path, kind in others:
        problems += kind.problems(path, keys, display_path(path, root))
    problems = sorted(set(problems))
    for problem in problems:
        print(problem)
    print(_summary(paths, len(paths) + len(others), problems, root), file=sys.stderr)
    return 1 if problems else 0


def _summary(paths: list[Path], count: int, problems: list[Problem], root: Path) -> str:
    """How many files and problems, and how many placeholders the valid index files still hold."""
    summary = f"{count} file{'s' * (count != 1)} checked, {len(problems)} problem{'s' * (len(problems) != 1)}"
    placeholders = sum(
        count_placeholders(accepted_data(p))
        for p in paths
        if p.exists() and not any(q.path == display_path(p, root) for q in problems)
    )
    if placeholders:
        summary += f"; {placeholders} TODO placeholder{'s' * (placeholders != 1)} left to fill in"
    return summary


def _expand(paths: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    """PATHS with each folder replaced by its YAML files and its result files."""
    return [
        file
        for path in paths
        for file in (
            (yaml_files_in(path) + sorted(f for f in path.iterdir() if f.suffix in suffixes))
            if path.is_dir()
            else [path]
        )
    ]
