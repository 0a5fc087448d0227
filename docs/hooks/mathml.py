"""MkDocs hook: render the LaTeX of every page as MathML at build time, so the site needs no JavaScript.

`pymdownx.arithmatex` (generic mode) leaves inline maths as ``<span class="arithmatex">\\(...\\)</span>`` and
display maths as ``<div class="arithmatex">\\[...\\]</div>``, in the Markdown pages and in the docstrings that
mkdocstrings renders. This hook converts each of them with `latex2mathml` into a ``<math>`` element
(``display="block"`` for display maths) that keeps the LaTeX source as an ``application/x-tex`` annotation.
MathML Core renders natively in current Firefox, Chrome/Edge and Safari: no scripts, no fonts to ship, and the
site works offline.

The conversion is strict: an expression that latex2mathml rejects, or that comes back with a LaTeX command it
did not understand, fails the build with the page and the expression.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert_to_element
from mkdocs.exceptions import PluginError

_ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
_INLINE_TOC = re.compile(r"\\\((.*?)\\\)", re.DOTALL)
_OPERATORNAME = re.compile(r"\\operatorname\*?\{([^{}]*)\}")
_BRACES = re.compile(r"\\\\|\\[{}]|[{}]")  # an escaped backslash or brace is not a group delimiter
# Elements whose children are positional arguments: a missing argument means the LaTeX was malformed.
_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mroot": 2, "munder": 2, "mover": 2, "munderover": 3}
# latex2mathml writes MathML 3 named spaces, which MathML Core (what browsers implement) does not know.
_NAMED_SPACES = {
    "veryverythinmathspace": "0.056em",
    "verythinmathspace": "0.111em",
    "thinmathspace": "0.167em",
    "mediummathspace": "0.222em",
    "thickmathspace": "0.278em",
    "verythickmathspace": "0.333em",
    "veryverythickmathspace": "0.389em",
}
_NAMED_SPACES.update({"negative" + k: "-" + v for k, v in list(_NAMED_SPACES.items())})


class MathConversionError(ValueError):
    """A LaTeX expression that latex2mathml cannot turn into MathML."""


def _strip_delimiters(text: str) -> tuple[str, str]:
    """Split arithmatex's generic output into (LaTeX, display); environments like ``align`` come bare."""
    text = text.strip()
    if text.startswith("\\(") and text.endswith("\\)"):
        return text[2:-2].strip(), "inline"
    if text.startswith("\\[") and text.endswith("\\]"):
        return text[2:-2].strip(), "block"
    if text.startswith("\\begin{"):
        return text, "block"
    raise MathConversionError(f"unexpected arithmatex output {text!r}")


def _check_balanced(latex: str) -> None:
    """latex2mathml accepts unbalanced groups (``\\frac{a``) without complaint; refuse them."""
    depth = 0
    for token in _BRACES.findall(latex):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            raise MathConversionError("unbalanced braces: a '}' closes no group")
    if depth:
        raise MathConversionError(f"unbalanced braces: {depth} group(s) not closed")
    begins, ends = re.findall(r"\\begin\{(\w+\*?)\}", latex), re.findall(r"\\end\{(\w+\*?)\}", latex)
    if sorted(begins) != sorted(ends):
        raise MathConversionError(f"unmatched environments: \\begin {begins}, \\end {ends}")


@functools.cache
def latex_to_mathml(latex: str, display: str = "inline") -> str:
    """One LaTeX expression as a ``<math>`` element (a string), with the LaTeX kept as an annotation."""
    # \operatorname{expm1} comes out of latex2mathml as an empty <mo/> and italic letters; \mathrm is upright.
    source = _OPERATORNAME.sub(r"\\mathrm{\1}", latex)
    _check_balanced(source)
    try:
        math = convert_to_element(source, display=display)
    except Exception as exc:  # latex2mathml raises many types (its own, IndexError, KeyError, ...)
        raise MathConversionError(f"{type(exc).__name__}: {exc}") from exc
    for node in math.iter():
        for text in (node.text, node.tail):
            if text and "\\" in text:
                raise MathConversionError(f"latex2mathml did not understand {text.strip()!r}")
        # latex2mathml stores characters as entity references ("&#x003C4;") in the text; make them characters so
        # that serialising escapes exactly what HTML needs (its own convert() unescapes the whole string instead).
        if node.text:
            node.text = html.unescape(node.text)
        if node.tag in _ARITY and len(node) != _ARITY[node.tag]:
            raise MathConversionError(f"<{node.tag}> with {len(node)} arguments instead of {_ARITY[node.tag]}")
        width = node.get("width")
        if width in _NAMED_SPACES:
            node.set("width", _NAMED_SPACES[width])
    body = list(math)
    for child in body:
        math.remove(child)
    semantics = ET.SubElement(math, "semantics")
    if len(body) == 1 and body[0].tag == "mrow":
        semantics.append(body[0])
    else:
        ET.SubElement(semantics, "mrow").extend(body)
    annotation = ET.SubElement(semantics, "annotation", encoding="application/x-tex")
    annotation.text = latex
    return ET.tostring(math, encoding="unicode", short_empty_elements=False)


def _convert(latex: str, display: str, where: str) -> str:
    try:
        return latex_to_mathml(latex, display)
    except MathConversionError as exc:
        raise PluginError(f"mathml hook: cannot convert the LaTeX {latex!r} on {where}: {exc}") from exc


def render_maths(markup: str, where: str = "a page") -> str:
    """Replace every arithmatex span/div in ``markup`` by MathML."""

    def replace(match: re.Match) -> str:
        latex, display = _strip_delimiters(html.unescape(match.group(2)))
        return _convert(latex, display, where)

    try:
        return _ARITHMATEX.sub(replace, markup)
    except MathConversionError as exc:
        raise PluginError(f"mathml hook: {exc} on {where}") from exc


def _fix_toc(items, where: str) -> None:
    """Table-of-contents titles hold the heading's text, with inline maths as bare ``\\(...\\)``."""
    for item in items:
        item.title = _INLINE_TOC.sub(lambda m: _convert(html.unescape(m.group(1)).strip(), "inline", where), item.title)
        _fix_toc(item.children, where)


def on_page_content(html_text: str, page, config, files) -> str:
    where = f"page {page.file.src_uri!r}"
    if page.toc:
        _fix_toc(page.toc, where + " (table of contents)")
    return render_maths(html_text, where)
