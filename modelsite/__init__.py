"""modelsite: a documentation site for timm image models whose every snippet and figure is checked."""

from __future__ import annotations

__version__ = "0.1.0"
