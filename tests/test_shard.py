"""modelsite.core.shard: how `check --shard K/N` reads its shard (which pages a shard takes: test_selection.py).

No marker: milliseconds.
"""

from __future__ import annotations

import pytest

from modelsite.core.shard import Shard, ShardError


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(ShardError, match="K/N"):
        Shard.parse(text)
