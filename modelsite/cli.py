"""The `modelsite` command line: validate the index, measure a model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modelsite.index import INDEX_DIR, index_files, read_index
from modelsite.problems import Problem, display_path


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
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
    return parser


def _validate(args: argparse.Namespace) -> int:
    root = Path.cwd()
    paths = _expand(args.paths) if args.paths else index_files(root)
    if not paths:
        print(f"modelsite validate: no YAML files found in {args.paths or INDEX_DIR + '/'}", file=sys.stderr)
        return 1
    missing = [Problem(display_path(p, root), 1, 1, "no such file") for p in paths if not p.exists()]
    if not args.paths:
        # The default covers the whole index, so cross-file checks see every collection.
        paths = [p for p in paths if p.exists()]
    else:
        # Named files are checked together with the rest of the index, which defines their collections.
        named = {p.resolve() for p in paths if p.exists()}
        paths = sorted(named | {p.resolve() for p in index_files(root)})
    _, problems = read_index(paths, base=root, check_timm=not args.no_timm)
    if args.paths:
        shown = {display_path(p, root) for p in _expand(args.paths)}
        problems = [p for p in problems if p.path in shown]
    problems = sorted(set(problems + missing))
    for problem in problems:
        print(problem)
    checked = len(_expand(args.paths)) if args.paths else len(paths)
    summary = f"{checked} file{'s' * (checked != 1)} checked, {len(problems)} problem{'s' * (len(problems) != 1)}"
    print(summary, file=sys.stderr)
    return 1 if problems else 0


def _expand(paths: list[Path]) -> list[Path]:
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            expanded.append(path)
    return expanded


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
