"""The model index: every `model_index/*.yaml` file read, validated and joined into collections.

`read_index` is the one way the index is read: the command line's `validate`, the MkDocs
hook and the tests all go through it, so they agree on what a valid index is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelsite.core.problems import IndexProblems, Problem, display_path
from modelsite.index.schema import INDEX_FILE
from modelsite.index.schema_types import INVALID, KeyPath, Walk
from modelsite.index.yaml_source import load_yaml_file

INDEX_DIR = "model_index"
# A collection file's name becomes its page's address: lowercase words joined by hyphens.
FILE_STEM = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Measurements, synthesized checkpoints and the check's results; never committed.
CACHE_DIR = ".modelsite-cache"
# The newest result of every page run and model the check has covered; the build reads it.
LATEST_REPORT = f"{CACHE_DIR}/check-report.json"


@dataclass(frozen=True)
class Model:
    """One variant, as registered in the index."""

    name: str
    collection: str
    metadata: dict[str, Any]
    code: str
    weights: dict[str, str]
    sources: dict[str, str]
    results: tuple[dict[str, Any], ...]
    # What the authors printed (Parameters (millions), FLOPs (billions), Source, URL); empty when not given.
    reported: dict[str, Any]
    file: str
    position: dict[KeyPath, tuple[int, int]] = field(repr=False, compare=False)

    @property
    def pretrained_name(self) -> str:
        """`name.tag`, what snippets pass to `timm.create_model`."""
        return f"{self.name}.{self.weights['Tag']}"

    @property
    def anchor(self) -> str:
        """The HTML id of the variant's section on its collection page."""
        return self.name.replace("_", "-")

    def where(self, *path: str) -> tuple[int, int]:
        """Line and column of a value under this model, e.g. `where("Metadata", "FLOPs")`."""
        return self.position.get(path, self.position.get((), (1, 1)))


@dataclass(frozen=True)
class Collection:
    """A family of variants with its paper, summary and citation."""

    name: str
    paper: dict[str, str]
    summary: str
    citation: str
    weights_source: str
    code: str | None
    file: str
    models: tuple[Model, ...] = ()

    @property
    def slug(self) -> str:
        """The page's file name, derived from the index file so that it never changes by accident."""
        return Path(self.file).stem


@dataclass(frozen=True)
class ModelIndex:
    """All collections, in file order, each with its models."""

    collections: tuple[Collection, ...]

    @property
    def models(self) -> tuple[Model, ...]:
        return tuple(model for collection in self.collections for model in collection.models)

    def model(self, name: str) -> Model:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(f"no model {name!r} in the index; known: {', '.join(m.name for m in self.models)}")

    def collection(self, name: str) -> Collection:
        for collection in self.collections:
            if collection.name == name:
                return collection
        raise KeyError(f"no collection {name!r} in the index")


def index_files(root: Path) -> list[Path]:
    """Every YAML file of ROOT/model_index, in name order."""
    return yaml_files_in(root / INDEX_DIR)


