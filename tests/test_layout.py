"""The layout: the parts import one way (core <- index <- measure <- site, check), and the wheel works alone.

The import graph is read from the source with `ast`, so a cycle fails here before it fails anyone.
The packaging test builds the wheel, installs it into a fresh virtual environment outside the
checkout and runs the `modelsite` command from there (the dependencies come from this environment's
site-packages, so nothing is downloaded). No marker: about ten seconds.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from modelsite.core.imports import imports_of
from tests.helpers import ROOT

PACKAGE = ROOT / "modelsite"
PARTS = ("core", "index", "measure", "speed", "site", "check")
# Each part, and the parts it may import. The site and the check never import each other: the site
# reads the check's report through core.report, and the check builds the site through MkDocs.
MAY_IMPORT = {
    "core": set(),
    "index": {"core"},
    "measure": {"core", "index"},
    "speed": {"core", "index"},
    "site": {"core", "index", "measure", "speed"},
    "check": {"core", "index", "measure"},
}


def part_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "modelsite" and len(parts) > 1 and parts[1] in PARTS else None


def part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {part: set() for part in PARTS}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        here = part_of(module)
        if here is None:
            continue
        graph[here] |= {other for name in imports_of(path) if (other := part_of(name)) and other != here}
    return graph


def test_every_module_belongs_to_a_part() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "cli.py"]
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(PARTS)


@pytest.mark.parametrize("part", PARTS)
def test_each_part_imports_only_the_parts_below_it(part: str) -> None:
    assert part_graph()[part] <= MAY_IMPORT[part], f"modelsite.{part} imports {part_graph()[part] - MAY_IMPORT[part]}"


def test_there_is_no_import_cycle_between_the_parts() -> None:
    graph = part_graph()

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    assert [part for part in PARTS if reaches(part, part)] == []


def test_the_wheel_holds_every_module_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("modelsite-*.whl")
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".py")}
    assert packaged == {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")}

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The dependencies, from this environment; the checkout is nowhere on the path.
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": sysconfig.get_paths()["purelib"], "HOME": str(tmp_path)}
    where = subprocess.run(
        [python, "-c", "import modelsite.check.interpreter, modelsite; print(modelsite.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv)
    helped = subprocess.run(
        [venv / "bin" / "modelsite", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
    )
    assert helped.returncode == 0, helped.stderr
    assert "validate" in helped.stdout and "check" in helped.stdout and "cache" in helped.stdout
    # A command that reads a project, run in an empty folder: a plain answer, not an import error.
    validated = subprocess.run(
        [venv / "bin" / "modelsite", "validate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
    )
    assert (
        validated.returncode == 1
        and validated.stderr == "modelsite validate: no YAML or result files found in model_index/\n"
    )
