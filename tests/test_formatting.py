"""How figures are written on the site: modelsite.site.formatting's sentences, and the number formats of
modelsite.core.figures that its filters apply. No marker: milliseconds.
"""

from __future__ import annotations

from modelsite.core.figures import giga, mega, megabytes, thousands
from modelsite.site.formatting import crop_sentence, feature_maps_sentence


def test_figure_formatting() -> None:
    assert thousands(13314116) == "13,314,116"
    assert (giga(396513888), giga(37745884192), mega(4652008)) == ("0.397", "37.7", "4.65")
    assert megabytes(53490940) == "53.5 MB"
    metadata = {"Image Size": 240, "Crop Pct": 0.882, "Interpolation": "bicubic", "Crop Mode": "center"}
    assert crop_sentence(metadata) == (
        "resized with bicubic interpolation so that its shorter side is 272 pixels, then center-cropped to "
        "240×240 (crop pct 0.882)"
    )
    assert "ignoring its aspect ratio" in crop_sentence({**metadata, "Crop Mode": "squash"})
    maps = {"Feature Strides": [16], "Feature Channels": [192], "Feature Sides": [14]}
    assert feature_maps_sentence(maps) == "stride 16 (192 channels, 14 pixels wide)"


def test_a_portrait_input_is_described_as_timm_transforms_it() -> None:
    """Sapiens2 evaluates at 1024×768 (height × width): the sentence gives both, as timm's transform sizes them."""
    import timm.data
    from torchvision import transforms

    metadata = {"Image Size": 768, "Image Height": 1024, "Crop Pct": 1.0, "Interpolation": "bilinear"}
    squash = crop_sentence({**metadata, "Crop Mode": "squash"})
    assert squash == (
        "resized with bilinear interpolation to 1024×768 pixels (height × width), ignoring its aspect ratio, then "
        "center-cropped to 1024×768 (crop pct 1.0)"
    )
    steps = timm.data.create_transform(input_size=(3, 1024, 768), crop_pct=1.0, crop_mode="squash").transforms
    resize, crop = (
        next(step for step in steps if isinstance(step, kind)) for kind in (transforms.Resize, transforms.CenterCrop)
    )
    assert tuple(resize.size) == tuple(crop.size) == (1024, 768)
    maps = {"Feature Strides": [16], "Feature Channels": [768], "Feature Sides": [64], "Image Height": 1024}
    assert feature_maps_sentence(maps) == "stride 16 (768 channels, 64 pixels high)"
