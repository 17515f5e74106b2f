"""Which family each of timm's architectures belongs to: the rules `tools/zoo.py` files new tags by.

One module of timm can hold several families (efficientnet.py also holds MixNet, MnasNet, TinyNet...), so a
family is a pattern on the architecture's name within its module; an architecture no pattern takes belongs
to the family named after its module. The first matching rule wins. The index itself says where each
registered tag is: these rules only choose a file for a tag the index does not have yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """Tags of timm MODULE whose architecture matches PATTERN (and whose tag matches TAG) form the collection NAME
    in model_index/STEM.yaml."""

    module: str
    pattern: str
    stem: str
    name: str
    tag: str = ".*"

    def takes(self, module: str, arch: str, tag: str) -> bool:
        return (
            module == self.module
            and re.fullmatch(self.pattern, arch) is not None
            and re.fullmatch(self.tag, tag) is not None
        )


FAMILIES: tuple[Family, ...] = (
    # efficientnet.py: the EfficientNet collections that exist, then the families beside them.
    Family("efficientnet", r"(tf_)?mixnet_.*", "mixnet", "MixNet"),
    Family("efficientnet", r"(se)?mnasnet_.*", "mnasnet", "MnasNet"),
    Family("efficientnet", r"fbnetc_.*", "fbnet", "FBNet"),
    Family("efficientnet", r"spnasnet_.*", "spnasnet", "Single-Path NAS"),
    Family("efficientnet", r"mobilenetv1_.*", "mobilenetv1", "MobileNetV1"),
    Family("efficientnet", r"mobilenetv2_.*", "mobilenetv2", "MobileNetV2"),
    Family("efficientnet", r"tinynet_.*", "tinynet", "TinyNet"),
    Family("efficientnet", r"mobilenet_edgetpu_v2_.*", "mobilenet-edgetpu-v2", "MobileNet EdgeTPU V2"),
    Family("efficientnet", r"efficientnet_e[sml](_pruned)?", "efficientnet-edgetpu", "EfficientNet EdgeTPU (timm)"),
    Family("efficientnet", r"efficientnet_.*_pruned", "efficientnet-pruned", "EfficientNet Knapsack Pruned"),
    Family("efficientnet", r"(gc_)?efficientnetv2_rw_.*", "efficientnetv2", "EfficientNetV2 (timm)"),
    Family("efficientnet", r"efficientnet_.*", "efficientnet", "EfficientNet (timm)"),
    Family("efficientnet", r"tf_efficientnetv2_.*", "tf-efficientnetv2", "TF EfficientNetV2"),
    # Collections by the weights, not the architecture: AdvProp's and Noisy Student's trainings of the B0-B8.
    Family("efficientnet", r"tf_efficientnet_.*", "tf-efficientnet-advprop", "TF EfficientNet AdvProp", r"ap_.*"),
    Family(
        "efficientnet",
        r"tf_efficientnet_.*",
        "tf-efficientnet-noisy-student",
        "TF EfficientNet Noisy Student",
        r"ns_.*",
    ),
    Family("efficientnet", r"tf_efficientnet_cc_.*", "tf-efficientnet-condconv", "TF EfficientNet CondConv"),
    Family("efficientnet", r"tf_efficientnet_lite.*", "tf-efficientnet-lite", "TF EfficientNet Lite"),
    Family("efficientnet", r"tf_efficientnet_e[sml]", "tf-efficientnet-edgetpu", "TF EfficientNet EdgeTPU"),
    Family("efficientnet", r"tf_efficientnet_.*", "tf-efficientnet", "TF EfficientNet"),
    # mobilenetv3.py
    Family("mobilenetv3", r"fbnetv3_.*", "fbnetv3", "FBNetV3"),
    Family("mobilenetv3", r"lcnet_.*", "lcnet", "PP-LCNet"),
    Family("mobilenetv3", r"mobilenetv4_.*", "mobilenetv4", "MobileNetV4"),
    Family("mobilenetv3", r".*", "mobilenetv3", "MobileNetV3"),
    # resnet.py
    Family("resnet", r"resnetrs.*", "resnet-rs", "ResNet-RS"),
    Family("resnet", r"wide_resnet.*", "wide-resnet", "Wide ResNet"),
    Family("resnet", r"ecaresnet.*", "eca-resnet", "ECA-ResNet"),
    Family("resnet", r"se(net|resnet|resnext).*", "se-resnet", "SE-ResNet and SE-ResNeXt"),
    Family("resnet", r"resnext.*", "resnext", "ResNeXt"),
    Family("resnet", r".*", "resnet", "ResNet"),
    # byobnet.py
    Family("byobnet", r"gernet_.*", "gernet", "GENet"),
    Family("byobnet", r"repvgg_.*", "repvgg", "RepVGG"),
    Family("byobnet", r"mobileone_.*", "mobileone", "MobileOne"),
    Family("byobnet", r"resnet.*_clip.*", "clip-resnet", "CLIP ResNet"),
    Family("byobnet", r"regnetz_.*", "regnetz", "RegNetZ"),
    Family("byobnet", r".*", "byob-resnet", "BYOB ResNets (timm)"),
    # vision_transformer.py
    Family("vision_transformer", r"aimv2_.*", "aimv2", "AIMv2"),
    Family("vision_transformer", r"beit3_.*", "beit3", "BEiT-3"),
    Family("vision_transformer", r"eva_.*", "eva", "EVA"),
    Family("vision_transformer", r"flexivit_.*", "flexivit", "FlexiViT"),
    Family("vision_transformer", r"vit_.*_dinov2", "dinov2", "DINOv2"),
    Family("vision_transformer", r"vit_.*_tipsv2", "tipsv2", "TIPSv2"),
    Family("vision_transformer", r"vit_.*_radio_.*", "radio", "RADIO"),
    Family("vision_transformer", r"vit_.*siglip.*", "siglip", "SigLIP"),
    Family("vision_transformer", r"vit_(xsmall|medium|betwixt)_patch(16|32)_clip_224", "tinyclip", "TinyCLIP"),
    Family("vision_transformer", r"vit_.*_clip_.*", "clip-vit", "CLIP ViT"),
    Family("vision_transformer", r".*", "vit", "Vision Transformer (ViT)"),
    # eva.py
    Family("eva", r"eva02_.*", "eva02", "EVA-02"),
    Family("eva", r"eva_.*", "eva", "EVA"),
    Family("eva", r"vit_.*_dinov3(_qkvb)?", "dinov3", "DINOv3"),
    Family("eva", r"vit_.*_sapiens2", "sapiens2", "Sapiens2"),
    Family("eva", r"vit_.*_lingbot", "lingbot", "LingBot"),
    Family("eva", r"vit_pe_.*", "perception-encoder", "Perception Encoder"),
    Family("eva", r"vit_.*_rope_.*", "vit-rope", "RoPE ViT"),
    # maxxvit.py
    Family("maxxvit", r"coat(net|next)_.*", "coatnet", "CoAtNet"),
    Family("maxxvit", r".*", "maxvit", "MaxViT"),
    # metaformer.py
    Family("metaformer", r"poolformer(v2)?_.*", "poolformer", "PoolFormer"),
    Family("metaformer", r"c(a|onv)former_.*", "metaformer-baselines", "ConvFormer and CAFormer"),
    # regnet.py
    Family("regnet", r".*", "regnet", "RegNet"),
    # convnext.py
    Family("convnext", r"convnextv2_.*", "convnext-v2", "ConvNeXt V2"),
    # mlp_mixer.py
    Family("mlp_mixer", r"gmixer_.*|mixer_.*", "mlp-mixer", "MLP-Mixer"),
    Family("mlp_mixer", r"gmlp_.*", "gmlp", "gMLP"),
    Family("mlp_mixer", r"resmlp_.*", "resmlp", "ResMLP"),
    # cspnet.py
    Family("cspnet", r"(cs3)?dark.*|cs3.*", "cspdarknet", "CSPDarkNet"),
    Family("cspnet", r".*", "cspnet", "CSPNet"),
    # deit.py
    Family("deit", r"deit3_.*", "deit3", "DeiT III"),
    Family("deit", r".*", "deit", "DeiT"),
    # beit.py
    Family("beit", r"beitv2_.*", "beitv2", "BEiT v2"),
    # swin_transformer_v2.py and swin_transformer_v2_cr.py are one family.
    Family("swin_transformer_v2_cr", r".*", "swin-transformer-v2", "Swin Transformer V2"),
    # senet.py holds the original SENet weights, beside resnet.py's.
    Family("senet", r".*", "se-resnet", "SE-ResNet and SE-ResNeXt"),
    # vision_transformer_hybrid.py
    Family("vision_transformer_hybrid", r".*", "vit-hybrid", "Hybrid Vision Transformer (ResNet + ViT)"),
    Family("inception_resnet_v2", r".*", "inception-resnet-v2", "Inception-ResNet-v2"),
    Family("xception_aligned", r".*", "xception", "Xception"),
    Family("hieradet_sam2", r".*", "hiera", "Hiera"),
    Family("efficientvit_mit", r".*", "efficientvit-mit", "EfficientViT (MIT)"),
    Family("efficientvit_msra", r".*", "efficientvit-msra", "EfficientViT (MSRA)"),
)
# Families named after their module when no rule above takes their architectures.
MODULE_NAMES = {
    "byoanet": "BYOA Networks (timm): BoTNet, HaloNet, LambdaNet",
    "cait": "CaiT",
    "coat": "CoaT",
    "convit": "ConViT",
    "convmixer": "ConvMixer",
    "convnext": "ConvNeXt",
    "cpubone": "CPUBone",
    "crossvit": "CrossViT",
    "csatv2": "CSATv2",
    "cspnext": "CSPNeXt",
    "davit": "DaViT",
    "deepseek_vit": "DeepSeek ViT",
    "densenet": "DenseNet",
    "dla": "DLA",
    "dpn": "DPN",
    "edgenext": "EdgeNeXt",
    "efficientformer": "EfficientFormer",
    "efficientformer_v2": "EfficientFormerV2",
    "efficientvim": "EfficientViM",
    "fasternet": "FasterNet",
    "fastvit": "FastViT",
    "focalnet": "FocalNet",
    "gcvit": "GCViT",
    "gemma4_vit": "Gemma 4 ViT",
    "ghostnet": "GhostNet",
    "hardcorenas": "HardCoRe-NAS",
    "hgnet": "PP-HGNet",
    "hiera": "Hiera",
    "hrnet": "HRNet",
    "iformer": "iFormer",
    "inception_next": "InceptionNeXt",
    "inception_v3": "Inception v3",
    "inception_v4": "Inception v4",
    "lcnetv2": "PP-LCNetV2",
    "levit": "LeViT",
    "lowformer": "LowFormer",
    "mambaout": "MambaOut",
    "mobilenetv5": "MobileNetV5",
    "mobilevit": "MobileViT",
    "mvitv2": "MViTv2",
    "naflexvit": "NaFlexViT",
    "nasnet": "NASNet",
    "nest": "NesT",
    "nextvit": "Next-ViT",
    "nfnet": "NFNet",
    "pit": "PiT",
    "pnasnet": "PNASNet",
    "pvt_v2": "PVTv2",
    "qwen3_vit": "Qwen3 ViT",
    "rdnet": "RDNet",
    "repghost": "RepGhost",
    "repvit": "RepViT",
    "res2net": "Res2Net",
    "resnest": "ResNeSt",
    "resnetv2": "ResNetV2 and BiT",
    "rexnet": "ReXNet",
    "selecsls": "SelecSLS",
    "sequencer": "Sequencer",
    "shvit": "SHViT",
    "sknet": "SKNet",
    "starnet": "StarNet",
    "swiftformer": "SwiftFormer",
    "swin_transformer": "Swin Transformer",
    "swin_transformer_v2": "Swin Transformer V2",
    "tiny_vit": "TinyViT",
    "tnt": "TNT",
    "tresnet": "TResNet",
    "twins": "Twins",
    "vgg": "VGG",
    "visformer": "Visformer",
    "vision_transformer_relpos": "ViT with relative position",
    "vision_transformer_sam": "SAM ViT",
    "vitamin": "ViTamin",
    "volo": "VOLO",
    "vovnet": "VoVNet",
    "xception": "Xception",
    "xcit": "XCiT",
    "beit": "BEiT",
    "eva": "EVA",
}


def family_of(model_id: str) -> tuple[str, str]:
    """(file stem, collection name) of MODEL_ID (`arch.tag`, one of timm's pretrained tags); KeyError for a
    module that no rule or name covers (a module new in timm: add it to MODULE_NAMES)."""
    from timm.models._registry import _model_to_module

    arch, _, tag = model_id.partition(".")
    module = _model_to_module[arch]
    for family in FAMILIES:
        if family.takes(module, arch, tag):
            return family.stem, family.name
    return module.replace("_", "-"), MODULE_NAMES[module]
