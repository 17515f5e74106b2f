"""Outputs held across devices (modelsite.check.devices), on fixture outputs: no GPU needed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from modelsite.check.devices import TOLERANCE, held_to, outputs_agree
from modelsite.core.report.codec import write_report
from modelsite.core.report.results import BlockResult, Held, PageResult, Tolerance, new_report
from modelsite.site.outputs import load_report, output_html


def _page(device: str, *outputs: str, illustrative: bool = False) -> PageResult:
    checks = (Held(1, 1, "illustrative", "x", "x", illustrative=True),) if illustrative else ()
    blocks = tuple(
        BlockResult(number, "passed", stdout=output, position=number, code_sha256=f"code{number}", checks=checks)
        for number, output in enumerate(outputs, start=1)
    )
    return PageResult("docs/page.md", "passed", 1.0, blocks, environment={"device": device})


def test_the_same_text_and_close_numbers_agree() -> None:
    assert outputs_agree("torch.Size([1, 1000])\n", "torch.Size([1, 1000])\n")
    assert outputs_agree("tensor([0.1234, 0.5678])", "tensor([0.1235, 0.5678], device='cuda:0')")
    assert outputs_agree("loss 2.302585", f"loss {2.302585 * (1 + TOLERANCE.relative / 2):.6f}")


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


def test_the_site_shows_each_device_s_output_under_the_block_with_its_stamp(tmp_path: Path) -> None:
    """A GPU run held to a CPU report keeps the CPU's output of each block; the report carries it, and the build
    puts both outputs under the block, each with its device and versions."""
    cpu_page = replace(_page("cpu", "torch.Size([1, 3])\n", "<b>tench</b> 12.5%\n"), ran_at="2026-11-20T10:00:00+00:00")
    cpu = replace(new_report([cpu_page], [], [], "cpu", False), versions={"torch": "2.14.1", "timm": "1.0.31"})
    cuda = replace(_page("cuda", "torch.Size([1, 3])\n", "<b>tench</b> 12.5%\n"), ran_at="2026-11-21T10:00:00+00:00")
    held = held_to(cuda, cpu, "cpu.json")
    assert held.status == "passed"
    assert [seen.device for block in held.blocks for seen in block.other_devices] == ["cpu", "cpu"]

    path = tmp_path / "report.json"
    write_report(path, replace(new_report([held], [], [], "cuda", False), versions={"torch": "2.11", "timm": "1.0.31"}))
    report = load_report(path)
    assert report is not None
    outcome = report.blocks[("docs/page.md", 2, "code2")]
    assert [(stamp.device, stamp.torch, printed, held) for stamp, printed, held in outcome.others] == [
        ("cpu", "2.14.1", "<b>tench</b> 12.5%\n", True)
    ]
    shown = output_html(outcome, "")
    assert shown.count('class="verified-output verified-output--passed"') == 2
    first, second = shown.split("<strong>Output on cpu</strong>")
    assert "· cuda ·" in first and "2026-11-21" in first
    assert "· cpu · torch 2.14.1 · timm 1.0.31" in second and "2026-11-20" in second
    assert "&lt;b&gt;tench&lt;/b&gt; 12.5%" in second and "<b>" not in shown


def _held(number: int, actual: str, option: str) -> Held:
    """A passed verdict whose comment stated OPTION (`abs=0.5`, `illustrative` or nothing)."""
    if option == "illustrative":
        return Held(number, number, "passed", actual, actual, illustrative=True)
    stated = dict([option.split("=")]) if option else {}
    tolerance = Tolerance(float(stated.get("abs", 0)), float(stated.get("rel", 0)))
    return Held(number, number, "passed", actual, actual, tolerance=tolerance)


def _held_block(output: str, *statements: tuple[str, str]) -> BlockResult:
    """A passed block whose `# prints` statements printed STATEMENTS' (actual, option) pairs."""
    checks = tuple(_held(number, actual, option) for number, (actual, option) in enumerate(statements, start=1))
    return BlockResult(1, "passed", stdout=output, position=1, code_sha256="code1", checks=checks)


def test_a_block_with_prints_is_held_statement_by_statement_within_the_tolerance_each_states() -> None:
    """The deploy code's mixed-precision block: bf16 moves logits by tenths (its `# prints[abs=0.5]` says so),
    and the GPU alone prints a float16 line, which no `# prints` promises."""
    cpu_block = _held_block(
        "bfloat16: max abs difference 0.08\n", ("bfloat16: max abs difference 0.08", "abs=0.5"), ("loss 1.000", "")
    )
    cuda_block = _held_block(
        "bfloat16: max abs difference 0.31\nfloat16: max abs difference 0.0100\n",
        ("bfloat16: max abs difference 0.31", "abs=0.5"),
        ("loss 1.000", ""),
    )
    page = PageResult("docs/page.md", "passed", 1.0, (cuda_block,), environment={"device": "cuda"})
    cpu = new_report([replace(page, blocks=(cpu_block,), environment={"device": "cpu"})], [], [], "cpu", False)
    assert held_to(page, cpu, "r").status == "passed"
    # Beyond the stated tolerance, or another text, it fails.
    far = _held_block("", ("bfloat16: max abs difference 0.91", "abs=0.5"), ("loss 1.000", ""))
    assert held_to(replace(page, blocks=(far,)), cpu, "r").status == "failed"
    other = _held_block("", ("bfloat16: max abs difference 0.31", "abs=0.5"), ("loss 1.500", ""))
    assert held_to(replace(page, blocks=(other,)), cpu, "r").status == "failed"


def test_a_deploy_probe_is_not_held_to_another_device_s_findings() -> None:
    """Each device's probe prints its own table (compile times, which paths run): findings, never promised."""
    cpu = new_report([replace(_page("cpu", "modelsite-deploy/1 {cpu}\n"), path="deploy/a.b")], [], [], "cpu", False)
    cuda = replace(_page("cuda", "modelsite-deploy/1 {cuda}\n"), path="deploy/a.b")
    assert held_to(cuda, cpu, "r") == cuda


def test_a_page_that_runs_models_only_on_the_cpu_fails_under_cuda() -> None:
    from modelsite.check.devices import cpu_only_under_cuda

    message = cpu_only_under_cuda("cuda", ("cpu",))
    assert message is not None and 'device = "cuda" if torch.cuda.is_available() else "cpu"' in message
    # On the GPU, or on the meta device alone (FLOPs counted without memory), or no model at all: fine.
    for devices in (("cpu", "cuda"), ("cuda",), ("meta",), ()):
        assert cpu_only_under_cuda("cuda", devices) is None
    assert cpu_only_under_cuda("cpu", ("cpu",)) is None
