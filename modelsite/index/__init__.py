"""The model index: `model_index/*.yaml` loaded with positions, validated by the schema, and typed."""

from __future__ import annotations

from modelsite.index.load import (CACHE_DIR, FILE_STEM, INDEX_DIR, LATEST_REPORT, Collection, Model, ModelIndex,
                                  index_files, load_index, read_index, yaml_files_in)

__all__ = ["CACHE_DIR", "FILE_STEM", "INDEX_DIR", "LATEST_REPORT", "Collection", "Model", "ModelIndex", "index_files",
           "load_index", "read_index", "yaml_files_in"]
