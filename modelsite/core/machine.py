"""What this machine has for the check and `modelsite speed` to share out: its devices, cores and memory."""

from __future__ import annotations

import os

# What --device takes: auto is the GPU where torch finds one, else the CPU.
DEVICE_CHOICES = ("auto", "cpu", "cuda")


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
