"""`modelsite check`: the figures of the index, then every page's code, each held to what the site says."""

from __future__ import annotations

import argparse
import fnmatch
import math
import queue
import re
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from modelsite.check import devices, messages, plan, resources, reuse, selection
from modelsite.check.discover import discover
from modelsite.check.figures import figure_problems
from modelsite.check.offline import offline_responses, responses_digest
from modelsite.check.page_run import run_page, too_large_result
from modelsite.check.sandbox import DEFAULT_TIMEOUT, RunOptions
from modelsite.core.blocks import Page
from modelsite.core.cache import CAP_VARIABLE, DEFAULT_CAP_BYTES, CacheCapError, cap_bytes, parse_size
from modelsite.core.compatibility import DEPLOY_MODES, deploy_paths, probe_page_path, resolved_deploy_mode
from modelsite.core.errors import ModelsiteError
from modelsite.core.machine import DEVICE_CHOICES, memory_bytes
from modelsite.core.problems import FigureProblem, IndexProblems
from modelsite.core.project import Project
from modelsite.core.report.codec import read_report, set_aside_if_unreadable, write_report
from modelsite.core.report.merging import merged
from modelsite.core.report.results import PageResult, Report, new_report
from modelsite.core.shard import Shard, ShardError
from modelsite.index import Model, ModelIndex, index_files, load_index
from modelsite.measure import Measurement, cached_measure

NAME = "check"
HELP = "run every code block of the site and compare every figure"
DESCRIPTION = (
    "Verify the site: each figure of the index against the real timm model, and each Python block of each page "
    "(and each runnable example) run in a fresh interpreter and held to its `# prints:`."
)


