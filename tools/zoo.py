"""Register every pretrained tag of the installed timm that the index lacks, each in its family's collection.

    .venv/bin/python tools/zoo.py plan
    .venv/bin/python tools/zoo.py register --results DIR --results-revision COMMIT [--family STEM ...]

`plan` lists, family by family (modelsite/measure/families.py), the tags timm has released and the index lacks.
`register` runs `modelsite new` once per family on those tags, appending them to model_index/STEM.yaml
(created with placeholders for its paper, summary and citation when absent) with their accuracy from
timm's results/ folder at COMMIT. Every figure is measured; nothing is typed by hand. Each tag is measured
first: one that cannot be is named at the end and left out, and the rest of its family is written.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from modelsite.core.errors import ModelsiteError
from modelsite.core.project import INDEX_DIR
from modelsite.index import index_files, read_index
from modelsite.measure.families import family_of

ROOT = Path(__file__).resolve().parents[1]


def missing_by_family() -> dict[tuple[str, str], list[str]]:
    """(file stem, collection name) -> the tags of that family that timm has released and the index lacks."""
    import timm
    from timm.models import get_pretrained_cfg

    index, problems = read_index(index_files(ROOT), base=ROOT, check_timm=False)
    if problems:
        raise SystemExit("the model index has problems; run modelsite validate first")
    registered = {model.key for model in index.models}
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for tag in timm.list_pretrained():
        if tag.startswith("test_") or tag in registered or get_pretrained_cfg(tag) is None:
            continue  # timm's test_ models are tiny random nets for its own CI, not released weights.
        found[family_of(tag)].append(tag)
    return dict(sorted(found.items()))


def plan() -> int:
    families = missing_by_family()
    for (stem, name), tags in families.items():
        print(f"{len(tags):5d}  {INDEX_DIR}/{stem}.yaml  {name}")
    print(f"{sum(map(len, families.values()))} tags in {len(families)} families are not registered")
    return 0


def register(results_folder: Path, revision: str, only: list[str]) -> int:
    from modelsite.core.project import Project
    from modelsite.measure import cached_measure
    from modelsite.measure.scaffold import new_entry
    from modelsite.measure.timm_results import read_timm_results

    results = read_timm_results(results_folder, revision)
    families = {key: tags for key, tags in missing_by_family().items() if not only or key[0] in only}
    total, done, failed = sum(map(len, families.values())), 0, []
    started = time.monotonic()
    unmeasurable: list[str] = []
    for (stem, name), tags in families.items():
        # Measured first, one by one, so that a tag timm cannot measure leaves the rest of its family registered.
        measurable = []
        for tag in tags:
            try:
                cached_measure(tag, Project(ROOT).cache_dir)
            except Exception as error:  # timm's own errors too.
                unmeasurable.append(f"{tag}: {type(error).__name__}: {error}")
            else:
                measurable.append(tag)
        tags = measurable
        if not tags:
            continue

        def progress(count: int, model_id: str, seconds: float, before: int = done) -> None:
            print(f"[{before + count}/{total}] {model_id} measured in {seconds:.1f} s", flush=True)

        try:
            written = new_entry(tags, ROOT / INDEX_DIR / f"{stem}.yaml", ROOT, name, progress, results)
        except Exception as error:  # timm's own errors too: one family that fails stops no other.
            reason = str(error) if isinstance(error, ModelsiteError) else f"{type(error).__name__}: {error}"
            failed.append(f"{stem}: {reason}")
            print(f"{stem}: not written: {reason}", flush=True)
        else:
            print(f"{written.path.name}: {len(tags)} tags written ({written.placeholders} placeholders)", flush=True)
        done += len(tags)
    print(f"{len(families) - len(failed)} of {len(families)} families written in {time.monotonic() - started:.0f} s")
    for line in failed:
        print(f"not registered: {line}")
    for line in unmeasurable:
        print(f"not measured, so not registered: {line}")
    return 1 if failed or unmeasurable else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plan", help="list the tags the index lacks, by family")
    add = commands.add_parser("register", help="register them with modelsite new, family by family")
    add.add_argument("--results", type=Path, required=True, metavar="DIR", help="timm's results/ folder")
    add.add_argument("--results-revision", required=True, metavar="COMMIT", help="the commit DIR was taken at")
    add.add_argument("--family", action="append", default=[], metavar="STEM", help="only this family's file")
    args = parser.parse_args()
    if args.command == "plan":
        return plan()
    return register(args.results, args.results_revision, args.family)


if __name__ == "__main__":
    raise SystemExit(main())
