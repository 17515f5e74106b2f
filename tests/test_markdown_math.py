"""modelsite.site.markdown_math: `$...$` and `$$...$$` become MathML, code spans keep their dollars (formulas
in the built site: test_build.py). No marker: milliseconds.
"""

from __future__ import annotations

import markdown


def test_math_becomes_mathml_and_code_keeps_its_dollars() -> None:
    html = markdown.markdown(
        "Depth grows as $\\alpha^\\phi$, not `$HOME` or $5 and $6.\n\n$$\nx^2\n$$",
        extensions=["modelsite.site.markdown_math"],
    )
    assert html.count("<math") == 2 and "<msup>" in html
    assert "<code>$HOME</code>" in html and "$5 and $6" in html
