"""The package's own import graph, read from the source with `ast`: what a module needs of modelsite.

The check keys reused page runs by the code that ran and judged them (check/reuse.py), and the layout test
holds the parts to their one-way imports; both read the graph here, not a list kept by hand.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = "modelsite"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    """Every module name PATH imports, at the top or inside a function, absolute imports only (the package
    uses no relative ones). `from a.b import c` yields a.b and a.b.c, since c may be a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def module_file(module: str) -> Path | None:
    """The source file of MODULE when it is one of the package's, else None."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def closure(*roots: str) -> tuple[Path, ...]:
    """The source files of ROOTS and of every package module they import, directly or not, with the
    `__init__.py` of each package on the way (importing a.b.c runs a/__init__.py and a/b/__init__.py)."""
    seen: set[Path] = set()
    pending = list(roots)
    while pending:
        module = pending.pop()
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            path = module_file(".".join(parts[:depth]))
            if path is not None and path not in seen:
                seen.add(path)
                pending += sorted(imports_of(path))
    return tuple(sorted(seen))
