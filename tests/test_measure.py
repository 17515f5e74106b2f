"""`modelsite.measure` against figures computed by hand from the layers' shapes, architecture tags on
models with and without each building block, and the `measure` command. CPU only; no marker."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

from modelsite.measure import architecture_tags, measure
from tests.helpers import ROOT


def test_flop_counter_counts_a_multiply_add_as_two() -> None:
    # A 3x3 convolution from 3 to 8 channels on 10x10 output: 8*10*10 outputs of 27 multiply-adds each.
    conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
    with FlopCounterMode(display=False) as counter:
        conv(torch.empty(1, 3, 10, 10))
    assert counter.get_total_flops() // 2 == 8 * 10 * 10 * 27


def _macs_by_hand(model: torch.nn.Module, side: int) -> tuple[int, int]:
    """Multiply-adds and produced elements of every convolution and linear layer, from the layer
    shapes alone: out_elements * (in_channels / groups) * kernel area for a convolution,
    in * out for a linear layer, plus a CondConv layer's mix of its experts' kernels."""
    from timm.layers import CondConv2d

    macs, elements = 0, 0

    def hook(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal macs, elements
        elements += output.numel()
        if isinstance(module, torch.nn.Linear):
            macs += output.numel() * module.in_features
        else:
            kernel = module.kernel_size[0] * module.kernel_size[1]
            macs += output.numel() * (module.in_channels // module.groups) * kernel
            if isinstance(module, CondConv2d):
                macs += module.num_experts * module.weight.shape[1]  # routing weights x stacked kernels

    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear, CondConv2d)):
            module.register_forward_hook(hook)
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, side, side))
    return macs, elements


@pytest.mark.parametrize(
    "model_id", ["tf_efficientnet_lite0.in1k", "tf_efficientnet_b0.aa_in1k", "tf_efficientnet_cc_b0_4e.in1k"]
)
def test_flops_activations_and_parameters_against_hand_computed_figures(model_id: str) -> None:
    import timm

    measured = measure(model_id, with_file_size=False)
    real = timm.create_model(model_id)  # real CPU tensors, not the meta device
    macs, elements = _macs_by_hand(real, measured.image_size)
    assert measured["FLOPs"] == macs
    assert measured["Activations"] == elements
    assert measured["Parameters"] == sum(
        t.numel() for k, t in real.state_dict().items() if "running_" not in k and "num_batches" not in k
    )


def test_stem_convolution_by_hand() -> None:
    # Lite0's stem: 3x3, 3 -> 32 channels, stride 2, 224 -> 112: 112*112*32 outputs of 27 multiply-adds.
    import timm

    model = timm.create_model("tf_efficientnet_lite0")
    macs, elements = _macs_by_hand(torch.nn.Sequential(model.conv_stem), 224)
    assert (macs, elements) == (112 * 112 * 32 * 27, 112 * 112 * 32)


def test_lite0_settings_and_code_line() -> None:
    measured = measure("tf_efficientnet_lite0.in1k", with_file_size=False)
    assert (measured["Image Size"], measured["Crop Pct"], measured["Interpolation"]) == (224, 0.875, "bicubic")
    assert (measured["Mean"], measured["Std"]) == ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    assert measured.code.endswith(tuple(f"#L{n}" for n in range(1, 10_000)))


def test_meta_and_cpu_measurements_agree() -> None:
    meta = measure("tf_efficientnet_cc_b0_4e", with_file_size=False)
    cpu = measure("tf_efficientnet_cc_b0_4e", with_file_size=False, device="cpu")
    assert meta == cpu


class _Plain(torch.nn.Module):
    """A network with none of the tagged building blocks but a plain 3x3 convolution."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)


def _tags(model_id: str, **kwargs: object) -> list[str]:
    import timm

    with torch.device("meta"):
        return architecture_tags(timm.create_model(model_id, **kwargs))


