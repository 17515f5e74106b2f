"""The CI hook (`hooks/ci.sh`), the pre-commit hook and the workflow: what runners invoke.

The hook test runs a real check and a real strict build: marker `check`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT


def test_the_pre_commit_hook_validates_changed_index_files(project_copy: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert re.search(hook["files"], "model_index/tf-efficientnet.yaml")
    assert not re.search(hook["files"], "docs/index.md")
    broken = project_copy / "model_index" / "tf-efficientnet-lite.yaml"
    broken.write_text(broken.read_text().replace("Crop Pct: 0.882", "Crop Pct: wide", 1))
    # pre-commit runs the entry from the repository root with the changed files appended.
    entry = hook["entry"].split()
    command = [str(ROOT / entry[0]), *entry[1:], "model_index/tf-efficientnet-lite.yaml"]
    completed = subprocess.run(command, cwd=project_copy, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert re.match(r"model_index/tf-efficientnet-lite\.yaml:\d+:\d+: .*Crop Pct", completed.stdout)


def test_the_workflow_runs_make_test_on_cpu_and_the_check_on_a_gpu_runner() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
    cpu, gpu = workflow["jobs"]["cpu"], workflow["jobs"]["gpu"]
    assert any(step.get("run", "").strip().endswith("make test") for step in cpu["steps"])
    assert "self-hosted" in gpu["runs-on"] and "gpu" in gpu["runs-on"]
    assert any("hooks/ci.sh --device cuda" in step.get("run", "") for step in gpu["steps"])
    upload = next(step for step in gpu["steps"] if "upload-artifact" in step.get("uses", ""))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


@pytest.mark.check
def test_the_ci_hook_checks_then_builds_and_leaves_reports(tmp_path: Path) -> None:
    reports, site = tmp_path / "reports", tmp_path / "site"
    completed = subprocess.run(
        [
            "bash",
            "hooks/ci.sh",
            "--device",
            "cpu",
            "--reports",
            str(reports),
            "--site",
            str(site),
            "--only",
            "docs/getting-started.md",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        # The latest report in the test's folder: the checkout's own cache is left as it was.
        env={
            "MODELSITE_BIN": str(Path(sys.executable).parent),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "MODELSITE_CHECK_REPORT": str(tmp_path / "latest.json"),
        },
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads((reports / "check.json").read_text())
    assert [page["path"] for page in report["pages"]] == ["docs/getting-started.md"]
    assert (reports / "check-junit.xml").read_text().startswith("<?xml")
    assert f"check passed on cpu and the site is built in {site}/" in completed.stdout
    # Built now, into the folder asked for, with the check's outputs under the page's blocks.
    page = (site / "getting-started" / "index.html").read_text(encoding="utf-8")
    assert 'data-verified="passed"' in page


def test_the_workflow_sweeps_the_site_in_shards_and_merges_their_reports() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
    sweep, merge = workflow["jobs"]["sweep"], workflow["jobs"]["merge"]
    shards = sweep["strategy"]["matrix"]["shard"]
    count = len(shards)
    assert shards == list(range(1, count + 1))
    run = next(step["run"] for step in sweep["steps"] if "hooks/ci.sh" in step.get("run", ""))
    assert f"--shard ${{{{ matrix.shard }}}}/{count}" in run and "--no-site" in run
    # Weekly, the shards probe every deploy path of every variant (YAML reads the key `on` as true).
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["schedule"][0]["cron"]
    assert "--deploy ${{ github.event_name == 'schedule' && 'full' || 'auto' }}" in run
    assert merge["needs"] == "sweep"
    merging = next(step["run"] for step in merge["steps"] if "merge-reports" in step.get("run", ""))
    assert "shards/*/check.json" in merging and "mkdocs build --strict" in merging
    # Every shard balances by the durations the last merge saved, so that their splits agree.
    saved = next(step for step in merge["steps"] if step.get("uses", "").startswith("actions/cache/save"))
    restored = next(step for step in sweep["steps"] if step.get("uses", "").startswith("actions/cache/restore"))
    assert saved["with"]["path"] == restored["with"]["path"] == ".modelsite-cache/sweep-durations.json"
    assert restored["with"]["restore-keys"] == saved["with"]["key"].split("$")[0]
