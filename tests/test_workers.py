"""How `make test` shares the suite between its two pytest-xdist workers (tests/conftest.py): a test file that
uses the session's sample check outside SAMPLE_CHECK_FILES fails, saying what to do, before the check runs.
Under xdist a collection error would end in an internal error without the message, so the guard fails the
test instead; this runs it on a worker, as `make test` does. About five seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from tests.helpers import ROOT


def test_a_file_outside_the_sample_check_files_that_uses_it_fails_saying_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "test_elsewhere.py").write_text("def test_uses_it(check_report):\n    assert check_report\n")
    completed = subprocess.run(
        # tests.conftest as a plugin: the file is outside tests/, so conftest.py is not found by its place.
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
        + ["--numprocesses", "1", "--dist", "loadfile", "--junitxml", str(tmp_path / "results.xml")]
        + [str(tmp_path / "test_elsewhere.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert (
        "tests/test_elsewhere.py uses the session's sample check: add it to SAMPLE_CHECK_FILES in tests/conftest.py"
    ) in completed.stdout
    # One test in error, read from the JUnit report rather than pytest's summary line, and no internal error.
    (suite,) = ElementTree.parse(tmp_path / "results.xml").getroot().iter("testsuite")
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("1", "1", "0"), completed.stdout
    assert "INTERNALERROR" not in completed.stdout + completed.stderr
