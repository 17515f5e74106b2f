"""A contributor's path for models outside EfficientNet: `modelsite new`, `mkdocs build --strict`, then
`modelsite check --only ID`, for seven timm families, each page checked as a reader would run it.

The families cover each kind of model whose page must differ, one family each: CNNs with five and with four
stages, ViTs (no stages: three maps at one stride), MobileNets (a head with its own hidden layer, so the
embedding is not `num_features` wide), a head of 21k named classes (the other named label sets render the same
code; test_measure holds their names), a distilled head (LeViT), NHWC feature maps (Swin) and map sides that are
not the input over the stride (Inception). All in one project copy (two collection files, filled side by side),
one build and one check run. That run also holds `new`'s promises to a
contributor: each new collection file gets its page, its link and its rows with no other edit, validate lists
what is left to fill in, and a figure changed by hand fails the check. Marker: `check`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from modelsite.measure import measure
from tests.helpers import build, copy_project, found, page_text

pytestmark = pytest.mark.check

# Model ID -> what the page must say about it, in words a reader sees.
FAMILIES = {
    "resnet18.a1_in1k": "5 of them here",
    "convnext_atto.d2_in1k": "4 of them here",
    "inception_v3.tv_in1k": "5 of them here",
    "mobilenetv3_small_050.lamb_in1k": "1,024-long vectors",
    "vit_tiny_patch16_224.augreg_in21k": "ImageNet-21k (the 21,843 classes",
    "swin_tiny_patch4_window7_224.ms_in1k": "4 of them here",
    "levit_128s.fb_dist_in1k": "384-long vectors",
}
# Two collection files, so that two `modelsite new` run side by side (each appends to its own file), with the
# name the first `new` of each gives its collection (`--collection-name`; a later one appends, keeping it).
COLLECTIONS = {"model_index/families.yaml": "Seven timm families", "model_index/more-families.yaml": "More families"}
IN_COLLECTION = {model_id: list(COLLECTIONS)[number % 2] for number, model_id in enumerate(FAMILIES)}
# The family whose figure the last test changes by hand.
EDITED = "resnet18.a1_in1k"


def _run(project: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelsite", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "MODELSITE_CHECK_REPORT": str(project / "latest.json")},
    )


class FamiliesRun:
    """The project with every family registered, built and checked."""

    def __init__(self, root: Path) -> None:
        self.project = root / "project"
        self.site = root / "site"
        self.report_path = root / "report.json"
        copy_project(self.project, slim=True)

        def add(collection: str) -> dict[str, subprocess.CompletedProcess[str]]:
            # The first tag creates the file with its collection's name; one more run appends the rest at once.
            first, *rest = [model_id for model_id in FAMILIES if IN_COLLECTION[model_id] == collection]
            name = COLLECTIONS[collection]
            created = _run(self.project, "new", first, "--collection", collection, "--collection-name", name)
            appended = _run(self.project, "new", *rest, "--collection", collection)
            return {first: created} | dict.fromkeys(rest, appended)

        with ThreadPoolExecutor(max_workers=len(COLLECTIONS)) as pool:
            added = dict(zip(COLLECTIONS, pool.map(add, COLLECTIONS)))
        self.new = {model_id: added[IN_COLLECTION[model_id]][model_id] for model_id in FAMILIES}
        self.built = build(self.project, self.site)
        self.check = _run(
            self.project,
            "check",
            "--device",
            "cpu",
            "--jobs",
            "2",
            # The deploy code and probes (minutes per family on two cores) run in the sweep, not here.
            "--deploy",
            "skip",
            "--only",
            *FAMILIES,
            "--report",
            str(self.report_path),
            timeout=1800,
        )

    def report(self) -> dict[str, object]:
        assert self.report_path.is_file(), self.check.stdout + self.check.stderr
        data: dict[str, object] = json.loads(self.report_path.read_text())
        return data


@pytest.fixture(scope="module")
def families(tmp_path_factory: pytest.TempPathFactory) -> FamiliesRun:
    return FamiliesRun(tmp_path_factory.mktemp("families"))


@pytest.mark.parametrize("model_id", FAMILIES)
def test_new_build_and_check_pass_for_the_family(families: FamiliesRun, model_id: str) -> None:
    created = families.new[model_id]
    assert created.returncode == 0, created.stdout + created.stderr
    assert families.built.returncode == 0, families.built.stdout + families.built.stderr
    report = families.report()
    pages = report["pages"]
    assert isinstance(pages, list)
    slug = Path(IN_COLLECTION[model_id]).stem
    (run,) = [page for page in pages if page["path"] == f"docs/models/{slug}/{model_id}.md"]
    messages = [message for block in run["blocks"] for message in block["messages"]]
    assert run["status"] == "passed", "\n".join(messages)
    assert sum(block["status"] == "passed" for block in run["blocks"]) >= 5
    figures = report["figures"]
    assert isinstance(figures, list)
    assert [problem for problem in figures if problem["model"] == model_id] == []
    # What the page tells a reader is what this kind of model is.
    text = page_text(families.site / "models" / slug / model_id / "index.html")
    assert FAMILIES[model_id] in text, f"{FAMILIES[model_id]!r} is not on the page of {model_id}"


def test_the_whole_check_of_the_families_passed(families: FamiliesRun) -> None:
    assert families.check.returncode == 0, families.check.stdout + families.check.stderr


def test_the_first_new_creates_each_collection_file_the_next_appends_the_rest_and_validate_lists_what_is_left(
    families: FamiliesRun,
) -> None:
    for collection, name in COLLECTIONS.items():
        first, *rest = [model_id for model_id in FAMILIES if IN_COLLECTION[model_id] == collection]
        assert f"{first}: {collection} created with collection {name!r}" in families.new[first].stdout
        appended = families.new[rest[0]].stdout
        assert f"{', '.join(rest)}: {collection} appended to collection {name!r}" in appended
        assert all(f"[{n}/{len(rest)}] {model_id} measured in" in appended for n, model_id in enumerate(rest, 1))
    validated = _run(families.project, "validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "TODO placeholders left to fill in" in validated.stderr


def test_each_new_collection_gets_its_page_its_link_and_its_rows(families: FamiliesRun) -> None:
    home = (families.site / "index.html").read_text(encoding="utf-8")
    listing = page_text(families.site / "models" / "index.html")
    for collection, name in COLLECTIONS.items():
        slug = Path(collection).stem
        assert f'href="models/{slug}/"' in home
        assert name in page_text(families.site / "models" / slug / "index.html")
    assert all(model_id in listing for model_id in FAMILIES)
    page = page_text(families.site / "models" / "families" / EDITED / "index.html")
    assert f'timm.create_model("{EDITED}", pretrained=True)' in page
    assert f"{measure(EDITED, with_file_size=False)['Parameters']:,}" in page
    # The TODO placeholders `new` leaves show as not given, never as TODO.
    assert "not given" in page and "TODO" not in page


def test_a_figure_changed_by_hand_fails_the_check(families: FamiliesRun) -> None:
    """Last in this file: it edits the families' index, and puts it back."""
    path = families.project / IN_COLLECTION[EDITED]
    text = path.read_text(encoding="utf-8")
    measured = found(r"FLOPs: (\d+)", text)[1]  # The file's first entry is EDITED's.
    try:
        path.write_text(text.replace(f"FLOPs: {measured}", "FLOPs: 1000", 1), encoding="utf-8")
        broken = _run(families.project, "check", "--only", EDITED, "--device", "cpu", "--deploy", "skip")
    finally:
        path.write_text(text, encoding="utf-8")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"Metadata.FLOPs of {EDITED} is 1000, but the model does {measured} multiply-accumulates" in broken.stdout


def test_every_pretrained_tag_of_timm_has_a_family_and_each_registered_tag_sits_in_its_familys_file() -> None:
    import timm

    from modelsite.index import load_index
    from modelsite.measure.families import family_of
    from tests.helpers import ROOT

    tags = [tag for tag in timm.list_pretrained() if not tag.startswith("test_")]
    families = {tag: family_of(tag) for tag in tags}  # A KeyError names a module no rule covers.
    assert len(set(families.values())) > 100
    index = load_index(ROOT, check_timm=False)
    assert [(m.key, m.file) for m in index.models if m.file != f"model_index/{families[m.key][0]}.yaml"] == []
