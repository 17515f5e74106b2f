"""One report from several: a run over an older report (`--only`), and the shards of one sweep."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from modelsite.core.report.results import Report, ReportError
from modelsite.core.shard import Shard, ShardError


def merged(previous: Report | None, new: Report) -> Report:
    """NEW, plus the runs and models of PREVIOUS that NEW did not cover (an `--only` run).

    The build shows, under each block, the newest result of its page run; runs of an older report
    stay until a check covers them again, and each block is matched by its text, so an old result
    never lands under code that has changed since.
    """
    if previous is None:
        return new
    ran = {page.path for page in new.pages}
    checked = set(new.models_checked)
    pages = new.pages + tuple(p for p in previous.pages if p.path not in ran)
    figures = new.figures + tuple(f for f in previous.figures if f.model not in checked)
    return replace(
        new,
        pages=pages,
        figures=figures,
        models_checked=new.models_checked + tuple(m for m in previous.models_checked if m not in checked),
        passed=not any(p.failed for p in pages) and not figures,
    )


def merge_shards(reports: list[tuple[Path, Report]]) -> Report:
    """The reports of the shards of one sweep as one: every page and model once, the same device and versions."""
    if not reports:
        raise ReportError("no reports to merge")
    first_path, first = reports[0]
    _same_sweep(reports)
    seen: dict[str, Path] = {}
    for path, report in reports:
        for label, value in (("device", report.device), ("deploy", report.deploy), ("versions", dict(report.versions))):
            if value != getattr(first, label) and not (label == "versions" and not report.pages):
                raise ReportError(
                    f"{path} ran with {label} {value or '(not recorded)'}, {first_path} with "
                    f"{getattr(first, label) or '(not recorded)'}: merge only the shards of one sweep"
                )
        for name in [page.path for page in report.pages] + list(report.models_checked):
            if name in seen:
                raise ReportError(
                    f"{name} is in both {seen[name]} and {path}: merge only the shards of one sweep, each once"
                )
            seen[name] = path
    merged_report = first
    for _, report in reports[1:]:
        merged_report = merged(merged_report, report)
    return replace(merged_report, finished_at=max(report.finished_at for _, report in reports), shard="", shard_plan="")


def _same_sweep(reports: list[tuple[Path, Report]]) -> None:
    """Shards of one sweep: one split (else pages ran twice or never), and every shard of it exactly once."""
    sharded = [(path, report) for path, report in reports if report.shard]
    if not sharded:
        return
    shards: dict[int, Path] = {}
    counts = set()
    for path, report in reports:
        try:
            shard = Shard.parse(report.shard)
        except ShardError:
            raise ReportError(
                f"{path} is not a report of `modelsite check --shard K/N`: merge only a sweep's shards"
            ) from None
        number, count = shard.number, shard.count
        if number in shards:
            raise ReportError(f"{path} and {shards[number]} are both shard {report.shard}: merge each shard once")
        shards[number] = path
        counts.add(count)
        if report.shard_plan != sharded[0][1].shard_plan or len(counts) > 1:
            raise ReportError(
                f"{path} and {sharded[0][0]} split the pages differently, so some pages ran in two shards and some "
                "in none: the shards did not start from the same durations (.modelsite-cache/sweep-durations.json) "
                "and the same memory and jobs, which decide the pages too large to start or to run beside another; "
                "run every shard from one copy of the durations, each with the plan's --memory and --jobs"
            )
    count = counts.pop()
    missing = sorted(set(range(1, count + 1)) - set(shards))
    if missing:
        raise ReportError(
            f"shard {', '.join(f'{number}/{count}' for number in missing)} is missing: merge every shard of the sweep"
        )
