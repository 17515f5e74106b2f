"""The deploy probe: each path of DEPLOY_PATHS tried on one variant, in the check's fresh interpreter.

The check runs `probe_page(KEY)` like a page (isolated, offline, with its share of the cores and
its timeout), so the probe loads the variant exactly as a reader's `timm.create_model(KEY,
pretrained=True)` would. It prints one line (modelsite.core.compatibility.probe_line) that the
build turns into the variant's compatibility table: what works, what needed a change and which,
and the first line of each error. Nothing here is typed into a page by hand.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from modelsite.check.devices import TOLERANCE
from modelsite.core.blocks import CodeBlock, Page, SourceRef
from modelsite.core.compatibility import (
    FAILS,
    NOT_RUN,
    PATH_KEYS,
    WORKAROUND,
    WORKS,
    Compatibility,
    PathOutcome,
    probe_line,
    probe_page_path,
)
from modelsite.core.machine import memory_bytes
from modelsite.core.report.results import Tolerance

# The legacy exporter's opset: the newest it supports well.
LEGACY_OPSET = 17
# The peak memory of an ONNX export, as a multiple of the model's weights in bytes: the dynamo exporter had
# taken 19.6 GB for tf_efficientnet_l2 (1.9 GB of weights) when the kernel stopped it on a 24 GB machine.
EXPORT_MEMORY_FACTOR = 12
# An error's first line is cut there: the table's cell is one line.
MAX_ERROR_CHARS = 240
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Images in the probe's batch: more than one, so that a dynamic batch dimension is exercised.
BATCH = 2


def probe_page(model_key: str, paths: tuple[str, ...]) -> Page:
    """The check's job for MODEL_KEY's compatibility on PATHS: one block that runs `main`."""
    code = f"from modelsite.check.deploy import main\n\nmain({model_key!r}, {paths!r})\n"
    source = SourceRef("modelsite/check/deploy.py", 1)
    return Page(
        path=probe_page_path(model_key),
        blocks=(CodeBlock(1, code, 1, None, source),),
        generated=True,
        models=(model_key,),
    )


def main(model_key: str, paths: tuple[str, ...] = PATH_KEYS) -> None:
    """Probe MODEL_KEY's PATHS on the device at hand, printing the result line after each path: should the run
    be stopped (its timeout, memory), the last line still holds every path finished before."""
    probe(model_key, paths, found_so_far=lambda compatibility: print(probe_line(compatibility), flush=True))


def probe(
    model_key: str,
    paths: tuple[str, ...] = PATH_KEYS,
    create: Callable[..., Any] | None = None,
    found_so_far: Callable[[Compatibility], None] | None = None,
) -> Compatibility:
    """MODEL_KEY (created by CREATE, timm.create_model by default) on PATHS; the others are marked not run.
    FOUND_SO_FAR is given the paths finished, after each one."""
    import timm
    import torch

    create = create or timm.create_model
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = create(model_key, pretrained=True).eval().to(device)
    size = tuple(model.pretrained_cfg["input_size"])
    batch = torch.randn(BATCH, *size, generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        eager = model(batch).float()
    found: dict[str, PathOutcome] = {}
    with tempfile.TemporaryDirectory(prefix="modelsite-deploy-") as folder:
        onnx_file, legacy_file = Path(folder) / "model.onnx", Path(folder) / "legacy.onnx"
        steps: dict[str, Callable[[], PathOutcome]] = {
            "onnx": lambda: export_onnx(model_key, model, batch, onnx_file, create, dynamo=True),
            "onnx_legacy": lambda: export_onnx(model_key, model, batch, legacy_file, create, dynamo=False),
            "onnxruntime": lambda: onnxruntime_outcome(
                [
                    (onnx_file, found.get("onnx"), ""),
                    (legacy_file, found.get("onnx_legacy"), "the TorchScript-based file: "),
                ],
                batch,
                eager,
            ),
            "torchscript": lambda: torchscript_outcome(model, batch, eager),
            "compile": lambda: compile_outcome(model, batch, eager),
            # Last: it turns the model to channels_last.
            "autocast": lambda: autocast_outcome(model, batch, eager, device),
        }
        for key in PATH_KEYS:
            found[key] = _try(steps[key], key) if key in paths else PathOutcome(key, NOT_RUN, "", 0.0)
            if found_so_far is not None:
                found_so_far(Compatibility(model=model_key, outcomes=tuple(found.values())))
    return Compatibility(model=model_key, outcomes=tuple(found[key] for key in PATH_KEYS))


def export_onnx(
    model_key: str, model: Any, batch: Any, path: Path, create: Callable[..., Any], dynamo: bool
) -> PathOutcome:
    """Export as is; when that fails, with exportable=True, then with a fixed batch: the first that works. Not
    tried when the machine lacks the memory an export of this size takes."""
    import onnx

    path_key = "onnx" if dynamo else "onnx_legacy"
    short = memory_short(model)
    if short:
        return PathOutcome(path_key, NOT_RUN, short, 0.0)
    started = time.perf_counter()
    attempts: list[tuple[str | None, Callable[[], Any], bool]] = [
        (None, lambda: model, True),
        ("exportable=True (timm's static 'same' padding)", lambda: _exportable(model_key, create, model), True),
        ("a fixed batch size (no dynamic batch dimension)", lambda: model, False),
    ]
    first_error = ""
    for workaround, build, dynamic in attempts:
        try:
            _export(build(), batch, path, dynamo, dynamic)
        except Exception as error:  # Any failure of the exporter is the finding itself.
            first_error = first_error or first_line(error)
            continue
        imports = onnx.load(str(path), load_external_data=False).opset_import
        opset = max(o.version for o in imports if o.domain in ("", "ai.onnx"))
        detail = f"opset {opset}" + ("" if dynamic else ", fixed batch")
        status = WORKS if workaround is None else WORKAROUND
        found = None if workaround is None else f"{workaround}; as is, it fails with: {first_error}"
        return PathOutcome(path_key, status, detail, _since(started), found)
    return PathOutcome(path_key, FAILS, first_error, _since(started))


def memory_short(model: Any) -> str | None:
    """Why an export of MODEL is not tried here: it would take more memory than this machine has free."""
    need = EXPORT_MEMORY_FACTOR * sum(p.numel() * p.element_size() for p in model.parameters())
    free = memory_bytes()
    if free is None or need <= free:
        return None
    return (
        f"not tried on this machine: an export of these {need / EXPORT_MEMORY_FACTOR / 2**30:.1f} GiB of weights "
        f"takes about {need / 2**30:.0f} GiB of memory, and {free / 2**30:.0f} GiB were free"
    )


def _exportable(model_key: str, create: Callable[..., Any], model: Any) -> Any:
    """MODEL_KEY again, built with exportable layers and given MODEL's weights."""
    import timm.layers

    with timm.layers.set_layer_config(exportable=True):
        again = create(model_key, pretrained=False, exportable=True)
    again.load_state_dict(model.state_dict())
    return again.eval().to(next(model.parameters()).device)


