"""The EfficientNet story pages' evidence (modelsite.site.story): multipliers, structure, experts, Lite changes.

Builds the 16 index models on the meta device (seconds, no weights) and checks what the pages'
tables say against rules derived independently here: timm's rounding, the paper's formula, the
experts in each CondConv variant's name. No marker: runs on the CPU in seconds.
"""

from __future__ import annotations

import math
import re

import pytest
from timm.layers import make_divisible

from modelsite.index import load_index
from modelsite.site.story import (
    ALPHA,
    BETA,
    GAMMA,
    condconv_pairs,
    largest_power_of_two_dividing,
    lite_pairs,
    predicted_cost,
    scaling_rows,
    stride32_padding,
)
from modelsite.site.story_markdown import cost_table, multipliers_table, scaling_summary
from tests.helpers import ROOT, found

INDEX = load_index(ROOT, check_timm=False)
ROWS = scaling_rows(INDEX)


def test_every_b_variant_of_the_index_is_a_row_with_its_phi() -> None:
    assert [row.phi for row in ROWS] == list(range(8))
    assert [row.model.name for row in ROWS] == [f"tf_efficientnet_b{n}" for n in range(8)]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.model.name)
def test_the_built_model_is_b0_scaled_by_the_recorded_multipliers(row) -> None:
    base = ROWS[0].built
    assert row.built.blocks_per_stage == tuple(math.ceil(blocks * row.built.depth) for blocks in base.blocks_per_stage)
    assert row.built.stem_channels == make_divisible(32 * row.built.width, 8)
    assert row.built.head_channels == make_divisible(1280 * row.built.width, 8)
    assert row.built.stem_channels % 8 == 0 and row.built.head_channels % 8 == 0


def test_the_formula_and_its_predictions() -> None:
    b0, b7 = ROWS[0], ROWS[7]
    assert (b0.formula_depth, b0.formula_width, b0.formula_resolution) == (1.0, 1.0, 224.0)
    assert b7.formula_depth == pytest.approx(ALPHA**7) and b7.formula_resolution == pytest.approx(224 * GAMMA**7)
    # At phi 0 the prediction is B0's own measurement; each step multiplies FLOPs by alpha * beta^2 * gamma^2.
    assert predicted_cost(ROWS, b0) == (b0.model.figures["Parameters"], b0.model.figures["FLOPs"])
    ratio = predicted_cost(ROWS, ROWS[3])[1] / predicted_cost(ROWS, ROWS[2])[1]
    assert ratio == pytest.approx(ALPHA * BETA**2 * GAMMA**2)


def test_resolution_rounding_figures() -> None:
    assert [largest_power_of_two_dividing(r) for r in (224, 240, 260, 600)] == [32, 16, 4, 8]
    assert [stride32_padding(r) for r in (224, 240, 260, 600)] == [0, 16, 28, 8]


def test_the_tables_show_each_variant_and_the_measured_figures() -> None:
    table = multipliers_table(INDEX)
    assert sum(line.startswith("| [`tf_efficientnet_b") for line in table.splitlines()) == len(ROWS)
    b7 = ROWS[7]
    assert f"| {b7.built.depth:g} / {b7.formula_depth:.2f}" in table
    costs = cost_table(INDEX)
    for row in ROWS:
        assert row.model.reported is not None
        assert f"{row.model.reported.figures['FLOPs (billions)']} G" in costs
    summary = scaling_summary(INDEX)
    assert "shallower than the formula" in summary and re.search(r"[+-]\d+%", summary)


def test_condconv_variants_are_paired_with_the_plain_variant_of_their_shape() -> None:
    pairs = condconv_pairs(INDEX)
    assert [(p.condconv.name, p.plain.name) for p in pairs] == [
        ("tf_efficientnet_cc_b0_4e", "tf_efficientnet_b0"),
        ("tf_efficientnet_cc_b0_8e", "tf_efficientnet_b0"),
        ("tf_efficientnet_cc_b1_8e", "tf_efficientnet_b1"),
    ]
    for pair in pairs:
        named = int(found(r"_(\d+)e$", pair.condconv.name)[1])
        assert {e for e in pair.built.experts_per_stage if e} == {named}
        assert pair.built.condconv_blocks > 0 and pair.built.condconv_layers == 3 * pair.built.condconv_blocks
        # The point of CondConv: parameters grow with the experts, FLOPs barely move.
        assert pair.parameter_ratio > 2 and 1 < pair.flops_ratio < 1.1


def test_lite_variants_show_each_change_from_their_b_twin() -> None:
    pairs = lite_pairs(INDEX)
    assert [p.lite.name for p in pairs] == [f"tf_efficientnet_lite{n}" for n in range(5)]
    for pair in pairs:
        lite, plain = pair.lite_built, pair.plain_built
        assert lite.activations == ("ReLU6",) and plain.activations == ("SiLU",)
        assert lite.squeeze_excitation == 0 < plain.squeeze_excitation
        assert (lite.stem_channels, lite.head_channels) == (32, 1280)
        assert lite.blocks_per_stage[0] == lite.blocks_per_stage[-1] == 1
        assert lite.blocks_per_stage[1:-1] == plain.blocks_per_stage[1:-1]
    assert pairs[-1].plain_built.head_channels > 1280


def test_a_variant_of_another_family_is_left_out_not_an_error() -> None:
    from modelsite.site.story import _efficientnet_structure

    assert _efficientnet_structure("resnet18") is None
    edge = _efficientnet_structure("tf_efficientnet_es")
    assert edge is not None and edge.generator == "_gen_efficientnet_edge"
