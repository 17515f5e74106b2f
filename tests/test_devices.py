"""Outputs held across devices (modelsite.check.devices), on fixture outputs: no GPU needed."""

from __future__ import annotations

from modelsite.check.devices import TOLERANCE, held_to, outputs_agree
from modelsite.core.report import BlockResult, Held, PageResult, new_report


def _page(device: str, *outputs: str, illustrative: bool = False) -> PageResult:
    checks = (Held(1, 1, "illustrative", "x", "x", ("illustrative",)),) if illustrative else ()
    blocks = tuple(
        BlockResult(number, "passed", stdout=output, position=number, code_sha256=f"code{number}", checks=checks)
        for number, output in enumerate(outputs, start=1)
    )
    return PageResult("docs/page.md", "passed", 1.0, blocks, environment={"device": device})


def test_the_same_text_and_close_numbers_agree() -> None:
    assert outputs_agree("torch.Size([1, 1000])\n", "torch.Size([1, 1000])\n")
    assert outputs_agree("tensor([0.1234, 0.5678])", "tensor([0.1235, 0.5678], device='cuda:0')")
    assert outputs_agree("loss 2.302585", f"loss {2.302585 * (1 + TOLERANCE[1] / 2):.6f}")


def test_other_text_or_far_numbers_disagree() -> None:
    assert not outputs_agree("military uniform", "mortarboard")
    assert not outputs_agree("tensor([0.1234])", "tensor([0.2234])")
    assert not outputs_agree("torch.Size([1, 1000])", "torch.Size([1, 1000, 1])")


def test_a_disagreement_fails_the_block_showing_both_outputs_and_devices() -> None:
    cpu = new_report([_page("cpu", "torch.Size([1, 3])\n", "tench 12.5%\n")], [], [], "cpu", False)
    cuda = _page("cuda", "torch.Size([1, 3])\n", "goldfish 12.5%\n")
    result = held_to(cuda, cpu, "cpu-report.json")
    assert result.status == "failed"
    first, second = result.blocks
    assert first.status == "passed" and second.status == "failed"
    assert second.error is not None
    message = second.error.message
    assert "on cuda than on cpu (cpu-report.json)" in message
    assert "cpu" in message.splitlines()[1] and "cuda" in message.splitlines()[1]
    assert "! tench 12.5%" in message and "goldfish 12.5%" in message


def test_illustrative_output_and_blocks_of_other_code_are_not_compared() -> None:
    cpu = new_report([_page("cpu", "0.6394\n", illustrative=True)], [], [], "cpu", False)
    assert held_to(_page("cuda", "0.1111\n", illustrative=True), cpu, "r").status == "passed"
    changed = _page("cuda", "anything\n")
    changed = PageResult(
        changed.path,
        "passed",
        1.0,
        tuple(
            BlockResult(b.number, "passed", stdout=b.stdout, position=b.position, code_sha256="other")
            for b in changed.blocks
        ),
        environment={"device": "cuda"},
    )
    assert held_to(changed, new_report([_page("cpu", "else\n")], [], [], "cpu", False), "r").status == "passed"