def _export(model: Any, batch: Any, path: Path, dynamo: bool, dynamic: bool) -> None:
    import torch

    if dynamo:
        shapes = ({0: torch.export.Dim("batch", min=1, max=1024)},) if dynamic else None
        program = torch.onnx.export(model, (batch,), dynamo=True, dynamic_shapes=shapes, verbose=False)
        assert program is not None, "the dynamo exporter returns its program"
        program.save(str(path))
        return
    axes = {"image": {0: "batch"}, "logits": {0: "batch"}} if dynamic else None
    torch.onnx.export(
        model,
        (batch,),
        str(path),
        dynamo=False,
        opset_version=LEGACY_OPSET,
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes=axes,
    )


def onnxruntime_outcome(files: list[tuple[Path, PathOutcome | None, str]], batch: Any, eager: Any) -> PathOutcome:
    """The first of FILES (path, how its export went, how the table names it) that was exported, under
    onnxruntime, held to eager."""
    import onnxruntime
    import torch

    exported = [(path, named) for path, export, named in files if export and export.status in (WORKS, WORKAROUND)]
    if not exported and all(export and export.status == NOT_RUN for _, export, _ in files):
        return PathOutcome("onnxruntime", NOT_RUN, "not tried: no ONNX export was tried", 0.0)
    if not exported:
        return PathOutcome("onnxruntime", FAILS, "nothing to run: the ONNX export failed", 0.0)
    path, named = exported[0]
    started = time.perf_counter()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {session.get_inputs()[0].name: batch.cpu().numpy()})
    outcome = _held("onnxruntime", torch.as_tensor(logits), eager, started)
    return replace(outcome, detail=named + outcome.detail)


