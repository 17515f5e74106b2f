"""The built site in a real browser: Debian's chromium, driven by Playwright, on 127.0.0.1.

Covers the variant pages and their switcher (code, copy button, figures card, old addresses, keyboard,
no JavaScript), the
explorer (sort, filter, charts, links), search, verified outputs, example downloads, both colour
schemes, and that no page logs an error or asks for anything outside 127.0.0.1. The site is built
once with the report of a real `modelsite check` of this checkout (tests/conftest.py). Screenshots
of the main pages go to test-output/screenshots/. Marker: `browser` (all of `make test` runs it).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright_sync

from modelsite.check.selection import cheapest_of_each_kind, page_kind, variant_pages
from modelsite.index import Collection, Model, load_index
from modelsite.site.formatting import licence
from modelsite.speed.results import load_speeds
from tests.helpers import INERT, ROOT, SCREENSHOTS, ServedSite, build, hostile_project, serve

pytestmark = pytest.mark.browser

INDEX = load_index(ROOT, check_timm=False)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OVERVIEW = "models/tf-efficientnet/"
FIRST = INDEX.collection("TF EfficientNet").models[0]
VARIANT_PAGE = f"{OVERVIEW}{FIRST.key}/"
# The sample that `make test` checks holds the cheapest variant page of each kind: this one, of FIRST's kind.
((SAMPLED_PATH, SAMPLED),) = [
    (path, model)
    for path, model in cheapest_of_each_kind(variant_pages(INDEX)).items()
    if page_kind(model) == page_kind(FIRST)
]
SAMPLED_PAGE = INDEX.collection(SAMPLED.collection).variant_url(SAMPLED)


def built_collections(site: ServedSite) -> list[Collection]:
    """The collections whose pages SITE has: a preview's (see conftest), or all."""
    return [c for c in INDEX.collections if site.collections is None or c.slug in site.collections]


def built_models(site: ServedSite) -> list[Model]:
    return [model for collection in built_collections(site) for model in collection.models]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    with playwright_sync.sync_playwright() as playwright:
        # Every host but 127.0.0.1 fails to resolve: the network is unplugged for the pages, with no request
        # interception, which would turn the browser's cache off and load each page's assets afresh.
        offline = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", offline])
        yield browser
        browser.close()


class Visit:
    """A browser page that records console errors and any request leaving 127.0.0.1."""

    def __init__(self, browser: Any, site: ServedSite, **context_options: object) -> None:
        self.site = site
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        # Requests are watched, not intercepted (interception turns the cache off): any that leaves the site
        # fails the test, and the browser resolves no other host (see `browser`).
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        # A document without a page (models.json) makes the browser itself ask for /favicon.ico: not the site's.
        if message.type == "error" and not str(message.location.get("url", "")).endswith("/favicon.ico"):
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.site.url, "data:", "blob:")):
            self.outside.append(request.url)

    def open(self, path: str) -> Any:
        self.page.goto(self.site.url + path)
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.outside, f"requests outside 127.0.0.1: {self.outside}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"


@pytest.fixture
def visit(browser: Any, served_site: ServedSite) -> Iterator[Visit]:
    visit = Visit(browser, served_site)
    yield visit
    visit.close()


def visible_code(page: Any) -> str:
    return "\n".join(page.locator("article pre code").all_inner_texts())


def card(page: Any) -> dict[str, str]:
    terms = page.locator("dl.figures-card dt").all_inner_texts()
    values = page.locator("dl.figures-card dd").all_inner_texts()
    return dict(zip(terms, values))


def heading(page: Any) -> str:
    """The page's title, without the permalink sign Material adds to it."""
    return str(page.locator("h1").inner_text()).removesuffix("¶").strip()


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_a_variant_page_shows_its_own_code_and_figures(visit: Visit) -> None:
    page = visit.open(VARIANT_PAGE)
    code = visible_code(page)
    assert code.count(f'"{FIRST.key}"') >= 3
    assert card(page)["Input size"] == f"{FIRST.figures['Image Size']}×{FIRST.figures['Image Size']} px"
    assert card(page)["Classes"] == "1,000"
    assert heading(page) == FIRST.key
    shoot(page, "variant-page")


