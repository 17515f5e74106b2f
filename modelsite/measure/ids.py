"""Model IDs as contributors write them, `arch` or `arch.tag`, checked against timm before any work."""

from __future__ import annotations

from modelsite.core.errors import ModelIdError


def parse_model_id(model_id: str) -> tuple[str, str]:
    """`arch.tag` (or a bare `arch`) split and checked against timm: (arch, tag), the tag empty when none is given."""
    import timm
    from timm.models import get_pretrained_cfg

    arch, dot, tag = model_id.partition(".")
    if not arch or not timm.is_model(arch):
        raise ModelIdError(f"timm {timm.__version__} has no model {arch!r}; see timm.list_models() for the IDs")
    if dot and not tag:
        raise ModelIdError(f"{model_id!r} ends with a dot but names no tag; write {arch} or {arch}.TAG")
    tags = [name.split(".", 1)[1] for name in timm.list_pretrained(f"{arch}.*")]
    if tag and tag not in tags:
        raise ModelIdError(
            f"timm {timm.__version__} has no pretrained weights {arch}.{tag}; "
            f"the tags of {arch} are: {', '.join(tags) or 'none'}"
        )
    if not tag and get_pretrained_cfg(arch) is not None:
        tag = getattr(get_pretrained_cfg(arch), "tag", "") or ""
    return arch, tag