def torchscript_outcome(model: Any, batch: Any, eager: Any) -> PathOutcome:
    """Scripting, or tracing when scripting fails (and why)."""
    import torch

    started = time.perf_counter()
    try:
        scripted = torch.jit.script(model)
        workaround = None
    except Exception as error:  # Why scripting fails is what the page says next to tracing.
        scripted = torch.jit.trace(model, batch)
        workaround = f"tracing (torch.jit.trace): scripting fails with: {first_line(error)}"
    with torch.no_grad():
        outcome = _held("torchscript", scripted(batch), eager, started)
    if workaround is None:
        return outcome
    status = WORKAROUND if outcome.status == WORKS else outcome.status
    return PathOutcome(outcome.path, status, "traced, " + outcome.detail, outcome.seconds, workaround)


def compile_outcome(model: Any, batch: Any, eager: Any) -> PathOutcome:
    """torch.compile's first call (which compiles), timed, then held to eager."""
    import torch

    started = time.perf_counter()
    compiled = torch.compile(model)
    with torch.no_grad():
        logits = compiled(batch)
    compile_seconds = _since(started)
    outcome = _held("compile", logits, eager, started)
    return PathOutcome(
        outcome.path, outcome.status, f"compiled in {compile_seconds:.0f} s, {outcome.detail}", compile_seconds
    )


def autocast_outcome(model: Any, batch: Any, eager: Any, device: str) -> PathOutcome:
    """channels_last with bf16 autocast: its distance from eager, shown, not held."""
    import torch

    started = time.perf_counter()
    model = model.to(memory_format=torch.channels_last)
    with torch.no_grad(), torch.autocast(device_type=device, dtype=torch.bfloat16):
        logits = model(batch.to(memory_format=torch.channels_last))
    difference, agreement = distance(logits, eager)
    return PathOutcome(
        "autocast", WORKS, f"max abs difference {difference:.3g}, top-5 agreement {agreement:.0%}", _since(started)
    )


def distance(logits: Any, eager: Any) -> tuple[float, float]:
    """The largest absolute difference from EAGER, and the share of each image's top-5 classes in common."""
    logits = logits.float().to(eager.device)
    difference = float((logits - eager).abs().max())
    ours, theirs = logits.topk(5).indices.tolist(), eager.topk(5).indices.tolist()
    shared = sum(len(set(a) & set(b)) for a, b in zip(ours, theirs))
    return difference, shared / (5 * len(theirs))


def _held(path: str, logits: Any, eager: Any, started: float, tolerance: Tolerance = TOLERANCE) -> PathOutcome:
    """Works when every logit is within TOLERANCE (absolute, relative to the largest) and the top-5 agree."""
    difference, agreement = distance(logits, eager)
    allowed = tolerance.absolute + tolerance.relative * float(eager.abs().max())
    detail = f"max abs difference {difference:.2g}, top-5 agreement {agreement:.0%}"
    reasons = [f"beyond the allowed {allowed:.2g}"] if difference > allowed else []
    reasons += ["the top-5 classes differ"] if agreement < 1.0 else []
    status, why = (FAILS, f": {' and '.join(reasons)}") if reasons else (WORKS, "")
    return PathOutcome(path, status, detail + why, _since(started))


def _try(run: Callable[[], PathOutcome], path: str) -> PathOutcome:
    """RUN's outcome, or a failure with the first line of what it raised: one path never stops the next."""
    started = time.perf_counter()
    try:
        with _quiet():
            return run()
    except Exception as error:  # Every error is a finding, reported in the table.
        return PathOutcome(path, FAILS, first_line(error), _since(started))


def first_line(error: BaseException) -> str:
    """The type and first line of the error's root cause, as the table shows it.

    Exporters wrap the real error in one that names only their step ("step 3/3 of exporting"), so the
    root cause is what a reader can act on; the wrapper's type is kept in front of it.
    """
    root = error
    while root.__cause__ is not None and root.__cause__ is not root:
        root = root.__cause__
    lines = [line.strip() for line in _ANSI.sub("", str(root)).splitlines() if line.strip()]
    text = f"{type(root).__name__}: {lines[0]}" if lines else type(root).__name__
    if root is not error:
        text = f"{type(error).__name__}, caused by {text}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


@contextlib.contextmanager
def _quiet() -> Any:
    """Exporters and compilers print progress, graphs and warnings; the table says what matters."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)
