"""Measurement: the figures of a timm model, measured on its real implementation, and `new`, which writes them
into the index."""

from __future__ import annotations

from modelsite.measure.measurement import (
    ARCHITECTURE_TAGS,
    Measurement,
    architecture_tags,
    cached_measure,
    checkpoint_size,
    code_link,
    measure,
)

__all__ = [
    "ARCHITECTURE_TAGS",
    "Measurement",
    "architecture_tags",
    "cached_measure",
    "checkpoint_size",
    "code_link",
    "measure",
]
