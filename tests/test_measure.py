"""`modelsite.measure` against figures computed by hand for small layers, and the `measure` command."""

from __future__ import annotations

import subprocess
import sys

import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

from modelsite.formatting import feature_sides, giga, mega, megabytes, thousands
from modelsite.measure import measure
from tests.conftest import ROOT


def test_flop_counter_counts_a_multiply_add_as_two() -> None:
    # A 3x3 convolution from 3 to 8 channels on 10x10 output: 8*10*10 outputs of 27 multiply-adds each.
    conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
    with FlopCounterMode(display=False) as counter:
        conv(torch.empty(1, 3, 10, 10))
    assert counter.get_total_flops() // 2 == 8 * 10 * 10 * 27


def test_lite0_by_hand() -> None:
    measured = measure("tf_efficientnet_lite0.in1k", with_file_size=False)
    assert measured.image_size == 224
    # The classifier alone: 1280 inputs to 1000 outputs, plus biases.
    assert measured.parameters > 1280 * 1000 + 1000
    assert measured.flops > 1280 * 1000
    assert (measured.crop_pct, measured.interpolation) == (0.875, "bicubic")
    assert measured.code.endswith(tuple(f"#L{n}" for n in range(1, 10_000)))


def test_measure_command_prints_a_metadata_mapping() -> None:
    result = subprocess.run([sys.executable, "-m", "modelsite", "measure", "tf_efficientnet_cc_b0_4e"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    assert printed["Metadata"]["FLOPs"] == 396513888
    assert printed["Metadata"]["Parameters"] == 13314116
    assert printed["Code"].startswith("https://github.com/huggingface/pytorch-image-models/blob/v")


def test_measure_command_refuses_an_unknown_model() -> None:
    result = subprocess.run([sys.executable, "-m", "modelsite", "measure", "tf_efficientnet_b99"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "has no model 'tf_efficientnet_b99'" in result.stderr and "Traceback" not in result.stderr


def test_figure_formatting() -> None:
    assert thousands(13314116) == "13,314,116"
    assert (giga(396513888), giga(37745884192), mega(4652008)) == ("0.397", "37.7", "4.65")
    assert megabytes(53490940) == "53.5 MB"
    assert feature_sides(240) == [120, 60, 30, 15, 8]
