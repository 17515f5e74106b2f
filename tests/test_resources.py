"""modelsite.check.resources: how many pages `check --jobs auto` runs at once, and the CPU threads each gets.

No marker: milliseconds, on made-up machines (the threads a real run gives each page: test_check_pages.py).
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "cores, memory_gib, gpu_gib, jobs, limit",
    [
        (2, 24, None, 2, "cores"),  # this machine: two pages, a core each
        (16, 128, None, 8, "cores"),  # a GPU runner's CPU: two cores a page
        (16, 128, 12, 2, "GPU memory"),
        (16, 6, None, 1, "memory"),
        (1, 8, None, 1, "cores"),
    ],
)
def test_jobs_auto_follows_the_cores_the_memory_and_the_gpu(
    cores: int, memory_gib: int, gpu_gib: int | None, jobs: int, limit: str
) -> None:
    from modelsite.check.resources import auto_jobs, threads_per_page

    chosen, reason = auto_jobs(cores, memory_gib * 1024**3, None if gpu_gib is None else gpu_gib * 1024**3)
    assert chosen == jobs and limit in reason
    assert threads_per_page(cores, chosen) * chosen <= max(cores, chosen)