class CheckError(ModelsiteError):
    """The check cannot start (no CUDA device, a broken index, an --only that matches nothing)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_what_runs(parser)
    _add_how_it_runs(parser)


def _add_what_runs(parser: argparse.ArgumentParser) -> None:
    """The options that choose the pages and models: --only, --shard, --sample, --families, --figures-only,
    --changed-since, --deploy."""
    parser.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="PATTERN",
        help="shell-style patterns matched against model IDs and page paths "
        "(tf_efficientnet_cc_*, docs/getting-started.md)",
    )
    parser.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="run shard K of N balanced shards of the pages (by their last recorded duration); "
        "merge the N reports with `modelsite merge-reports`",
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="every hand-written page and example, and the cheapest variant page of each kind of page: every "
        "page and template at least once",
    )
    parser.add_argument(
        "--families",
        action="store_true",
        help="the sample, and the cheapest variant page of each collection: one tag per family",
    )
    parser.add_argument(
        "--figures-only",
        action="store_true",
        help="hold the figures of the chosen models to the real models, and run no page",
    )
    parser.add_argument(
        "--changed-since",
        metavar="REV",
        help="with --sample: also every variant page whose index entry is new or changed since git REV",
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="run nothing: print the shards the chosen pages need so that each fits --shard-minutes, "
        "with their expected times (from the cost model and the recorded durations) and the total",
    )
    parser.add_argument(
        "--shard-minutes",
        type=_positive_minutes,
        default=plan.DEFAULT_SHARD_MINUTES,
        metavar="MINUTES",
        help=f"with --plan: what one shard may take on this machine (default {plan.DEFAULT_SHARD_MINUTES:g})",
    )
    parser.add_argument(
        "--plan-json",
        type=Path,
        metavar="PATH",
        help="with --plan: also write it as JSON to PATH; its `matrix` is the workflow's list of shards",
    )
    parser.add_argument(
        "--deploy",
        choices=DEPLOY_MODES,
        default="auto",
        help="the deploy paths probed for each variant's compatibility table (docs/deploy.md): quick (ONNX, "
        "onnxruntime, TorchScript), full (also torch.compile and bf16 autocast), or skip (no probe, and no "
        "collection page's deploy code); auto (default) is full on a GPU and quick on the CPU",
    )


def _add_how_it_runs(parser: argparse.ArgumentParser) -> None:
    """The options that say where and how: device, jobs, timeout, environment, reports, cache, network."""
    parser.add_argument(
        "--device",
        choices=DEVICE_CHOICES,
        default="auto",
        help="cpu hides every GPU; cuda fails at once without one; auto (default) takes what exists",
    )
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the full result as JSON to PATH")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML to PATH, for CI")
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default="auto",
        metavar="N|auto",
        help="pages run in parallel; auto (default) picks it from the cores, the memory and the GPU's memory. "
        "Each page's torch gets cores // jobs threads",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"per page; a page running longer fails (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--pass-env",
        action="append",
        default=[],
        type=_variable_name,
        metavar="NAME",
        help="hand the caller's environment variable NAME on to the pages (repeatable); pages see "
        "only an allow-list of variables otherwise",
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="REPORT",
        help="hold each block's output to the same block's output in REPORT (a CPU run's): text exactly, "
        "numbers within the tolerance docs/checking.md states",
    )
    parser.add_argument("--no-cache", action="store_true", help="run every page, even those that passed unchanged")
    parser.add_argument(
        "--memory",
        type=_size,
        metavar="SIZE",
        help="what the pages running side by side may use together (default: the memory available when the "
        "check starts); a page estimated to need more than all of it is not run, and the report says so",
    )
    parser.add_argument(
        "--cache-cap",
        type=_size,
        metavar="SIZE",
        help=f"what .modelsite-cache may hold (20GB, 500MB, 16GiB): the least recently used synthesized "
        f"checkpoints are evicted to stay under it, and made again when needed (default: {CAP_VARIABLE}, "
        f"else {DEFAULT_CAP_BYTES // 10**9} GB)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="use the network: real released weights and URLs, and hold `# prints[online]:` lines",
    )


def _jobs(text: str) -> int | str:
    return "auto" if text == "auto" else _positive_int(text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive; give 1 or more")
    return value


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ShardError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_seconds(text: str) -> float:
    return _positive_number(text, "seconds", "600")


def _positive_minutes(text: str) -> float:
    return _positive_number(text, "minutes", "60")


def _positive_number(text: str, unit: str, example: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive, finite number of {unit} (e.g. {example})")
    return value


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except CacheCapError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _variable_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an environment variable's name")
    return text


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    _refuse_conflicting_options(args)
    project = Project(Path.cwd())
    # A report the build cannot read would stop the discovery build itself: set it aside first.
    moved = set_aside_if_unreadable(project.latest_report)
    if moved:
        print(f"modelsite check: {moved}", file=err)
    device = resolve_device(args.device)
    index = _index(project)
    deploy_mode = resolved_deploy_mode(args.deploy, device)
    changed = _changed_variants(args, project, index)
    models, pages = _selected_by_only(args, project, index, device, deploy_mode, changed)
    # The last whole sweep's durations on this device with this deploy mode: what shards balance by, and the
    # order pages start in.
    durations_key = selection.durations_key(device, deploy_mode)
    recorded = selection.read_durations((project.committed_durations, project.sweep_durations), durations_key)
    budget = resources.budget(args.jobs, device)
    options = RunOptions(
        root=project.root,
        cache_dir=project.cache_dir,
        device=device,
        timeout=args.timeout,
        online=args.online,
        pass_env=tuple(args.pass_env),
        threads=budget.threads,
        cache_cap=args.cache_cap or cap_bytes(),
    )
    # What each page needs, and the pages that cost this run nothing: those too large to start here, and those
    # that passed unchanged (reused from the cache). Shards and the plan balance by what is left to run.
    memory = args.memory or memory_bytes() or 0
    sizer = selection.page_sizer(index)
    needs = {page.path: resources.page_memory_bytes(sizer(page)) for page in pages}
    too_large = frozenset(page.path for page in pages if memory and needs[page.path] > memory)
    # A page that leaves too little memory for another beside it holds the machine alone: it costs a shard more.
    shares = {page.path: resources.machine_share(needs[page.path], memory, budget.jobs) for page in pages}
    # Only a split needs to know beforehand which pages the cache answers; a run reads each entry once, as it goes.
    splitting = bool(args.shard or args.plan)
    reused = reuse.reusable_paths(pages, options) if splitting and not args.no_cache else frozenset()
    models, pages, split = _narrowed(args, index, models, pages, recorded, changed, err, too_large | reused, shares)
    if args.plan:
        planned = plan.make_plan(
            pages, models, recorded, index, budget.jobs, args.shard_minutes * 60, too_large | reused, shares
        )
        planned = replace(planned, too_large=tuple(sorted(too_large)), reused=len(reused), memory=memory)
        print("\n".join(planned.lines()), file=out)
        if args.plan_json:
            planned.write_json(args.plan_json)
        return 0
    mismatches = check_figures(models, project.cache_dir, not args.no_cache, err, jobs=budget.jobs)
    for problem in mismatches:
        print(problem, file=out)
    print(f"jobs: {budget.describe()}", file=err)
    expected = selection.expected_seconds(pages, recorded, index)
    results = run_pages(
        pages,
        options,
        jobs=budget.jobs,
        use_cache=not args.no_cache,
        err=err,
        seconds=expected,
        needs=needs,
        memory=memory,
    )
    if args.compare_with:
        results = _compared(results, args.compare_with, err)
    _print_outcome(results, len(mismatches), device, args.online, out, err)
    report = new_report(
        results, mismatches, [m.key for m in models], device, args.online, budget.jobs, budget.threads, deploy_mode
    )
    if args.shard:
        report = replace(report, shard=str(args.shard), shard_plan=split)
    elif not args.only and not args.sample and not args.families and not args.figures_only:
        # A whole sweep: what the next sweep's shards balance by.
        selection.write_durations(project.sweep_durations, durations_key, results)
    _write_reports(args, project, report)
    return 1 if mismatches or any(result.failed for result in results) else 0


def _index(project: Project) -> ModelIndex | None:
    """The project's index (None without one), refused whole when it has problems."""
    try:
        return load_index(project.root, check_timm=False) if index_files(project.root) else None
    except IndexProblems as problems:
        raise CheckError(f"the model index has problems; fix them first (modelsite validate):\n{problems}") from None


