"""One base class for every error modelsite reports to a person: the command line prints its message.

Anything else that escapes is a bug in modelsite: the command line says so, and `--debug` shows
its traceback.
"""

from __future__ import annotations


class ModelsiteError(Exception):
    """A problem with the input (a file, an argument, the environment) that the message explains."""

    # The exit status the command line returns: 1 for a failed check of the input, 2 for a usage problem.
    exit_status = 2


class ModelIdError(ModelsiteError):
    """A model ID that timm does not know, or a pretrained tag it does not have."""

    exit_status = 1


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
        raise ModelIdError(f"timm {timm.__version__} has no pretrained weights {arch}.{tag}; "
                           f"the tags of {arch} are: {', '.join(tags) or 'none'}")
    if not tag and get_pretrained_cfg(arch) is not None:
        tag = getattr(get_pretrained_cfg(arch), "tag", "") or ""
    return arch, tag
