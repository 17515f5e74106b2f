"""Python-Markdown extension: `$...$` and `$$...$$` become MathML at build time.

Browsers render MathML natively, so formulas need no script, font or network.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from latex2mathml.converter import convert
from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor

# `$x$` with no space just inside the dollars, so prices like "$5 and $6" stay text.
INLINE_MATH = r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])"
BLOCK_MATH = re.compile(r"^\$\$\n?(?P<tex>.+?)\n?\$\$$", re.DOTALL)


class InlineMath(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # type: ignore[override]
        return self.md.htmlStash.store(convert(m.group(1))), m.start(0), m.end(0)


class BlockMath(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(BLOCK_MATH.match(block.strip()))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        tex = BLOCK_MATH.match(blocks.pop(0).strip()).group("tex")  # type: ignore[union-attr]
        placeholder = self.parser.md.htmlStash.store(convert(tex, display="block"))
        paragraph = etree.SubElement(parent, "p")
        paragraph.text = placeholder


class MathExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Below backticks (190) so code spans keep their dollars.
        md.inlinePatterns.register(InlineMath(INLINE_MATH, md), "modelsite_math", 185)
        md.parser.blockprocessors.register(BlockMath(md.parser), "modelsite_block_math", 95)


def makeExtension(**kwargs: object) -> MathExtension:
    return MathExtension(**kwargs)