def _selected_by_only(
    args: argparse.Namespace,
    project: Project,
    index: ModelIndex | None,
    device: str,
    deploy_mode: str,
    changed: set[str],
) -> tuple[list[Model], list[Page]]:
    """The models and pages (deploy probes included) that --only names, all of them without it."""
    models = [m for m in (index.models if index else ()) if _model_selected(m, args.only)]
    if args.figures_only:
        return models, []
    # Discovery is reused even under --no-cache: it is keyed by every file and package the pages' text depends
    # on, and it runs nothing, so reusing it cannot hide a failure.
    discovered = discover(project, index, use_cache=True, collections=_sampled_collections(args, index, changed))
    found = selection.with_deploy(discovered, index, deploy_paths(deploy_mode, device))
    # A chosen variant's table is filled by the probe that stands for it, which may be another tag's.
    probes = {probe_page_path(index.probed_as[model.key]) for model in models} if index and args.only else set()
    pages = [page for page in found if _page_selected(page, args.only) or page.path in probes]
    if args.only and not models and not pages:
        raise CheckError(f"--only {' '.join(args.only)} matches no model ID and no page")
    return models, pages


def _refuse_conflicting_options(args: argparse.Namespace) -> None:
    """Options that cannot go together, refused before anything is read or built."""
    if args.figures_only and (args.sample or args.families or args.shard):
        raise CheckError(
            "--figures-only holds every model --only names to its figures; it takes no --sample, --families or --shard"
        )
    if args.changed_since and not (args.sample or args.families):
        raise CheckError("--changed-since adds to --sample; give both")
    if args.plan and (args.shard or args.figures_only):
        raise CheckError("--plan splits the chosen pages into shards; it takes no --shard or --figures-only")
    if args.plan_json and not args.plan:
        raise CheckError("--plan-json writes the plan: give --plan too")


def _changed_variants(args: argparse.Namespace, project: Project, index: ModelIndex | None) -> set[str]:
    """The keys of the variants new or changed since --changed-since (none without it)."""
    if not args.changed_since or index is None:
        return set()
    return selection.changed_variants(project.root, index, args.changed_since)


