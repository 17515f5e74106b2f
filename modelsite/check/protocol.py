"""What the check and a page's interpreter say to each other, as typed records with one encoder and decoder.

The check hands the interpreter a PageSpec (the page's blocks and how to run them) through an open file. The
interpreter hands back one JSON line per record through another, each the moment it is known, so that a crash
or a kill still leaves every earlier record: a StartRecord (versions, device), a BlockRecord per block, then a
DevicesRecord (what the page's models ran on) and, when the page left threads running, a ThreadsRecord.
Both sides use this module, so the records cannot drift apart. A page's own code can find the results file
among its open descriptors and write records too: page_run.forged() tells what the check cannot have written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from modelsite.core.report.results import BlockError, Held, Tolerance


@dataclass(frozen=True)
class SpecBlock:
    """One block to run: its number on the page, its code, and the file name its tracebacks show."""

    number: int
    code: str
    filename: str


@dataclass(frozen=True)
class PageSpec:
    """Everything the interpreter needs to run one page."""

    page: str
    online: bool
    root: str
    cache_dir: str
    # What the cache folder may hold, in bytes: synthesized checkpoints evict older ones to stay under it.
    cache_cap: int
    script: bool
    script_path: str | None
    # When faulthandler dumps the stack: just before the check's timeout.
    dump_after: float
    blocks: tuple[SpecBlock, ...]

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> PageSpec:
        spec = json.loads(data.decode("utf-8"))
        return cls(**{**spec, "blocks": tuple(SpecBlock(**block) for block in spec["blocks"])})


@dataclass(frozen=True)
class StartRecord:
    """The interpreter started: the versions and the device it runs on."""

    environment: Mapping[str, Any]


@dataclass(frozen=True)
class BlockRecord:
    """One block's outcome, as the interpreter saw it."""

    number: int
    status: str
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    checks: tuple[Held, ...] = ()
    error: BlockError | None = None
    # It ran after an earlier block of the page had failed.
    after_failure: bool = False


@dataclass(frozen=True)
class DevicesRecord:
    """The devices the page's modules ran on, and the peak GPU memory it allocated (None without a GPU)."""

    model_devices: tuple[str, ...]
    peak_gpu_memory_bytes: int | None


@dataclass(frozen=True)
class LeftThread:
    name: str
    # The block that started it.
    block: int


@dataclass(frozen=True)
class ThreadsRecord:
    """Threads still running GRACE seconds after the last block, which a reader's `python` would wait for."""

    grace: float
    threads: tuple[LeftThread, ...] = field(default_factory=tuple)


Record = StartRecord | BlockRecord | DevicesRecord | ThreadsRecord
_EVENTS: dict[type, str] = {
    StartRecord: "start",
    BlockRecord: "block",
    DevicesRecord: "devices",
    ThreadsRecord: "threads",
}


class UnreadableRecord(ValueError):
    """A line of the results that is no record the interpreter writes."""


def encode(record: Record) -> str:
    """RECORD as one line of the results file."""
    data = asdict(record) if not isinstance(record, StartRecord) else dict(record.environment)
    if isinstance(record, BlockRecord):
        data["checks"] = [_held_data(check) for check in record.checks]
    return json.dumps({"event": _EVENTS[type(record)], **data})


def decode(line: str) -> Record:
    """The record of LINE; UnreadableRecord for anything else."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        raise UnreadableRecord(f"{line[:120]!r} is not JSON") from None
    try:
        if not isinstance(data, dict):
            raise TypeError("not an object")
        event = data.pop("event")
        if event == "start":
            return StartRecord(data)
        if event == "block":
            return _block(data)
        if event == "devices":
            devices = DevicesRecord(tuple(data["model_devices"]), data["peak_gpu_memory_bytes"])
            for device in devices.model_devices:
                _typed(device, str, "a device")
            return devices
        if event == "threads":
            threads = ThreadsRecord(data["grace"], tuple(LeftThread(**thread) for thread in data["threads"]))
            for thread in threads.threads:
                _typed(thread.name, str, "a thread's name")
                _typed(thread.block, int, "a thread's block")
            return threads
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as error:
        raise UnreadableRecord(f"{line[:120]!r} ({type(error).__name__}: {error})") from None
    raise UnreadableRecord(f"{line[:120]!r} has no event the interpreter writes")


def read_records(path: Path) -> tuple[list[Record], int]:
    """Every record in PATH, and how many lines were none (the page's own writing). The interpreter ends each
    record with a line break the moment it writes it, so only a last line without one can be cut short by a
    kill; any other line that is no record was written by someone else."""
    if not path.is_file():
        return [], 0
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    cut_short = lines.pop()  # "" when the file ends with a line break, as every record does
    records: list[Record] = []
    unreadable = 0
    for line in lines:
        try:
            records.append(decode(line))
        except UnreadableRecord:
            unreadable += 1
    if cut_short:
        try:
            records.append(decode(cut_short))
            unreadable += 1  # A whole record without its line break: not the interpreter's writing.
        except UnreadableRecord:
            pass
    return records, unreadable


def _held_data(check: Held) -> dict[str, Any]:
    data = asdict(check)
    data["tolerance"] = asdict(check.tolerance)
    return data


def _block(data: dict[str, Any]) -> BlockRecord:
    checks = tuple(Held(**{**check, "tolerance": Tolerance(**check["tolerance"])}) for check in data.pop("checks", ()))
    error = data.pop("error", None)
    record = BlockRecord(
        **data,
        checks=checks,
        error=None if error is None else BlockError(**{**error, "blocked": tuple(error.get("blocked", ()))}),
    )
    _typed(record.number, int, "number")
    _typed(record.status, str, "status")
    _typed(record.stdout, str, "stdout")
    _typed(record.stderr, str, "stderr")
    return record


def _typed(value: object, kind: type, name: str) -> None:
    """Refuse a field of the wrong type: the check would trip over it later, or believe it."""
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise TypeError(f"{name} is {type(value).__name__}, not {kind.__name__}")
