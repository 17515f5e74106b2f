"""modelsite.core.files: a file is replaced whole or not at all, whoever else writes it at once.

No marker: milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsite.core.files import replaced_atomically


def test_two_writers_of_one_file_at_once_never_collide(tmp_path: Path) -> None:
    """What two pages did when they synthesized one checkpoint at once: each runs in its own PID namespace, so
    both had PID 1, their partial files had one name, and the first rename took the other's file away
    (FileNotFoundError; found by `make test` on two workers). Here both writers are in one process, which has
    one PID too."""
    target = tmp_path / "model.pth"
    with replaced_atomically(target) as first:
        with replaced_atomically(target) as second:
            first.write_text("first")
            second.write_text("second")
        assert target.read_text() == "second"
    assert target.read_text() == "first"
    with pytest.raises(RuntimeError), replaced_atomically(target) as broken:
        broken.write_text("half")
        raise RuntimeError("the writer failed")
    # Nothing half-written: the file is the last whole one, and no partial file is left beside it.
    assert target.read_text() == "first"
    assert [path.name for path in tmp_path.iterdir()] == ["model.pth"]
