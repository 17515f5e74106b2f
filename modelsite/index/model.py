"""The model index once validated: typed records, built from values the schema has already checked.

Nothing here checks shapes again: `modelsite.index.load` builds these only from entries whose
every value the schema accepted, so a field's type is what the schema says.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from modelsite.core.figures import FIGURE_KEYS
from modelsite.core.project import MODELS_DIR
from modelsite.core.tag_tokens import TagToken, tag_tokens
from modelsite.index.schema import DATASETS, HYPERPARAMETERS
from modelsite.index.schema_types import KeyPath


@dataclass(frozen=True)
class Paper:
    title: str
    url: str


@dataclass(frozen=True)
class Weights:
    """Which released weights a variant's page describes."""

    tag: str
    url: str
    original: str | None = None
    # What the tag means (prose), when the index says.
    description: str | None = None

    def as_index(self) -> dict[str, str]:
        """The entry as the index writes it (models.json publishes this)."""
        return {
            "Tag": self.tag,
            "URL": self.url,
            **({"Original": self.original} if self.original else {}),
            **({"Description": self.description} if self.description else {}),
        }


@dataclass(frozen=True)
class Result:
    """Accuracy the authors or timm reported, with its source."""

    task: str
    dataset: str
    top1: float
    top5: float | None
    source: str
    measured_by: str = "the authors"
    image_size: int | None = None

    @property
    def by_timm(self) -> bool:
        return self.measured_by == "timm validate.py"

    @property
    def top1_text(self) -> str:
        """Top-1 as its source prints it: timm's results with three decimals, the authors' as written."""
        return self._shown(self.top1)

    @property
    def top5_text(self) -> str | None:
        return None if self.top5 is None else self._shown(self.top5)

    def _shown(self, value: float) -> str:
        return f"{value:.3f}" if self.by_timm else f"{value:g}"

    @property
    def dataset_order(self) -> tuple[int, int, int]:
        """Where the result goes in a table: by evaluation set, timm's first, the largest image size first."""
        return (DATASETS.index(self.dataset), 0 if self.by_timm else 1, -(self.image_size or 0))

    def as_index(self) -> dict[str, Any]:
        metrics: dict[str, float] = {"Top 1 Accuracy": self.top1}
        if self.top5 is not None:
            metrics["Top 5 Accuracy"] = self.top5
        return {
            "Task": self.task,
            "Dataset": self.dataset,
            "Metrics": metrics,
            "Source": self.source,
            "Measured By": self.measured_by,
            **({"Image Size": self.image_size} if self.image_size else {}),
        }


@dataclass(frozen=True)
class Reported:
    """What the authors printed, for a reader comparing: figures by the index's key, and their source."""

    figures: Mapping[str, float]
    source: str
    url: str

    def as_index(self) -> dict[str, Any]:
        return {**self.figures, "Source": self.source, "URL": self.url}


@dataclass(frozen=True)
class Training:
    """How the weights were trained: data, named techniques, and the hyper-parameters the index gives."""

    data: tuple[str, ...]
    techniques: tuple[str, ...] = ()
    # In the schema's order (Epochs, Batch Size, LR, ...): only those the index gives.
    hyperparameters: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    """One variant, as registered in the index."""

    name: str
    collection: str
    # Keyed as the figure table (modelsite.core.figures): FLOPs, Parameters, ..., Architecture.
    figures: Mapping[str, Any]
    training: Training
    tasks: tuple[str, ...]
    code: str
    weights: Weights
    sources: Mapping[str, str]
    results: tuple[Result, ...]
    reported: Reported | None
    file: str
    positions: Mapping[KeyPath, tuple[int, int]] = field(repr=False, compare=False, default_factory=dict)

    @property
    def tag(self) -> str:
        return self.weights.tag

    @property
    def tag_tokens(self) -> tuple[TagToken | str, ...]:
        """What each token of the tag says (modelsite.core.tag_tokens); validate refuses a token it lacks."""
        return tag_tokens(self.weights.tag)

    @cached_property  # Read for every model on every page: the explorer, the tables of other tags, the check.
    def key(self) -> str:
        """The variant's key in the index and on the site, and what snippets pass to `timm.create_model`: `name.tag`."""
        return f"{self.name}.{self.weights.tag}"

    @property
    def top1(self) -> Result | None:
        """ImageNet top-1 as timm measured it, else as the authors reported it; None when the index gives neither."""
        imagenet = [r for r in self.results if r.dataset == "ImageNet"]
        return next((r for r in imagenet if r.by_timm), imagenet[0] if imagenet else None)

    @property
    def reported_top1(self) -> Result | None:
        """ImageNet top-1 as the authors reported it."""
        return next((r for r in self.results if r.dataset == "ImageNet" and not r.by_timm), None)

    def where(self, *path: str | int) -> tuple[int, int]:
        """Line and column of a value under this model, e.g. `where("Metadata", "FLOPs")`."""
        return self.positions.get(path, self.positions.get((), (1, 1)))

    @classmethod
    def from_index(cls, entry: Mapping[str, Any], file: str, positions: Mapping[KeyPath, tuple[int, int]]) -> Model:
        """ENTRY, a `Models:` item the schema has accepted whole."""
        metadata = entry["Metadata"]
        weights = entry["Weights"]
        reported = entry.get("Reported")
        return cls(
            name=entry["Name"],
            collection=entry["In Collection"],
            figures={key: metadata[key] for key in FIGURE_KEYS if key in metadata},
            training=Training(
                data=tuple(metadata["Training Data"]),
                techniques=tuple(metadata.get("Training Techniques", ())),
                hyperparameters={key: metadata[key] for key in HYPERPARAMETERS if key in metadata},
            ),
            tasks=tuple(metadata["Tasks"]),
            code=entry["Code"],
            weights=Weights(
                tag=weights["Tag"],
                url=weights["URL"],
                original=weights.get("Original"),
                description=weights.get("Description"),
            ),
            sources=dict(entry["Sources"]),
            results=tuple(
                Result(
                    task=r["Task"],
                    dataset=r["Dataset"],
                    top1=r["Metrics"]["Top 1 Accuracy"],
                    top5=r["Metrics"].get("Top 5 Accuracy"),
                    source=r["Source"],
                    measured_by=r.get("Measured By", "the authors"),
                    image_size=r.get("Image Size"),
                )
                for r in entry.get("Results", ())
            ),
            reported=None
            if reported is None
            else Reported(
                figures={k: v for k, v in reported.items() if k not in ("Source", "URL")},
                source=reported["Source"],
                url=reported["URL"],
            ),
            file=file,
            positions=positions,
        )


