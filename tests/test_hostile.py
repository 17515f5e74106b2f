"""Index files and pages as an attacker writes them: `tests/hostile/` holds one file per field and attack.

Each file's second line says what must happen to it:

- `# expect: refused LINE:COL MESSAGE`: `modelsite validate` refuses it there, with that message;
- `# expect: inert TEXT`: validate accepts it, and the built site shows TEXT as text on the
  collection's page while nothing in any page, attribute or the search index is live markup.

The inert files are built together into one site (a real `mkdocs build --strict`, marker
`build`); the browser test (tests/test_browser.py) opens that site in chromium. Also here: a
hostile file name, hostile hand-written pages (Jinja reaching for the interpreter, an example
outside runnable_examples/), and Hypothesis on the generated front matter.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from modelsite.index import index_files, read_index
from modelsite.site.pages import page_header
from tests.helpers import (
    ATTACKS,
    CORPUS,
    INERT,
    REFUSED,
    ROOT,
    SEED_COLLECTIONS,
    Attack,
    build,
    found,
    hostile_project,
    page_text,
)


def problems_beside_the_index(path: Path) -> list:
    """PATH's problems read beside the seed collections (the whole zoo's index would take seconds a case)."""
    seeds = [file for file in index_files(ROOT) if file.name in SEED_COLLECTIONS]
    _, problems = read_index([*seeds, path], base=ROOT)
    return sorted(p for p in problems if p.path == path.relative_to(ROOT).as_posix())


def test_the_corpus_covers_every_kind_of_attack() -> None:
    assert len(REFUSED) >= 25 and len(INERT) >= 10
    named = " ".join(a.attack for a in ATTACKS)
    for kind in ("script", "javascript:", "data:", "quote", "colon", "line break", "Jinja", "backticks", "attribute"):
        assert kind in named, f"no attack with {kind!r}"


@pytest.mark.parametrize("case", REFUSED, ids=lambda a: a.path.stem)
def test_validate_refuses_it_at_its_line_and_column(case: Attack) -> None:
    problems = problems_beside_the_index(case.path)
    assert problems, f"{case.path.name} ({case.attack}) was accepted"
    first = problems[0]
    assert (first.line, first.col) == case.refused_at, str(first)
    assert first.message.startswith(case.message), str(first)


@pytest.mark.parametrize("case", INERT, ids=lambda a: a.path.stem)
def test_validate_accepts_what_the_build_renders_inert(case: Attack) -> None:
    assert [str(p) for p in problems_beside_the_index(case.path)] == []


def test_a_hostile_file_name_is_refused(tmp_path: Path) -> None:
    hostile = tmp_path / '"><img src=x onerror=alert(1)>.yaml'
    hostile.write_text((CORPUS / "collection-name-colon.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    _, problems = read_index([hostile], base=tmp_path)
    assert [(p.line, p.col) for p in problems] == [(1, 1)]
    assert "becomes the page's address: use lowercase letters" in problems[0].message


def test_a_file_name_cannot_take_another_page_s_address(tmp_path: Path) -> None:
    text = (CORPUS / "collection-name-colon.yaml").read_text(encoding="utf-8")
    (tmp_path / "index.yaml").write_text(text, encoding="utf-8")  # the explorer's address, models/
    (tmp_path / "twin.yaml").write_text(text.replace("Hostile: colon", "Twin one"), encoding="utf-8")
    (tmp_path / "twin.yml").write_text(text.replace("Hostile: colon", "Twin two"), encoding="utf-8")
    _, problems = read_index([tmp_path / name for name in ("index.yaml", "twin.yaml", "twin.yml")], base=tmp_path)
    assert [str(p) for p in problems] == [
        "index.yaml:1:1: the file name 'index.yaml' would give its page the address of the explorer (models/); name "
        "the file after its collection",
        "twin.yml:1:1: twin.yaml already gives a page the address 'twin'; rename one of the two files",
    ]


class LiveMarkup(HTMLParser):
    """What a browser would run or load in a page: script, frames, `on*` handlers, script and data addresses."""

    CANARIES = re.compile(r"__pwned|alert\(|msgbox")
    URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.found.append(f"<{tag}>")
        self.in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in self.URL_ATTRIBUTES and value and re.match(r"\s*(javascript|vbscript|data)\s*:", value, re.I):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and self.CANARIES.search(data):
            self.found.append(f"<script>{data[:60]}")


def live_markup(markup: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(markup)
    parser.close()
    return parser.found


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = hostile_project(tmp_path_factory.mktemp("hostile") / "project")
    site = project.parent / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.mark.build
def test_nothing_in_the_hostile_site_is_live(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > len(INERT)
    found = {
        page.relative_to(hostile_site).as_posix(): live
        for page in pages
        if (live := live_markup(page.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.build
def test_the_search_index_holds_only_text(hostile_site: Path) -> None:
    # Material's search shows these fields as HTML: they must be escaped text with harmless tags only.
    documents = json.loads((hostile_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    for document in documents:
        for field in ("title", "text"):
            assert live_markup(document[field]) == [], (document["location"], field)
            assert not re.search(r"<(script|img|svg|iframe|b |a )", document[field]), (document["location"], field)


@pytest.mark.build
@pytest.mark.parametrize("case", INERT, ids=lambda a: a.path.stem)
def test_the_attack_shows_as_text_on_its_pages(hostile_site: Path, case: Attack) -> None:
    # The collection's overview and its variant pages: a model's own fields show on the variant's page.
    folder = hostile_site / "models" / case.slug
    text = "\n".join(page_text(page) for page in sorted(folder.rglob("index.html")))
    assert case.needle in text, f"{case.needle!r} is not shown as text on the pages under {folder}"


@pytest.mark.build
def test_jinja_in_the_index_is_never_evaluated(hostile_site: Path) -> None:
    text = page_text(hostile_site / "models" / "hostile-summary-jinja" / "index.html")
    assert "{% for x in range(3) %}x{% endfor %}" in text and "xxx" not in text
    text = page_text(hostile_site / "models" / "hostile-collection-name-jinja" / "index.html")
    assert "Hostile {{ 7*7 }}" in text and "Hostile 49" not in text


@pytest.mark.build
def test_a_citation_stays_one_literal_block(hostile_site: Path) -> None:
    source = (hostile_site / "models" / "hostile-citation-fence-breaker" / "index.html").read_text(encoding="utf-8")
    (block,) = re.findall(r'<div class="language-bibtex highlight">(.*?)</div>', source, re.S)
    code = html.unescape(re.sub(r"<[^>]+>", "", block))
    assert "@misc{x,\n```\n<script>window.__pwned=1</script>\n````\n}" in code


@pytest.mark.build
def test_titles_and_descriptions_are_escaped(hostile_site: Path) -> None:
    source = (hostile_site / "models" / "hostile-collection-name-quotes" / "index.html").read_text(encoding="utf-8")
    description = found(r'<meta name="description" content="([^"]*)"', source)[1]
    assert html.unescape(description).startswith("Hostile \"quoted\" & 'single':")
    home = page_text(hostile_site / "index.html")
    assert "Hostile \"quoted\" & 'single'" in home and "Hostile: colon" in home


# A hand-written page that tries to reach past the sandbox, and what the failed build says. Where Jinja refuses,
# the page, its line and the error's class are held, not Jinja's own sentence.
HOSTILE_PAGES = {
    "jinja-globals.md": (
        "# Globals\n\n{{ cycler.__init__.__globals__.os.getuid() }}\n",
        "docs/jinja-globals.md, line 3: SecurityError: ",
    ),
    "jinja-config.md": ("# Config\n\n{{ config.theme.get_env() }}\n", "docs/jinja-config.md, line 3: UndefinedError: "),
    "example-outside.md": (
        "# Outside\n\n{{ runnable_example('../mkdocs.yml') }}\n",
        "no such file in runnable_examples/",
    ),
    "jinja-repeat.md": ("# Repeat\n\n{{ 'a' * 100000000 }}\n", "repeating 1 elements 100000000 times"),
    "macro-hub-model.md": (
        "# Hub\n\n{{ structure_facts('hf-hub:attacker/evil') }}\n",
        "has no model 'hf-hub:attacker/evil'",
    ),
    "front-matter-icon.md": (
        "---\nicon: ../../../etc/passwd\n---\n# Icon\n",
        "the front matter key 'icon' is not one a page may set",
    ),
    "marker-typo.md": (
        "# Typo\n\n<!-- modelsite: no-chek typo -->\n```python\nx = 1\n```\n",
        "<!-- modelsite: no-chek typo --> (line 3 of the page's final Markdown) is not a marker",
    ),
}


@pytest.mark.build
@pytest.mark.parametrize("name", HOSTILE_PAGES)
def test_a_hand_written_page_cannot_reach_the_interpreter(slim_project_copy: Path, tmp_path: Path, name: str) -> None:
    text, message = HOSTILE_PAGES[name]
    (slim_project_copy / "docs" / name).write_text(text, encoding="utf-8")
    result = build(slim_project_copy, tmp_path / "site")
    assert result.returncode != 0, "the build rendered a hostile page"
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.build
def test_a_page_s_front_matter_is_printed_as_text(slim_project_copy: Path, tmp_path: Path) -> None:
    payload = '<img src=x onerror="window.__pwned=1">'
    (slim_project_copy / "docs" / "front.md").write_text(
        f"---\ntitle: 'Front {payload}'\nsubtitle: '{payload}'\ndescription: '\"><script>window.__pwned=1</script>'\n"
        "---\n\nNo heading here: the title comes from the front matter.\n",
        encoding="utf-8",
    )
    result = build(slim_project_copy, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "site" / "front" / "index.html").read_text(encoding="utf-8")
    assert live_markup(source) == []
    assert "Front &lt;img" in source
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert all(live_markup(document["title"]) == [] for document in index["docs"])


@pytest.mark.build
@pytest.mark.parametrize("where", ["docs/leak.txt", "runnable_examples/leak.py", "docs/secrets"])
def test_a_link_out_of_the_project_is_never_published(slim_project_copy: Path, tmp_path: Path, where: str) -> None:
    secret = tmp_path / "secrets"
    secret.mkdir()
    (secret / "id_rsa").write_text("TOPSECRET", encoding="utf-8")
    target = secret if where.endswith("secrets") else secret / "id_rsa"
    (slim_project_copy / where).symlink_to(target)
    result = build(slim_project_copy, tmp_path / "site")
    assert result.returncode != 0
    assert "outside the project; the site publishes the files it serves" in result.stdout + result.stderr
    assert not any("TOPSECRET" in p.read_text(errors="replace") for p in (tmp_path / "site").rglob("*") if p.is_file())


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_any_collection_name_round_trips_through_the_front_matter(name: str) -> None:
    page = page_header(name, f"{name}: variants") + "# body\n"
    markdown, meta = get_data(page)  # how MkDocs reads it
    assert markdown == "# body\n"
    assert meta["render_macros"] is False
    assert html.unescape(meta["title"]) == name and html.unescape(meta["description"]) == f"{name}: variants"
    assert "<" not in meta["title"] and '"' not in meta["description"]
