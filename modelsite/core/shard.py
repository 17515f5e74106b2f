"""One shard of a sweep, `K/N`: how `check --shard` reads it and how a shard's report records it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelsite.core.errors import ModelsiteError

_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


class ShardError(ModelsiteError):
    """Text that is not `K/N` with 1 <= K <= N."""


@dataclass(frozen=True)
class Shard:
    """Shard NUMBER of COUNT (1-based)."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text)
        if match is None or int(match[1]) > int(match[2]):
            raise ShardError(f"{text!r} is not a shard: give K/N with 1 <= K <= N, e.g. 2/4")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"