def yaml_files_in(directory: Path) -> list[Path]:
    """The `.yaml` and `.yml` files directly in DIRECTORY, in name order."""
    return sorted(p for p in directory.glob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_index(root: Path, check_timm: bool = True) -> ModelIndex:
    """Read ROOT/model_index or raise IndexProblems listing everything wrong with it."""
    index, problems = read_index(index_files(root), base=root, check_timm=check_timm)
    if problems:
        raise IndexProblems(problems)
    return index


def read_index(paths: list[Path], base: Path | None = None, check_timm: bool = True) -> tuple[ModelIndex, list[Problem]]:
    """Read PATHS as one index; return what could be read and every problem found."""
    problems: list[Problem] = []
    collections: list[Collection] = []
    models: list[Model] = []
    for path in paths:
        shown_as = display_path(path, base)
        if not FILE_STEM.match(path.stem):
            problems.append(Problem(shown_as, 1, 1, f"the file name {path.name!r} becomes the page's address: use "
                                    "lowercase letters, digits, '-' and '_' (e.g. my-family.yaml)"))
            continue
        loaded = load_yaml_file(path, shown_as)
        problems.extend(loaded.problems)
        if loaded.root is None:
            continue
        walk = Walk(shown_as, loaded.text)
        data = INDEX_FILE.read(loaded.root, (), walk)
        problems.extend(walk.problems)
        if data is INVALID:
            continue
        if "Collections" not in data and "Models" not in data:
            problems.append(Problem(shown_as, 1, 1, "the file has neither `Collections:` nor `Models:`; "
                                    "see docs/add-a-variant.md for the layout"))
        collections.extend(_collections(data.get("Collections"), shown_as))
        models.extend(_models(data.get("Models"), shown_as, walk))
    problems.extend(_cross_file_problems(collections, models))
    if check_timm:
        problems.extend(_timm_problems(models))
    joined = tuple(
        Collection(**{**c.__dict__, "models": tuple(m for m in models if m.collection == c.name)})
        for c in collections
    )
    return ModelIndex(joined), problems


def _collections(entries: Any, shown_as: str) -> list[Collection]:
    result = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or any(value is INVALID for value in entry.values()):
            continue
        if not {"Name", "Paper", "Summary", "Citation", "Weights Source"} <= entry.keys():
            continue
        result.append(Collection(name=entry["Name"], paper=entry["Paper"], summary=entry["Summary"],
                                 citation=entry["Citation"], weights_source=entry["Weights Source"],
                                 code=entry.get("Code"), file=shown_as))
    return result


def _models(entries: Any, shown_as: str, walk: Walk) -> list[Model]:
    result = []
    for number, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("Name"), str):
            continue
        # Positions relative to this entry, so a model can point at its own keys.
        prefix = ("Models", number)
        position = {key[2:]: at for key, at in walk.value_at.items() if key[:2] == prefix}
        metadata = entry.get("Metadata") if isinstance(entry.get("Metadata"), dict) else {}
        model = Model(
            name=entry["Name"],
            collection=entry["In Collection"] if isinstance(entry.get("In Collection"), str) else "",
            metadata=metadata, code=entry.get("Code", ""),
            weights=entry.get("Weights") if isinstance(entry.get("Weights"), dict) else {},
            sources=entry.get("Sources") if isinstance(entry.get("Sources"), dict) else {},
            results=tuple(entry.get("Results") or ()) if isinstance(entry.get("Results"), list) else (),
            reported=entry.get("Reported") if isinstance(entry.get("Reported"), dict) else {},
            file=shown_as, position=position,
        )
        result.append(model)
    return result


def _cross_file_problems(collections: list[Collection], models: list[Model]) -> list[Problem]:
    problems = []
    seen_collections: dict[str, Collection] = {}
    for collection in collections:
        if collection.name in seen_collections:
            first = seen_collections[collection.name]
            problems.append(Problem(collection.file, 1, 1, f"collection {collection.name!r} is already defined in "
                                    f"{first.file}; give this one another Name or merge the files"))
        seen_collections.setdefault(collection.name, collection)
    names = tuple(seen_collections)
    seen_models: dict[str, Model] = {}
    for model in models:
        line, col = model.where("Name")
        if model.name in seen_models:
            first = seen_models[model.name]
            problems.append(Problem(model.file, line, col, f"model {model.name!r} is already registered in "
                                    f"{first.file}:{first.where('Name')[0]}; each variant appears once in the index"))
        seen_models.setdefault(model.name, model)
        if model.collection and model.collection not in seen_collections:
            line, col = model.where("In Collection")
            close = difflib.get_close_matches(model.collection, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known collections: {', '.join(names) or 'none'}"
            problems.append(Problem(model.file, line, col, f"In Collection names {model.collection!r}, which no "
                                    f"model-index file defines under Collections:; {hint}"))
    return problems


def _timm_problems(models: list[Model]) -> list[Problem]:
    """Every Name must be a model timm knows, and every Weights.Tag one of its pretrained tags."""
    if not models:
        return []
    import timm  # Deferred: importing torch costs seconds that syntax errors need not wait for.

    problems = []
    known = set(timm.list_models())
    for model in models:
        line, col = model.where("Name")
        if "." in model.name:
            problems.append(Problem(model.file, line, col, f"Name {model.name!r} carries a pretrained tag; write "
                                    f"{model.name.split('.')[0]!r} and put the tag under Weights.Tag"))
            continue
        if model.name not in known:
            close = difflib.get_close_matches(model.name, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see timm.list_models() for the IDs"
            problems.append(Problem(model.file, line, col, f"timm {timm.__version__} has no model {model.name!r}; {hint}"))
            continue
        tag = model.weights.get("Tag")
        tags = [name.split(".", 1)[1] for name in timm.list_pretrained(f"{model.name}.*")]
        if isinstance(tag, str) and tag not in tags:
            line, col = model.where("Weights", "Tag")
            problems.append(Problem(model.file, line, col, f"timm {timm.__version__} has no weights {model.name}.{tag};"
                                    f" its tags are: {', '.join(tags) or 'none'}"))
    return problems
