"""The workflows in .github/workflows: what each event runs, and what a stranger's pull request can reach.

zizmor and GitHub's schema read them in `make lint`; these hold what neither knows: which job runs where,
that a fork's pull request never reaches the self-hosted GPU runner, and that the sweep, the preview, the
deploy and the canary fit together. No marker: milliseconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# `uses: owner/repo@<40 hex> # vX.Y.Z`: pinned by commit, the version named beside it.
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def triggers(loaded: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as true.
    found: dict[str, Any] = loaded["on"] if "on" in loaded else loaded[True]
    return found


def steps_running(job: dict[str, Any], text: str) -> list[str]:
    return [step["run"] for step in job["steps"] if text in step.get("run", "")]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    uses = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert uses and [line for line in uses if not PINNED.match(line)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_the_token_is_read_only_unless_a_job_says_otherwise_and_never_persisted(path: Path) -> None:
    loaded = workflow(path.name)
    assert loaded["permissions"] == {"contents": "read"}
    for name, job in loaded["jobs"].items():
        assert "permissions" in job, f"job {name} does not say what its token may do"
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes <= ({"contents"} if name == "deploy" else set()), f"job {name} may write {writes}"
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, f"job {name} leaves the token in .git/config"


def test_a_forks_pull_request_never_reaches_the_gpu_runner() -> None:
    jobs = workflow("site.yml")["jobs"]
    self_hosted = [name for name, job in jobs.items() if "self-hosted" in job["runs-on"]]
    assert self_hosted == ["gpu"]
    condition = " ".join(jobs["gpu"]["if"].split())
    assert condition == (
        "github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository"
    )
    # No trigger that runs a fork's code with the base repository's rights.
    for path in WORKFLOWS:
        assert not {"pull_request_target", "workflow_run"} & set(triggers(workflow(path.name)))


def test_pushes_schedule_and_pull_requests_run_the_tests_the_sweep_and_the_preview() -> None:
    loaded = workflow("site.yml")
    assert set(triggers(loaded)) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    jobs = loaded["jobs"]
    assert steps_running(jobs["cpu"], "make test")
    sweep = jobs["sweep"]
    # The matrix is the plan's: `modelsite check --plan` writes it, the sweep runs one `--shard K/N` each.
    plan = jobs["plan"]
    (planning,) = steps_running(plan, "modelsite check --plan")
    assert "--plan-json plan.json" in planning and '["matrix"]' in planning and "$GITHUB_OUTPUT" in planning
    # Each shard is planned to half of what a job may run, which leaves the planned time room to be wrong.
    assert "--shard-minutes 30" in planning and sweep["timeout-minutes"] >= 2 * 30
    assert sweep["needs"] == "plan"
    assert sweep["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    (shard_step,) = [step for step in sweep["steps"] if "hooks/ci.sh" in step.get("run", "")]
    assert '--shard "$SHARD"' in shard_step["run"] and "--no-site" in shard_step["run"]
    assert shard_step["env"]["SHARD"] == "${{ matrix.shard }}"
    # Every shard decides "too large" (to start, or to run beside another) by the plan's memory and pages at
    # once, so that all split the pages as the plan did.
    assert '"memory"' in planning and plan["outputs"]["memory"] == "${{ steps.plan.outputs.memory }}"
    assert shard_step["env"]["MEMORY"] == "${{ needs.plan.outputs.memory }}"
    assert shard_step["env"]["MODELSITE_JOBS"] == "${{ needs.plan.outputs.jobs }}" and '"jobs"' in planning
    assert '--memory "$MEMORY"' in shard_step["run"]
    # The weekly sweep runs every page afresh; the rest reuse main's passed pages, the plan's exact results.
    for job, run in ((plan, planning), (sweep, shard_step["run"])):
        fresh = next(step for step in job["steps"] if "FRESH" in step.get("env", {}))
        assert (
            fresh["env"]["FRESH"] == "${{ github.event_name == 'schedule' && '--no-cache' || '' }}" and "$FRESH" in run
        )
    results = [step for step in sweep["steps"] if "results-key" in str(step.get("with", {}).get("key", ""))]
    assert len(results) == 1 and results[0]["with"]["fail-on-cache-miss"] is True
    assert "checkpoints" not in json.dumps(workflow("site.yml"))  # Never cached, never uploaded.
    # Weekly, the shards probe every deploy path of every variant.
    assert shard_step["env"]["DEPLOY"] == "${{ github.event_name == 'schedule' && 'full' || 'auto' }}"
    merge = jobs["merge"]
    assert merge["needs"] == "sweep"
    (merging,) = steps_running(merge, "merge-reports")
    assert "shards/*/check.json" in merging and "mkdocs build --strict --site-dir site" in merging
    uploads = {
        step["with"]["name"]: step["with"]["path"]
        for step in merge["steps"]
        if "upload-artifact" in step.get("uses", "")
    }
    assert uploads == {"check-report": "reports/", "site": "site/"}
    (summary,) = [step for step in merge["steps"] if "modelsite summary" in step.get("run", "")]
    assert "github.event_name == 'pull_request'" in summary["if"] and "$GITHUB_STEP_SUMMARY" in summary["run"]
    # Every shard balances by the durations main's last merge saved, so that their splits agree.
    saves = [step for step in merge["steps"] if step.get("uses", "").startswith("actions/cache/save")]
    for job in (plan, sweep):
        restored = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/cache/restore"))
        assert saves[0]["with"]["path"] == restored["with"]["path"] == ".modelsite-cache/sweep-durations.json"
        assert restored["with"]["restore-keys"] == saves[0]["with"]["key"].split("$")[0]
    # Only main saves what later runs trust: its durations and its passed pages.
    assert [step["with"]["key"].split("$")[0] for step in saves] == ["modelsite-durations-", "modelsite-results-"]
    assert all(step["if"] == "${{ github.event_name != 'pull_request' }}" for step in saves)


def test_main_is_deployed_with_mike_after_its_sweep_and_nothing_else_is() -> None:
    deploy = workflow("site.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "merge"
    assert "github.ref == 'refs/heads/main'" in deploy["if"] and "pull_request" not in deploy["if"]
    (publishing,) = [step for step in deploy["steps"] if "make publish" in step.get("run", "")]
    assert "MODELSITE_CHECK_REPORT=reports/check.json" in publishing["run"]
    # The write token only in the step that pushes, which runs nothing else: the build runs installed code.
    (pushing,) = [step for step in deploy["steps"] if "GH_TOKEN" in step.get("env", {})]
    assert "push origin gh-pages" in pushing["run"] and "make" not in pushing["run"]
    assert "env" not in publishing
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(
        r"^publish:.*\n(\t.*\n)*\t.*mike deploy --update-aliases .*timm.__version__.* latest", makefile, re.M
    )


def test_the_gpu_runner_installs_from_the_lock_and_is_held_to_the_cpu() -> None:
    gpu = workflow("site.yml")["jobs"]["gpu"]
    assert steps_running(gpu, "make install")
    assert any("hooks/ci.sh --device cuda" in run and "--compare-with" in run for run in steps_running(gpu, "ci.sh"))
    upload = next(step for step in gpu["steps"] if "upload-artifact" in step.get("uses", ""))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


def test_the_canary_runs_make_test_weekly_on_the_newest_allowed_versions() -> None:
    loaded = workflow("canary.yml")
    assert triggers(loaded)["schedule"][0]["cron"] and "workflow_dispatch" in triggers(loaded)
    (job,) = loaded["jobs"].values()
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs.index("make install-newest") < runs.index("make test")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^install-newest:\n(\t.*\n)*\t.*pip install .*--upgrade .*'\.\[test,publish\]'", makefile, re.M)
