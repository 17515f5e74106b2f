"""What the check found about deploying a variant: each deploy path it tried, and how that went.

A variant's compatibility is measured by a probe (modelsite.check.deploy) that the check runs like
a page, in a fresh interpreter of its own, under the page path `deploy/KEY`. The probe prints one
line, PROBE_MARK followed by JSON; the report keeps it as that run's output, and the build reads
it back here to fill each variant's table. DEPLOY_PATHS is the one list of paths: the probe tries
them in this order, and the pages and docs/deploy.md show them in this order.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

# The first characters of the probe's one line of result; a version, should its shape change.
PROBE_MARK = "modelsite-deploy/1 "
# A probe's page path: not a file, so that no site page can have it.
PROBE_PREFIX = "deploy/"

# How a path went: as is, only with a change the check found, or not at all; or the check did not
# try it (the costly paths run under `--deploy full`, see DeployPath.full).
WORKS = "works"
WORKAROUND = "workaround"
FAILS = "fails"
NOT_RUN = "not run"
STATUSES = (WORKS, WORKAROUND, FAILS, NOT_RUN)


@dataclass(frozen=True)
class DeployPath:
    """One way to run a variant outside eager PyTorch, as the probe tries it."""

    key: str
    title: str
    # The column's head in a collection's table of every variant.
    short: str
    # What the probe does, in a sentence, for docs/deploy.md.
    how: str
    # Tried only under `--deploy full` (the GPU runner, the weekly sweep): too slow for every CPU check.
    full: bool = False


DEPLOY_PATHS = (
    DeployPath(
        "onnx",
        "ONNX export",
        "ONNX",
        "`torch.onnx.export(model, (batch,), dynamo=True)` with a dynamic batch dimension. When that fails, "
        "it tries again with timm's `exportable=True` layers, then with a fixed batch size, and says which "
        "change made it work.",
    ),
    DeployPath(
        "onnx_legacy",
        "ONNX export, TorchScript-based",
        "ONNX (old)",
        "The older exporter, `torch.onnx.export(..., dynamo=False)` at opset 17 with a dynamic batch, "
        'which the timm issues about TF "same" padding were about; when it fails, again with `exportable=True`, '
        "then with a fixed batch size.",
    ),
    DeployPath(
        "onnxruntime",
        "onnxruntime agreement",
        "onnxruntime",
        "The exported file run by onnxruntime on a batch of two seeded images, held to eager PyTorch: "
        "every logit within 1e-4 + 1e-3 · (largest logit), and the same top-5 classes.",
    ),
    DeployPath(
        "torchscript",
        "TorchScript",
        "TorchScript",
        "`torch.jit.script(model)`; when scripting fails, `torch.jit.trace(model, batch)`, which records one "
        "pass for one input shape. Held to eager like onnxruntime.",
    ),
    DeployPath(
        "compile",
        "torch.compile",
        "compile",
        "`torch.compile(model)` and its first call, timed: that call compiles. Held to eager like onnxruntime.",
        full=True,
    ),
    DeployPath(
        "autocast",
        "channels_last + bf16 autocast",
        "bf16",
        "The model in channels_last memory format under `torch.autocast(dtype=torch.bfloat16)`. Reduced "
        "precision moves logits, so this path is not held to a tolerance: its distance from eager is shown.",
        full=True,
    ),
)
PATH_KEYS = tuple(path.key for path in DEPLOY_PATHS)
# What `--deploy quick` (and `full`) tries.
QUICK_PATH_KEYS = tuple(path.key for path in DEPLOY_PATHS if not path.full)
# `modelsite check --deploy MODE`; auto is full on a GPU (fast there) and quick on the CPU.
DEPLOY_MODES = ("auto", "quick", "full", "skip")


def resolved_deploy_mode(mode: str, device: str) -> str:
    """What `--deploy MODE` means on DEVICE: quick, full or skip."""
    if mode == "auto":
        return "full" if device == "cuda" else "quick"
    return mode


def deploy_paths(mode: str, device: str) -> tuple[str, ...]:
    """The paths `--deploy MODE` probes on DEVICE; none for skip."""
    return {"skip": (), "full": PATH_KEYS}.get(resolved_deploy_mode(mode, device), QUICK_PATH_KEYS)


@dataclass(frozen=True)
class PathOutcome:
    """How one deploy path went for one variant."""

    path: str
    status: str
    # What a reader needs next to the status: the opset, the distance from eager, the compile time,
    # or the first line of the error.
    detail: str
    seconds: float
    # The change that made the path work, when it did not work as is.
    workaround: str | None = None


@dataclass(frozen=True)
class Compatibility:
    """Every deploy path of one variant, as one probe run found them."""

    model: str
    outcomes: tuple[PathOutcome, ...]

    def outcome(self, path: str) -> PathOutcome | None:
        return next((outcome for outcome in self.outcomes if outcome.path == path), None)

    @property
    def workarounds(self) -> list[tuple[str, str]]:
        """(path title, workaround) for each path that needed one."""
        titles = {path.key: path.title for path in DEPLOY_PATHS}
        return [(titles[o.path], o.workaround) for o in self.outcomes if o.status == WORKAROUND and o.workaround]


def probe_page_path(model_key: str) -> str:
    return PROBE_PREFIX + model_key


def is_probe_path(path: str) -> bool:
    return path.startswith(PROBE_PREFIX)


def probe_line(compatibility: Compatibility) -> str:
    """The probe's one printed line."""
    return PROBE_MARK + json.dumps(asdict(compatibility), sort_keys=True)


def parse_probe_output(output: str) -> Compatibility | None:
    """The compatibility a probe printed in OUTPUT; None when there is no well-formed probe line."""
    for line in reversed(output.splitlines()):
        if line.startswith(PROBE_MARK):
            try:
                return _compatibility(json.loads(line[len(PROBE_MARK) :]))
            except (ValueError, TypeError, KeyError):
                return None
    return None


def _compatibility(data: Any) -> Compatibility:
    if not isinstance(data, dict) or not isinstance(data.get("model"), str):
        raise ValueError("not a probe result")
    outcomes = []
    for item in data["outcomes"]:
        outcome = PathOutcome(
            path=str(item["path"]),
            status=str(item["status"]),
            detail=str(item["detail"]),
            seconds=float(item["seconds"]),
            workaround=None if item.get("workaround") is None else str(item["workaround"]),
        )
        if outcome.path not in PATH_KEYS or outcome.status not in STATUSES:
            raise ValueError(f"unknown path or status in {item!r}")
        outcomes.append(outcome)
    return Compatibility(model=data["model"], outcomes=tuple(outcomes))
