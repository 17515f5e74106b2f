"""The CI hook (`hooks/ci.sh`) and the pre-commit hook: what runners and commits invoke (the workflows:
test_workflows.py).

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

from tests.helpers import ROOT


def test_the_pre_commit_hook_validates_changed_index_files(slim_project_copy: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert re.search(hook["files"], "model_index/tf-efficientnet.yaml")
    assert not re.search(hook["files"], "docs/index.md")
    broken = slim_project_copy / "model_index" / "tf-efficientnet-lite.yaml"
    broken.write_text(broken.read_text().replace("Crop Pct: 0.882", "Crop Pct: wide", 1))
    # pre-commit runs the entry from the repository root with the changed files appended.
    entry = hook["entry"].split()
    command = [str(ROOT / entry[0]), *entry[1:], "model_index/tf-efficientnet-lite.yaml"]
    completed = subprocess.run(command, cwd=slim_project_copy, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert re.match(r"model_index/tf-efficientnet-lite\.yaml:\d+:\d+: .*Crop Pct", completed.stdout)


@pytest.mark.check
def test_the_ci_hook_checks_then_builds_and_leaves_reports(slim_project_copy: Path, tmp_path: Path) -> None:
    # In a copy with the seed collections: the hook's steps are the subject, and the zoo's build takes minutes.
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
        cwd=slim_project_copy,
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