def test_the_switcher_opens_the_chosen_variants_page(visit: Visit) -> None:
    page = visit.open(VARIANT_PAGE)
    b3 = "tf_efficientnet_b3.aa_in1k"
    with page.expect_navigation():
        page.select_option("#variant-choice", b3)
    assert page.url.endswith(f"{OVERVIEW}{b3}/")
    assert page.locator("#variant-choice").input_value() == b3
    code = visible_code(page)
    assert code.count(f'"{b3}"') >= 3 and FIRST.key not in code
    assert "torch.Size([1, 3, 300, 300])" in code
    figures = card(page)
    assert figures["Input size"] == "300×300 px" and figures["Interpolation"] == "bicubic"
    assert figures["Parameters"].endswith(" M") and figures["FLOPs"].endswith(" G MACs")
    shoot(page, "variant-switched-to-b3")


def test_an_old_address_with_a_variant_opens_its_page(visit: Visit) -> None:
    page = visit.open(OVERVIEW + "?variant=tf_efficientnet_b5")
    page.wait_for_url(f"**/{OVERVIEW}tf_efficientnet_b5.aa_in1k/")
    assert heading(page) == "tf_efficientnet_b5.aa_in1k"
    # A name the collection does not have leaves the reader on the overview.
    unknown = visit.open(OVERVIEW + "?variant=resnet50")
    assert unknown.url.endswith("?variant=resnet50") and unknown.locator("[data-variant-links]").count() == 1


def test_the_copy_button_copies_the_variants_code(browser: Any, served_site: ServedSite) -> None:
    visit = Visit(browser, served_site, permissions=["clipboard-read", "clipboard-write"])
    try:
        b2 = "tf_efficientnet_b2.aa_in1k"
        page = visit.open(f"{OVERVIEW}{b2}/")
        block = page.locator("article .highlight").first
        block.hover()
        block.locator("button[data-clipboard-target]").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert f'timm.create_model("{b2}", pretrained=True)' in copied
    finally:
        visit.close()


def test_the_switcher_works_from_the_keyboard(visit: Visit) -> None:
    page = visit.open(VARIANT_PAGE)
    following = INDEX.collection("TF EfficientNet").models[1].key
    page.focus("#variant-choice")
    with page.expect_navigation():
        page.keyboard.press("ArrowDown")
    assert page.url.endswith(f"{OVERVIEW}{following}/")
    assert page.locator("#variant-choice").input_value() == following


def test_without_javascript_the_variant_list_links_every_sibling(browser: Any, served_site: ServedSite) -> None:
    visit = Visit(browser, served_site, java_script_enabled=False)
    try:
        page = visit.open(VARIANT_PAGE)
        assert not page.locator("#variant-choice").is_visible()
        links = page.locator("[data-variant-list] a[data-variant-link]")
        siblings = INDEX.collection("TF EfficientNet").models
        assert links.count() == len(siblings) - 1
        page.locator("[data-variant-list] summary").click()
        assert links.first.is_visible()
        links.first.click()
        page.wait_for_load_state("load")
        assert heading(page) == siblings[1].key
        assert f'"{siblings[1].key}"' in visible_code(page)
    finally:
        visit.close()


def explorer_ids(page: Any) -> list[str]:
    return page.locator("[data-explorer-table] tbody tr:not([hidden])").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )


def test_the_explorer_sorts_by_a_figure_both_ways(visit: Visit) -> None:
    page = visit.open("models/")
    header = page.locator("[data-explorer-table] th", has_text="FLOPs (G)")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    flops = page.locator("[data-explorer-table] tbody tr td:nth-child(4)").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.value))"
    )
    assert flops == sorted(flops) and len(flops) == len(built_models(visit.site))
    header.locator("button").click()
    flops = page.locator("[data-explorer-table] tbody tr td:nth-child(4)").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.value))"
    )
    assert flops == sorted(flops, reverse=True)
    # Tags of one architecture at one size tie (Qwen3's 416m has eight): the first is one of the largest.
    most = max(model.figures["FLOPs"] for model in built_models(visit.site))
    assert explorer_ids(page)[0] in {m.key for m in built_models(visit.site) if m.figures["FLOPs"] == most}
    shoot(page, "explorer-sorted-by-flops")


