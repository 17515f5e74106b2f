"""The model index: every `model_index/*.yaml` file read, validated and joined into collections.

`read_index` is the one way the index is read: the command line's `validate`, the MkDocs
hook and the tests all go through it, so they agree on what a valid index is.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from modelsite.core.problems import IndexProblems, Problem, display_path
from modelsite.core.project import INDEX_DIR
from modelsite.core.tag_tokens import unknown_tokens
from modelsite.index.model import Collection, Model, ModelIndex
from modelsite.index.schema import INDEX_FILE
from modelsite.index.schema_types import INVALID, KeyPath, Walk
from modelsite.index.yaml_source import LoadedYaml, load_yaml_bytes, load_yaml_file

# A collection file's name becomes its page's address: lowercase words joined by hyphens.
FILE_STEM = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Addresses under models/ that the site's own pages take.
RESERVED_STEMS = {"index": "the explorer (models/)"}


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


def read_index(
    paths: list[Path], base: Path | None = None, check_timm: bool = True
) -> tuple[ModelIndex, list[Problem]]:
    """Read PATHS as one index; return what could be read and every problem found."""
    read = _Read()
    stems: dict[str, str] = {}  # page address -> the file that takes it
    for path in paths:
        shown_as = display_path(path, base)
        refused = _file_name_problem(path, shown_as, stems)
        if refused is not None:
            read.problems.append(refused)
            continue
        stems[path.stem] = shown_as
        _read_file(path, shown_as, read)
    read.problems.extend(_cross_file_problems(read.defined, read.registered))
    read.problems.extend(_tag_token_problems(read.registered))
    if check_timm:
        read.problems.extend(_timm_problems(read.registered))
    joined = tuple(replace(c, models=tuple(m for m in read.models if m.collection == c.name)) for c in read.collections)
    return ModelIndex(joined), read.problems


@dataclass
class _Read:
    """What reading the files has found so far."""

    problems: list[Problem] = field(default_factory=list)
    collections: list[Collection] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    # Every entry whose name reads, whole or not: the checks across files and against timm see them all.
    registered: list[_Registration] = field(default_factory=list)
    defined: list[tuple[str, str]] = field(default_factory=list)  # (collection name, file)


def _file_name_problem(path: Path, shown_as: str, stems: dict[str, str]) -> Problem | None:
    """Why PATH's name cannot be a collection file's: it becomes the page's address."""
    if not FILE_STEM.match(path.stem):
        return Problem(
            shown_as,
            1,
            1,
            f"the file name {path.name!r} becomes the page's address: use lowercase letters, digits, '-' and '_' "
            "(e.g. my-family.yaml)",
        )
    if path.stem in RESERVED_STEMS:
        return Problem(
            shown_as,
            1,
            1,
            f"the file name {path.name!r} would give its page the address of {RESERVED_STEMS[path.stem]}; name "
            "the file after its collection",
        )
    if path.stem in stems:
        return Problem(
            shown_as,
            1,
            1,
            f"{stems[path.stem]} already gives a page the address {path.stem!r}; rename one of the two files",
        )
    return None


# One build reads the index more than once (the hook, the macros, the examples validated beside it), and a
# check reads it before its build: a file read once is not read again while its bytes stay the same.
_FILES_READ: dict[tuple[str, str], _Read] = {}
_MOST_FILES_KEPT = 1024


def _read_file(path: Path, shown_as: str, read: _Read) -> None:
    """PATH's collections and models into READ, with its problems."""
    try:
        data = path.read_bytes()
    except OSError:
        _read_text(load_yaml_file(path, shown_as), shown_as, read)  # Says why it cannot be read.
        return
    key = (shown_as, hashlib.sha256(data).hexdigest())
    if key not in _FILES_READ:
        if len(_FILES_READ) >= _MOST_FILES_KEPT:
            _FILES_READ.pop(next(iter(_FILES_READ)))
        _FILES_READ[key] = _Read()
        _read_text(load_yaml_bytes(data, shown_as), shown_as, _FILES_READ[key])
    found = _FILES_READ[key]
    read.problems.extend(found.problems)
    read.collections.extend(found.collections)
    read.models.extend(found.models)
    read.registered.extend(found.registered)
    read.defined.extend(found.defined)


def _read_text(loaded: LoadedYaml, shown_as: str, read: _Read) -> None:
    """One file's collections and models, as loaded YAML, into READ."""
    read.problems.extend(loaded.problems)
    if loaded.root is None:
        return
    walk = Walk(shown_as, loaded.text)
    data = INDEX_FILE.read(loaded.root, (), walk)
    read.problems.extend(walk.problems)
    if data is INVALID:
        return
    if "Collections" not in data and "Models" not in data:
        read.problems.append(
            Problem(
                shown_as,
                1,
                1,
                "the file has neither `Collections:` nor `Models:`; see docs/add-a-variant.md for the layout",
            )
        )
    for number, entry in _entries(data.get("Collections")):
        if isinstance(entry.get("Name"), str):
            read.defined.append((entry["Name"], shown_as))
        if _whole(entry, ("Collections", number), walk):
            read.collections.append(Collection.from_index(entry, shown_as))
    # Positions relative to each entry, so a model can point at its own keys; grouped in one pass, since a
    # family's file holds hundreds of entries.
    by_entry: dict[KeyPath, dict[KeyPath, tuple[int, int]]] = {}
    for key, at in walk.value_at.items():
        by_entry.setdefault(key[:2], {})[key[2:]] = at
    for number, entry in _entries(data.get("Models")):
        prefix = ("Models", number)
        positions = by_entry.get(prefix, {})
        if isinstance(entry.get("Name"), str):
            read.registered.append(_Registration(entry, shown_as, positions))
        if _whole(entry, prefix, walk):  # A partial entry's problems are reported; it joins nothing.
            read.models.append(Model.from_index(entry, shown_as, positions))


