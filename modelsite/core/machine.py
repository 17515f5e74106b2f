"""What this machine has for the check and the bench to share out: cores and memory."""

from __future__ import annotations

import os


def available_cores() -> int:
    """The cores this process may run on (its affinity, as a container limits it), else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def memory_bytes() -> int | None:
    """Memory available to new processes, from /proc/meminfo; None where there is none to read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