@dataclass(frozen=True)
class Collection:
    """A family of variants with its paper, summary and citation."""

    name: str
    paper: Paper
    summary: str
    citation: str
    weights_source: str
    code: str | None
    file: str
    paper_source: str | None = None
    models: tuple[Model, ...] = ()

    @property
    def slug(self) -> str:
        """The page's file name, derived from the index file so that it never changes by accident."""
        return Path(self.file).stem

    @property
    def page(self) -> str:
        """Its overview page, under docs/ (never written there; its address is models/SLUG/)."""
        return f"{MODELS_DIR}/{self.slug}/index.md"

    @property
    def deploy_model(self) -> Model | None:
        """The variant whose deploy code the overview shows and checks: the cheapest (by FLOPs), so that every
        collection's deploy paths run in the check at the least cost; the table covers the others."""
        if not self.models:
            return None
        return min(self.models, key=lambda model: (float(model.figures.get("FLOPs", 0)), model.key))

    def variant_page(self, model: Model) -> str:
        """MODEL's page, under docs/ (its address: models/SLUG/NAME.TAG/)."""
        return f"{MODELS_DIR}/{self.slug}/{model.key}.md"

    def variant_url(self, model: Model) -> str:
        """MODEL's page, relative to the site's root."""
        return f"{MODELS_DIR}/{self.slug}/{model.key}/"

    @classmethod
    def from_index(cls, entry: Mapping[str, Any], file: str) -> Collection:
        """ENTRY, a `Collections:` item the schema has accepted whole."""
        return cls(
            name=entry["Name"],
            paper=Paper(title=entry["Paper"]["title"], url=entry["Paper"]["url"]),
            summary=entry["Summary"],
            citation=entry["Citation"],
            weights_source=entry["Weights Source"],
            paper_source=entry.get("Paper Source"),
            code=entry.get("Code"),
            file=file,
        )


# The figures in which two tags of one architecture can differ as modules. Of a tag's configuration, timm's builder
# reads its classes, its pooling (the head) and, where the architecture fixes it, its input size; a few
# architectures size a layer by the tag itself (Qwen3's vision towers, their output to each language model), which
# the embedding size and the parameters tell apart.
MODULE_FIGURES = ("Image Size", "Classes", "Head", "Embedding Size", "Parameters")


@dataclass(frozen=True)
class ModelIndex:
    """All collections, in file order, each with its models."""

    collections: tuple[Collection, ...]

    # Looked up once per page and per block at the zoo's size: each built once, on first use.
    @cached_property
    def models(self) -> tuple[Model, ...]:
        return tuple(model for collection in self.collections for model in collection.models)

    @cached_property
    def _by_key(self) -> dict[str, Model]:
        return {model.key: model for model in reversed(self.models)}  # The first of a key wins, as before.

    @cached_property
    def _by_name(self) -> dict[str, tuple[Model, ...]]:
        found: dict[str, list[Model]] = {}
        for model in self.models:
            found.setdefault(model.name, []).append(model)
        return {name: tuple(models) for name, models in found.items()}

    @cached_property
    def probed_as(self) -> dict[str, str]:
        """Variant key -> the key of the variant whose deploy probe stands for it. Tags of one architecture that
        agree in every figure that shapes its module (MODULE_FIGURES) build the same module and differ only in their
        weights, on which no deploy path depends; so they share one probe, of the first of them in index order."""
        first: dict[tuple[str, ...], str] = {}
        return {model.key: first.setdefault(_module_of(model), model.key) for model in self.models}

    @cached_property
    def _collections_by_name(self) -> dict[str, Collection]:
        return {collection.name: collection for collection in reversed(self.collections)}

    def model(self, key: str) -> Model:
        """The variant KEY (`name.tag`)."""
        if key in self._by_key:
            return self._by_key[key]
        close = difflib.get_close_matches(key, list(self._by_key), n=3)
        raise KeyError(f"no variant {key!r} in the index" + (f"; did you mean {', '.join(close)}?" if close else ""))

    def variants_of(self, name: str) -> tuple[Model, ...]:
        """Every variant of the architecture NAME (its tags), in index order."""
        return self._by_name.get(name, ())

    def collection(self, name: str) -> Collection:
        if name in self._collections_by_name:
            return self._collections_by_name[name]
        raise KeyError(f"no collection {name!r} in the index")


def _module_of(model: Model) -> tuple[str, ...]:
    """What timm builds a variant's module from: its architecture and MODULE_FIGURES."""
    return (model.name, *(str(model.figures.get(key)) for key in MODULE_FIGURES))
