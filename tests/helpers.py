"""Plain helpers the test files share (no fixtures: those live in tests/conftest.py). A helper two test files
use lives here, never in a test file that the other imports.

The project root (ROOT) and where screenshots go, a scratch copy of the project, a regex that must match, a
folder's digest, serving a built site, a strict build of a project, the check's and the served site's records,
a valid index entry, the deploy table derived again with plain torch calls, and the hostile corpus
(tests/hostile/) with the project that holds its inert attacks.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from modelsite.core.compatibility import FAILS, NOT_RUN, QUICK_PATH_KEYS, WORKAROUND, WORKS, Compatibility
from modelsite.core.project import PROJECT_PARTS

ROOT = Path(__file__).resolve().parent.parent
# What the tests leave for a person to look at (screenshots of the browser tests).
TEST_OUTPUT = Path(os.environ.get("MODELSITE_TEST_OUTPUT", ROOT / "test-output"))
SCREENSHOTS = TEST_OUTPUT / "screenshots"


def found(pattern: str, text: str) -> re.Match[str]:
    """The first match of PATTERN in TEXT, which the test needs to be there."""
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} is not in the text:\n{text[:2000]}"
    return match


# The collections the hand-written pages quote: a project with these alone builds, in a third of the time.
SEED_COLLECTIONS = ("tf-efficientnet.yaml", "tf-efficientnet-condconv.yaml", "tf-efficientnet-lite.yaml")


def copy_project(target: Path, slim: bool = False) -> Path:
    """A copy of the site's sources at TARGET (created), a complete project. SLIM keeps the seed collections
    alone, and no speed results (they name variants the slim index lacks): for tests of one page or entry."""
    target.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.exists():
            shutil.copy2(source, target / part)
    if slim:
        for path in (target / "model_index").glob("*.yaml"):
            if path.name not in SEED_COLLECTIONS:
                path.unlink()
        for results in (target / "speed").glob("*.csv"):
            results.unlink()
    return target


def tree_digest(folder: Path) -> dict[str, str]:
    """Each file under FOLDER by its path, with its content's digest: whether a build wrote into it."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class SiteCheck:
    """What the session's sample check (the `real_site_check` fixture) returned, said and reported."""

    returncode: int
    output: str
    report: Path


def changed_since() -> list[str]:
    """`--changed-since REV` where this checkout is a git repository whose REV resolves."""
    revision = os.environ.get("MODELSITE_CHANGED_SINCE", "HEAD")
    resolved = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=ROOT, capture_output=True
    )
    return ["--changed-since", revision] if resolved.returncode == 0 else []


@dataclass(frozen=True)
class ServedSite:
    folder: Path
    url: str
    # The collections (file stems) the site was built with; all of the index's when None.
    collections: frozenset[str] | None = None


def checked_collections(report: Path) -> frozenset[str]:
    """The seed collections, and every collection with a page in the check's REPORT: what a preview of the
    checked pages shows (a build of the whole zoo takes minutes; `make build` and CI run it)."""
    pages = json.loads(report.read_text(encoding="utf-8"))["pages"]
    stems = {Path(name).stem for name in SEED_COLLECTIONS}
    for page in pages:
        parts = Path(page["path"]).parts
        if parts[:2] == ("docs", "models") and len(parts) > 3:
            stems.add(parts[2])
    return frozenset(stems)


@contextlib.contextmanager
def serve(folder: Path, collections: frozenset[str] | None = None) -> Iterator[ServedSite]:
    """FOLDER, the site of COLLECTIONS (None: all), served over HTTP on 127.0.0.1, on a free port, while the
    block runs."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ServedSite(folder, f"http://127.0.0.1:{server.server_address[1]}/", collections)
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of PROJECT into SITE, with no check report: whatever a check left in the
    checkout's cache, every block says "not yet verified", so the result does not depend on other tests."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MODELSITE_CHECK_REPORT": str(site.parent / "none.json")}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )


def page_text(page: Path) -> str:
    """What a reader sees of PAGE: its text without markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


# A complete entry that the real index does not hold (the AdvProp file's B8, read without that file):
# `modelsite validate`'s cases and its fuzzing vary it.
VALID_ENTRY = """\
Models:
- Name: tf_efficientnet_b8
  In Collection: TF EfficientNet
  Metadata:
    FLOPs: 62597461568
    Parameters: 87413142
    File Size: 351617699
    Image Size: 672
    Crop Pct: 0.954
    Interpolation: bicubic
    Training Data: [ImageNet]
    Architecture: [Swish]
    Tasks: [Image Classification]
    Crop Mode: center
    Classes: 1000
    Label Set: imagenet-1k
    Embedding Size: 2816
    Feature Strides: [2, 4, 8, 16, 32]
    Feature Channels: [32, 56, 88, 248, 704]
    Feature Sides: [336, 168, 84, 42, 21]
    Head: classifier
    License: apache-2.0
  Code: https://github.com/huggingface/pytorch-image-models/blob/v1.0.31/timm/models/efficientnet.py#L2546
  Weights:
    Tag: ap_in1k
    URL: https://huggingface.co/timm/tf_efficientnet_b8.ap_in1k
  Sources:
    FLOPs: modelsite measure
"""


