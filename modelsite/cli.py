"""The `modelsite` command line: validate the index, measure a model, check the site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modelsite.check.command import CheckError
from modelsite.check.command import add_arguments as add_check_arguments
from modelsite.check.command import run as run_check
from modelsite.index import INDEX_DIR, index_files, read_index, yaml_files_in
from modelsite.problems import Problem, display_path


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except CheckError as error:
        print(f"modelsite check: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("modelsite: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # The promise is a clear line, never a traceback.
        print(f"modelsite {args.command}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelsite", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check model-index YAML files against the schema",
                                    description="Check model-index files; print PATH:LINE:COL: message per problem.")
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                          help=f"files or folders to check (default: every file in {INDEX_DIR}/)")
    validate.add_argument("--no-timm", action="store_true", help="skip the check that each Name is a timm model")
    validate.set_defaults(run=_validate)

    measure = commands.add_parser("measure", help="print the figures measured on the real timm model",
                                  description="Print a model's figures as a YAML `Metadata:` mapping.")
    measure.add_argument("model_id", metavar="MODEL_ID", help="timm model ID, optionally with its tag (name.tag)")
    measure.set_defaults(run=_measure)

    check = commands.add_parser("check", help="run every code block of the site and compare every figure",
                                description="Verify the site: each figure of the index against the real timm "
                                            "model, and each Python block of each page (and each runnable "
                                            "example) run in a fresh interpreter and held to its `# prints:`.")
    add_check_arguments(check)
    check.set_defaults(run=_check)
    return parser


def _validate(args: argparse.Namespace) -> int:
    root = Path.cwd()
    named = _expand(args.paths)
    paths = named if args.paths else index_files(root)
    if not paths:
        where = ", ".join(map(str, args.paths)) or f"{INDEX_DIR}/"
        print(f"modelsite validate: no YAML files found in {where}", file=sys.stderr)
        return 1
    missing = [Problem(display_path(p, root), 1, 1, "no such file") for p in named if not p.exists()]
    # Named files are read with the rest of the index, which defines their collections,
    # but only their own problems are reported.
    read = sorted({p.resolve() for p in named if p.exists()} | {p.resolve() for p in index_files(root)})
    _, problems = read_index(read, base=root, check_timm=not args.no_timm)
    shown = {display_path(p, root) for p in paths}
    problems = sorted(set([p for p in problems if p.path in shown] + missing))
    for problem in problems:
        print(problem)
    summary = f"{len(paths)} file{'s' * (len(paths) != 1)} checked, {len(problems)} problem{'s' * (len(problems) != 1)}"
    print(summary, file=sys.stderr)
    return 1 if problems else 0


def _expand(paths: list[Path]) -> list[Path]:
    """PATHS with each folder replaced by its YAML files."""
    return [file for path in paths for file in (yaml_files_in(path) if path.is_dir() else [path])]


def _measure(args: argparse.Namespace) -> int:
    import timm

    from modelsite.measure import measure

    name = args.model_id.split(".")[0]
    if not timm.is_model(name):
        print(f"modelsite measure: timm {timm.__version__} has no model {name!r}; "
              "see timm.list_models() for the IDs", file=sys.stderr)
        return 1
    result = measure(args.model_id)
    print(f"# {args.model_id}, measured with timm {result.timm_version} and torch {result.torch_version}")
    print(f"# FLOPs: multiply-accumulates for one {result.image_size}x{result.image_size} image "
          "(FlopCounterMode total, halved)")
    print("Metadata:")
    for key, value in result.metadata().items():
        print(f"  {key}: {value}")
    print(f"Code: {result.code}")
    return 0


def _check(args: argparse.Namespace) -> int:
    return run_check(args)
