"""Tables and charts of the EfficientNet story pages, as Markdown, from `modelsite.site.story`'s evidence.

Each function is a macro of the hand-written pages under docs/efficientnet/: nothing on those
pages is typed in by hand, and the figures they quote are the index's, held by the check.
"""

from __future__ import annotations

from modelsite.core.figures import giga, mega
from modelsite.index import Model, ModelIndex
from modelsite.site.charts import Axis, Line, Point, scatter_svg
from modelsite.site.story import (
    ALPHA,
    BASE_RESOLUTION,
    BETA,
    GAMMA,
    condconv_pairs,
    largest_power_of_two_dividing,
    lite_pairs,
    predicted_cost,
    scaling_rows,
    stride32_padding,
    structure,
)


def _link(model: Model, index: ModelIndex, prefix: str) -> str:
    return f"[`{model.name}`]({prefix}{index.collection(model.collection).variant_page(model)})"


def _compact(table: str) -> str:
    """A wide table in smaller type with tighter cells, so that every column stays in view."""
    return f'<div class="compact-table" markdown>\n\n{table}\n\n</div>'


def _chart_href(model: Model, index: ModelIndex, prefix: str) -> str:
    """A chart point's link: raw HTML, so relative to the page's URL, one folder below its source."""
    return f"../{prefix}{index.collection(model.collection).variant_url(model)}"


def _departure(chosen: float, formula: float) -> str:
    return f"{(chosen / formula - 1):+.0%}"


def _reported(model: Model, key: str, unit: str) -> str:
    value = model.reported.figures.get(key) if model.reported else None
    return f"{value} {unit}" if value is not None else "—"


def scaling_constants() -> str:
    """alpha * beta^2 * gamma^2, the FLOPs growth per step of phi."""
    return f"{ALPHA * BETA**2 * GAMMA**2:.3f}"