@dataclass(frozen=True)
class _Registration:
    """A `Models:` entry as far as it reads: its Name, and its In Collection and Tag when valid."""

    entry: dict[str, Any]
    file: str
    positions: dict[KeyPath, tuple[int, int]]

    @property
    def name(self) -> str:
        return str(self.entry["Name"])

    @property
    def collection(self) -> str | None:
        value = self.entry.get("In Collection")
        return value if isinstance(value, str) else None

    @property
    def tag(self) -> str | None:
        weights = self.entry.get("Weights")
        tag = weights.get("Tag") if isinstance(weights, dict) else None
        return tag if isinstance(tag, str) else None

    @property
    def key(self) -> str:
        """`name.tag`: a variant is a pretrained tag, so an architecture may be registered once per tag."""
        return f"{self.name}.{self.tag}" if self.tag else self.name

    def where(self, *path: str) -> tuple[int, int]:
        return self.positions.get(path, self.positions.get((), (1, 1)))


def _entries(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mappings of a `Collections:` or `Models:` list, numbered (the schema has reported anything else)."""
    return [(n, entry) for n, entry in enumerate(value) if isinstance(entry, dict)] if isinstance(value, list) else []


def _whole(value: Any, path: KeyPath, walk: Walk) -> bool:
    """Whether the schema accepted VALUE (at PATH) and everything inside it, no required key missing."""
    if value is INVALID or any(incomplete[: len(path)] == path for incomplete in walk.incomplete):
        return False
    return _valid(value)


def _valid(value: Any) -> bool:
    if value is INVALID:
        return False
    if isinstance(value, dict):
        return all(_valid(item) for item in value.values())
    if isinstance(value, list):
        return all(_valid(item) for item in value)
    return True


def _cross_file_problems(defined: list[tuple[str, str]], registered: list[_Registration]) -> list[Problem]:
    problems = []
    seen_collections: dict[str, str] = {}
    for name, file in defined:
        if name in seen_collections:
            problems.append(
                Problem(
                    file,
                    1,
                    1,
                    f"collection {name!r} is already defined in "
                    f"{seen_collections[name]}; give this one another Name or merge the files",
                )
            )
        seen_collections.setdefault(name, file)
    names = tuple(seen_collections)
    seen_models: dict[str, _Registration] = {}
    for model in registered:
        # The second entry of a key is the one to blame: the first stands, and says where it is.
        line, col = model.where("Weights", "Tag") if model.tag else model.where("Name")
        if model.key in seen_models:
            first = seen_models[model.key]
            problems.append(
                Problem(
                    model.file,
                    line,
                    col,
                    f"the weights {model.key!r} are already registered in "
                    f"{first.file}:{first.where('Name')[0]}; each variant (name and tag) appears once in the index",
                )
            )
        seen_models.setdefault(model.key, model)
        if model.collection and model.collection not in seen_collections:
            line, col = model.where("In Collection")
            close = difflib.get_close_matches(model.collection, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known collections: {', '.join(names) or 'none'}"
            problems.append(
                Problem(
                    model.file,
                    line,
                    col,
                    f"In Collection names {model.collection!r}, which no "
                    f"model-index file defines under Collections:; {hint}",
                )
            )
    return problems


def _tag_token_problems(models: list[_Registration]) -> list[Problem]:
    """Every token of a Weights.Tag must be one the table of tag tokens explains, for its page to explain it."""
    problems = []
    for model in models:
        unknown = unknown_tokens(model.tag) if model.tag else []
        if unknown:
            line, col = model.where("Weights", "Tag")
            listed = ", ".join(repr(token) for token in unknown)
            problems.append(
                Problem(
                    model.file,
                    line,
                    col,
                    f"the tag {model.tag!r} of {model.name} has tokens that modelsite's table of tag tokens does not "
                    f"explain: {listed}; add each to TAG_TOKENS in modelsite/core/tag_tokens.py with its meaning "
                    "and the source that states it",
                )
            )
    return problems


def _timm_problems(models: list[_Registration]) -> list[Problem]:
    """Every Name must be a model timm knows, and every Weights.Tag one of its pretrained tags."""
    if not models:
        return []
    import timm  # Deferred: importing torch costs seconds that syntax errors need not wait for.

    problems = []
    known = set(timm.list_models())
    released: dict[str, list[str]] = {}
    for pretrained in timm.list_pretrained():
        name, _, tag = pretrained.partition(".")
        released.setdefault(name, []).append(tag)
    for model in models:
        line, col = model.where("Name")
        if "." in model.name:
            problems.append(
                Problem(
                    model.file,
                    line,
                    col,
                    f"Name {model.name!r} carries a pretrained tag; write "
                    f"{model.name.split('.')[0]!r} and put the tag under Weights.Tag",
                )
            )
            continue
        if model.name not in known:
            close = difflib.get_close_matches(model.name, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see timm.list_models() for the IDs"
            problems.append(
                Problem(model.file, line, col, f"timm {timm.__version__} has no model {model.name!r}; {hint}")
            )
            continue
        tag = model.tag
        tags = released.get(model.name, [])
        if tag is not None and tag not in tags:
            line, col = model.where("Weights", "Tag")
            problems.append(
                Problem(
                    model.file,
                    line,
                    col,
                    f"timm {timm.__version__} has no weights {model.name}.{tag};"
                    f" its tags are: {', '.join(tags) or 'none'}",
                )
            )
    return problems