def test_the_explorer_filters_by_collection_tag_technique_and_text(visit: Visit) -> None:
    page = visit.open("models/")
    every = [model.key for model in built_models(visit.site)]
    lite = [f"tf_efficientnet_lite{n}.in1k" for n in range(5)]
    page.select_option("[data-filter=collection]", "TF EfficientNet Lite")
    assert explorer_ids(page) == lite
    assert page.locator("[data-explorer-count]").inner_text() == f"5 of {len(every)} variants"
    # The charts follow the table, a bounded number of points per frame: about a second for the zoo's 5,000.
    page.wait_for_function(
        "ids => [...document.querySelectorAll('.chart-point:not(.chart-point--filtered)')]"
        ".every(point => ids.includes(point.dataset.id))",
        arg=lite,
        timeout=30_000,
    )
    shown_points = page.locator(".chart-point:not(.chart-point--filtered)").evaluate_all(
        "points => points.map(p => p.dataset.id)"
    )
    assert set(shown_points) == set(lite)
    page.select_option("[data-filter=collection]", "")
    page.select_option("[data-filter=tag]", "CondConv")
    assert explorer_ids(page) == [
        "tf_efficientnet_cc_b0_4e.in1k",
        "tf_efficientnet_cc_b0_8e.in1k",
        "tf_efficientnet_cc_b1_8e.in1k",
    ]
    page.select_option("[data-filter=tag]", "")
    page.fill("[data-filter=text]", "cc b0 8e")
    assert explorer_ids(page) == ["tf_efficientnet_cc_b0_8e.in1k"]
    page.fill("[data-filter=text]", "")
    techniques = page.locator("[data-filter=technique] option").all_inner_texts()[1:]
    assert techniques
    page.select_option("[data-filter=technique]", techniques[0])
    assert 0 < len(explorer_ids(page)) <= len(every)
    # Every match shows at once below 25 matches; beyond, "Show more" offers the rest.
    assert page.locator("[data-explorer-more]").is_hidden() == (0 < len(explorer_ids(page)) <= 25)
    page.select_option("[data-filter=technique]", "")
    # With no filter the first 25 rows show, and each "Show more" adds the next rows, in order.
    page.locator("[data-explorer-more]").click()
    shown = explorer_ids(page)
    assert len(shown) > 25 and shown == every[: len(shown)]
    shoot(page, "explorer")


def test_the_explorer_narrows_by_ranges_and_licence(visit: Visit) -> None:
    """What a reader choosing a model for a product asks: small, accurate, and usable commercially."""
    page = visit.open("models/")
    models = built_models(visit.site)

    def shown_for(test: Callable[[Model], bool]) -> list[str]:
        return [model.key for model in models if test(model)]

    def top1(model: Model) -> float | None:
        result = model.top1
        return float(result.top1) if result else None

    page.fill("[data-filter=max-params]", "10")
    page.fill("[data-filter=min-top1]", "80")
    page.select_option("[data-filter=licence]", "commercial")
    expected = shown_for(
        lambda m: (
            m.figures["Parameters"] / 1e6 <= 10
            and (top1(m) or 0) >= 80
            and licence(m.figures["License"]).use == "commercial"
        )
    )
    assert expected, "the sample's collections hold no small, accurate, commercial variant to narrow to"
    assert explorer_ids(page) == expected[:25]
    assert page.locator("[data-explorer-count]").inner_text().endswith(f"{len(expected)} of {len(models)} variants")
    shoot(page, "explorer-small-accurate-commercial")
    # Both ends of a range: from 5 M to 10 M parameters, any licence and accuracy.
    page.fill("[data-filter=min-top1]", "")
    page.select_option("[data-filter=licence]", "")
    page.fill("[data-filter=min-params]", "5")
    expected = shown_for(lambda m: 5 <= m.figures["Parameters"] / 1e6 <= 10)
    assert 0 < len(expected) < len(models)
    assert page.locator("[data-explorer-count]").inner_text().endswith(f"{len(expected)} of {len(models)} variants")
    # A speed range keeps only the variants the site measured, within it: none is guessed.
    page.fill("[data-filter=min-params]", "")
    page.fill("[data-filter=max-params]", "")
    speeds = load_speeds(ROOT, [m.key for m in INDEX.models])
    measured = {row.model: row.latency_ms for row in speeds[0].rows}
    page.fill("[data-filter=max-latency]", "50")
    expected = shown_for(lambda m: m.key in measured and measured[m.key] <= 50)
    assert page.locator("[data-explorer-count]").inner_text().endswith(f"{len(expected)} of {len(models)} variants")
    assert set(explorer_ids(page)) <= set(expected)


