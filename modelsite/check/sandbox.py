"""Where a page's interpreter runs: a subprocess of its own, in its own process group, working folder and
(where the machine allows it) PID namespace, with an allow-listed environment.

The environment is made of an allow-list (modelsite.core.environment): the caller's variables it names,
those named with `--pass-env`, and what the check sets itself. Where the machine allows it (util-linux
`unshare`, user namespaces), the interpreter also runs in a PID namespace of its own, so that it cannot read
any other process's environment through /proc either. A page cannot read, print or publish any other
variable of the runner, such as a CI secret. A timeout kills the process group, and so does the interpreter's
end: whatever the page left running goes with it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modelsite.check.protocol import PageSpec, Record, read_records
from modelsite.core.cache import DEFAULT_CAP_BYTES
from modelsite.core.environment import PASSED_VARIABLES, SET_VARIABLES

# What torch (intra-op), OpenMP, MKL and OpenBLAS read for their number of threads (see SET_VARIABLES).
THREAD_VARIABLES = tuple(name for name in SET_VARIABLES if name.endswith("_NUM_THREADS"))
# The module a page's interpreter runs.
INTERPRETER = "modelsite.check.interpreter"


DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class RunOptions:
    """How pages run: where, for how long, and with or without the network."""

    root: Path
    cache_dir: Path
    device: str = "cpu"
    # What the cache folder may hold (modelsite.core.cache): `--cache-cap`, MODELSITE_CACHE_CAP or 20 GB.
    cache_cap: int = DEFAULT_CAP_BYTES
    timeout: float = DEFAULT_TIMEOUT
    online: bool = False
    # Variables of the caller's environment handed on to pages beyond the allow-list (`--pass-env`).
    pass_env: tuple[str, ...] = ()
    # CPU threads each page's torch, OpenMP and MKL may use: the machine's cores shared among the jobs.
    threads: int = 1


@dataclass(frozen=True)
class InterpreterRun:
    """How one interpreter ended, what it wrote to stderr, and the records it wrote."""

    returncode: int
    timed_out: bool
    stderr: str
    records: list[Record]
    # Lines of the results that were JSON but no record: the page's own code wrote them.
    unreadable: int


def run_interpreter(spec: PageSpec, options: RunOptions) -> InterpreterRun:
    """Run SPEC in a new, isolated interpreter until it ends or the timeout; every process it started dies."""
    with tempfile.TemporaryDirectory(prefix="modelsite-check-") as work:
        spec_path, results_path = Path(work) / "spec.json", Path(work) / "results.jsonl"
        spec_path.write_bytes(spec.encode())
        workdir = Path(work) / "cwd"
        workdir.mkdir()
        # Files, not pipes: a process the page leaves behind could hold a pipe open past the timeout.
        # The interpreter gets the spec and the results as open files, not paths: in its namespace the
        # check's folder (in the machine's /tmp) is out of its sight.
        stderr_path = Path(work) / "stderr.txt"
        with (
            open(stderr_path, "wb") as stderr_file,
            open(spec_path, "rb") as spec_file,
            open(results_path, "ab") as results_file,
        ):
            channels = (spec_file.fileno(), results_file.fileno())
            process = subprocess.Popen(
                isolation().wrap(
                    needed_folders(options),
                    [sys.executable, "-X", "faulthandler", "-m", INTERPRETER, *map(str, channels)],
                ),
                cwd=workdir,
                env=interpreter_environment(options),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr_file,
                start_new_session=True,
                pass_fds=channels,
            )
            timed_out = False
            try:
                process.wait(timeout=options.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(process)
                process.wait()
            _kill_group(process)  # Whatever the page started and left running.
        stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
        records, unreadable = read_records(results_path)
    return InterpreterRun(process.returncode, timed_out, stderr, records, unreadable)


@dataclass(frozen=True)
class Isolation:
    """How a page's interpreter is kept from seeing the rest of the machine's processes."""

    # The command that wraps the interpreter (empty: none); the folders to keep in sight follow it, then `--`.
    command: tuple[str, ...]
    # What the report and the summary say of it.
    description: str

    def wrap(self, folders: list[Path], argv: list[str]) -> list[str]:
        """ARGV run inside the isolation, with FOLDERS (the project, the interpreter's) still in sight."""
        if not self.command:
            return argv
        return [*self.command, *dict.fromkeys(str(folder.resolve()) for folder in folders), "--", *argv]


# User, PID and mount namespaces of its own: the page's /proc shows only its own processes, so it cannot read
# the environment of the check, of CI's shell or of any other process through /proc/PID/environ; and its /tmp
# is its own, empty, so it cannot reach another page's run. It starts in /tmp/page. (Mapped to root inside
# the namespace, which only that needs: mounting the page's /tmp. Outside it stays the caller's user.)
# What the interpreter needs that may itself lie under /tmp (a CI checkout, a test's copy, a virtual environment
# there) stays reachable: the old /tmp is bound aside in /dev/shm, each such folder alone is bound back into the
# new /tmp, and the aside is removed. The folders come first, then `--`, then the command.
_ISOLATED_SHELL = """keep=$(mktemp -d /dev/shm/modelsite-tmp.XXXXXX) && mount --bind /tmp "$keep" &&
mount -t tmpfs tmpfs /tmp || exit 97
while [ "$1" != "--" ]; do
  case "$1" in
    /tmp/*) mkdir -p "$1" && mount --bind "$keep${1#/tmp}" "$1" || exit 97 ;;
  esac
  shift
done
shift
umount -l "$keep" && rmdir "$keep" && mkdir -p /tmp/page && cd /tmp/page && exec "$@"
"""
_UNSHARE = (
    "unshare",
    "--user",
    "--map-root-user",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "sh",
    "-c",
    _ISOLATED_SHELL,
    "sh",
)


@functools.cache
def isolation() -> Isolation:
    """The isolation this machine allows, found once: util-linux unshare where user namespaces work."""
    if shutil.which("unshare"):
        try:
            trial = subprocess.run([*_UNSHARE, "--", "true"], capture_output=True, timeout=20)
            if trial.returncode == 0:
                return Isolation(_UNSHARE, "own PID namespace and /tmp")
            why = trial.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unshare failed"]
        except (OSError, subprocess.TimeoutExpired) as error:
            why = [str(error)]
        return Isolation((), f"none ({why[0]}): a page can read other processes' environments through /proc")
    return Isolation((), "none (no unshare command): a page can read other processes' environments through /proc")


def needed_folders(options: RunOptions) -> list[Path]:
    """What a page's interpreter reads: the project, its cache, this package, and Python's own prefixes."""
    options.cache_dir.mkdir(parents=True, exist_ok=True)  # Bound into the page's view, so it must exist.
    folders = [
        options.root,
        options.cache_dir,
        Path(__file__).resolve().parents[2],
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.executable).parent,
    ]
    return [folder for folder in folders if folder.is_dir()]


def interpreter_environment(options: RunOptions, caller: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a page runs with: the allow-listed part of CALLER's (os.environ), and ours."""
    caller = dict(os.environ) if caller is None else caller
    environment = {
        name: value for name, value in caller.items() if name in PASSED_VARIABLES or name in options.pass_env
    }
    if options.device == "cpu":
        environment["CUDA_VISIBLE_DEVICES"] = ""  # cpu hides every GPU from the page.
    # Pages run side by side: each gets its share of the cores, or they oversubscribe the machine.
    for name in THREAD_VARIABLES:
        environment[name] = str(options.threads)
    environment["MPLBACKEND"] = "Agg"
    environment["TORCHINDUCTOR_CACHE_DIR"] = str(options.cache_dir / "inductor")
    environment["PYTHONUNBUFFERED"] = "1"
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parents[2]), caller.get("PYTHONPATH", "")])
    )
    return environment


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # Nothing left in the group.
        os.killpg(process.pid, signal.SIGKILL)
