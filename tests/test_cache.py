"""modelsite.core.cache: what the stores under `.modelsite-cache/` keep and prune.

No marker: a second (one interpreter is started, and killed mid-write).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from modelsite.core.cache import PARTIAL_FILE_LIFETIME_SECONDS, store
from modelsite.core.files import replaced_atomically
from tests.helpers import ROOT


def test_a_writer_killed_outright_leaves_a_partial_file_that_prune_removes_once_stale(tmp_path: Path) -> None:
    """A page past its timeout or out of memory is killed with SIGKILL mid-write: no `finally` runs, and its
    partial file (a whole checkpoint's size) stays. The store's prune removes it an hour on, never sooner,
    since another page may still be writing it."""
    checkpoints = store(tmp_path, "checkpoints")
    target = checkpoints.path("model.timm-1", ".pth")
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from pathlib import Path\n"
            "from modelsite.core.files import replaced_atomically\n"
            "with replaced_atomically(Path(sys.argv[1])) as partial:\n"
            "    partial.write_text('half a checkpoint')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n",
            str(target),
        ],
        cwd=ROOT,
    )
    assert killed.returncode == -signal.SIGKILL
    (left,) = target.parent.glob(".*.partial")
    assert not target.exists() and left.read_text() == "half a checkpoint"
    with replaced_atomically(checkpoints.path("other.timm-1", ".pth")) as at_work:
        at_work.write_text("being written")
        checkpoints.prune()
        assert left.exists() and at_work.exists()  # Both could still have a writer.
        hours_ago = time.time() - PARTIAL_FILE_LIFETIME_SECONDS - 60
        os.utime(left, (hours_ago, hours_ago))
        checkpoints.prune()
        assert not left.exists() and at_work.exists()
    assert sorted(path.name for path in target.parent.iterdir()) == ["other.timm-1.pth"]
