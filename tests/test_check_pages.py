"""`modelsite check` end to end, as CI runs it: a fixture site with one page per failure class
(exception, wrong output, timeout, crash, forbidden download, exclusion without reason) and a page
that passes. The real site's sample check is held in test_sample_check.py.

Marker `check`: each test starts real interpreters (tens of seconds); `make test` runs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelsite.core.cache import store
from tests.helpers import ROOT

pytestmark = pytest.mark.check

FIXTURE_SITE = ROOT / "tests" / "fixtures" / "check_site"


@dataclass(frozen=True)
class CheckRun:
    returncode: int
    stdout: str
    stderr: str
    report: dict
    junit: ElementTree.Element
    folder: Path


# A variable of the caller's that no page may see unless it is handed on with --pass-env.
SECRET = {"MODELSITE_TEST_SECRET": "hunter2"}


def run_check(folder: Path, *arguments: str) -> CheckRun:
    completed = subprocess.run(
        [sys.executable, "-m", "modelsite", "check", "--report", "report.json", "--junit", "junit.xml", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **SECRET},
    )
    report = json.loads((folder / "report.json").read_text()) if (folder / "report.json").exists() else {}
    junit = (
        ElementTree.parse(folder / "junit.xml").getroot()
        if (folder / "junit.xml").exists()
        else ElementTree.Element("none")
    )
    return CheckRun(completed.returncode, completed.stdout, completed.stderr, report, junit, folder)


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    folder = tmp_path_factory.mktemp("check_site")
    shutil.copytree(FIXTURE_SITE, folder, dirs_exist_ok=True)
    return run_check(folder, "--jobs", "2", "--timeout", "20")


def messages_for(run: CheckRun, page: str) -> list[str]:
    (entry,) = [p for p in run.report["pages"] if p["path"] == page]
    return [message for block in entry["blocks"] for message in block["messages"]]


def test_the_fixture_site_fails_with_exit_1_and_the_report_says_so(fixture_run: CheckRun) -> None:
    assert fixture_run.returncode == 1, fixture_run.stderr
    assert fixture_run.report["passed"] is False
    assert fixture_run.report["format"] == "modelsite-check/3"
    assert fixture_run.report["device"] == "cpu"
    assert set(fixture_run.report["versions"]) == {"python", "torch", "timm"}
    statuses = {p["path"]: p["status"] for p in fixture_run.report["pages"]}
    assert statuses == {
        "docs/passing.md": "passed",
        "docs/exception.md": "failed",
        "docs/wrong-output.md": "failed",
        "docs/timeout.md": "failed",
        "docs/crash.md": "failed",
        "docs/download.md": "failed",
        "docs/excluded.md": "failed",
        "docs/environment.md": "passed",
        "docs/devices.md": "passed",
        "docs/exit.md": "failed",
        "docs/threads.md": "failed",
        "docs/forged.md": "failed",
        "runnable_examples/standalone.py": "passed",
    }


def test_a_correct_page_passes_every_kind_of_prints(fixture_run: CheckRun) -> None:
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/passing.md"]
    checks = [check["status"] for block in page["blocks"] for check in block["checks"]]
    assert checks == ["passed", "passed", "passed", "passed", "illustrative", "passed"]
    assert [b["number"] for b in page["blocks"]] == [1, 2, 3]  # the bash block is not Python
    assert page["blocks"][0]["stdout"] == "10\na\nb\n"


def test_each_page_gets_its_share_of_the_cores_and_the_report_records_devices(fixture_run: CheckRun) -> None:
    from modelsite.core.machine import available_cores

    # `--jobs 2`: each page's torch, OpenMP and MKL get cores // 2 threads, at least one.
    share = max(1, available_cores() // 2)
    assert fixture_run.report["jobs"] == 2 and fixture_run.report["threads"] == share
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/devices.md"]
    assert page["blocks"][0]["stdout"].splitlines()[-1] == str(share)
    assert page["environment"]["threads"] == share
    # The page ran its module on the CPU, and allocated nothing on a GPU.
    assert page["environment"]["model_devices"] == ["cpu"]
    assert page["environment"]["peak_gpu_memory_bytes"] is None
    (passing,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/passing.md"]
    assert passing["environment"]["model_devices"] == []


def test_a_runnable_example_runs_alone_as_a_script(fixture_run: CheckRun) -> None:
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "runnable_examples/standalone.py"]
    assert page["script"] and [c["status"] for c in page["blocks"][0]["checks"]] == ["passed"]


def test_an_exception_names_page_block_line_and_source(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/exception.md")
    # The error's class after the check's own framing; the sentence after it is Python's and is not held.
    assert message.startswith("docs/exception.md, block 2, line 2 (from docs/exception.md:9): NameError: ")
    assert "print(undefined_name)" in message
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/exception.md"]
    # The page goes on after the failure, in the same interpreter, and says so.
    assert [b["status"] for b in page["blocks"]] == ["passed", "failed", "passed"]
    assert [b["after_failure"] for b in page["blocks"]] == [False, False, True]
    assert page["blocks"][2]["stdout"] == "runs after the failure\n"


def test_every_problem_of_a_page_is_reported_in_one_run(fixture_run: CheckRun) -> None:
    single, table = messages_for(fixture_run, "docs/wrong-output.md")
    assert not single.startswith(table.splitlines()[0])
    assert "[after an earlier failure on this page]" in table and "[after an earlier failure" not in single
    # exception.md's block 3 and wrong-output.md's block 2, counted in the summary.
    assert "2 ran after an earlier failure on their page" in fixture_run.stderr


def test_wrong_output_shows_expected_against_actual(fixture_run: CheckRun) -> None:
    single, table = messages_for(fixture_run, "docs/wrong-output.md")
    assert single == "docs/wrong-output.md, block 1, line 2 (from docs/wrong-output.md:5): expected '8', got '7'"
    assert table.splitlines() == [
        "docs/wrong-output.md, block 2, line 4 (from docs/wrong-output.md:12) [after an earlier failure on this page]: "
        "printed output differs",
        "      expected | got",
        "      [1, 2]   | [1, 2]",
        "    ! [3, 5]   | [3, 4]",
    ]
    assert single in fixture_run.stdout


def test_a_hang_times_out_naming_the_line_it_was_on(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/timeout.md")
    assert message.startswith("docs/timeout.md, block 1, line 4 (from docs/timeout.md:7): timed out after 20 s")
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/timeout.md"]
    assert page["seconds"] < 60


def test_a_crash_fails_its_page_with_the_signal_and_the_others_still_run(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/crash.md")
    assert message.startswith(
        "docs/crash.md, block 1, line 4 (from docs/crash.md:7): the page's interpreter crashed: killed by SIGSEGV"
    )
    assert 'File "docs/crash.md, block 1", line 4' in message
    assert len(fixture_run.report["pages"]) == 13


def test_a_forbidden_download_names_the_url(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/download.md")
    assert message.startswith("docs/download.md, block 1, line 3 (from docs/download.md:6): URLError:")
    assert "offline: https://example.com/weights.bin is not served" in message
    assert "network access refused: https://example.com/weights.bin" in message


def test_exclusions_are_listed_and_one_without_reason_fails(fixture_run: CheckRun) -> None:
    assert "docs/excluded.md, block 1 (from docs/excluded.md:5): excluded: needs ImageNet on disk" in fixture_run.stderr
    (message,) = messages_for(fixture_run, "docs/excluded.md")
    assert message.startswith(
        "docs/excluded.md, block 2 (from docs/excluded.md:10): the no-check marker gives no reason"
    )


def test_a_page_sees_only_the_allowed_environment(fixture_run: CheckRun) -> None:
    # The check ran with MODELSITE_TEST_SECRET set; the page printed "absent".
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/environment.md"]
    assert page["status"] == "passed", messages_for(fixture_run, "docs/environment.md")
    assert "hunter2" not in json.dumps(fixture_run.report)


def test_a_page_cannot_read_other_processes_environments(fixture_run: CheckRun) -> None:
    # Its interpreter is alone in a PID namespace: /proc shows no process of the check, the shell or CI.
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/environment.md"]
    assert [b["status"] for b in page["blocks"]] == ["passed", "passed"]
    assert page["environment"]["isolation"] == "own PID namespace and /tmp"
    assert "isolation: own PID namespace and /tmp" in fixture_run.stderr


def test_a_page_that_writes_the_check_s_results_fails(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/forged.md")
    assert message == (
        "docs/forged.md, block 1 (from docs/forged.md:7): the page wrote to the check's own results "
        "(a block reported twice): its results cannot be trusted"
    )


def test_pass_env_hands_one_variable_on(fixture_run: CheckRun, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    shutil.copytree(fixture_run.folder, folder)
    run = run_check(folder, "--only", "docs/environment.md", "--pass-env", "MODELSITE_TEST_SECRET", "--no-cache")
    assert run.returncode == 1
    handed_on, found_in_proc = messages_for(run, "docs/environment.md")
    assert (
        handed_on
        == "docs/environment.md, block 1, line 3 (from docs/environment.md:8): expected 'absent', got 'hunter2'"
    )
    # The page's own interpreter holds the variable now, and is the one process its /proc shows.
    assert found_in_proc.startswith(
        "docs/environment.md, block 2, line 10 (from docs/environment.md:25) [after an "
        "earlier failure on this page]: expected '[] 0', got \"['1'] 0\""
    )


def test_sys_exit_ends_the_page_there_and_fails_it(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/exit.md")
    assert message.startswith("docs/exit.md, block 2, line 3 (from docs/exit.md:10): sys.exit(0) ends the page here")
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/exit.md"]
    assert [b["status"] for b in page["blocks"]] == ["passed", "failed", "not-run"]


def test_threads_left_running_are_named_and_stopped_after_a_grace(fixture_run: CheckRun) -> None:
    (message,) = messages_for(fixture_run, "docs/threads.md")
    assert message.startswith(
        "docs/threads.md: the last block finished, but threads it started still ran 5 s later: "
        "'worker' (started in block 1); they were stopped"
    )
    (page,) = [p for p in fixture_run.report["pages"] if p["path"] == "docs/threads.md"]
    # Both blocks passed; the page fails for the thread (stopped after the grace, not at the 20 s timeout).
    assert [b["status"] for b in page["blocks"][:2]] == ["passed", "passed"]


def test_an_unreadable_report_is_set_aside_and_named(fixture_run: CheckRun, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    shutil.copytree(fixture_run.folder, folder)
    latest = folder / ".modelsite-cache" / "check-report.json"
    latest.write_text("{not json")
    run = run_check(folder, "--only", "docs/passing.md")
    assert run.returncode == 0, run.stderr
    assert (
        f"{latest} could not be read (it is not JSON" in run.stderr
        and "moved it to check-report.json.unreadable-" in run.stderr
    )
    assert json.loads(latest.read_text())["format"] == "modelsite-check/3"
    assert len(list(latest.parent.glob("check-report.json.unreadable-*"))) == 1
    assert "Traceback" not in run.stderr


def test_junit_has_a_case_per_block_with_failures_marked(fixture_run: CheckRun) -> None:
    suites = {suite.get("name"): suite for suite in fixture_run.junit}
    assert suites["docs/exception.md"].get("failures") == "1"
    assert suites["docs/passing.md"].get("failures") == "0"
    failure = suites["docs/wrong-output.md"].find("testcase/failure")
    assert failure is not None and "expected '8', got '7'" in (failure.get("message") or "")


def test_a_rerun_reuses_passed_pages_and_reruns_failed_ones(fixture_run: CheckRun) -> None:
    again = run_check(fixture_run.folder, "--only", "docs/passing.md", "docs/exception.md", "--timeout", "20")
    cached = {p["path"]: p["cached"] for p in again.report["pages"]}
    assert cached == {"docs/passing.md": True, "docs/exception.md": False}
    # Another timeout can change a verdict: the page runs again under it.
    longer = run_check(fixture_run.folder, "--only", "docs/passing.md", "--timeout", "60")
    assert [p["cached"] for p in longer.report["pages"]] == [False]
    fresh = run_check(fixture_run.folder, "--only", "docs/passing.md", "--no-cache")
    assert [p["cached"] for p in fresh.report["pages"]] == [False]
    assert fresh.returncode == 0


def test_an_edited_block_is_run_again(fixture_run: CheckRun, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    shutil.copytree(fixture_run.folder, folder)
    page = folder / "docs" / "passing.md"
    page.write_text(page.read_text().replace("print(total)  # prints: 10", "print(total)  # prints: 11"))
    run = run_check(folder, "--only", "docs/passing.md")
    assert run.returncode == 1
    assert messages_for(run, "docs/passing.md") == [
        "docs/passing.md, block 1, line 4 (from docs/passing.md:9): expected '11', got '10'"
    ]


def test_only_that_matches_nothing_is_an_error(fixture_run: CheckRun) -> None:
    run = run_check(fixture_run.folder, "--only", "docs/no-such-page.md")
    assert run.returncode == 2
    assert "matches no model ID and no page" in run.stderr
    assert "Traceback" not in run.stderr


def test_device_cuda_runs_on_the_gpu_or_fails_at_once_without_one(fixture_run: CheckRun) -> None:
    import torch

    run = run_check(fixture_run.folder, "--device", "cuda", "--only", "docs/passing.md")
    if torch.cuda.is_available():
        assert run.returncode == 0 and run.report["device"] == "cuda"
    else:
        assert run.returncode == 2
        assert "--device cuda, but torch finds no CUDA device" in run.stderr


def test_a_page_that_needs_more_memory_than_the_runner_has_is_not_started_and_says_so(
    fixture_run: CheckRun, tmp_path: Path
) -> None:
    """Every page needs at least its interpreter (a gibibyte, resources.INTERPRETER_BYTES): under `--memory
    500MB`, passing.md is not started, and the report, the summary and the page's blocks say why."""
    folder = tmp_path / "site"
    shutil.copytree(fixture_run.folder, folder, ignore=shutil.ignore_patterns(".modelsite-cache"))
    run = run_check(folder, "--only", "docs/passing.md", "--memory", "500MB")
    assert run.returncode == 0, run.stderr
    (page,) = run.report["pages"]
    assert page["status"] == "not run" and page["seconds"] == 0
    reason = "it needs 1.0 GiB of memory (estimated from its models' figures) and this runner has 0.5 GiB"
    assert all(block["status"] == "skipped" and block["skip_reason"].startswith(reason) for block in page["blocks"])
    assert f"docs/passing.md: not run: {reason}; the GPU runner, with its memory, checks it" in run.stderr
    assert "1 page not run, too large for this runner" in run.stderr
    # A page never run is never kept as if it had passed: the cache holds no result for a later run to reuse.
    assert not list(store(folder / ".modelsite-cache", "check").folder.glob("*.json"))
