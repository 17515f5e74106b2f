"""A modelsite project: its root folder, and every path derived from it, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from modelsite.core.cache import CACHE_DIR
from modelsite.core.errors import ModelsiteError

INDEX_DIR = "model_index"
TEMPLATES_DIR = "templates"
DOCS_DIR = "docs"
# Where generated model pages live under docs/ (and the site): an overview per collection, a page per variant.
MODELS_DIR = "models"
# Runnable examples are served from the same folder name as in the repository, for download.
EXAMPLES_DIR = "runnable_examples"
# Where the check traces a rendered block back to: the files contributors write code in, and their patterns.
SOURCE_FOLDERS = ((TEMPLATES_DIR, "*.j2"), (DOCS_DIR, "*.md"), (EXAMPLES_DIR, "*.py"))
OFFLINE_RESPONSES = "offline/responses.yaml"
# The newest result of every page run and model the check has covered; the build reads it.
LATEST_REPORT = f"{CACHE_DIR}/check-report.json"
# Where a build (or a check, which writes it) finds the report instead: a report CI downloaded, say.
REPORT_ENVIRONMENT_VARIABLE = "MODELSITE_CHECK_REPORT"
# `make serve FAMILIES=resnet,vit`, and the check's discovery of a sample: a build of only these collections'
# pages (their files' stems, comma- or space-separated) and an explorer of them.
PREVIEW_VARIABLE = "MODELSITE_FAMILIES"
# Speed results of `modelsite speed`, one file per device and setting.
SPEED_DIR = "speed"
# What a build and a check read: a copy of these is a complete project (tests and benches copy them).
DURATIONS_FILE = "check-durations.json"
PROJECT_PARTS = (
    "mkdocs.yml",
    # Theme overrides: the header that names what each page documents.
    "overrides",
    DOCS_DIR,
    TEMPLATES_DIR,
    "hooks",
    INDEX_DIR,
    SPEED_DIR,
    EXAMPLES_DIR,
    "modelsite",
    "offline",
    # The page durations of the sweeps run for the project, committed: what a fresh clone plans by.
    DURATIONS_FILE,
)


def docs_path(src_uri: str) -> str:
    """How the check, the report and messages name a page: its path in the project, `docs/` and MkDocs'
    src_uri (a generated page too, though it has no file there)."""
    return f"{DOCS_DIR}/{src_uri}"


@dataclass(frozen=True)
class Project:
    """The project at ROOT (the folder of mkdocs.yml)."""

    root: Path

    @property
    def mkdocs_config(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def index_dir(self) -> Path:
        return self.root / INDEX_DIR

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    @property
    def templates_dir(self) -> Path:
        return self.root / TEMPLATES_DIR

    @property
    def docs_dir(self) -> Path:
        return self.root / DOCS_DIR

    @property
    def examples_dir(self) -> Path:
        return self.root / EXAMPLES_DIR

    @property
    def offline_responses(self) -> Path:
        return self.root / OFFLINE_RESPONSES

    @property
    def latest_report(self) -> Path:
        """The report the build reads and the check updates: MODELSITE_CHECK_REPORT's, or the cache's."""
        override = os.environ.get(REPORT_ENVIRONMENT_VARIABLE)
        return Path(override) if override else self.root / LATEST_REPORT

    @property
    def sweep_durations(self) -> Path:
        """Each page's duration in the last whole sweep: what `--shard` balances by. Only a whole check and
        `merge-reports` write it, never a shard, so every shard of a sweep computes the same split."""
        return self.cache_dir / "sweep-durations.json"

    @property
    def committed_durations(self) -> Path:
        """The page durations of earlier sweeps, in the repository: the plan's data where the cache has none (a
        fresh clone, a CI job). A developer refreshes it from sweep_durations after a sweep (docs/checking.md)."""
        return self.root / DURATIONS_FILE

    def runnable_examples(self) -> list[Path]:
        """The scripts of runnable_examples/, in name order: what pages embed, the site serves and the check runs."""
        examples = sorted(p for p in self.examples_dir.glob("*.py") if p.is_file())
        for path in examples:
            self.refuse_outside(path)
        return examples

    def refuse_outside(self, path: Path) -> None:
        """A ModelsiteError when PATH (a link, say) leads out of the project: the site would publish that file."""
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise OutsideProject(
                f"{path.relative_to(self.root) if path.is_relative_to(self.root) else path} leads "
                f"to {path.resolve()}, outside the project; the site publishes the files it serves, "
                "so it takes none from outside: remove the link"
            )


class OutsideProject(ModelsiteError):
    """A file the site would serve is a link to somewhere outside the project."""
