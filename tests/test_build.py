"""`mkdocs build --strict` runs, as `make serve` and CI build the site (the test suite shares one: a preview of the
checked collections and the seeds; `make build` builds the whole zoo).

Covers: the real site builds cleanly into a temporary folder, writes nothing into docs/ and
loads nothing from the network; a broken index or an undefined template name fails the build
with a located message. (A new collection file's page and links: test_families.py.) Marked
`build` (each build takes seconds); all run on the CPU in `make test`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pytest

from modelsite.index import load_index
from tests.helpers import ROOT, ServedSite, build, page_text

pytestmark = pytest.mark.build


class ExternalResources(HTMLParser):
    """Collects every URL a browser would fetch on its own from another host while rendering the page."""

    FETCHED = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "embed": "src",
        "object": "data",
        "track": "src",
    }

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        urls = [values.get(self.FETCHED.get(tag, ""))]
        if tag == "link" and (values.get("rel") or "") not in ("canonical", "next", "prev", "alternate"):
            urls.append(values.get("href"))
        urls += [candidate.split()[0] for candidate in (values.get("srcset") or "").split(",") if candidate.strip()]
        urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", values.get("style") or "")
        self.found += [u for u in urls if u and re.match(r"^(https?:)?//", u)]


@pytest.fixture(scope="module")
def real_site(served_site: ServedSite) -> Path:
    """The checkout's site as the browser tests see it: one `mkdocs build --strict` for both (see conftest)."""
    return served_site.folder


def test_every_collection_and_variant_gets_a_page(served_site: ServedSite) -> None:
    real_site = served_site.folder
    home = (real_site / "index.html").read_text(encoding="utf-8")
    shown = served_site.collections
    built = [c for c in load_index(ROOT).collections if shown is None or c.slug in shown]
    assert len(built) >= 4, shown  # The seeds and the sample's collections.
    for collection in built:
        overview = (real_site / "models" / collection.slug / "index.html").read_text(encoding="utf-8")
        for model in collection.models:
            page = real_site / collection.variant_url(model) / "index.html"
            assert page.is_file(), f"no page for {model.key}"
            assert f'href="{model.key}/"' in overview
            assert f'timm.create_model("{model.key}", pretrained=True)' in page_text(page)
        assert f'href="models/{collection.slug}/"' in home


def test_every_page_names_the_timm_and_torch_it_documents(real_site: Path) -> None:
    documents = f"Documents timm {metadata.version('timm')} with torch {metadata.version('torch')}"
    pages = sorted(real_site.rglob("*.html"))
    assert pages
    assert [page for page in pages if documents not in page_text(page)] == []


def test_collection_and_variant_pages_stay_out_of_the_navigation(real_site: Path) -> None:
    # Every page carries the whole navigation: a thousand variant entries, or every family, would weigh on each.
    home = (real_site / "index.html").read_text(encoding="utf-8")
    navigation = home[home.index("md-nav--primary") : home.index("md-sidebar--secondary")]
    index = load_index(ROOT)
    assert 'href="models/"' in navigation
    assert index.models[0].key not in navigation
    assert [c.page for c in index.collections if f'href="{c.page.removesuffix("index.md")}"' in navigation] == []


def test_formulas_render_as_mathml(real_site: Path) -> None:
    source = (real_site / "models" / "tf-efficientnet" / "index.html").read_text(encoding="utf-8")
    assert source.count("<math") >= 6 and "$\\alpha" not in source


def test_no_resource_is_loaded_from_the_network(real_site: Path) -> None:
    offenders = {}
    for page in real_site.rglob("*.html"):
        parser = ExternalResources()
        parser.feed(page.read_text(encoding="utf-8"))
        if parser.found:
            offenders[page.relative_to(real_site).as_posix()] = parser.found
    for stylesheet in real_site.rglob("*.css"):
        found = re.findall(r"(?:@import|url\()\s*['\"]?((?:https?:)?//[^'\")\s]+)", stylesheet.read_text("utf-8"))
        if found:
            offenders[stylesheet.relative_to(real_site).as_posix()] = found
    assert offenders == {}


def test_the_add_a_variant_page_shows_real_validation_output(real_site: Path) -> None:
    text = page_text(real_site / "add-a-variant" / "index.html")
    assert "model_index/my-variants.yaml:3:18: In Collection names 'TF EfficientNets'" in text
    assert "model_index/my-variants.yaml:11:5: unknown key 'Flops'" in text


def test_a_broken_index_fails_the_build_with_its_location(slim_project_copy: Path, tmp_path: Path) -> None:
    index_file = slim_project_copy / "model_index" / "tf-efficientnet-lite.yaml"
    lines = index_file.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if "Crop Pct:" in line)
    lines[number] = "    Crop Pct: 2.75"
    index_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = build(slim_project_copy, tmp_path / "site")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"model_index/tf-efficientnet-lite.yaml:{number + 1}:15: Models[0].Metadata.Crop Pct is 2.75" in output
    assert "Traceback" not in output


def test_an_undefined_name_in_a_page_fails_the_build(slim_project_copy: Path, tmp_path: Path) -> None:
    (slim_project_copy / "docs" / "getting-started.md").write_text("# Broken\n\n{{ index.no_such_name }}\n")
    result = build(slim_project_copy, tmp_path / "site")
    assert result.returncode != 0
    assert "no_such_name" in result.stdout + result.stderr
