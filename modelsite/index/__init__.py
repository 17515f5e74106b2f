"""The model index: `model_index/*.yaml` loaded with positions, validated by the schema, and typed."""

from __future__ import annotations

from modelsite.index.load import FILE_STEM, index_files, load_index, read_index, yaml_files_in
from modelsite.index.model import Collection, Model, ModelIndex, Paper, Reported, Result, Training, Weights

__all__ = [
    "FILE_STEM",
    "Collection",
    "Model",
    "ModelIndex",
    "Paper",
    "Reported",
    "Result",
    "Training",
    "Weights",
    "index_files",
    "load_index",
    "read_index",
    "yaml_files_in",
]
