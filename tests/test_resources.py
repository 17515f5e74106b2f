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


def test_a_page_s_memory_grows_with_its_models_and_the_largest_do_not_fit_a_small_runner() -> None:
    from modelsite.check.costs import PROBE, VARIANT_PAGE, PageSize
    from modelsite.check.resources import INTERPRETER_BYTES, page_memory_bytes

    # tf_efficientnet_b0's 5.3 M parameters and 6.7 M activations; vit_7b_patch16_dinov3's 6.7 B parameters.
    small = page_memory_bytes(PageSize(VARIANT_PAGE, 0.4, 5.3, 6.7))
    assert INTERPRETER_BYTES < small < 2 * 1024**3
    assert page_memory_bytes(PageSize(PROBE, 0.4, 5.3, 6.7)) > small  # a probe also holds its exports
    assert page_memory_bytes(PageSize(VARIANT_PAGE, 1700.0, 6700.0, 2000.0)) > 24 * 1024**3


def test_the_memory_gate_starts_a_page_only_once_what_it_needs_is_free() -> None:
    import threading

    from modelsite.check.resources import MemoryGate

    gate = MemoryGate(10)
    assert gate.fits(10) and not gate.fits(11)
    waiting = [6, 6]
    assert gate.take(waiting, int) == 6 and waiting == [6]
    started = threading.Event()

    def second() -> None:
        assert gate.take(waiting, int) == 6
        started.set()
        gate.release(6)

    thread = threading.Thread(target=second)
    thread.start()
    assert not started.wait(0.3)  # 6 + 6 > 10: it waits for the first
    gate.release(6)
    assert started.wait(5)
    thread.join()
    assert gate.take(waiting, int) is None  # nothing left to take


def test_a_large_page_waiting_for_room_holds_up_no_smaller_page_behind_it() -> None:
    """What shard 1/37 of the zoo's plan met: the longest pages first, and one needing 15 of 22 GiB waited for
    the page running beside it, while the job that finished took the next page and waited too: the shard ran one
    page at a time for 20 minutes."""
    from modelsite.check.resources import MemoryGate

    gate = MemoryGate(22)
    waiting = [8, 15, 15, 3, 2]  # longest first
    assert gate.take(waiting, int) == 8
    assert gate.take(waiting, int) == 3  # 8 + 15 > 22: the 3 behind the two 15s starts beside the 8
    gate.release(8)
    assert gate.take(waiting, int) == 15  # 3 + 15 fit
    assert gate.take(waiting, int) == 2
    assert waiting == [15]


@pytest.mark.parametrize(
    "need_gib, memory_gib, jobs, share",
    [
        (4, 22, 2, 1),  # two fit side by side
        (12, 22, 2, 2),  # more than half: it runs alone, and costs its shard both places
        (8, 22, 4, 2),  # more than a quarter of it: two of four places
        (30, 22, 4, 4),
        (12, 22, 1, 1),
    ],
)
def test_a_page_that_leaves_too_little_memory_for_another_holds_more_of_the_machine(
    need_gib: int, memory_gib: int, jobs: int, share: int
) -> None:
    from modelsite.check.resources import machine_share

    assert machine_share(need_gib * 1024**3, memory_gib * 1024**3, jobs) == share
    assert machine_share(need_gib * 1024**3, 0, jobs) == 1  # memory unknown: one place each