def test_an_explorer_row_and_a_chart_point_open_their_variant(visit: Visit) -> None:
    page = visit.open("models/")
    page.select_option("[data-filter=collection]", "TF EfficientNet Lite")
    page.locator('[data-explorer-table] tr[data-id="tf_efficientnet_lite3.in1k"] a').click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/models/tf-efficientnet-lite/tf_efficientnet_lite3.in1k/")
    assert page.locator("#variant-choice").input_value() == "tf_efficientnet_lite3.in1k"
    page = visit.open("models/")
    page.locator('.chart-point[data-id="tf_efficientnet_cc_b1_8e.in1k"]').first.click()
    page.wait_for_load_state("load")
    assert page.locator("#variant-choice").input_value() == "tf_efficientnet_cc_b1_8e.in1k"


def search(page: Any, text: str) -> list[str]:
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # The search worker builds its index first and says "Initializing search" meanwhile; a query typed before
    # it is ready is dropped. A wait for it, not a speed target (on a loaded 2-core machine it takes seconds).
    page.wait_for_function(
        "() => { const meta = document.querySelector('.md-search-result__meta');"
        " return meta !== null && meta.textContent.trim() !== '' && !/initializ/i.test(meta.textContent); }",
        timeout=60_000,
    )
    page.fill(".md-search__input", text)
    # Material searches on a key released in the field, not on a value set: as a reader's typing ends.
    page.locator(".md-search__input").press("End")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=30_000)
    return results.evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_search_finds_a_variant_by_its_id_and_a_collection_by_its_name(visit: Visit) -> None:
    page = visit.open("")
    hrefs = search(page, "tf_efficientnet_cc_b1_8e")
    assert any("models/tf-efficientnet-condconv/tf_efficientnet_cc_b1_8e.in1k/" in href for href in hrefs), hrefs
    shoot(page, "search-variant-id")
    page = visit.open("")
    hrefs = search(page, "EfficientNet Lite")
    assert any("models/tf-efficientnet-lite/" in href for href in hrefs), hrefs


def test_blocks_show_the_output_the_check_captured_with_its_stamp(visit: Visit, check_report: Path) -> None:
    page = visit.open(SAMPLED_PAGE)
    boxes = page.locator("article .verified-output")
    texts = boxes.all_inner_texts()
    assert texts and all("modelsite check" in text for text in texts)
    report = json.loads(check_report.read_text())
    stamp = texts[0]
    assert f"torch {report['versions']['torch']}" in stamp and f"timm {report['versions']['timm']}" in stamp
    # The stamp dates the run of this page (a check may finish on a later day).
    (run,) = [p for p in report["pages"] if p["path"] == SAMPLED_PATH]
    assert f"modelsite check, {run['ran_at'][:10]} · cpu" in stamp
    size = SAMPLED.figures["Image Size"]
    assert any(f"torch.Size([1, 3, {size}, {size}])" in text for text in texts)
    assert page.locator("article .verified-output--passed").count() == len(texts)
    page.locator("article .verified-output").first.scroll_into_view_if_needed()
    shoot(page, "verified-output")


def test_a_runnable_example_downloads_as_its_file(visit: Visit) -> None:
    page = visit.open("getting-started/")
    link = page.locator("a[download='classify.py']")
    with page.expect_download() as download:
        link.click()
    saved = Path(download.value.path())
    assert saved.read_text(encoding="utf-8") == (ROOT / "runnable_examples" / "classify.py").read_text(encoding="utf-8")


def test_models_json_is_served_with_its_format_and_verdicts(visit: Visit) -> None:
    page = visit.open("models.json")
    data = json.loads(page.locator("body").inner_text())
    assert data["format"] == "modelsite-models/2"
    # `make test` checks a sample: the other variants were not verified by this build's report.
    verdicts = {model["id"]: model["check"]["overall"] for model in data["models"]}
    assert verdicts[SAMPLED.key] == "passed"
    assert set(verdicts.values()) <= {"passed", "not yet verified"}
    assert len(data["models"]) == len(built_models(visit.site))
    assert all(model["figures"]["flops"] > 0 for model in data["models"])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_colour_schemes_render_and_the_toggle_switches(browser: Any, served_site: ServedSite, scheme: str) -> None:
    visit = Visit(browser, served_site, color_scheme=scheme)
    try:
        page = visit.open("models/")
        expected = "slate" if scheme == "dark" else "default"
        assert page.locator("body").get_attribute("data-md-color-scheme") == expected
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        dark = sum(int(v) for v in re.findall(r"\d+", background)[:3]) < 200
        assert dark == (scheme == "dark"), background
        shoot(page, f"explorer-{scheme}")
        page.locator("label.md-header__button[for^='__palette']:visible").first.click()
        assert page.locator("body").get_attribute("data-md-color-scheme") != expected
    finally:
        visit.close()


