"""timm's published accuracy, read from a checkout of the `results/` folder of its repository, for `new`.

timm's `validate.py` measured each pretrained tag on ImageNet-1k's validation set and on the robustness
sets; its results CSVs hold one row per tag (`arch.tag`) and image size. `new --results DIR` copies the
rows of the tags it registers into their `Results:`, each with the file and the revision it came from, so
that no accuracy is typed by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modelsite.core.errors import ModelsiteError

# timm's results files, each with the name the index gives its evaluation set (index.schema.DATASETS).
RESULT_FILES = {
    "results-imagenet.csv": "ImageNet",
    "results-imagenet-real.csv": "ImageNet-ReaL",
    "results-imagenetv2-matched-frequency.csv": "ImageNetV2",
    "results-sketch.csv": "ImageNet-Sketch",
    "results-imagenet-a.csv": "ImageNet-A",
    "results-imagenet-r.csv": "ImageNet-R",
}
COLUMNS = ("model", "img_size", "top1", "top5")


class ResultsError(ModelsiteError):
    """A results folder or file that cannot be read as timm's; nothing was written."""

    exit_status = 1


@dataclass(frozen=True)
class TimmResults:
    """Each tag's rows of timm's results files, in RESULT_FILES' order, ready for an entry's `Results:`."""

    rows: Mapping[str, tuple[dict[str, object], ...]]

    def of(self, model_id: str) -> list[dict[str, object]]:
        return list(self.rows.get(model_id, ()))


def read_timm_results(folder: Path, revision: str) -> TimmResults:
    """The rows of every file of RESULT_FILES in FOLDER, their source naming the file and REVISION (the commit
    of timm's repository the folder was taken at). A file that is absent or not timm's is a ResultsError."""
    if not revision.strip():
        raise ResultsError("--results-revision is empty: give the commit of timm's repository the results are from")
    if not folder.is_dir():
        raise ResultsError(f"{folder}: not a folder; pass the results/ folder of a checkout of timm's repository")
    rows: dict[str, list[dict[str, object]]] = {}
    for name, dataset in RESULT_FILES.items():
        path = folder / name
        if not path.is_file():
            raise ResultsError(f"{path}: missing; timm's results/ folder holds {', '.join(RESULT_FILES)}")
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
            if missing:
                raise ResultsError(f"{path}:1: no column {', '.join(missing)}; is this one of timm's results files?")
            for row in reader:
                try:
                    top1, top5, side = float(row["top1"]), float(row["top5"]), int(row["img_size"])
                except (TypeError, ValueError):
                    raise ResultsError(
                        f"{path}:{reader.line_num}: top1, top5 and img_size must be numbers, not "
                        f"{row['top1']!r}, {row['top5']!r}, {row['img_size']!r}"
                    ) from None
                rows.setdefault(row["model"], []).append(
                    {
                        "Task": "Image Classification",
                        "Dataset": dataset,
                        "Metrics": {"Top 1 Accuracy": top1, "Top 5 Accuracy": top5},
                        "Source": f"timm's results/{name} at {revision.strip()}",
                        "Measured By": "timm validate.py",
                        "Image Size": side,
                    }
                )
    return TimmResults({model: tuple(found) for model, found in rows.items()})
