"""`modelsite new MODEL_ID --collection PATH`: a complete index entry, measured, appended to PATH.

Every figure comes from `modelsite.measure`; the weights' tag, Hub address and original URL
come from timm's pretrained configuration. What nothing can measure (the training data, and for
a new collection its paper, summary and citation) is written as a placeholder starting with
`TODO`: `validate` accepts it and counts it, and the pages show it as "not given".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from modelsite.core.errors import ModelsiteError
from modelsite.core.figures import FIGURES
from modelsite.core.files import write_text_atomically
from modelsite.core.problems import display_path
from modelsite.core.project import INDEX_DIR, Project
from modelsite.core.tag_tokens import TagToken, tag_tokens
from modelsite.index import FILE_STEM, index_files, read_index
from modelsite.index.placeholders import PLACEHOLDER, count_placeholders
from modelsite.index.schema import METADATA
from modelsite.measure import cached_measure
from modelsite.measure.ids import parse_model_id
from modelsite.measure.timm_results import TimmResults


class ScaffoldError(ModelsiteError):
    """The entry cannot be written; nothing was changed."""

    exit_status = 1


@dataclass(frozen=True)
class Scaffolded:
    path: Path
    created: bool
    collection: str
    model_ids: tuple[str, ...]
    placeholders: int


def new_entry(
    model_ids: Sequence[str],
    collection_path: Path,
    root: Path,
    collection_name: str | None = None,
    progress: Callable[[int, str, float], None] = lambda done, model_id, seconds: None,
    results: TimmResults | None = None,
) -> Scaffolded:
    """Measure each of MODEL_IDS and append their entries to COLLECTION_PATH (created with its collection when
    absent), all or none: the file is written once, after every tag was measured. PROGRESS hears of each tag
    measured (how many so far, its ID, the seconds it took); RESULTS, when given, supplies each tag's accuracy."""
    collection_path = index_file_path(collection_path, root)  # Before importing timm: a wrong path answers at once.
    keys = [_released_key(model_id) for model_id in model_ids]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ScaffoldError(f"{', '.join(repeated)} named more than once; name each tag once")
    index, problems = read_index(index_files(root), base=root, check_timm=False)
    if problems:
        raise ScaffoldError("the model index has problems; fix them first (modelsite validate)")
    registered = {m.key: m for m in index.models}
    for key in keys:
        if key in registered:
            where = registered[key]
            raise ScaffoldError(f"{key} is already registered in {where.file}:{where.where('Name')[0]}")
    shown = display_path(collection_path, root)
    existing = [c for c in index.collections if c.file == shown]
    created = not collection_path.exists()
    if not created and not existing:
        raise ScaffoldError(
            f"{shown} defines no collection; name one of the collection files in "
            f"model_index/ ({', '.join(sorted({c.file for c in index.collections}))}) or a new file"
        )
    collection = existing[0].name if existing else (collection_name or _title(collection_path.stem))
    if created and any(c.name == collection for c in index.collections):
        raise ScaffoldError(f"collection {collection!r} already exists in another file; pass --collection-name")

    entries = []
    for done, key in enumerate(keys, 1):
        started = time.monotonic()
        entries.append(model_entry(key, collection, root, results))
        progress(done, key, time.monotonic() - started)
    import timm

    first = timm.models.get_pretrained_cfg(keys[0])
    text = _collection_text(collection, first, keys[0].split(".")[0]) if created else collection_path.read_text("utf-8")
    if not text.endswith("\n"):
        text += "\n"
    if "\nModels:" not in f"\n{text}":
        text += "Models:\n"
    text += index_yaml(entries)
    write_text_atomically(collection_path, text)  # All or nothing: never half an entry in the index.
    return Scaffolded(collection_path, created, collection, tuple(keys), count_placeholders(yaml.safe_load(text)))


def _released_key(model_id: str) -> str:
    """`name.tag` of MODEL_ID when timm has released weights under it; else a ScaffoldError."""
    import timm

    name, tag = parse_model_id(model_id)
    config = timm.models.get_pretrained_cfg(f"{name}.{tag}" if tag else name)
    if config is None or not tag:
        raise ScaffoldError(
            f"timm {timm.__version__} has no pretrained weights for {name!r}; the site documents released weights"
        )
    return f"{name}.{tag}"


class _IndexDumper(yaml.SafeDumper):
    """Writes lists of numbers (Mean, Std, Feature Strides) on one line, `[0.5, 0.5, 0.5]`, as the index does."""


_IndexDumper.add_representer(
    list,
    lambda dumper, data: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", data, flow_style=bool(data) and all(isinstance(x, (int, float)) for x in data)
    ),
)


