"""Every variant of every collection as one list: the explorer's rows, its charts, and `/models.json`.

`models.json` is for other tools. Its format is versioned (`FORMAT`); a change that removes or
renames a field, or changes a field's meaning, bumps the number. docs/data.md documents it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modelsite.core.figures import FIGURES
from modelsite.core.project import docs_path
from modelsite.index import Collection, Model, ModelIndex
from modelsite.site.charts import Axis, Line, Point, pareto_front, scatter_svg
from modelsite.site.escape import Markup
from modelsite.site.outputs import NOT_VERIFIED, CheckReport, page_verdict
from modelsite.speed.published import BenchmarkRow, TimmBenchmark
from modelsite.speed.results import SpeedFile, SpeedRow

FORMAT = "modelsite-models/2"


@dataclass(frozen=True)
class Verdict:
    """What the last check said of a variant: its figures, and its page's code."""

    figures: str
    code: str

    @property
    def overall(self) -> str:
        if "failed" in (self.figures, self.code):
            return "failed"
        return "passed" if self.figures == self.code == "passed" else NOT_VERIFIED


@dataclass(frozen=True)
class Row:
    """One variant as the explorer and `models.json` show it."""

    model: Model
    collection: Collection
    verdict: Verdict

    @property
    def link(self) -> str:
        """The variant on its page, relative to the site root."""
        return self.collection.variant_url(self.model)

    @property
    def top1(self) -> tuple[float, str] | None:
        """ImageNet top-1 (timm's measurement, else the authors') and its source, when the index gives one."""
        result = self.model.top1
        return (float(result.top1), f"{result.source}, measured by {result.measured_by}") if result else None


def catalog_rows(index: ModelIndex, report: CheckReport | None, page_markdown: dict[str, str]) -> list[Row]:
    """Every variant in index order, with its verdict; PAGE_MARKDOWN maps `docs/...` paths to their Markdown."""
    rows = []
    for collection in index.collections:
        for model in collection.models:
            path = docs_path(collection.variant_page(model))
            code = page_verdict(report, path, page_markdown.get(path, ""))
            figures = report.figures_verdict(model.key) if report else NOT_VERIFIED
            rows.append(Row(model, collection, Verdict(figures=figures, code=code)))
    return rows