@pytest.mark.parametrize(
    ("tag", "with_it", "without_it"),
    [
        ("CondConv", "tf_efficientnet_cc_b0_4e", "tf_efficientnet_b0"),
        ("Squeeze-and-Excitation Block", "tf_efficientnet_b0", "tf_efficientnet_lite0"),
        ("RELU6", "tf_efficientnet_lite0", "tf_efficientnet_b0"),
        ("Swish", "tf_efficientnet_b0", "tf_efficientnet_lite0"),
        ("Depthwise Convolution", "tf_efficientnet_b0", "resnet18"),
        ("Inverted Residual Block", "tf_efficientnet_b0", "resnet18"),
        ("1x1 Convolution", "tf_efficientnet_b0", None),
        ("Batch Normalization", "tf_efficientnet_b0", None),
        ("Average Pooling", "tf_efficientnet_b0", None),
        ("Dense Connections", "tf_efficientnet_b0", None),
        ("Convolution", "tf_efficientnet_b0", None),
        ("Multi-Head Attention", "vit_tiny_patch16_224", "tf_efficientnet_b0"),
        ("Layer Normalization", "vit_tiny_patch16_224", "tf_efficientnet_b0"),
        ("GELU", "vit_tiny_patch16_224", "tf_efficientnet_b0"),
        ("Hard Swish", "mobilenetv3_large_100", "tf_efficientnet_b0"),
        ("ReLU", "resnet18", "tf_efficientnet_lite0"),
    ],
)
def test_architecture_tags_are_found_only_where_the_graph_has_them(
    tag: str, with_it: str, without_it: str | None
) -> None:
    assert tag in _tags(with_it)
    plain = torch.nn.Sequential(torch.nn.Linear(4, 2)) if tag == "Convolution" else _Plain()
    assert tag not in (_tags(without_it) if without_it else architecture_tags(plain))


def test_dropout_is_tagged_only_when_the_model_drops() -> None:
    assert "Dropout" not in _tags("tf_efficientnet_b0")
    assert "Dropout" in _tags("tf_efficientnet_b0", drop_rate=0.2)
    assert architecture_tags(torch.nn.Sequential(torch.nn.Dropout(0.1))) == ["Dropout"]


def test_measure_command_prints_a_metadata_mapping() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modelsite", "measure", "tf_efficientnet_cc_b0_4e"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    assert printed["Metadata"]["FLOPs"] == 396513888
    assert printed["Metadata"]["Parameters"] == 13314116
    assert printed["Code"].startswith("https://github.com/huggingface/pytorch-image-models/blob/v")


def test_measure_command_refuses_an_unknown_model() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modelsite", "measure", "tf_efficientnet_b99"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "has no model 'tf_efficientnet_b99'" in result.stderr and "Traceback" not in result.stderr


def _real(model_id: str) -> torch.nn.Module:
    import timm

    return timm.create_model(model_id, pretrained=False).eval()


@pytest.mark.parametrize(
    ("model_id", "classes", "label_set"),
    [
        ("vit_tiny_patch16_224.augreg_in21k", 21843, "imagenet-21k-goog"),
        ("efficientnet_b5.sw_in12k", 11821, "imagenet-12k"),
        ("mobilenetv3_large_100.miil_in21k", 11221, "imagenet-21k-miil"),
        ("resnet18.a1_in1k", 1000, "imagenet-1k"),
    ],
)
def test_classes_and_label_set_are_the_heads(model_id: str, classes: int, label_set: str) -> None:
    measured = measure(model_id, with_file_size=False)
    assert (measured["Classes"], measured["Label Set"]) == (classes, label_set)
    side = measured.image_size
    with torch.no_grad():
        assert _real(model_id)(torch.zeros(1, 3, side, side)).shape == (1, classes)


@pytest.mark.parametrize("model_id", ["mobilenetv3_large_100.ra_in1k", "vit_tiny_patch16_224.augreg_in21k"])
def test_the_embedding_is_what_a_headless_model_returns(model_id: str) -> None:
    import timm

    measured = measure(model_id, with_file_size=False)
    headless = timm.create_model(model_id, pretrained=False, num_classes=0).eval()
    side = measured.image_size
    with torch.no_grad():
        assert headless(torch.zeros(1, 3, side, side)).shape == (1, measured["Embedding Size"])
    # MobileNetV3's head has a layer of its own: the embedding is not num_features.
    if model_id.startswith("mobilenetv3"):
        assert measured["Embedding Size"] == 1280 != headless.num_features


@pytest.mark.parametrize(
    ("model_id", "strides"),
    [
        ("resnet18.a1_in1k", [2, 4, 8, 16, 32]),
        ("convnext_atto.d2_in1k", [4, 8, 16, 32]),
        ("vit_tiny_patch16_224.augreg_in21k", [16, 16, 16]),
        ("swin_tiny_patch4_window7_224.ms_in1k", [4, 8, 16, 32]),
    ],
)
def test_feature_maps_are_what_the_features_only_model_returns(model_id: str, strides: list[int]) -> None:
    import timm

    measured = measure(model_id, with_file_size=False)
    assert measured["Feature Strides"] == strides
    extractor = timm.create_model(model_id, pretrained=False, features_only=True).eval()
    side = measured.image_size
    with torch.no_grad():
        maps = extractor(torch.zeros(1, 3, side, side))
    # Swin returns its maps channels-last; the side is the same axis either way.
    assert [m.shape[-2] for m in maps] == measured["Feature Sides"]
    assert extractor.feature_info.channels() == measured["Feature Channels"]


