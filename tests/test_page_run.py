"""How the check turns what a page's interpreter wrote into the page's result, and refuses what the page
itself wrote to the check's channel. No marker: no interpreter is started (a real forged page, run by the
check: test_check_pages.py)."""

from __future__ import annotations

from typing import Any

import pytest

from modelsite.check import parent
from modelsite.core.blocks import CodeBlock, Page

PAGE = Page(path="docs/gpu.md", blocks=(CodeBlock(1, "model.cuda()", 1, None, None),))
START: dict[str, Any] = {"event": "start", "python": "3.11"}
BLOCK: dict[str, Any] = {
    "event": "block",
    "number": 1,
    "status": "passed",
    "stdout": "",
    "stderr": "",
    "checks": [],
    "error": None,
}
ON_CPU: dict[str, Any] = {"event": "devices", "model_devices": ["cpu"], "peak_gpu_memory_bytes": None}
ON_CUDA: dict[str, Any] = {"event": "devices", "model_devices": ["cuda"], "peak_gpu_memory_bytes": 1}


def result(records: list[dict[str, Any]], device: str = "cuda") -> parent.PageResult:
    return parent._page_result(PAGE, records, parent._Ending(None, None, ""), 1.0, device)


def test_the_check_s_own_records_pass_and_a_cpu_only_page_fails_under_cuda() -> None:
    assert result([START, BLOCK, ON_CUDA]).status == "passed"
    stranded = result([START, BLOCK, ON_CPU])
    error = stranded.blocks[-1].error
    assert stranded.status == "failed" and error is not None and "ran on the CPU" in error.message


@pytest.mark.parametrize(
    ("records", "says"),
    [
        # A page that writes a devices record of its own to escape "ran only on the CPU under --device cuda".
        ([START, ON_CUDA, BLOCK, ON_CPU], "devices reported twice"),
        # ... and one that then ends its interpreter, so that the check's own record is never written.
        ([START, ON_CUDA, BLOCK], "devices reported before a block ended"),
        ([START, BLOCK, BLOCK, ON_CUDA], "a block reported twice"),
        ([START, START, BLOCK, ON_CUDA], "start reported twice"),
    ],
)
def test_records_the_check_cannot_have_written_fail_the_page(records: list[dict[str, Any]], says: str) -> None:
    forged = result(records)
    assert forged.status == "failed"
    messages = [block.error.message for block in forged.blocks if block.error is not None]
    assert f"the page wrote to the check's own results ({says}): its results cannot be trusted" in messages
    # Nothing the page wrote survives into the result: not its devices, not its blocks' verdicts.
    assert "model_devices" not in forged.environment
