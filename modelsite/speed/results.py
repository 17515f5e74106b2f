"""The result files of `modelsite speed`: one CSV per device and setting under speed/, as timm's
results/ folder keeps one per GPU and precision.

    # modelsite-speed/2
    # device: cpu
    # device_name: Intel(R) Xeon(R) ...
    # cores: 2
    # setting: fp32
    # torch: 2.14.1+cu130
    # timm: 1.0.31
    # date: 2026-11-23
    # warmup: 2
    # repeats: 5
    model,image_size,latency_ms,latency_spread_ms,throughput_batch_size,throughput,throughput_spread,peak_memory_bytes
    tf_efficientnet_b0.aa_in1k,224,31.2,0.9,16,58.4,1.2,412090368

Latency is the median time of a forward pass at batch size 1; throughput the median images per second at
`throughput_batch_size`; each spread is the interquartile range of the repeats. Peak memory is what running
at batch size 1 took at most: on the CPU the peak resident memory of the fresh interpreter that measured the
variant (torch, the model and its activations), on CUDA `torch.cuda.max_memory_allocated`; an empty cell
where it was not measured. A file of the first format (`modelsite-speed/1`) has no such column: its
variants' memory reads as not measured. A problem
is answered with PATH:LINE:COL and what to do, never a traceback.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from modelsite.core.errors import ModelsiteError
from modelsite.core.files import write_text_atomically
from modelsite.core.problems import Problem, display_path
from modelsite.core.project import SPEED_DIR
from modelsite.index.validate_command import ResultFiles

FORMAT = "modelsite-speed/2"
# The first format, still read: the same columns without the peak memory.
FORMAT_WITHOUT_MEMORY = "modelsite-speed/1"
# How the model runs: plain float32; on CUDA also bf16 autocast, and float32 in channels_last memory format.
SETTINGS = {
    "fp32": "float32, contiguous (NCHW) tensors",
    "amp-bf16": "bfloat16 autocast (AMP)",
    "channels-last": "float32, channels_last memory format",
}
DEVICES = ("cpu", "cuda")
METADATA = ("device", "device_name", "cores", "setting", "torch", "timm", "date", "warmup", "repeats")
COLUMNS = (
    "model",
    "image_size",
    "latency_ms",
    "latency_spread_ms",
    "throughput_batch_size",
    "throughput",
    "throughput_spread",
    "peak_memory_bytes",
)
_META_LINE = re.compile(r"^#\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class SpeedRow:
    """One variant's speed in one file."""

    model: str
    image_size: int
    latency_ms: float
    latency_spread_ms: float
    throughput_batch_size: int
    throughput: float
    throughput_spread: float
    # At batch size 1 (see the module's docstring); None in a file of the first format.
    peak_memory_bytes: int | None = None
    line: int = 0


@dataclass(frozen=True)
class SpeedFile:
    """A result file: where it was measured, how, and its rows."""

    path: str
    metadata: Mapping[str, str]
    rows: tuple[SpeedRow, ...]

    @property
    def device(self) -> str:
        return self.metadata["device"]

    @property
    def setting(self) -> str:
        return self.metadata["setting"]

    @property
    def label(self) -> str:
        """How the site names it: the device's name, its cores on a CPU, and the setting."""
        cores = f", {self.metadata['cores']} cores" if self.device == "cpu" else ""
        return f"{self.metadata['device_name']}{cores}, {self.setting}"

    def row(self, model: str) -> SpeedRow | None:
        return next((row for row in self.rows if row.model == model), None)


def file_name(device: str, setting: str) -> str:
    return f"{device}-{setting}.csv"


