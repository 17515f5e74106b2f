"""Index text enters a page as data: the one place that escapes, sanitizes and serializes it.

Contributors write the model index, and the build turns it into Markdown that MkDocs turns into
HTML. Every index value goes through exactly one of these on its way into a page:

- `text(value)`: plain text for any inline Markdown or HTML context (a table cell, a heading, an
  attribute value). Every character that Markdown, its extensions or HTML read as syntax becomes a
  numeric character reference, and line breaks become spaces, so nothing in it is markup.
- `url(value)`: an absolute http(s) address for a link or an attribute, percent-encoded where a
  character could end the Markdown link or the attribute.
- `prose(value)`: the Markdown of a prose field (Summary, Weights Source), converted to HTML by
  a restricted converter (emphasis, code, math, links) and cleaned by an allow-list sanitizer.
- `literal_block(value, language)`: a fenced block, longer than any fence inside the value.
- `front_matter(mapping)`: YAML written by a serializer, never by joining strings.

The Jinja environments that render pages call `finalize` on every `{{ ... }}` value: a value
that is not already `Markup` (the output of one of the functions above, or of a trusted helper
such as a chart) is escaped with `text`. Numbers and identifiers (`tf_efficientnet_b0.aa_in1k`:
letters, digits, `_`, `.` and `-`, nothing any context reads as syntax) pass unchanged, and so do
lists of them, so code blocks read as the reader types them.

`sanitize_html` is the last step of every page's HTML, hand-written pages included: only the
elements and attributes a page of this site needs survive, and links lead only to http(s),
mailto-free relative addresses or anchors.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

import yaml
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from modelsite.index.schema_types import IDENTIFIER

__all__ = [
    "Markup",
    "PageSandbox",
    "finalize",
    "front_matter",
    "json_attribute",
    "literal_block",
    "prose",
    "sanitize_html",
    "text",
    "url",
]

# Characters that Markdown (and the extensions this site enables: tables, attr_list, emoji, math)
# or HTML read as syntax anywhere inside a line. Line starts cannot occur: line breaks become spaces.
_SYNTAX = frozenset("&<>\"'\\`*_[](){}|$:!#~^=+")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def text(value: object) -> Markup:
    """VALUE as inert text for Markdown and HTML: syntax characters become character references."""
    plain = _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))
    return Markup("".join(f"&#{ord(char)};" if char in _SYNTAX else char for char in plain))


def url(value: object) -> Markup:
    """An absolute http(s) URL, safe inside a Markdown link destination and an HTML attribute.

    Validation refuses any other scheme; here an address that is not http(s) becomes `#`, so that
    nothing reaches a page as a live `javascript:` or `data:` link whatever the input.
    """
    address = str(value).strip()
    if not re.match(r"^https?://[^/\s]", address, re.IGNORECASE):
        return Markup("#")
    # Keep the URL's own reserved characters; encode what could end a link or an attribute, and `$`,
    # which the page's math would read as a formula's start inside a link.
    return Markup(urllib.parse.quote(address, safe=":/?#[]@!&*+,;=%-._~"))


_PAGE_PATH = re.compile(r"^(\.\./)*[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


def page_path(value: object) -> Markup:
    """A relative link between the site's pages (a slug, a variant key, `.md`), as MkDocs resolves it.

    Such paths are made of validated file stems and variant keys; anything else becomes `#`.
    """
    path = str(value)
    return Markup(path) if _PAGE_PATH.match(path) and ".." not in path.lstrip("./") else Markup("#")


def json_attribute(value: object) -> Markup:
    """VALUE as JSON for an HTML attribute that scripts parse (the explorer's filters)."""
    import json

    return text(json.dumps(value, ensure_ascii=False))


def literal_block(value: object, language: str = "text") -> Markup:
    """VALUE in a fenced block whose fence is longer than any run of backticks inside it."""
    body = str(value).strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{language}\n{body}\n{fence}")


class _QuotingDumper(yaml.SafeDumper):
    """Every string double-quoted, with escapes for line breaks and non-ASCII: one line per key, always."""


_QuotingDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def front_matter(fields: Mapping[str, Any]) -> str:
    """A page's YAML front matter, written by the serializer: no value can end it or add a key."""
    dumped = yaml.dump(dict(fields), Dumper=_QuotingDumper, sort_keys=False, width=float("inf"), allow_unicode=False)
    return f"---\n{dumped}---\n"


# The most elements a template may make by repeating a string or a list.
MOST_REPEATED = 100_000


class PageSandbox(SandboxedEnvironment):
    """The Jinja sandbox both page environments use, with bounded repetition and powers."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 100:
            raise SecurityError(f"a power of {right}: templates compute no such numbers")
        if operator == "*":
            sequence, count = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if (
                isinstance(sequence, (str, list, tuple))
                and isinstance(count, int)
                and len(sequence) * count > MOST_REPEATED
            ):
                raise SecurityError(f"repeating {len(sequence)} elements {count} times: templates make no such text")
        return super().call_binop(context, operator, left, right)


def finalize(value: Any) -> Any:
    """What every `{{ ... }}` of a page template prints: Markup, numbers and identifiers as they are, text escaped."""
    if isinstance(value, Markup) or _inert(value):
        return value
    if isinstance(value, (list, tuple)) and all(_inert(item) for item in value):
        return Markup(repr(list(value)))
    return text(value)


def _inert(value: object) -> bool:
    """A number, or a string that no Markdown or HTML context reads as syntax."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, str) and bool(IDENTIFIER.match(value)))


# Prose ---------------------------------------------------------------------------------------

_PROSE_TAGS = {"p", "em", "strong", "code", "a", "br", "ul", "ol", "li"}
# MathML that latex2mathml writes for the formulas a summary may hold.
# No mspace or mpadded, and no sizes: a formula cannot be made to cover or push away the page's text.
MATHML_TAGS = {
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "munder",
    "mover",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "menclose",
    "mphantom",
}
MATHML_ATTRIBUTES = {
    "display",
    "xmlns",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "displaystyle",
    "scriptlevel",
    "columnalign",
    "linethickness",
    "accent",
    "accentunder",
    "movablelimits",
    "notation",
    "encoding",
    "form",
    "largeop",
    "symmetric",
}


def prose(value: object) -> Markup:
    """A prose field's Markdown as sanitized HTML: emphasis, code, math and http(s) or relative links."""
    import markdown

    from modelsite.site.markdown_math import MathExtension

    converter = markdown.Markdown(extensions=[MathExtension()])
    # Raw HTML is text in prose: the converter's HTML readers are removed, so `<b>` shows as `<b>`.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    rendered = converter.convert(str(value))
    cleaned = _clean(rendered, tags=_PROSE_TAGS | MATHML_TAGS, attributes={"a": {"href"}, "*": MATHML_ATTRIBUTES})
    # The page's own Markdown pass must find no fence in it (superfences reads fences even inside raw HTML):
    # backticks and tildes become character references, which HTML shows the same.
    cleaned = cleaned.replace("`", "&#96;").replace("~", "&#126;")
    return Markup(f'<div class="index-prose">\n{cleaned}\n</div>')


# Every page's HTML -----------------------------------------------------------------------------

# What the pages of this site are made of: Markdown's output, Material's extensions (tabs, admonitions,
# code blocks, annotations, emoji), our explorer and switcher, inline SVG charts and MathML formulas.
PAGE_TAGS = {
    "a",
    "abbr",
    "article",
    "aside",
    "b",
    "blockquote",
    "br",
    "button",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "li",
    "mark",
    "nav",
    "ol",
    "option",
    "optgroup",
    "output",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
    # Inline SVG: the build's charts and Material's icons.
    "svg",
    "g",
    "path",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "rect",
    "text",
    "tspan",
    "title",
    "desc",
    "defs",
    "use",
    "symbol",
} | MATHML_TAGS
PAGE_ATTRIBUTES = {
    "*": {"class", "id", "title", "role", "hidden", "lang", "dir", "tabindex", "name"},
    "a": {"href", "download"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {
        "type",
        "checked",
        "value",
        "placeholder",
        "autocomplete",
        "disabled",
        "readonly",
        "min",
        "max",
        "step",
        "inputmode",
    },
    "label": {"for"},
    "select": {"multiple", "disabled"},
    "option": {"value", "selected", "disabled"},
    "button": {"type", "disabled"},
    "output": {"for"},
    "form": set(),
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"},
    "time": {"datetime"},
    "details": {"open"},
    "svg": {
        "viewbox",
        "viewBox",
        "xmlns",
        "width",
        "height",
        "fill",
        "preserveAspectRatio",
        "aria-hidden",
        "focusable",
    },
    "path": {"d", "fill", "fill-rule", "clip-rule", "stroke", "stroke-width", "transform"},
    "circle": {"cx", "cy", "r", "fill", "stroke", "transform"},
    "ellipse": {"cx", "cy", "rx", "ry", "fill", "stroke", "transform"},
    "line": {"x1", "x2", "y1", "y2", "stroke", "transform"},
    "polyline": {"points", "fill", "stroke", "transform"},
    "polygon": {"points", "fill", "stroke", "transform"},
    "rect": {"x", "y", "width", "height", "rx", "ry", "fill", "stroke", "transform"},
    "text": {"x", "y", "dx", "dy", "text-anchor", "transform", "dominant-baseline"},
    "tspan": {"x", "y", "dx", "dy"},
    "g": {"transform", "fill", "stroke"},
    "use": {"href"},
    "symbol": {"viewBox"},
}
for _tag in MATHML_TAGS:
    PAGE_ATTRIBUTES.setdefault(_tag, set()).update(MATHML_ATTRIBUTES)


def sanitize_html(page_html: str) -> str:
    """PAGE_HTML with only the elements, attributes and link schemes of the allow-lists above.

    `data-*` and `aria-*` attributes stay (the explorer and switcher read them); every `on*`
    handler, `<script>`, `<iframe>`, `<style>`, `javascript:` and `data:` address goes, and so does
    what `_attribute_filter` refuses.
    """
    return _clean(page_html, tags=PAGE_TAGS, attributes=PAGE_ATTRIBUTES)


# The inputs a page uses: the tabs' radio buttons, task lists' checkboxes, the explorer's search box and its
# number boxes for ranges.
INPUT_TYPES = ("radio", "checkbox", "search", "number")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """What the tag allow-lists cannot say: per value. None removes the attribute."""
    if attribute.startswith("data-md-"):
        return None  # Material's own hooks, for its templates, never for a page's content.
    if attribute == "name" and tag not in ("a", "input"):
        return None  # Named images and forms would shadow the document's own properties.
    if tag == "input" and attribute == "type" and value.lower() not in INPUT_TYPES:
        return "hidden"  # No password fields or text boxes for a page to ask the reader with.
    if attribute in ("src", "download") or (attribute == "href" and tag == "use"):
        return value if _relative(value) else None  # Images from elsewhere would track the reader.
    if attribute == "href" and value.startswith(("//", "\\")):
        return None  # Written to look relative, leading to another host.
    return value


def _relative(address: str) -> bool:
    parts = urllib.parse.urlsplit(address.strip())
    return not parts.scheme and not parts.netloc and not address.strip().startswith(("//", "\\"))


def _clean(fragment: str, tags: set[str], attributes: dict[str, set[str]]) -> str:
    import nh3

    return nh3.clean(
        fragment,
        tags=tags,
        attributes=attributes,
        generic_attribute_prefixes={"data-", "aria-"},
        url_schemes={"http", "https"},
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style"},
        attribute_filter=_attribute_filter,
    )
