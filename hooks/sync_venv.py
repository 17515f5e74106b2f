"""Make the running interpreter's environment hold exactly what requirements.lock pins for it.

    python hooks/sync_venv.py requirements.lock [--check]

`make install` runs it after `pip install --require-hashes -r requirements.lock`: pip installs what the
lock names but never removes what it no longer names, so a package dropped from the lock would linger in
an old .venv. This removes such packages (with --check it only reports them) and fails, naming each, when
an installed version differs from its pin. pip itself (the installer) and the project are not in the lock.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

# The installer and the project: the lock pins neither.
NOT_LOCKED = frozenset({"pip", "modelsite"})

# `name==version ; marker \` as uv writes it; the hash lines that follow begin with spaces.
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)


def locked_pins(lock: Path) -> dict[str, str]:
    """The lock's pins that apply to this interpreter and platform, by canonical name."""
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match is None:
            continue
        marker = match["marker"]
        if marker is None or Marker(marker).evaluate():
            pins[canonicalize_name(match["name"])] = match["version"]
    return pins


def installed() -> dict[str, str]:
    """Every distribution in this environment, by canonical name."""
    return {canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--check", action="store_true", help="report strays instead of removing them")
    options = parser.parse_args(argv)
    pins = locked_pins(options.lock)
    present = installed()
    strays = sorted(set(present) - set(pins) - NOT_LOCKED)
    if strays and not options.check:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *strays], check=True)
        present = installed()
        strays = sorted(set(present) - set(pins) - NOT_LOCKED)
    problems = [f"{name} {present[name]} is installed but {options.lock} does not name it" for name in strays]
    problems += [
        f"{name} {present.get(name, '(not installed)')} where {options.lock} pins {version}"
        for name, version in sorted(pins.items())
        if present.get(name) != version
    ]
    for problem in problems:
        print(f"{options.lock}: {problem}; run `make install` again", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