def multipliers_table(index: ModelIndex, prefix: str = "../") -> str:
    rows = [
        "| Variant | φ | Depth: built / formula | Width: built / formula | Resolution: chosen / formula |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in scaling_rows(index):
        rows.append(
            f"| {_link(row.model, index, prefix)} | {row.phi} | {row.built.depth:g} / {row.formula_depth:.2f} "
            f"({_departure(row.built.depth, row.formula_depth)}) | {row.built.width:g} / {row.formula_width:.2f} "
            f"({_departure(row.built.width, row.formula_width)}) | {row.resolution} / "
            f"{row.formula_resolution:.0f} px ({_departure(row.resolution, row.formula_resolution)}) |"
        )
    return _compact("\n".join(rows))


def multipliers_chart(index: ModelIndex, prefix: str = "../") -> str:
    """Built multipliers as points, the formula's as dashed lines, against phi."""
    rows = scaling_rows(index)
    kinds = [
        ("depth", lambda r: r.built.depth, lambda r: r.formula_depth),
        ("width", lambda r: r.built.width, lambda r: r.formula_width),
        ("resolution / 224", lambda r: r.resolution_ratio, lambda r: r.formula_resolution / BASE_RESOLUTION),
    ]
    points, lines = [], []
    for series, (kind, built, formula) in enumerate(kinds):
        for row in rows:
            points.append(
                Point(
                    x=row.phi,
                    y=built(row),
                    label=f"{row.model.name} {kind}",
                    href=_chart_href(row.model, index, prefix),
                    series=series,
                    detail=f"{built(row):.3g} built, {formula(row):.3g} by the formula",
                    key=f"{row.model.name}-{kind}",
                )
            )
        lines.append(Line(f"{kind} by the formula", tuple((r.phi, formula(r)) for r in rows), series, dashed=True))
        lines.append(Line(f"{kind} as built", tuple((r.phi, built(r)) for r in rows), series))
    # The legend names the series; a label per point would crowd 24 points on 8 columns.
    return scatter_svg(
        points,
        Axis("φ (B0 to B7)", log=False),
        Axis("multiplier of B0", log=False),
        "Depth, width and resolution multipliers of B0 to B7: as built (solid) and by the formula (dashed)",
        ["depth", "width", "resolution / 224"],
        lines=lines,
        labels=False,
    )


def rounding_table(index: ModelIndex, prefix: str = "../") -> str:
    rows = [
        "| Variant | Resolution | Divisible by | Padding at stride 32 | Stem: 32 × width → built | "
        "Head: 1280 × width → built | Blocks per stage |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in scaling_rows(index):
        rows.append(
            f"| {_link(row.model, index, prefix)} | {row.resolution} | "
            f"{largest_power_of_two_dividing(row.resolution)} | "
            f"{stride32_padding(row.resolution)} px | {row.raw_stem:g} → {row.built.stem_channels} | "
            f"{row.raw_head:g} → {row.built.head_channels} | {' · '.join(map(str, row.built.blocks_per_stage))} "
            f"({row.built.blocks}) |"
        )
    return _compact("\n".join(rows))


def cost_table(index: ModelIndex, prefix: str = "../") -> str:
    rows_ = scaling_rows(index)
    rows = [
        "| Variant | Parameters: measured | formula | paper | FLOPs: measured | formula | paper | Activations |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows_:
        meta = row.model.figures
        params, flops = predicted_cost(rows_, row)
        rows.append(
            f"| {_link(row.model, index, prefix)} | {mega(meta['Parameters'])} M | {params / 1e6:.3g} M "
            f"({_departure(meta['Parameters'], params)}) | {_reported(row.model, 'Parameters (millions)', 'M')} | "
            f"{giga(meta['FLOPs'])} G | {flops / 1e9:.3g} G ({_departure(meta['FLOPs'], flops)}) | "
            f"{_reported(row.model, 'FLOPs (billions)', 'G')} | {mega(meta['Activations'])} M |"
        )
    sources = sorted({row.model.reported.source for row in rows_ if row.model.reported})
    return _compact("\n".join(rows)) + ("\n\nPaper figures: " + "; ".join(sources) + "." if sources else "")


def scaling_summary(index: ModelIndex) -> str:
    """How far the chosen multipliers and costs sit from the formula, in words, computed."""
    rows = scaling_rows(index)
    late = [r for r in rows if r.phi >= 4]
    early = [r for r in rows if 1 <= r.phi <= 3]

    def spread(values: list[float]) -> str:
        low, high = min(values), max(values)
        return f"{low:+.0%} to {high:+.0%}" if f"{low:+.0%}" != f"{high:+.0%}" else f"{low:+.0%}"

    depth_all = [r.built.depth / r.formula_depth - 1 for r in rows[1:]]
    width_late = [r.built.width / r.formula_width - 1 for r in late]
    res_late = [r.resolution / r.formula_resolution - 1 for r in late]
    smaller_early = all(
        r.built.depth < r.formula_depth and r.built.width < r.formula_width and r.resolution < r.formula_resolution
        for r in early
    )
    flops = [r.model.figures["FLOPs"] / predicted_cost(rows, r)[1] - 1 for r in late if r.phi >= 5]
    sentences = []
    if early:
        sentences.append(
            f"B{early[0].phi} to B{early[-1].phi} are "
            f"{'smaller than the formula in all three dimensions' if smaller_early else 'off the formula'}."
        )
    if late:
        sentences.append(
            f"From B4 on, width sits {spread(width_late)} and resolution {spread(res_late)} from the formula, "
            f"while depth stays {spread(depth_all)} off it across B1 to B7: the chosen variants are "
            "shallower than the formula and spend the difference on resolution."
        )
    if flops:
        sentences.append(f"In FLOPs, B5 to B7 land {spread(flops)} from the formula's prediction.")
    return " ".join(sentences)


def channel_round_limit() -> str:
    """How far down timm may round a channel count, read from its `make_divisible`."""
    import inspect

    from timm.layers import make_divisible

    return f"{inspect.signature(make_divisible).parameters['round_limit'].default:.0%}"


def structure_facts(model_name: str) -> dict[str, object]:
    """What a page's checked snippet prints about MODEL_NAME, read from the model at build time."""
    built = structure(model_name)
    return {
        "stem": built.stem_channels,
        "head": built.head_channels,
        "blocks": list(built.blocks_per_stage),
        "condconv_blocks": built.condconv_blocks,
        "condconv_layers": built.condconv_layers,
        "experts": list(built.experts_per_stage),
        "expert_counts": sorted({e for e in built.experts_per_stage if e}),
        "squeeze_excitation": built.squeeze_excitation,
        "activations": list(built.activations),
        "width": built.width,
        "depth": built.depth,
    }


def experts_table(index: ModelIndex, prefix: str = "../") -> str:
    rows = [
        "| Variant | Experts multiplier | Blocks per stage | Experts per stage (0: plain convolution) "
        "| CondConv blocks |",
        "| --- | ---: | --- | --- | ---: |",
    ]
    for pair in condconv_pairs(index):
        built = pair.built
        rows.append(
            f"| {_link(pair.condconv, index, prefix)} | {built.experts_multiplier} | "
            f"{' · '.join(map(str, built.blocks_per_stage))} | {' · '.join(map(str, built.experts_per_stage))} | "
            f"{built.condconv_blocks} of {built.blocks} |"
        )
    return _compact("\n".join(rows))


def condconv_cost_table(index: ModelIndex, prefix: str = "../") -> str:
    rows = [
        "| CondConv variant | Plain twin | Parameters | × plain | FLOPs | × plain |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for pair in condconv_pairs(index):
        rows.append(
            f"| {_link(pair.condconv, index, prefix)} | {_link(pair.plain, index, prefix)} | "
            f"{mega(pair.condconv.figures['Parameters'])} M vs {mega(pair.plain.figures['Parameters'])} M | "
            f"{pair.parameter_ratio:.2f} | {giga(pair.condconv.figures['FLOPs'])} G vs "
            f"{giga(pair.plain.figures['FLOPs'])} G | {pair.flops_ratio:.3f} |"
        )
    return _compact("\n".join(rows))


def condconv_summary(index: ModelIndex) -> str:
    pairs = condconv_pairs(index)
    params = [pair.parameter_ratio for pair in pairs]
    flops = [pair.flops_ratio - 1 for pair in pairs]
    return (
        f"The experts multiply the parameters by {min(params):.1f} to {max(params):.1f}, while the FLOPs "
        f"grow by {min(flops):.1%} to {max(flops):.1%}: the cost of the routing functions and of mixing "
        "the kernels."
    )


def condconv_chart(index: ModelIndex, prefix: str = "../") -> str:
    pairs = condconv_pairs(index)
    points, seen = [], set()
    for pair in pairs:
        for model, series in ((pair.plain, 0), (pair.condconv, 1)):
            if model.name in seen:
                continue
            seen.add(model.name)
            points.append(
                Point(
                    x=model.figures["Parameters"] / 1e6,
                    y=model.figures["FLOPs"] / 1e9,
                    label=model.name,
                    href=_chart_href(model, index, prefix),
                    series=series,
                    detail=f"{mega(model.figures['Parameters'])} M parameters, {giga(model.figures['FLOPs'])} G MACs",
                )
            )
    return scatter_svg(
        points,
        Axis("Parameters (millions)", log=True),
        Axis("FLOPs (G MACs)", log=False),
        "CondConv variants beside their plain twins: parameters move right, FLOPs barely rise",
        ["plain EfficientNet", "CondConv"],
    )


def lite_changes_table(index: ModelIndex, prefix: str = "../") -> str:
    rows = [
        "| Lite variant | B twin | Activation | SE modules | Stem channels | Head channels | Blocks per stage |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for pair in lite_pairs(index):
        lite, plain = pair.lite_built, pair.plain_built
        rows.append(
            f"| {_link(pair.lite, index, prefix)} | {_link(pair.plain, index, prefix)} | "
            f"{', '.join(lite.activations)}<br>{', '.join(plain.activations)} | "
            f"{lite.squeeze_excitation}<br>{plain.squeeze_excitation} | "
            f"{lite.stem_channels}<br>{plain.stem_channels} | {lite.head_channels}<br>{plain.head_channels} | "
            f"{'·'.join(map(str, lite.blocks_per_stage))}<br>{'·'.join(map(str, plain.blocks_per_stage))} |"
        )
    return (
        _compact("\n".join(rows)) + "\n\nIn each cell, the Lite variant's value above its B twin's. "
        "SE: squeeze-and-excitation."
    )


def lite_cost_table(index: ModelIndex, prefix: str = "../") -> str:
    rows = [
        "| Lite variant | Image size | Parameters | × B twin | FLOPs | × B twin | Activations | File size |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pair in lite_pairs(index):
        lite, plain = pair.lite.figures, pair.plain.figures
        rows.append(
            f"| {_link(pair.lite, index, prefix)} | {lite['Image Size']} (B: {plain['Image Size']}) | "
            f"{mega(lite['Parameters'])} M | {lite['Parameters'] / plain['Parameters']:.2f} | "
            f"{giga(lite['FLOPs'])} G | {lite['FLOPs'] / plain['FLOPs']:.2f} | {mega(lite['Activations'])} M | "
            f"{lite['File Size'] / 1e6:.1f} MB |"
        )
    return _compact("\n".join(rows))


MACROS = (
    scaling_constants,
    scaling_summary,
    channel_round_limit,
    multipliers_table,
    multipliers_chart,
    rounding_table,
    cost_table,
    structure_facts,
    experts_table,
    condconv_cost_table,
    condconv_summary,
    condconv_chart,
    lite_changes_table,
    lite_cost_table,
)
