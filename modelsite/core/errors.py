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
