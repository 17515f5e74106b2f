"""Placeholders: what `modelsite new` writes where nothing can measure a value (the training data, a new
collection's paper), `TODO` and what to fill in. `validate` accepts them and counts them; pages show them as
"not given"."""

from __future__ import annotations

PLACEHOLDER = "TODO"


def is_placeholder(value: object) -> bool:
    """Whether VALUE (text, or a list of texts) is still a placeholder for the contributor to fill in."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(is_placeholder(item) for item in value)
    return isinstance(value, str) and value.startswith(PLACEHOLDER)


def count_placeholders(data: object) -> int:
    """Placeholder texts anywhere in DATA (the parsed YAML of an index file)."""
    if isinstance(data, dict):
        return sum(count_placeholders(value) for value in data.values())
    if isinstance(data, list):
        return sum(count_placeholders(item) for item in data)
    return int(is_placeholder(data))
