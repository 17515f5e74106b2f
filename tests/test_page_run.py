"""How the check turns what a page's interpreter wrote into the page's result (check/page_run.py), and refuses
what the page itself wrote to the check's channel; the records both sides write (check/protocol.py). No
marker: no interpreter is started (a real forged page, run by the check: test_check_pages.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsite.check import page_run
from modelsite.check.protocol import (
    BlockRecord,
    DevicesRecord,
    LeftThread,
    Record,
    StartRecord,
    ThreadsRecord,
    decode,
    encode,
    read_records,
)
from modelsite.core.blocks import CodeBlock, Page
from modelsite.core.report.results import BlockError, Held, PageResult, Tolerance

PAGE = Page(path="docs/gpu.md", blocks=(CodeBlock(1, "model.cuda()", 1, None, None),))
START = StartRecord({"python": "3.11"})
BLOCK = BlockRecord(number=1, status="passed")
ON_CPU = DevicesRecord(("cpu",), None)
ON_CUDA = DevicesRecord(("cuda",), 1)


def result(records: list[Record], device: str = "cuda") -> PageResult:
    return page_run.page_result(PAGE, records, page_run.Ending(None, None, ""), 1.0, device)


def test_every_record_survives_its_encoding() -> None:
    held = Held(2, 1, "passed", "1.0", "1.0", tolerance=Tolerance(1e-4, 0.0), illustrative=False, online=True)
    error = BlockError("exception", 3, "ValueError: no", "trace", blocked=("https://example.org",))
    records: list[Record] = [
        START,
        BlockRecord(1, "failed", 0.5, "out", "err", (held,), error, after_failure=True),
        ON_CUDA,
        ThreadsRecord(5.0, (LeftThread("worker", 1),)),
    ]
    assert [decode(encode(record)) for record in records] == records


def test_only_a_last_line_can_be_cut_short_and_anything_else_the_page_made_up_is_counted(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    # A kill while the interpreter wrote its last record: dropped.
    results.write_text(encode(START) + "\n" + '{"event": "block", "numb')
    assert read_records(results) == ([START], 0)
    # A line broken in the middle (a page that wrote `{` without a line break before the check's own record),
    # a record of no known event, a field of the wrong type, nesting deep enough to break the parser.
    made_up = ["{" + encode(BLOCK), '{"event": "verdict"}', '{"event": "block", "number": [1], "status": "passed"}']
    results.write_text("\n".join([encode(START), *made_up, "[" * 100_000]) + "\n")
    assert read_records(results) == ([START], 4)


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
def test_records_the_check_cannot_have_written_fail_the_page(records: list[Record], says: str) -> None:
    forged = result(records)
    assert forged.status == "failed"
    messages = [block.error.message for block in forged.blocks if block.error is not None]
    assert f"the page wrote to the check's own results ({says}): its results cannot be trusted" in messages
    # Nothing the page wrote survives into the result: not its devices, not its blocks' verdicts.
    assert "model_devices" not in forged.environment


def test_a_line_that_is_no_record_fails_the_page_and_nothing_beside_it_is_believed() -> None:
    forged = page_run.page_result(PAGE, [START, BLOCK, ON_CUDA], page_run.Ending(None, None, ""), 1.0, "cuda", 1)
    assert forged.status == "failed" and "model_devices" not in forged.environment
    messages = [block.error.message for block in forged.blocks if block.error is not None]
    assert any("a line that is no record of the check's" in message for message in messages)