def models_json(
    index: ModelIndex,
    rows: list[Row],
    report: CheckReport | None,
    site_url: str | None,
    speeds: list[SpeedFile] | None = None,
    gpu: TimmBenchmark | None = None,
) -> str:
    """The whole index as `modelsite-models/2` JSON: a variant per pretrained tag, keyed `name.tag`, with its
    speed in each of SPEEDS (the result files of `modelsite speed`) that measured it, and timm's published
    GPU throughput (GPU) where timm benchmarked its architecture at its image size."""
    data = {
        "format": FORMAT,
        "site_url": site_url,
        "check": {"report_finished_at": report.finished_at if report else None},
        "collections": [
            {
                "name": c.name,
                "page": c.page.removesuffix("index.md"),
                "paper": {"title": c.paper.title, "url": c.paper.url},
                "code": c.code,
                "variants": [m.key for m in c.models],
            }
            for c in index.collections
        ],
        "models": [_model_json(row, speeds or [], gpu) for row in rows],
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _model_json(row: Row, speeds: list[SpeedFile], gpu: TimmBenchmark | None) -> dict[str, Any]:
    model = row.model
    data: dict[str, Any] = {
        "id": model.key,
        "model": model.name,
        "tag": model.tag,
        "collection": row.collection.name,
        "page": row.link,
        "figures": {},
    }
    # Each figure where the table says models.json publishes it; a figure the index leaves out is null.
    for figure in FIGURES:
        value = model.figures.get(figure.key)
        *parents, key = figure.json_path
        target = data
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = list(value) if isinstance(value, (list, tuple)) else value
    data.update(
        {
            "training_techniques": list(model.training.techniques),
            "training_data": list(model.training.data),
            "reported": model.reported.as_index() if model.reported else {},
            "results": [result.as_index() for result in model.results],
            "weights": model.weights.as_index(),
            "code": model.code,
            "check": {"figures": row.verdict.figures, "code": row.verdict.code, "overall": row.verdict.overall},
            "speed": [_speed_json(bench, speed) for bench in speeds if (speed := bench.row(model.key)) is not None],
            "published_speed": _published_json(gpu, published) if gpu and (published := gpu.of(model)) else None,
        }
    )
    return data


def _speed_json(bench: SpeedFile, speed: SpeedRow) -> dict[str, Any]:
    """One measurement of `modelsite speed`: where, how, and what it found (median and interquartile range)."""
    return {
        "file": bench.path,
        "device": bench.label,
        "setting": bench.setting,
        "date": bench.metadata.get("date"),
        "image_size": speed.image_size,
        "latency_ms": round(speed.latency_ms, 3),
        "latency_spread_ms": round(speed.latency_spread_ms, 3),
        "throughput": round(speed.throughput, 2),
        "throughput_spread": round(speed.throughput_spread, 2),
        "throughput_batch_size": speed.throughput_batch_size,
        "peak_memory_bytes": speed.peak_memory_bytes,
    }


def _published_json(gpu: TimmBenchmark, published: BenchmarkRow) -> dict[str, Any]:
    """timm's own benchmark of the variant's architecture at its image size, with the file and commit."""
    return {
        "source": gpu.source,
        "file": gpu.file,
        "line": published.line,
        "device": gpu.device,
        "setting": gpu.setting,
        "image_size": published.image_size,
        "throughput": published.throughput,
        "batch_size": published.batch_size,
    }


def _point(row: Row, x: float, y: float, detail: str, series: dict[str, int]) -> Point:
    """ROW as a chart point linked to its page; links are relative to the explorer at /models/."""
    key = row.model.key
    # The family leads the tooltip: at the zoo's size colours alone cannot tell 150 families apart.
    detail = f"{row.collection.name}; {detail}"
    return Point(x=x, y=y, label=key, href=f"../{row.link}", series=series[row.collection.name], detail=detail, key=key)


def _speed_chart(rows: list[Row], bench: SpeedFile, series: dict[str, int], names: list[str]) -> Markup:
    points = [
        _point(
            row,
            speed.throughput,
            top1[0],
            f"top-1 {top1[0]} %, {speed.throughput:.1f} images/s at batch size {speed.throughput_batch_size}",
            series,
        )
        for row in rows
        if (top1 := row.top1) is not None and (speed := bench.row(row.model.key)) is not None
    ]
    return _accuracy_against_throughput(
        points, f"Images per second on {bench.label}", f"Top-1 against throughput on {bench.label}", names
    )


def _published_chart(rows: list[Row], gpu: TimmBenchmark, series: dict[str, int], names: list[str]) -> Markup:
    points = [
        _point(
            row,
            published.throughput,
            top1[0],
            f"top-1 {top1[0]} %, {published.throughput:,.0f} images/s at batch size {published.batch_size} "
            f"({gpu.file} line {published.line})",
            series,
        )
        for row in rows
        if (top1 := row.top1) is not None and (published := gpu.of(row.model)) is not None
    ]
    return _accuracy_against_throughput(
        points,
        f"Images per second on an {gpu.device}, {gpu.setting}, as timm published it",
        f"Top-1 against timm's published throughput on an {gpu.device}",
        names,
    )


def _accuracy_against_throughput(points: list[Point], throughput: str, title: str, names: list[str]) -> Markup:
    """Top-1 against images per second (log scale), one point per variant, with the Pareto front."""
    return scatter_svg(
        points,
        Axis(f"{throughput} (log scale)", log=True),
        Axis("ImageNet top-1 (%)", log=False),
        f"{title}, one point per variant",
        names,
        [Line(FRONT, pareto_front(points, higher_x_is_better=True), 0, front=True)] if points else [],
    )


FRONT = "Pareto front: no variant off it is both faster (or cheaper) and more accurate"


def explorer_charts(
    rows: list[Row], speeds: list[SpeedFile] | None = None, gpu: TimmBenchmark | None = None
) -> dict[str, Markup]:
    """The explorer's charts as SVG: FLOPs against parameters, top-1 against FLOPs, top-1 against the
    throughput measured in each result file (`speed:PATH`), and top-1 against timm's published GPU
    throughput (`gpu`)."""
    names = list(dict.fromkeys(row.collection.name for row in rows))
    series = {name: number for number, name in enumerate(names)}
    cost = [
        _point(
            row,
            row.model.figures["Parameters"] / 1e6,
            row.model.figures["FLOPs"] / 1e9,
            f"{row.model.figures['Parameters'] / 1e6:.2f} M parameters, "
            f"{row.model.figures['FLOPs'] / 1e9:.3f} G MACs at {row.model.figures['Image Size']} px",
            series,
        )
        for row in rows
    ]
    accuracy = [
        _point(row, row.model.figures["FLOPs"] / 1e9, top1[0], f"top-1 {top1[0]} %, {top1[1]}", series)
        for row in rows
        if (top1 := row.top1) is not None
    ]
    charts = {f"speed:{bench.path}": _speed_chart(rows, bench, series, names) for bench in speeds or []}
    if gpu is not None:
        charts["gpu"] = _published_chart(rows, gpu, series, names)
    # The charts escape their own labels: Markup, printed as they are.
    return charts | {
        "cost": scatter_svg(
            cost,
            Axis("Parameters (millions, log scale)", log=True),
            Axis("FLOPs (G MACs, log scale)", log=True),
            "FLOPs against parameters, one point per variant",
            names,
        ),
        "accuracy": scatter_svg(
            accuracy,
            Axis("FLOPs (G MACs, log scale)", log=True),
            Axis("ImageNet top-1 (%)", log=False),
            "ImageNet top-1 accuracy against measured FLOPs",
            names,
            [Line(FRONT, pareto_front(accuracy), 0, front=True)] if accuracy else [],
        ),
    }