def speed_files(root: Path) -> list[Path]:
    folder = root / SPEED_DIR
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def read_speed_file(
    path: Path, known: Iterable[str] | None, shown_as: str | None = None
) -> tuple[SpeedFile | None, list[Problem]]:
    """PATH read and validated; KNOWN: the index's variant keys (None: not checked against the index)."""
    shown = shown_as or display_path(path)
    lines, refused = _lines(path, shown)
    if refused is not None:
        return None, [refused]
    problems: list[Problem] = []
    metadata, header_line = _metadata(lines, shown, problems)
    problems += _metadata_problems(shown, metadata, path.name)
    body = lines[header_line - 1 :]
    columns = COLUMNS if lines[0].strip() == f"# {FORMAT}" else COLUMNS[:-1]
    if not body or [cell.strip() for cell in body[0].split(",")] != list(columns):
        problems.append(Problem(shown, header_line, 1, f"the header row must be `{','.join(columns)}`"))
        return None, problems
    rows = _rows(body[1:], header_line + 1, shown, set(known) if known is not None else None, columns, problems)
    if problems:
        return None, problems
    return SpeedFile(shown, metadata, tuple(rows)), []


def _lines(path: Path, shown: str) -> tuple[list[str], Problem | None]:
    """PATH's lines, or why it is no result file at all."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], Problem(shown, 1, 1, f"cannot be read ({error.strerror}); check the path and its permissions")
    if len(data) > MAX_BYTES:
        return [], Problem(shown, 1, 1, f"is {len(data):,} bytes; a result file is at most {MAX_BYTES:,}")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [], Problem(shown, 1, 1, "is not UTF-8 text; write it as `modelsite speed` does")
    if not lines or lines[0].strip() not in (f"# {FORMAT}", f"# {FORMAT_WITHOUT_MEMORY}"):
        return [], Problem(
            shown, 1, 1, f"does not start with `# {FORMAT}`: it is not a result file of `modelsite speed`"
        )
    return lines, None


def _metadata(lines: list[str], shown: str, problems: list[Problem]) -> tuple[dict[str, str], int]:
    """The `# key: value` lines after the format line, and the line number of the header row after them."""
    metadata: dict[str, str] = {}
    number = 1
    for number, line in enumerate(lines[1:], start=2):
        if not line.startswith("#"):
            break
        match = _META_LINE.match(line)
        if match is None or match[1] not in METADATA:
            problems.append(
                Problem(shown, number, 1, f"`{line[:60]}` is not one of {', '.join(METADATA)} as `# key: value`")
            )
            continue
        if match[1] in metadata:
            problems.append(Problem(shown, number, 1, f"`{match[1]}` is given twice; keep one"))
        metadata[match[1]] = match[2]
    else:
        number = len(lines) + 1
    return metadata, number


def _rows(
    body: list[str],
    first_line: int,
    shown: str,
    known: set[str] | None,
    columns: tuple[str, ...],
    problems: list[Problem],
) -> list[SpeedRow]:
    """The rows of BODY (starting on FIRST_LINE), each once and of a variant of the index."""
    rows: list[SpeedRow] = []
    seen: dict[str, int] = {}
    for offset, cells in enumerate(csv.reader(io.StringIO("\n".join(body))), start=first_line):
        if not cells:
            continue
        row, problem = _row(cells, offset, shown, columns)
        if problem or row is None:
            problems += [problem] if problem else []
            continue
        if row.model in seen:
            why = f"{row.model} is already measured on line {seen[row.model]}; keep one row per variant"
            problems.append(Problem(shown, offset, 1, why))
            continue
        seen[row.model] = offset
        if known is not None and row.model not in known:
            why = f"{row.model} is not a variant of the index (name.tag); remove the row or register the variant"
            problems.append(Problem(shown, offset, 1, why))
            continue
        rows.append(row)
    return rows


def _metadata_problems(shown: str, metadata: Mapping[str, str], name: str) -> list[Problem]:
    problems = []
    missing = [key for key in METADATA if key not in metadata]
    if missing:
        problems.append(
            Problem(shown, 2, 1, f"the header comments lack {', '.join(missing)}; `modelsite speed` writes them all")
        )
        return problems
    if metadata["device"] not in DEVICES:
        problems.append(Problem(shown, 2, 1, f"device {metadata['device']!r} is not one of {', '.join(DEVICES)}"))
    if metadata["setting"] not in SETTINGS:
        problems.append(Problem(shown, 2, 1, f"setting {metadata['setting']!r} is not one of {', '.join(SETTINGS)}"))
    if not _DATE.match(metadata["date"]):
        problems.append(Problem(shown, 2, 1, f"date {metadata['date']!r} is not YYYY-MM-DD"))
    for key in ("cores", "warmup", "repeats"):
        if not metadata[key].isdigit() or int(metadata[key]) < (0 if key == "warmup" else 1):
            problems.append(Problem(shown, 2, 1, f"{key} {metadata[key]!r} is not a whole number"))
    expected = file_name(metadata["device"], metadata["setting"])
    if not problems and name != expected:
        problems.append(
            Problem(
                shown,
                1,
                1,
                f"a file of device {metadata['device']} and setting {metadata['setting']} is named {expected}",
            )
        )
    return problems


def _row(cells: list[str], line: int, shown: str, columns: tuple[str, ...]) -> tuple[SpeedRow | None, Problem | None]:
    if len(cells) != len(columns):
        return None, Problem(shown, line, 1, f"has {len(cells)} cells; a row has {len(columns)}: {','.join(columns)}")
    model = cells[0].strip()
    if not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", model):
        return None, Problem(shown, line, 1, f"model {model!r} is not a variant key (name.tag)")
    numbers: list[float] = []
    for column, cell in zip(columns[1:], cells[1:]):
        if column == "peak_memory_bytes" and not cell.strip():
            continue  # Not measured: a row kept from a file of the first format.
        whole = column in ("image_size", "throughput_batch_size", "peak_memory_bytes")
        try:
            value = float(int(cell)) if whole else float(cell)
        except ValueError:
            return None, Problem(shown, line, 1, f"{column} {cell!r} is not a {'whole ' if whole else ''}number")
        spread = "spread" in column
        if not math.isfinite(value) or value < 0 or (value == 0 and not spread):
            return None, Problem(
                shown, line, 1, f"{column} {cell!r} must be a {'' if spread else 'positive, '}finite number"
            )
        numbers.append(value)
    size, latency, latency_spread, batch, throughput, throughput_spread = numbers[:6]
    memory = int(numbers[6]) if len(numbers) > 6 else None
    row = SpeedRow(
        model, int(size), latency, latency_spread, int(batch), throughput, throughput_spread, memory, line=line
    )
    return row, None


def write_speed_file(path: Path, metadata: Mapping[str, str], rows: Iterable[SpeedRow]) -> None:
    """The file as `modelsite speed` writes it: metadata in METADATA's order, then the rows; a row kept from a
    file of the first format, whose memory was never measured, has an empty memory cell."""
    out = io.StringIO()
    out.write(f"# {FORMAT}\n")
    for key in METADATA:
        out.write(f"# {key}: {metadata[key]}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = [
            row.model,
            row.image_size,
            f"{row.latency_ms:.3f}",
            f"{row.latency_spread_ms:.3f}",
            row.throughput_batch_size,
            f"{row.throughput:.2f}",
            f"{row.throughput_spread:.2f}",
        ]
        writer.writerow([*cells, "" if row.peak_memory_bytes is None else row.peak_memory_bytes])
    write_text_atomically(path, out.getvalue())


class SpeedProblems(ModelsiteError):
    """Result files the build cannot show; the message lists PATH:LINE:COL problems."""


def load_speeds(root: Path, keys: Iterable[str]) -> list[SpeedFile]:
    """Every result file of ROOT, validated against the index's variant KEYS; CPU files first."""
    files, problems = [], []
    known = list(keys)
    for path in speed_files(root):
        bench, found = read_speed_file(path, known, display_path(path, root))
        problems += found
        if bench is not None:
            files.append(bench)
    if problems:
        raise SpeedProblems(
            "the speed results have problems:\n" + "\n".join(map(str, problems)) + "\nFix them, then check with "
            "`modelsite validate`."
        )
    return sorted(files, key=lambda bench: (DEVICES.index(bench.device), list(SETTINGS).index(bench.setting)))


def _speed_file_problems(path: Path, keys: list[str], shown: str) -> list[Problem]:
    return read_speed_file(path, keys, shown)[1]


# What `modelsite validate` checks beside the index: every speed result file, against the index's variants.
RESULT_FILES = ResultFiles(".csv", speed_files, _speed_file_problems)