def test_a_language_models_encoder_returns_tokens_as_wide_as_its_embedding() -> None:
    """An `_enc` tower has no classifier and returns a sequence, not one pooled vector: Head `tokens`, and the
    Embedding Size is each token's length, as a real model returns it at any image size."""
    import timm

    measured = measure("qwen3_vit_88m_enc.qwen3_5_0_8b", with_file_size=False)
    assert (measured["Head"], measured["Classes"], measured["Embedding Size"]) == ("tokens", 0, 1024)
    encoder = timm.create_model("qwen3_vit_88m_enc", pretrained=False).eval()
    with torch.no_grad():
        tokens = encoder(torch.zeros(1, 3, 64, 64))
    assert tokens.ndim == 3 and tokens.shape[-1] == measured["Embedding Size"]
    assert measure("qwen3_vit_88m.qwen3_5_0_8b", with_file_size=False)["Head"] == "none"


def test_a_portrait_input_is_measured_at_its_height_and_width() -> None:
    """Sapiens2's input is 1024×768 (height × width): FLOPs and maps at that shape, and a height only there."""
    import timm

    measured = measure("vit_base_patch16_sapiens2.fb", with_file_size=False)
    assert (measured["Image Height"], measured["Image Size"], measured.size_text) == (1024, 768, "1024x768")
    assert measured["Feature Sides"] == [64, 64, 64]
    with torch.device("meta"):
        model = timm.create_model("vit_base_patch16_sapiens2", pretrained=False).eval()
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, 1024, 768, device="meta"))
    assert measured["FLOPs"] == counter.get_total_flops() // 2
    assert measure("resnet18.a1_in1k", with_file_size=False)["Image Height"] is None


def test_feature_maps_the_meta_device_cannot_run_are_measured_on_the_cpu() -> None:
    """Gemma 4's features_only form reads position ids with .item(), which a meta tensor cannot give."""
    from modelsite.measure.measurement import _features_only_maps

    with pytest.raises(RuntimeError, match="meta"):
        _features_only_maps("gemma4_vit_167m.gemma4_e4b_it", (768, 768), "meta")
    measured = measure("gemma4_vit_167m.gemma4_e4b_it", with_file_size=False)
    assert (measured["Feature Strides"], measured["Feature Sides"]) == ([16, 16, 16], [48, 48, 48])


def test_feature_maps_that_fail_to_build_are_an_error_not_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that declares feature maps and whose features_only form breaks has no figure to give: the
    failure must not become "no feature pyramid", which would pass against an index that also says none."""
    import timm

    from modelsite.measure.measurement import FeatureMapsError, MeasuredModel

    real_create = timm.create_model

    def create(name: str, **kwargs: object) -> object:
        if kwargs.get("features_only"):
            raise TypeError("a bug in the features_only form")
        return real_create(name, **kwargs)

    monkeypatch.setattr(timm, "create_model", create)
    broken = MeasuredModel("tf_efficientnet_lite0.in1k", with_file_size=False)
    with pytest.raises(FeatureMapsError, match="declares feature maps .*TypeError: a bug in the features_only form"):
        _ = broken.feature_strides
    # A model that declares none has none, and nothing is built to find out.
    headless = MeasuredModel("tf_efficientnet_lite0.in1k", with_file_size=False)
    headless.__dict__["model"] = torch.nn.Linear(2, 2)
    assert headless.feature_strides is None


def test_file_size_is_the_bytes_torch_save_writes() -> None:
    import io

    import timm

    from modelsite.measure import checkpoint_size

    with torch.device("meta"):
        model = timm.create_model("efficientnet_b0")
    saved = io.BytesIO()
    torch.save(timm.create_model("efficientnet_b0").state_dict(), saved)
    assert checkpoint_size(model) == saved.tell()


def test_a_file_size_is_measured_without_holding_the_file() -> None:
    # vit_large_patch16_224's file is 1.2 GB. Python's own allocations are what a buffer of the saved file would
    # take (tracemalloc sees them, the same on every machine); the tensors' pages are torch's and go uncounted.
    import tracemalloc

    import timm
    import torch

    from modelsite.measure import checkpoint_size

    with torch.device("meta"):
        model = timm.create_model("vit_large_patch16_224")
    tracemalloc.start()
    try:
        size = checkpoint_size(model)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 1_200_000_000
    assert peak < size // 100, f"measuring a {size:,}-byte file held {peak:,} bytes"