def _derived(key: str, folder: Path) -> dict[str, str]:
    """The quick paths' statuses for KEY, found here with plain torch and onnxruntime calls, not the probe's."""
    # Imported here, not with the module: conftest.py imports this one in every worker.
    import onnxruntime
    import timm
    import torch

    torch.manual_seed(0)
    model = timm.create_model(key, pretrained=False).eval()
    batch = torch.randn(2, *model.pretrained_cfg["input_size"])
    with torch.no_grad():
        eager = model(batch)
    statuses = {}
    dynamic = ({0: torch.export.Dim("batch", min=1, max=1024)},)
    try:
        program = torch.onnx.export(model, (batch,), dynamo=True, dynamic_shapes=dynamic, verbose=False)
        statuses["onnx"] = WORKS
    except Exception:
        program = torch.onnx.export(model, (batch,), dynamo=True, verbose=False)  # Raises if a fixed batch fails too.
        statuses["onnx"] = WORKAROUND
    assert program is not None
    program.save(str(folder / "derived.onnx"))
    session = onnxruntime.InferenceSession(str(folder / "derived.onnx"), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {session.get_inputs()[0].name: batch.numpy()})
    close = (torch.as_tensor(logits) - eager).abs().max() <= 1e-4 + 1e-3 * eager.abs().max()
    same_top5 = torch.equal(torch.as_tensor(logits).topk(5).indices.sort().values, eager.topk(5).indices.sort().values)
    statuses["onnxruntime"] = WORKS if close and same_top5 else FAILS
    try:
        torch.onnx.export(
            model, (batch,), os.devnull, dynamo=False, dynamic_axes={"x": {0: "b"}}, input_names=["x"], opset_version=17
        )
        statuses["onnx_legacy"] = WORKS
    except Exception:
        statuses["onnx_legacy"] = FAILS
    torch.jit.script(model)
    statuses["torchscript"] = WORKS
    return statuses


def agree_with_plain_torch(found: Compatibility, folder: Path) -> None:
    """The deploy table FOUND (by the probe, in process or through the check) is what plain torch finds."""
    statuses = {outcome.path: outcome.status for outcome in found.outcomes}
    assert {path: statuses[path] for path in QUICK_PATH_KEYS} == _derived(found.model, folder), found.model
    assert statuses["compile"] == statuses["autocast"] == NOT_RUN  # --deploy auto is quick on the CPU.
    onnx, runtime = found.outcome("onnx"), found.outcome("onnxruntime")
    assert onnx is not None and onnx.detail.startswith("opset ")
    assert runtime is not None and "top-5 agreement 100%" in runtime.detail


# The hostile corpus: one index file per field and attack, its second line saying what must happen to it.
CORPUS = ROOT / "tests" / "hostile"


@dataclass(frozen=True)
class Attack:
    path: Path
    attack: str
    refused_at: tuple[int, int] | None
    message: str
    needle: str

    @property
    def slug(self) -> str:
        """The page its collection gets in the hostile site (its file is copied in as hostile-NAME.yaml)."""
        return f"hostile-{self.path.stem}"


def attack(path: Path) -> Attack:
    first, second = path.read_text(encoding="utf-8").splitlines()[:2]
    what = first.removeprefix("# attack: ")
    refused = re.match(r"# expect: refused (\d+):(\d+) (.+)$", second)
    if refused:
        return Attack(path, what, (int(refused[1]), int(refused[2])), refused[3], "")
    inert = re.match(r"# expect: inert (.+)$", second)
    assert inert, f"{path.name}: the second line must be `# expect: refused LINE:COL MESSAGE` or `# expect: inert TEXT`"
    return Attack(path, what, None, "", inert[1])


ATTACKS = [attack(path) for path in sorted(CORPUS.glob("*.yaml"))]
REFUSED = [a for a in ATTACKS if a.refused_at]
INERT = [a for a in ATTACKS if not a.refused_at]


def hostile_project(target: Path) -> Path:
    """A copy of the project whose index also holds every inert attack, one collection file each."""
    from tests.helpers import copy_project

    copy_project(target, slim=True)
    for case in INERT:
        shutil.copy2(case.path, target / "model_index" / f"{case.slug}.yaml")
    return target
