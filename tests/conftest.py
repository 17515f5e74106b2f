"""The tests' fixtures and hooks (plain helpers: tests/helpers.py): scratch copies of the project for builds
that change it; once per session, a real `modelsite check` of this checkout and the site built with its report;
and how `make test` shares the files between its pytest-xdist workers (SAMPLE_CHECK_FILES)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsite.core.project import PREVIEW_VARIABLE
from tests.helpers import (
    ROOT,
    ServedSite,
    SiteCheck,
    changed_since,
    checked_collections,
    copy_project,
    serve,
    tree_digest,
)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the site's sources that a test may edit freely."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def slim_project_copy(tmp_path: Path) -> Path:
    """A copy with the seed collections alone, for a test about one page or one entry."""
    return copy_project(tmp_path / "project", slim=True)


# The test files that use the session's real check or the site built from it. `make test` runs two workers
# (pytest-xdist, `--dist loadfile`): each file is one unit of work, so that its module fixtures are made once,
# and these files together are one, so that the sample check runs once. A test that uses the sample check
# from a file not listed here fails, saying so (under xdist a collection error would reach no one). A listed
# file whose every test has stopped using it only costs scheduling, and a run of a few of its tests cannot tell.
SAMPLE_CHECK_FILES = frozenset({"test_browser.py", "test_build.py", "test_sample_check.py"})
SAMPLE_CHECK_FIXTURES = frozenset({"real_site_check", "check_report", "served_site"})
_NOT_IN_SAMPLE_CHECK_FILES = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that use the sample check from outside SAMPLE_CHECK_FILES, and put those files first: their
    unit, the longest, is handed out first."""
    for item in items:
        if item.path.name not in SAMPLE_CHECK_FILES and SAMPLE_CHECK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.stash[_NOT_IN_SAMPLE_CHECK_FILES] = (
                f"tests/{item.path.name} uses the session's sample check: add it to SAMPLE_CHECK_FILES in "
                "tests/conftest.py, or two workers will each run the sample check"
            )
    items.sort(key=lambda item: item.path.name not in SAMPLE_CHECK_FILES)  # Stable: each file keeps its order.


def pytest_configure(config: pytest.Config) -> None:
    """One torch thread per xdist worker: `make test` runs a worker per core, and two workers of two threads each
    on two cores spend their time waiting on each other."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)


@pytest.hookimpl(tryfirst=True)  # Before the fixtures: the sample check takes minutes.
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _NOT_IN_SAMPLE_CHECK_FILES in item.stash:
        pytest.fail(item.stash[_NOT_IN_SAMPLE_CHECK_FILES], pytrace=False)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under `--dist loadfile`: one unit per test file, and one for all of SAMPLE_CHECK_FILES. pytest-xdist's
    own `xdist_group` marks would do this, but pytest 9.2 drops them (pytest-dev/pytest-xdist#1386)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "sample check" if Path(path).name in SAMPLE_CHECK_FILES else path

    return FileScheduling(config, log)


@pytest.fixture(scope="session")
def real_site_check(tmp_path_factory: pytest.TempPathFactory) -> SiteCheck:
    """`modelsite check --sample` of this checkout on the CPU, every page run afresh, with its JSON report.

    The sample runs every hand-written page and example and every template at least once (the cheapest variant
    pages that cover each collection and each kind of page), plus, in a git checkout, the variant pages whose index
    entry changed since MODELSITE_CHANGED_SINCE (default HEAD: the working tree's own edits). `make check`
    runs the full sweep.

    Its latest report (the one a build reads) goes to a folder of the session, not to the checkout's
    cache, so that no other test reads it by accident and a developer's own report stays as it was.
    """
    folder = tmp_path_factory.mktemp("check")
    report = folder / "report.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelsite",
            "check",
            "--device",
            "cpu",
            "--jobs",
            "2",
            "--no-cache",
            "--sample",
            *changed_since(),
            "--report",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=2400,
        env={**os.environ, "MODELSITE_CHECK_REPORT": str(folder / "latest.json")},
    )
    return SiteCheck(completed.returncode, completed.stdout + completed.stderr, report)


@pytest.fixture(scope="session")
def check_report(real_site_check: SiteCheck) -> Path:
    assert real_site_check.returncode == 0, real_site_check.output
    return real_site_check.report


@pytest.fixture(scope="session")
def served_site(tmp_path_factory: pytest.TempPathFactory, check_report: Path) -> Iterator[ServedSite]:
    """The site built with `mkdocs build --strict` and the check's report, served on 127.0.0.1: a preview of
    the collections whose pages the check ran and the seed collections (checked_collections), since the whole
    zoo takes minutes to build (`make build`, which .ci/run runs after the tests)."""
    folder = tmp_path_factory.mktemp("site") / "site"
    collections = checked_collections(check_report)
    environment = {
        **os.environ,
        "MODELSITE_CHECK_REPORT": str(check_report),
        "NO_MKDOCS_2_WARNING": "1",
        PREVIEW_VARIABLE: " ".join(sorted(collections)),
    }
    docs_before = tree_digest(ROOT / "docs")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    assert "WARNING" not in completed.stderr, completed.stderr
    assert tree_digest(ROOT / "docs") == docs_before, "the build changed docs/"
    with serve(folder, collections) as site:
        yield site
