"""Outputs held across devices: a block run on the GPU prints what the same block printed on the CPU.

`modelsite check --device cuda --compare-with CPU_REPORT` takes each block of the CUDA run and the run
of the same block (same page, same place among its blocks, same code) in the CPU report, and compares
what it promises: the output of each statement with a `# prints` comment, the text exactly and every
number within TOLERANCE (the GPU's kernels sum in another order, and TF32 may be on) or the wider
tolerance the comment states (`# prints[abs=0.5]`, reduced precision). A block without `# prints` is
compared whole. Output printed only on one device (a float16 path under `if device == "cuda"`) is
the page's to show, not a promise. Tensor reprs name their device (`device='cuda:0'`), which is taken
out before comparing. Illustrative output (random by design) is not compared. A disagreement fails
the block, with both outputs side by side and both devices named.
"""

from __future__ import annotations

import re
from dataclasses import replace

from modelsite.check.expect import normalized, numbers_close
from modelsite.core.compatibility import is_probe_path
from modelsite.core.report.results import BlockError, BlockResult, DeviceOutput, Held, PageResult, Report, Tolerance
from modelsite.core.report.wording import side_by_side

# Absolute and relative tolerance for numbers printed by float32 code on the two devices.
TOLERANCE = Tolerance(absolute=1e-4, relative=1e-3)
_DEVICE_IN_REPR = re.compile(r",\s*device='cuda(?::\d+)?'")


def outputs_agree(reference: str, output: str, tolerance: Tolerance = TOLERANCE) -> bool:
    """Whether OUTPUT (the GPU's) is REFERENCE (the CPU's): text exactly, numbers within TOLERANCE."""
    reference, output = normalized(reference), normalized(_DEVICE_IN_REPR.sub("", output))
    return reference == output or numbers_close(reference, output, tolerance)


def _stated_tolerance(check: Held) -> Tolerance:
    """TOLERANCE, or the wider one a `# prints[abs=...]` or `[rel=...]` comment states."""
    return Tolerance(
        max(TOLERANCE.absolute, check.tolerance.absolute), max(TOLERANCE.relative, check.tolerance.relative)
    )


def blocks_agree(block: BlockResult, twin: BlockResult) -> bool:
    """Whether BLOCK (the GPU's) promises what TWIN (the CPU's) did: statement by statement where the block
    has `# prints` comments, else its whole output."""
    if not block.checks or len(block.checks) != len(twin.checks):
        return outputs_agree(twin.stdout, block.stdout)
    return all(
        outputs_agree(theirs.actual, ours.actual, _stated_tolerance(ours))
        for ours, theirs in zip(block.checks, twin.checks)
        if not ours.illustrative
    )


def cpu_only_under_cuda(device: str, model_devices: tuple[str, ...]) -> str | None:
    """Why a page fails when, checked on a GPU, it ran every model on the CPU; None when it did not."""
    # Meta tensors (counting FLOPs without memory) are no reader's hardware: only the CPU counts against a page.
    if device != "cuda" or "cpu" not in model_devices or "cuda" in model_devices:
        return None
    return (
        "under --device cuda every model of this page ran on the CPU: a reader with a GPU would not use it. "
        'Move the model and its inputs to the device: device = "cuda" if torch.cuda.is_available() else "cpu", '
        "then model.to(device) and batch.to(device)"
    )


def held_to(result: PageResult, reference: Report, where: str) -> PageResult:
    """RESULT with every block whose output differs from REFERENCE's run of the same block failed."""
    runs = {page.path: page for page in reference.pages}
    other = runs.get(result.path)
    # A deploy probe prints what it measured (durations, each device's own table): a finding, not a promise.
    if other is None or is_probe_path(result.path):
        return result
    by_block = {(block.position, block.code_sha256): block for block in other.blocks}
    versions = {key: str(other.environment.get(key) or reference.versions.get(key) or "?") for key in ("torch", "timm")}
    blocks = []
    for block in result.blocks:
        twin = by_block.get((block.position, block.code_sha256))
        # Only blocks that passed on both devices, and whose output is a promise (not illustrative), compare.
        comparable = (
            twin is not None
            and block.status == twin.status == "passed"
            and not (block.checks and all(check.illustrative for check in block.checks + twin.checks))
        )
        if twin is not None and twin.status == "passed":
            # The site shows the reference device's output under the block too, with its own stamp.
            ran_at = other.ran_at or reference.finished_at
            seen = DeviceOutput(
                reference.device, twin.stdout, versions["torch"], versions["timm"], ran_at, held=comparable
            )
            block = replace(block, other_devices=(*block.other_devices, seen))
        if comparable and twin is not None and not blocks_agree(block, twin):
            message = (
                f"prints other output on {result.environment.get('device', 'this device')} than on "
                f"{reference.device} ({where}); numbers may differ by "
                f"{TOLERANCE.absolute:g} + {TOLERANCE.relative:g}·|x|:\n"
                + side_by_side(twin.stdout, block.stdout, (reference.device, result.environment.get("device", "here")))
            )
            block = replace(block, status="failed", error=BlockError(kind="device", line=0, message=message))
        blocks.append(block)
    failed = any(block.status == "failed" for block in blocks)
    return replace(result, blocks=tuple(blocks), status="failed" if failed else result.status)


def compared_blocks(results: list[PageResult], reference: Report) -> int:
    """How many blocks of RESULTS had a run of their own in REFERENCE to be compared with."""
    runs = {page.path: {(b.position, b.code_sha256) for b in page.blocks} for page in reference.pages}
    return sum(
        1
        for page in results
        for block in page.blocks
        if block.status in ("passed", "failed") and (block.position, block.code_sha256) in runs.get(page.path, set())
    )