def test_every_kind_of_page_loads_with_no_error_and_nothing_from_outside(visit: Visit, served_site: ServedSite) -> None:
    # Every hand-written page and the explorer, and one variant page of each kind of head with its collection's
    # page: variant pages share one template, collection pages another, and at the zoo's size a visit to each
    # would take half an hour. test_build.py scans every page's HTML for a resource from outside.
    heads = {
        collection.variant_url(model): str(model.figures["Head"])
        for collection in built_collections(served_site)
        for model in collection.models
    }
    overviews = {c.page.removesuffix("index.md"): c for c in built_collections(served_site)}
    one_of_each_head: dict[str, str] = {}
    for path, head in sorted(heads.items()):
        one_of_each_head.setdefault(head, path)
    pages = sorted(
        p.parent.relative_to(served_site.folder).as_posix() + "/" for p in served_site.folder.rglob("index.html")
    )
    chosen = sorted(one_of_each_head.values())
    visited = [path for path in pages if path not in heads and path not in overviews]
    visited += chosen + sorted({path.rsplit("/", 2)[0] + "/" for path in chosen})
    assert set(one_of_each_head) >= {"classifier", "embedding", "none"}
    assert len(visited) >= 8
    for path in visited:
        page = visit.open("" if path == "./" else path)
        assert page.locator("h1").count() == 1, path
    shoot(visit.open(""), "home")
    shoot(visit.open("getting-started/"), "getting-started")


@pytest.mark.parametrize(
    "path, rows, points",
    [("efficientnet/compound-scaling/", 8, 24), ("efficientnet/condconv/", 3, 5), ("efficientnet/lite/", 5, 0)],
)
def test_story_pages_show_their_tables_and_charts(visit: Visit, path: str, rows: int, points: int) -> None:
    page = visit.open(path)
    first_table = page.locator(".compact-table table").first
    assert first_table.locator("tbody tr").count() == rows
    assert page.locator(".chart-point").count() == points
    # Every block on the page ran in the last check, and says so.
    assert page.locator(".verified-output").count() == page.locator(".language-python.highlight").count() > 0
    assert page.locator(".verified-output--unverified, .verified-output--failed").count() == 0
    shoot(page, "story-" + path.strip("/").split("/")[-1])


def test_every_runnable_example_is_offered_for_download(visit: Visit) -> None:
    offered = set()
    for path in ("getting-started/", "efficientnet/compound-scaling/", "efficientnet/condconv/"):
        page = visit.open(path)
        offered |= set(page.locator("a[download]").evaluate_all("links => links.map(a => a.getAttribute('download'))"))
    assert offered == {p.name for p in (ROOT / "runnable_examples").glob("*.py")}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The site built with every inert attack of tests/hostile/ in its index, served on 127.0.0.1."""
    project = hostile_project(tmp_path_factory.mktemp("hostile") / "project")
    result = build(project, project.parent / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(project.parent / "site") as site:
        yield site


def test_a_hostile_index_raises_no_dialog_and_runs_no_script(browser: Any, hostile_site: ServedSite) -> None:
    visit = Visit(browser, hostile_site)
    try:
        paths = ["", "models/"] + [
            page.parent.relative_to(hostile_site.folder).as_posix() + "/"
            for case in INERT
            for page in sorted((hostile_site.folder / "models" / case.slug).rglob("index.html"))
        ]
        for path in paths:
            page = visit.open(path)
            # What a reader's pointer and keyboard do, to every element, where the attacks aimed handlers.
            page.evaluate("""() => document.querySelectorAll("body *").forEach(element => {
                for (const type of ["mouseover", "mouseenter", "focus", "load", "error"]) {
                    element.dispatchEvent(new Event(type, {bubbles: true}));
                }
            })""")
            page.locator("h1").first.hover()
            assert page.evaluate("typeof window.__pwned") == "undefined", path
        page = visit.open("")
        search(page, "Hostile")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        shoot(visit.open("models/hostile-collection-name-quotes/"), "hostile-collection")
    finally:
        visit.close()
