"""What each token of a pretrained tag says about its weights, with where that is stated.

A tag such as `augreg2_in21k_ft_in1k` is tokens joined by `_`: here a recipe, the data it was pretrained on,
a fine-tuning stage and the data of that stage. TAG_TOKENS holds every token of timm's pretrained tags, each
with its kind, its meaning and its source (timm's code, docs or a paper, at a fixed revision); TAG_PATTERNS
the tokens that carry a number (`r224`, `e300`). Where no source states what a token means, its kind is
"unknown" and its meaning empty, and pages say so instead of guessing. `modelsite validate` refuses a tag
with a token neither table holds; a variant page gives its tag's account token by token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = {
    "data": "what the weights were trained on",
    "recipe": "how they were trained",
    "resolution": "the input size they were trained at",
    "distillation": "what they were distilled from",
    "source": "who trained or released them",
    "stage": "how the stages of training follow one another",
    "objective": "what they were pretrained to do",
    "other": "anything else the tag records",
    "unknown": "no source states what the token means",
}


@dataclass(frozen=True)
class TagToken:
    """One token of a tag: its kind (a key of KINDS), what it says ("" when unknown) and where that is said."""

    token: str
    kind: str
    meaning: str
    source: str

    @property
    def what_it_says(self) -> str:
        return self.meaning or "no source modelsite knows states what it means"

    @property
    def source_label(self) -> str:
        """What the source link shows: where the meaning is stated, or for an unknown token where timm uses it."""
        return "where timm uses it" if self.kind == "unknown" else "source"


@dataclass(frozen=True)
class TagPattern:
    """Tokens that carry a number: MEANING has `{0}` for the number."""

    pattern: re.Pattern[str]
    kind: str
    meaning: str
    source: str

    def explain(self, token: str) -> TagToken | None:
        match = self.pattern.fullmatch(token)
        return TagToken(token, self.kind, self.meaning.format(*match.groups()), self.source) if match else None


# timm 1.0.31's model files at its release tag; its README and hfdocs at a commit of its main branch.
_MODELS = "https://github.com/huggingface/pytorch-image-models/blob/v1.0.31/timm/models/"
_DOCS = "https://github.com/huggingface/pytorch-image-models/blob/aa4b5850c1543fa488abf260f18390eda46cf85d/"
_TOKENS = (
    TagToken(
        "0",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5-0.8B -> qwen3_5_0_8b), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L697",
    ),
    TagToken(
        "1",
        "source",
        "fragment of the upstream checkpoint name (DeepSeek-V4.1 / Qwen-Drive-1.0), see its hf_hub_id",
        _MODELS + "deepseek_vit.py#L745",
    ),
    TagToken("10b", "unknown", "", _MODELS + "vision_transformer.py#L2922"),
    TagToken(
        "235b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3-VL-235B-A22B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L767",
    ),
    TagToken(
        "27b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5-27B / Qwen3.8-27B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L728",
    ),
    TagToken(
        "2b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5-2B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L703",
    ),
    TagToken("2pt1", "unknown", "", _MODELS + "hieradet_sam2.py#L624"),
    TagToken("2pt5", "unknown", "", _MODELS + "vision_transformer.py#L3176"),
    TagToken("2pt5b", "unknown", "", _MODELS + "vision_transformer.py#L2555"),
    TagToken(
        "30b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3-VL-30B-A3B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L761",
    ),
    TagToken("31b", "source", "Gemma 4 31B vision tower", _MODELS + "gemma4_vit.py#L1490"),
    TagToken(
        "32b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3-VL-32B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L755",
    ),
    TagToken("3b", "unknown", "", _MODELS + "vision_transformer.py#L2919"),
    TagToken("400m", "unknown", "", _MODELS + "vision_transformer.py#L2584"),
    TagToken(
        "4b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5-4B / Qwen3-VL-4B / Qwen-Drive-1.0-4B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L709",
    ),
    TagToken(
        "5",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5 (version 3.5)), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L697",
    ),
    TagToken("6m", "unknown", "", _MODELS + "nextvit.py#L794"),
    TagToken(
        "8",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.8 (version 3.8)), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L715",
    ),
    TagToken(
        "8b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5-0.8B / Qwen3-VL-8B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L697",
    ),
    TagToken(
        "9b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3.5-9B), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L734",
    ),
    TagToken(
        "a1",
        "recipe",
        "the ResNet Strikes Back A1 recipe: LAMB with a binary cross-entropy loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L11",
    ),
    TagToken(
        "a1h",
        "recipe",
        "a ResNet Strikes Back A1 recipe with stronger dropout, stochastic depth and RandAugment",
        _DOCS + "hfdocs/source/hparams.mdx#L9",
    ),
    TagToken(
        "a2",
        "recipe",
        "the ResNet Strikes Back A2 recipe: LAMB with a binary cross-entropy loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L11",
    ),
    TagToken(
        "a22b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3-VL-235B-A22B (22B active)), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L767",
    ),
    TagToken("a2h", "unknown", "", _MODELS + "convnext.py#L803"),
    TagToken(
        "a3",
        "recipe",
        "the ResNet Strikes Back A3 recipe: LAMB with a binary cross-entropy loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L11",
    ),
    TagToken(
        "a3b",
        "source",
        "fragment of the upstream checkpoint name (Qwen3-VL-30B-A3B (3B active)), see its hf_hub_id",
        _MODELS + "qwen3_vit.py#L761",
    ),
    TagToken(
        "aa",
        "recipe",
        "trained with AutoAugment: timm's ports of the TensorFlow EfficientNet weights",
        _MODELS + "efficientnet.py#L8",
    ),
    TagToken("ad", "unknown", "", _MODELS + "convnext.py#L824"),
    TagToken("adv", "recipe", "adversarially trained (TF adv / ens_adv checkpoints)", _MODELS + "inception_v3.py#L583"),
    TagToken("agc", "recipe", "trained with adaptive gradient clipping", _DOCS + "README.md#L469"),
    TagToken(
        "ah",
        "recipe",
        "a ResNet Strikes Back A1 recipe without CutMix, with stronger dropout, stochastic depth and RandAugment",
        _DOCS + "hfdocs/source/hparams.mdx#L10",
    ),
    TagToken(
        "altogether", "data", "MetaCLIP Altogether re-aligned alt-text captions", _MODELS + "vision_transformer.py#L35"
    ),
    TagToken(
        "am",
        "recipe",
        "an AugMix recipe: Nesterov SGD with a Jensen-Shannon divergence loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L19",
    ),
    TagToken("ap", "recipe", "AdvProp (adversarial propagation) trained TF port", _DOCS + "README.md#L294"),
    TagToken("apple", "source", "Apple weights", _MODELS + "fastvit.py#L3"),
    TagToken("aug", "unknown", "", _MODELS + "hrnet.py#L1072"),
    TagToken(
        "augreg",
        "recipe",
        '"How to train your ViT" augmentation + regularization recipe',
        _MODELS + "vision_transformer.py#L2122",
    ),
    TagToken(
        "augreg2", "recipe", "augreg in21k weights re-fine-tuned on in1k", _MODELS + "vision_transformer.py#L2049"
    ),
    TagToken(
        "b1k",
        "recipe",
        "a ResNet Strikes Back B recipe, the same as timm's RA2: TensorFlow-style RMSProp, stepped decay",
        _DOCS + "hfdocs/source/hparams.mdx#L12",
    ),
    TagToken(
        "b2k",
        "recipe",
        "a ResNet Strikes Back B recipe, the same as timm's RA2: TensorFlow-style RMSProp, stepped decay",
        _DOCS + "hfdocs/source/hparams.mdx#L12",
    ),
    TagToken("bamboo", "data", "Bamboo-CLS dataset", _MODELS + "resnet.py#L1130"),
    TagToken("bd", "source", "ByteDance weights", _MODELS + "nextvit.py#L8"),
    TagToken(
        "bt", "recipe", "a Bag-of-Tricks recipe: Nesterov SGD, cosine schedule", _DOCS + "hfdocs/source/hparams.mdx#L21"
    ),
    TagToken(
        "c",
        "recipe",
        "a ResNet Strikes Back C recipe: Nesterov SGD with adaptive gradient clipping, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L13",
    ),
    TagToken(
        "c1",
        "recipe",
        "a ResNet Strikes Back C recipe: Nesterov SGD with adaptive gradient clipping, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L13",
    ),
    TagToken(
        "c2",
        "recipe",
        "a ResNet Strikes Back C recipe: Nesterov SGD with adaptive gradient clipping, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L13",
    ),
    TagToken("c2ns", "unknown", "", _MODELS + "cspnet.py#L1160"),
    TagToken(
        "c3",
        "recipe",
        "a ResNet Strikes Back C recipe: Nesterov SGD with adaptive gradient clipping, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L13",
    ),
    TagToken("cc12m", "unknown", "", _MODELS + "byobnet.py#L2752"),
    TagToken(
        "ch",
        "recipe",
        "a ResNet Strikes Back C recipe with stronger dropout, stochastic depth and RandAugment",
        _DOCS + "hfdocs/source/hparams.mdx#L14",
    ),
    TagToken(
        "clip",
        "objective",
        "CLIP image-text contrastive pretraining (image tower)",
        _DOCS + "hfdocs/source/changes.mdx#L879",
    ),
    TagToken("cvnets", "source", "Apple ml-cvnets weights", _DOCS + "hfdocs/source/changes.mdx#L1037"),
    TagToken(
        "d",
        "recipe",
        "a ResNet Strikes Back D recipe: AdamW with a binary cross-entropy loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L15",
    ),
    TagToken(
        "d1",
        "recipe",
        "a ResNet Strikes Back D recipe: AdamW with a binary cross-entropy loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L15",
    ),
    TagToken("d1h", "unknown", "", _MODELS + "convnext.py#L795"),
    TagToken(
        "d2",
        "recipe",
        "a ResNet Strikes Back D recipe: AdamW with a binary cross-entropy loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L15",
    ),
    TagToken("datacomp1b", "data", "DataComp-1B image-text pairs", _MODELS + "vision_transformer.py#L32"),
    TagToken("datacompxl", "data", "DataComp-XL image-text pairs", _DOCS + "hfdocs/source/changes.mdx#L570"),
    TagToken("deepseek", "source", "tower from DeepSeek VLM checkpoint", _MODELS + "deepseek_vit.py#L6"),
    TagToken(
        "deit", "source", "regnet weights from the DeiT repo (DeiT distillation teacher)", _MODELS + "regnet.py#L1136"
    ),
    TagToken("dfn2b", "data", "DFN-2B, Data Filtering Networks filtered image-text set (2B)", _DOCS + "README.md#L250"),
    TagToken(
        "dfn5b",
        "data",
        "DFN-5B, Data Filtering Networks filtered image-text set (5B)",
        _MODELS + "vision_transformer.py#L2513",
    ),
    TagToken("dfndr2b", "unknown", "", _MODELS + "fastvit.py#L1525"),
    TagToken("dino", "objective", "DINO self-supervised pretraining", _MODELS + "vision_transformer.py#L2218"),
    TagToken("dinov3", "objective", "DINOv3 self-supervised pretraining", _MODELS + "convnext.py#L22"),
    TagToken("dist", "distillation", "trained with knowledge distillation", _MODELS + "iformer.py#L144"),
    TagToken("distilled", "distillation", "DeiT-style distilled model (distillation token)", _MODELS + "deit.py#L298"),
    TagToken("dm", "unknown", "", _MODELS + "nfnet.py#L941"),
    TagToken("docci", "unknown", "", _MODELS + "vision_transformer.py#L2972"),
    TagToken("drive", "unknown", "", _MODELS + "qwen3_vit.py#L773"),
    TagToken("e4b", "unknown", "", _MODELS + "gemma4_vit.py#L1422"),
    TagToken(
        "ens",
        "recipe",
        "ensemble adversarial training (TF ens_adv checkpoint)",
        _MODELS + "inception_resnet_v2.py#L461",
    ),
    TagToken(
        "eupe",
        "objective",
        "Efficient Universal Perception Encoder (distilled universal encoder)",
        _MODELS + "convnext.py#L23",
    ),
    TagToken("exp", "unknown", "", _MODELS + "deepseek_vit.py#L752"),
    TagToken("fb", "source", "Facebook / Meta weights", _MODELS + "deit.py#L160"),
    TagToken(
        "fcmae",
        "objective",
        "ConvNeXt-V2 fully convolutional MAE pretraining (no classifier)",
        _MODELS + "convnext.py#L712",
    ),
    TagToken(
        "flash",
        "source",
        "part of upstream name (DeepSeek-V4.1-Flash / Qwen3.8-Flash-Next)",
        _MODELS + "deepseek_vit.py#L6",
    ),
    TagToken("florence2", "source", "vision tower of Microsoft Florence-2", _MODELS + "davit.py#L957"),
    TagToken("ft", "stage", "fine-tuned on the dataset(s) that follow", _MODELS + "eva.py#L1607"),
    TagToken("gemma3n", "unknown", "", _MODELS + "mobilenetv5.py#L923"),
    TagToken("gemma4", "source", "tower from Gemma 4 VLM checkpoint", _MODELS + "gemma4_vit.py#L1"),
    TagToken("gluon", "source", "MXNet Gluon(CV) model-zoo weights", _MODELS + "resnet.py#L871"),
    TagToken("goog", "unknown", "", _MODELS + "mlp_mixer.py#L619"),
    TagToken("green", "unknown", "", _MODELS + "hardcorenas.py#L72"),
    TagToken("i18n", "data", "multilingual (i18n) WebLI SigLIP variant", _DOCS + "hfdocs/source/changes.mdx#L260"),
    TagToken("idstcv", "source", "idstcv (GPU-Efficient-Networks) weights", _MODELS + "byobnet.py#L9"),
    TagToken("ig1b", "data", "Instagram ~1B hashtag-labelled images (weak supervision)", _MODELS + "resnet.py#L1160"),
    TagToken("ijepa", "objective", "I-JEPA self-supervised pretraining", _MODELS + "vision_transformer.py#L1962"),
    TagToken("in12k", "data", "ImageNet-12k, timm's ~12k-class subset of full ImageNet", _MODELS + "maxxvit.py#L2335"),
    TagToken("in1k", "data", "ImageNet-1k (1,000-class ImageNet) images and labels", _MODELS + "maxxvit.py#L2321"),
    TagToken("in21k", "data", "ImageNet-21k (full ImageNet, ~21k classes)", _MODELS + "vision_transformer.py#L2174"),
    TagToken(
        "in22k", "data", "ImageNet-22k, another name for full ImageNet (~21.8k classes)", _MODELS + "eva.py#L1607"
    ),
    TagToken("indomain", "unknown", "", _MODELS + "vision_transformer.py#L3255"),
    TagToken("inw21k", "unknown", "", _MODELS + "mvitv2.py#L1117"),
    TagToken("it", "unknown", "", _MODELS + "gemma4_vit.py#L1422"),
    TagToken("ix", "unknown", "", _MODELS + "mobilenetv3.py#L1266"),
    TagToken(
        "jft",
        "data",
        "JFT-300M, Google's internal labelled image set (unlabelled source for Noisy Student)",
        _DOCS + "README.md#L540",
    ),
    TagToken(
        "laion2b", "data", "LAION-2B image-text pairs (CLIP pretraining)", _DOCS + "hfdocs/source/changes.mdx#L879"
    ),
    TagToken("laion400m", "data", "LAION-400M image-text pairs", _MODELS + "eva.py#L1710"),
    TagToken("laiona", "unknown", "", _MODELS + "convnext.py#L1094"),
    TagToken("lamb", "unknown", "", _MODELS + "efficientnet.py#L1382"),
    TagToken("lc", "unknown", "", _MODELS + "regnet.py#L1197"),
    TagToken("lion", "unknown", "", _MODELS + "regnet.py#L1105"),
    TagToken("lt", "unknown", "", _MODELS + "vision_transformer_hybrid.py#L242"),
    TagToken("ltt", "unknown", "", _MODELS + "vitamin.py#L344"),
    TagToken(
        "lvd142m", "data", "LVD-142M curated images (DINOv2 pretraining)", _MODELS + "vision_transformer.py#L2243"
    ),
    TagToken("lvd1689m", "data", "LVD-1689M web image set (DINOv3 pretraining)", _DOCS + "README.md#L108"),
    TagToken("m30m", "unknown", "", _MODELS + "eva.py#L1608"),
    TagToken(
        "m38m", "data", "Merged-38M unlabelled image set used for EVA-02 MIM pretraining", _MODELS + "eva.py#L1619"
    ),
    TagToken("mae", "objective", "Masked Autoencoder (MIM) pretraining", _MODELS + "vision_transformer.py#L4078"),
    TagToken("mclip", "objective", "Apple MobileCLIP image tower", _DOCS + "hfdocs/source/changes.mdx#L387"),
    TagToken("mclip2", "unknown", "", _MODELS + "fastvit.py#L1525"),
    TagToken("merged2b", "data", "EVA-CLIP Merged-2B image-text data", _MODELS + "eva.py#L1717"),
    TagToken(
        "metaclip", "objective", "MetaCLIP CLIP weights (Meta curated data)", _MODELS + "vision_transformer.py#L2555"
    ),
    TagToken("metaclip2", "objective", "MetaCLIP 2 CLIP weights", _MODELS + "vision_transformer.py#L36"),
    TagToken("miil", "source", "Alibaba MIIL weights", _MODELS + "hardcorenas.py#L24"),
    TagToken("mim", "objective", "masked image modeling pretraining", _MODELS + "eva.py#L1619"),
    TagToken("mix", "unknown", "", _MODELS + "vision_transformer.py#L2913"),
    TagToken("ms", "unknown", "", _MODELS + "focalnet.py#L614"),
    TagToken("msft", "source", "Microsoft weights", _MODELS + "davit.py#L830"),
    TagToken("mx", "unknown", "", _MODELS + "dpn.py#L363"),
    TagToken("nadamuon", "unknown", "", _MODELS + "vision_transformer.py#L3085"),
    TagToken("nav", "unknown", "", _MODELS + "rexnet.py#L534"),
    TagToken("naver", "source", "Naver AI weights", _MODELS + "eva.py#L1885"),
    TagToken("next", "unknown", "", _MODELS + "qwen3_vit.py#L721"),
    TagToken("ns", "recipe", "Noisy Student self-training", _DOCS + "README.md#L293"),
    TagToken("nv", "source", "NVIDIA weights", _MODELS + "rdnet.py#L319"),
    TagToken("ocrvqa", "unknown", "", _MODELS + "vision_transformer.py#L2954"),
    TagToken("ogvl", "source", "OpenGVLab (InternViT) weights", _DOCS + "hfdocs/source/changes.mdx#L224"),
    TagToken(
        "openai",
        "data",
        "OpenAI CLIP weights (trained on OpenAI's private WIT image-text data)",
        _DOCS + "hfdocs/source/changes.mdx#L802",
    ),
    TagToken("orig", "unknown", "", _MODELS + "vision_transformer.py#L2158"),
    TagToken("paddle", "source", "PaddlePaddle / PaddleClas weights", _MODELS + "hgnet.py#L8"),
    TagToken("pali", "source", "PaliGemma VLM image encoder weights", _MODELS + "vision_transformer.py#L41"),
    TagToken("pali2", "source", "PaliGemma 2 VLM image encoder weights", _MODELS + "vision_transformer.py#L42"),
    TagToken("patch16", "unknown", "", _MODELS + "vision_transformer.py#L2697"),
    TagToken("patch30", "unknown", "", _MODELS + "vision_transformer.py#L2701"),
    TagToken("pd", "unknown", "", _MODELS + "hiera.py#L964"),
    TagToken("plus", "unknown", "", _MODELS + "eva.py#L1751"),
    TagToken("pt", "unknown", "", _MODELS + "vision_transformer.py#L3194"),
    TagToken("pycls", "source", "FB pycls weights", _MODELS + "regnet.py#L1052"),
    TagToken("qwen", "source", "tower from Qwen VLM checkpoint (Qwen-Drive)", _MODELS + "qwen3_vit.py#L773"),
    TagToken("qwen3", "source", "tower from Qwen3-family VLM checkpoint", _MODELS + "qwen3_vit.py#L7"),
    TagToken(
        "ra",
        "recipe",
        "trained with RandAugment; where timm trained them, with its first RandAugment recipe (RMSProp, EMA)",
        _DOCS + "hfdocs/source/hparams.mdx#L17",
    ),
    TagToken(
        "ra2",
        "recipe",
        "timm's second RandAugment recipe after EfficientNet's: TensorFlow-style RMSProp with EMA, stepped decay",
        _DOCS + "hfdocs/source/hparams.mdx#L17",
    ),
    TagToken(
        "ra3",
        "recipe",
        "timm's third RandAugment recipe after EfficientNet's: TensorFlow-style RMSProp with EMA, stepped decay",
        _DOCS + "hfdocs/source/hparams.mdx#L17",
    ),
    TagToken(
        "ra4",
        "recipe",
        "timm's fourth RandAugment recipe, after MobileNetV4's hyper-parameters",
        _DOCS + "hfdocs/source/hparams.mdx#L18",
    ),
    TagToken(
        "racm",
        "recipe",
        "a timm RandAugment recipe after EfficientNet's: TensorFlow-style RMSProp with EMA, stepped decay",
        _DOCS + "hfdocs/source/hparams.mdx#L17",
    ),
    TagToken("radio", "objective", "NVIDIA C-RADIO agglomerative backbone", _MODELS + "vision_transformer.py#L3289"),
    TagToken(
        "ram",
        "recipe",
        "an AugMix recipe with RandAugment: Nesterov SGD with a Jensen-Shannon divergence loss, cosine schedule",
        _DOCS + "hfdocs/source/hparams.mdx#L20",
    ),
    TagToken("refcoco", "unknown", "", _MODELS + "vision_transformer.py#L2950"),
    TagToken("rewind", "unknown", "", _MODELS + "convnext.py#L1122"),
    TagToken("rmsp", "unknown", "", _MODELS + "efficientnet.py#L1422"),
    TagToken("robbyant", "source", "Robbyant LingBot-Vision weights", _MODELS + "eva.py#L11"),
    TagToken("rsb", "recipe", "ResNet Strikes Back training recipe", _MODELS + "resnet.py#L879"),
    TagToken("rvgg", "source", "official RepVGG weights", _MODELS + "byobnet.py#L2546"),
    TagToken("s39b", "unknown", "", _MODELS + "vision_transformer.py#L2504"),
    TagToken("sa1b", "data", "SA-1B, the Segment Anything dataset", _MODELS + "vision_transformer_sam.py#L708"),
    TagToken("sail", "source", "Sea AI Lab (sail-sg) weights", _MODELS + "inception_next.py#L7"),
    TagToken("sam", "recipe", "Sharpness-Aware Minimization trained ViT", _MODELS + "vision_transformer.py#L2204"),
    TagToken("sat493m", "data", "SAT-493M satellite image set (DINOv3 satellite weights)", _DOCS + "README.md#L108"),
    TagToken(
        "sbb",
        "recipe",
        "timm's ViT baseline recipe, whose configuration timm publishes as a gist",
        _DOCS + "hfdocs/source/hparams.mdx#L33",
    ),
    TagToken("sbb2", "unknown", "", _MODELS + "hiera.py#L959"),
    TagToken("seer", "objective", "SEER self-supervised pretraining on uncurated images", _MODELS + "regnet.py#L8"),
    TagToken("seg", "unknown", "", _MODELS + "vision_transformer.py#L2950"),
    TagToken("snap", "source", "Snap Inc. (snap-research) weights", _MODELS + "efficientformer.py#L14"),
    TagToken("soup", "unknown", "", _MODELS + "convnext.py#L1114"),
    TagToken("ssl", "objective", "semi-supervised learning (FB SSL weights)", _MODELS + "resnet.py#L1183"),
    TagToken("ssld", "recipe", "PaddleClas SSLD semi-supervised distillation weights", _MODELS + "hgnet.py#L3"),
    TagToken("stage1", "unknown", "", _MODELS + "hgnet.py#L814"),
    TagToken("stage2", "unknown", "", _MODELS + "hgnet.py#L812"),
    TagToken(
        "sw",
        "recipe",
        "timm's recipe after Swin Transformer's, the basis of DeiT's and ConvNeXt's: AdamW, gradient clipping, EMA",
        _DOCS + "hfdocs/source/hparams.mdx#L16",
    ),
    TagToken(
        "swag", "data", "SWAG weakly supervised (Instagram hashtag) pretrained weights", _MODELS + "regnet.py#L10"
    ),
    TagToken("swsl", "objective", "semi-weakly supervised learning (FB SWSL weights)", _MODELS + "resnet.py#L1210"),
    TagToken(
        "teacher",
        "distillation",
        'BiT teacher model from "a good teacher is patient and consistent"',
        _MODELS + "resnetv2.py#L931",
    ),
    TagToken("tf", "source", "ported TensorFlow weights", _MODELS + "inception_v3.py#L580"),
    TagToken("tiling", "source", 'upstream PE-Lang "Tiling" checkpoint variant', _MODELS + "eva.py#L1829"),
    TagToken("timm", "source", "trained by timm", _MODELS + "cpubone.py#L1019"),
    TagToken("tinyclip", "objective", "TinyCLIP distilled CLIP", _MODELS + "vision_transformer.py#L37"),
    TagToken("tv", "source", "torchvision original weights", _MODELS + "resnet.py#L1044"),
    TagToken("tv2", "source", "torchvision newer-recipe weights", _MODELS + "regnet.py#L1140"),
    TagToken("usi", "recipe", "USI unified training scheme (KD-based)", _MODELS + "edgenext.py#L5"),
    TagToken("v2", "unknown", "", _MODELS + "naflexvit.py#L2183"),
    TagToken("v4", "source", "part of upstream name DeepSeek-V4 / V4.1", _MODELS + "deepseek_vit.py#L165"),
    TagToken("vision", "unknown", "", _MODELS + "deepseek_vit.py#L752"),
    TagToken("vl", "source", "part of upstream name Qwen3-VL", _MODELS + "qwen3_vit.py#L7"),
    TagToken(
        "webli", "data", "WebLI, Google's web image-text set (SigLIP pretraining)", _MODELS + "naflexvit.py#L2182"
    ),
    TagToken("worldwide", "data", "MetaCLIP 2 worldwide (multilingual) data", _MODELS + "vision_transformer.py#L36"),
    TagToken("wsl", "objective", "weakly supervised (Instagram hashtags) pretraining", _MODELS + "resnet.py#L1160"),
    TagToken("yfcc100m", "data", "YFCC100M Flickr images (semi-supervised pretraining)", _MODELS + "resnet.py#L1181"),
    TagToken(
        "yfcc15m",
        "data",
        "YFCC-15M: 15 M image-text pairs from the YFCC100M Flickr collection",
        "https://arxiv.org/abs/2309.12314",
    ),
)

TAG_PATTERNS = (
    TagPattern(
        re.compile("r(\\d+)"), "resolution", "trained at {0}x{0} px input", _DOCS + "hfdocs/source/changes.mdx#L270"
    ),
    TagPattern(
        re.compile("(\\d{3,})"), "resolution", "weights for {0}x{0} px input", _MODELS + "efficientnet.py#L1605"
    ),
    TagPattern(re.compile("e(\\d+)"), "recipe", "trained for {0} epochs", _MODELS + "efficientvim.py#L957"),
    TagPattern(re.compile("(\\d+)ep"), "recipe", "trained for {0} epochs", _MODELS + "vision_transformer.py#L2671"),
    TagPattern(re.compile("(\\d+)e"), "recipe", "trained for {0} epochs", _MODELS + "repvit.py#L594"),
    TagPattern(
        re.compile("s(\\d+)"), "other", "NaFlex sequence length {0} (see Eval Seq Len column)", _DOCS + "README.md#L165"
    ),
)


TAG_TOKENS: dict[str, TagToken] = {entry.token: entry for entry in _TOKENS}


def explain_token(token: str) -> TagToken | None:
    """TOKEN's entry in TAG_TOKENS, else the first of TAG_PATTERNS that matches it, else None."""
    if token in TAG_TOKENS:
        return TAG_TOKENS[token]
    return next((found for pattern in TAG_PATTERNS if (found := pattern.explain(token))), None)


def tag_tokens(tag: str) -> tuple[TagToken | str, ...]:
    """TAG's tokens in order, each explained, or left as the bare token where no table holds it."""
    return tuple(explain_token(token) or token for token in tag.split("_"))


def unknown_tokens(tag: str) -> list[str]:
    """The tokens of TAG that neither TAG_TOKENS nor TAG_PATTERNS holds."""
    return [token for token in tag_tokens(tag) if isinstance(token, str)]
