"""A problem found in a model-index file, reported as `PATH:LINE:COL: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelsite.core.errors import ModelsiteError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file; LINE and COL are 1-based."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


@dataclass(frozen=True, order=True)
class FigureProblem(Problem):
    """A `PATH:LINE:COL: message` problem of the index, for one figure of one model (found by the check)."""

    model: str = ""
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "field": self.field,
            "file": self.path,
            "line": self.line,
            "col": self.col,
            "message": str(self),
        }


class IndexProblems(ModelsiteError):
    """Raised when the model index cannot be used; carries every problem found."""

    exit_status = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def display_path(path: Path, root: Path | None = None) -> str:
    """Show PATH relative to ROOT (or the working directory) when it lies below it."""
    base = (root or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return str(path)
