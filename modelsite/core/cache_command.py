"""`modelsite cache info|clear`: what each store of .modelsite-cache/ holds, or all of them emptied."""

from __future__ import annotations

import argparse
from pathlib import Path

from modelsite.core.cache import STORES, clear, store
from modelsite.core.problems import display_path
from modelsite.core.project import Project

NAME = "cache"
HELP = "show or clear the cache in .modelsite-cache/"
DESCRIPTION = (
    "Measurements, synthesized checkpoints, discovered pages and passed page runs are kept in .modelsite-cache/, "
    "each kind bounded in size."
)
ACTIONS = {"info": "what each store holds", "clear": "empty them all"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", choices=tuple(ACTIONS), help="; ".join(f"{name}: {does}" for name, does in ACTIONS.items())
    )


def run(args: argparse.Namespace) -> int:
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
