"""requirements.lock and hooks/sync_venv.py: `make install` installs exactly the lock, and the lock answers
every requirement of pyproject.toml. No marker: milliseconds, no install.

(`make install` itself fails when the environment differs from the lock, so every test run starts from the
lock; the weekly canary installs the newest allowed versions instead, and these tests hold there too.)
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import ROOT

LOCK = ROOT / "requirements.lock"
SYNC = ROOT / "hooks" / "sync_venv.py"
sys.path.insert(0, str(SYNC.parent))
from sync_venv import locked_pins  # noqa: E402


def test_every_requirement_of_the_project_is_pinned_within_its_range_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
    wanted += [item for extra in project["project"]["optional-dependencies"].values() for item in extra]
    pins = locked_pins(LOCK)
    requirements = [Requirement(item) for item in wanted]
    outside = [
        f"{requirement} (locked: {pins.get(canonicalize_name(requirement.name))})"
        for requirement in requirements
        if canonicalize_name(requirement.name) != "modelsite"
        and not requirement.specifier.contains(
            pins.get(canonicalize_name(requirement.name), "0.dev0"), prereleases=True
        )
    ]
    assert outside == []
    # Each pin is followed by its hashes: pip's --require-hashes refuses a lock without them.
    lines = LOCK.read_text(encoding="utf-8").splitlines()
    unhashed = [
        line
        for number, line in enumerate(lines)
        if "==" in line
        and not line.startswith((" ", "#"))
        and not (number + 1 < len(lines) and lines[number + 1].startswith("    --hash=sha256:"))
    ]
    assert pins and unhashed == []


def test_a_pin_applies_only_where_its_marker_holds(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# made by uv\n"
        "numpy==1.0 ; python_full_version < '3.0' \\\n"
        "    --hash=sha256:00\n"
        "numpy==2.0 ; python_full_version >= '3.0' \\\n"
        "    --hash=sha256:11\n"
        "Typing_Extensions==4.0 \\\n"
        "    --hash=sha256:22\n",
        encoding="utf-8",
    )
    assert locked_pins(lock) == {"numpy": "2.0", "typing-extensions": "4.0"}


def test_a_version_that_differs_from_the_lock_is_named(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    installed: dict[str, str] = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    pins = dict(installed, pyyaml="0.0.1")
    pins.pop("pip", None)
    pins.pop("modelsite", None)
    lock.write_text("".join(f"{name}=={version} \\\n    --hash=sha256:00\n" for name, version in pins.items()))
    done = subprocess.run([sys.executable, str(SYNC), str(lock), "--check"], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{lock}: pyyaml {installed['pyyaml']} where {lock} pins 0.0.1; run `make install` again"
    ]


def test_a_package_the_lock_does_not_name_is_reported(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    installed: dict[str, str] = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    kept = {name: version for name, version in installed.items() if name not in ("pip", "modelsite", "tqdm")}
    lock.write_text("".join(f"{name}=={version}\n" for name, version in kept.items()))
    done = subprocess.run([sys.executable, str(SYNC), str(lock), "--check"], capture_output=True, text=True)
    assert done.returncode == 1
    assert f"tqdm {installed['tqdm']} is installed but {lock} does not name it" in done.stderr