def index_file_path(path: Path, root: Path) -> Path:
    """PATH when it is a file the index reads (`model_index/NAME.yaml`, no subfolder); else a ScaffoldError."""
    folder = (root / INDEX_DIR).resolve()
    target = path if path.is_absolute() else root / path
    where = (
        f"write to {INDEX_DIR}/NAME.yaml, NAME in lowercase letters, digits, '-' and '_' "
        f"(e.g. {INDEX_DIR}/my-family.yaml)"
    )
    if target.resolve().parent != folder or target.suffix not in (".yaml", ".yml"):
        raise ScaffoldError(
            f"{path}: the index reads only the .yaml files directly in {INDEX_DIR}/, so an entry "
            f"there would never appear on the site; {where}"
        )
    if not FILE_STEM.match(target.stem):
        raise ScaffoldError(f"{path}: the file name becomes the page's address; {where}")
    return folder / target.name


def entry_yaml(model_id: str, collection: str, root: Path) -> str:
    """MODEL_ID's entry as the YAML that `new` appends under `Models:` (MODEL_ID: one of timm's registry)."""
    parse_model_id(model_id)
    return index_yaml([model_entry(model_id, collection, root)])


def index_yaml(data: object) -> str:
    """DATA written as the index writes it: keys in their order, lists of numbers on one line, no wrapping."""
    return yaml.dump(data, Dumper=_IndexDumper, sort_keys=False, allow_unicode=True, width=1000)


# What the weights do, by what their outputs are (core.figures.HEADS).
TASKS = {
    "classifier": "Image Classification",
    "none": "Feature Extraction",
    "tokens": "Vision Encoding for a Language Model",
    "embedding": "Image Embedding",
    "unknown": f"{PLACEHOLDER}: what the outputs are for (timm does not say)",
}


def model_entry(model_id: str, collection: str, root: Path, results: TimmResults | None = None) -> dict[str, object]:
    """The complete `Models:` entry of MODEL_ID (`name.tag`), from its measurement and timm's configuration, with
    its accuracy from RESULTS where timm published any."""
    import timm

    measured = cached_measure(model_id, Project(root).cache_dir)
    tag = model_id.partition(".")[2]
    config = timm.models.get_pretrained_cfg(model_id)
    weights: dict[str, object] = {"Tag": tag, "URL": f"https://huggingface.co/{getattr(config, 'hf_hub_id', '')}"}
    if getattr(config, "url", None):
        weights["Original"] = config.url
    weights["Description"] = f"{PLACEHOLDER}: what the `{tag}` weights are: who trained them, on what, and how."
    metadata = measured.metadata()
    metadata.update(
        {
            "Training Data": training_data(tag),
            "Tasks": [TASKS[str(metadata["Head"])]],
        }
    )
    facts = {
        "versions": f"timm {measured.timm_version}, torch {measured.torch_version}",
        "classes": metadata["Classes"],
        "label_set": metadata["Label Set"],
        "size": measured.size_text,
        "pretrained": f"{measured.model_id}.{tag}",
        "timm": measured.timm_version,
    }
    entry: dict[str, object] = {
        "Name": measured.model_id,
        "In Collection": collection,
        # In the schema's order: the figures, then what nothing measures.
        "Metadata": {key: metadata[key] for key in METADATA.fields if key in metadata},
        "Code": measured.code,
        "Weights": weights,
        "Sources": {
            figure.key: figure.source.format(**facts) for figure in FIGURES if figure.sourced and figure.key in metadata
        },
    }
    accuracy = results.of(model_id) if results else []
    if accuracy:
        entry["Results"] = accuracy
    return entry


def training_data(tag: str) -> list[str]:
    """What TAG's data tokens say the weights were trained on (core.tag_tokens), or a placeholder when none does."""
    said = [token.meaning for token in tag_tokens(tag) if isinstance(token, TagToken) and token.kind == "data"]
    return list(dict.fromkeys(said)) or [f"{PLACEHOLDER}: the data sets the weights were trained on"]


def _collection_text(collection: str, config: object, name: str) -> str:
    hub = getattr(config, "hf_hub_id", "") or name
    entry = {
        "Name": collection,
        "Paper": {"title": f"{PLACEHOLDER}: the paper that introduced {name}", "url": f"https://huggingface.co/{hub}"},
        "Summary": f"{PLACEHOLDER}: a paragraph on what sets this family apart, for a reader choosing a model.",
        "Citation": f"{PLACEHOLDER}: the paper's BibTeX entry.",
        "Weights Source": f"Released with timm and hosted on the Hugging Face Hub, for example as "
        f"[{hub}](https://huggingface.co/{hub}).",
    }
    header = (
        f"# {collection}: registered with `modelsite new`. Replace each TODO placeholder;\n"
        "# `modelsite validate` counts those left.\n"
    )
    return header + yaml.safe_dump({"Collections": [entry]}, sort_keys=False, allow_unicode=True, width=1000)


def _title(stem: str) -> str:
    return " ".join(
        word.upper() if word in ("tf", "cc") else word.capitalize() for word in stem.replace("_", "-").split("-")
    )