def _sampled_collections(
    args: argparse.Namespace, index: ModelIndex | None, changed: set[str]
) -> frozenset[str] | None:
    """With --sample or --families, the collections whose pages the sample takes, the CHANGED variants'
    included: discovery builds theirs alone. None, for every page, otherwise."""
    if not (args.sample or args.families) or index is None:
        return None
    paths = selection.sample_paths(index, per_collection=args.families) | selection.changed_page_paths(index, changed)
    return selection.collections_of(index, paths)


def _print_outcome(
    results: list[PageResult], mismatches: int, device: str, online: bool, out: TextIO, err: TextIO
) -> None:
    for message in messages.failures(results):
        print(message, file=out)
    for line in messages.excluded_lines(results):
        print(line, file=err)
    for line in messages.summary_lines(results, mismatches, device, online):
        print(line, file=err)


def _compared(results: list[PageResult], reference_path: Path, err: TextIO) -> list[PageResult]:
    """RESULTS with each block held to the same block's output in the report at REFERENCE_PATH."""
    reference = read_report(reference_path)
    results = [devices.held_to(result, reference, str(reference_path)) for result in results]
    compared = devices.compared_blocks(results, reference)
    print(f"compared with {reference_path} ({reference.device}): {compared} blocks", file=err)
    return results


def _write_reports(args: argparse.Namespace, project: Project, report: Report) -> None:
    """The latest report, which the build shows each block's output from (modelsite.site.outputs), then the
    --report and --junit files asked for."""
    latest = project.latest_report
    write_report(latest, merged(read_report(latest) if latest.is_file() else None, report))
    if args.report:
        write_report(args.report, report)
    if args.junit:
        messages.write_junit(args.junit, list(report.pages), list(report.figures))


def _narrowed(
    args: argparse.Namespace,
    index: ModelIndex | None,
    models: list[Model],
    pages: list[Page],
    recorded: Mapping[str, float],
    changed: set[str],
    err: TextIO,
    costless: frozenset[str] = frozenset(),
    shares: Mapping[str, int] | None = None,
) -> tuple[list[Model], list[Page], str]:
    """MODELS and PAGES cut down by --sample (and the CHANGED variants of --changed-since), then by --shard
    (balanced by RECORDED durations, the COSTLESS pages at none, each page times the SHARES of the machine it
    holds); and the digest of the shards' split (empty without --shard)."""
    if args.sample or args.families:
        chosen = selection.sample_pages(pages, index, per_collection=args.families)
        if changed and index is not None:
            extra = selection.changed_pages(pages, index, changed)
            chosen = [page for page in pages if page in chosen or page in extra]
        names = {name for page in chosen for name in page.models}
        models = [model for model in models if model.key in names]
        print(f"sample: {len(chosen)} pages, {len(models)} models", file=err)
        pages = chosen
    if args.shard:
        chosen, digest = selection.shard_pages(pages, args.shard, recorded, index, costless, shares)
        models = selection.shard_models(models, pages, args.shard, chosen)
        print(f"shard {args.shard}: {len(chosen)} of {len(pages)} pages, {len(models)} models", file=err)
        return models, chosen, digest
    return models, pages, ""


def resolve_device(requested: str) -> str:
    """The device pages run on; importing torch only when a GPU may exist keeps a cached rerun quick."""
    if requested == "cpu":
        return "cpu"
    if requested == "auto" and not any(Path("/dev").glob("nvidia[0-9]*")):
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise CheckError(
            f"--device cuda, but torch finds no CUDA device here (torch {torch.__version__}); use --device cpu or auto"
        )
    return "cpu"


def run_pages(
    pages: list[Page],
    options: RunOptions,
    jobs: int,
    use_cache: bool,
    err: TextIO,
    seconds: Mapping[str, float] | None = None,
    needs: Mapping[str, int] | None = None,
    memory: int | None = None,
) -> list[PageResult]:
    """Every page's result, in page order; pages that passed unchanged come from the cache. The longest pages
    (by SECONDS, expected durations) start first, so that no long page is left to run alone at the end. With
    MEMORY (bytes), a free job takes the first waiting page whose NEEDS the pages running leave room for, and a
    page needing more than all of MEMORY is not started (page_run.too_large_result)."""
    digest = responses_digest(offline_responses(options.root))
    keys = {page.path: reuse.page_key(page, options, digest) for page in pages}
    results: dict[str, PageResult] = {}
    done = 0

    def finished(result: PageResult) -> None:
        nonlocal done
        done += 1
        results[result.path] = result
        print(messages.progress_line(done, len(pages), result), file=err, flush=True)

    to_run = []
    for page in pages:
        hit = reuse.load(options.cache_dir, keys[page.path]) if use_cache else None
        if hit is not None:
            finished(hit)
        else:
            to_run.append(page)
    to_run.sort(key=lambda page: -(seconds or {}).get(page.path, 0.0))
    # Without MEMORY, every page fits beside the others: only JOBS bounds how many run.
    gate = resources.MemoryGate(memory or sys.maxsize)

    def need(page: Page) -> int:
        return (needs or {}).get(page.path, 0) if memory else 0

    for page in [page for page in to_run if not gate.fits(need(page))]:
        to_run.remove(page)
        finished(too_large_result(page, need(page), gate.total))
    count = len(to_run)

    # Each job takes the next page that fits (the gate), runs it and hands its result, or what it raised, to this
    # thread, which records and prints them in the order they finish.
    finished_pages: queue.Queue[PageResult | BaseException] = queue.Queue()

    def job() -> None:
        while (page := gate.take(to_run, need)) is not None:
            outcome: PageResult | BaseException
            try:
                outcome = run_page(page, options)
            except BaseException as error:
                outcome = error
            finally:
                gate.release(need(page))
            finished_pages.put(outcome)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for _ in range(min(jobs, count)):
            pool.submit(job)
        for _ in range(count):
            outcome = finished_pages.get()
            if isinstance(outcome, BaseException):
                raise outcome
            reuse.keep(options.cache_dir, keys[outcome.path], outcome)
            finished(outcome)
    return [results[page.path] for page in pages]


def check_figures(
    models: list[Model], cache_dir: Path, use_cache: bool, err: TextIO, jobs: int = 1
) -> list[FigureProblem]:
    """Measure each model (or reuse its measurement for these versions) and compare its figures; JOBS
    interpreters measure side by side (a measurement runs on one thread, on the meta device)."""
    problems: list[FigureProblem] = []
    root = cache_dir if use_cache else None
    measured: dict[str, Measurement | ModelsiteError] = {}
    if jobs > 1 and len(models) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Spawned, not forked: torch's threads do not survive a fork.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_measured_or_error, model.key, root): model.key for model in models}
            for done, future in enumerate(as_completed(futures), 1):
                measured[futures[future]] = future.result()
                if done % 100 == 0:
                    print(f"figures: {done} of {len(models)} models measured", file=err, flush=True)
    for model in models:
        result = measured[model.key] if model.key in measured else _measured_or_error(model.key, root)
        if isinstance(result, ModelsiteError):  # One model that cannot be measured fails alone; the rest go on.
            line, col = model.where("Name")
            problems.append(
                FigureProblem(model.file, line, col, f"{model.key}: {result}", model=model.key, field="Name")
            )
            continue
        problems.extend(figure_problems(model, result))
    if models:
        print(f"figures: {len(models)} models measured, {len(problems)} problems", file=err)
    return problems


def _measured_or_error(model_id: str, cache_root: Path | None) -> Measurement | ModelsiteError:
    try:
        return cached_measure(model_id, cache_root)
    except ModelsiteError as error:
        return error


def _selected(name: str, patterns: list[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _model_selected(model: Model, patterns: list[str]) -> bool:
    """By its ID or by `ID.tag`, as `modelsite new` prints it."""
    return _selected(model.name, patterns) or (bool(patterns) and _selected(model.key, patterns))


def _page_selected(page: Page, patterns: list[str]) -> bool:
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(page.path, pattern) for pattern in patterns) or any(
        _selected(model, patterns) for model in page.models
    )
