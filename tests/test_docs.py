"""The documentation site builds strictly, and its maths is MathML written at build time (no JavaScript needed).

`mkdocs build --strict` runs the whole site, including the mkdocstrings API pages rendered from the docstrings;
``docs/hooks/mathml.py`` turns every arithmatex span/div into a ``<math>`` element and fails the build on LaTeX
it cannot convert.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "docs" / "hooks" / "mathml.py"

needs_mkdocs = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None,
    reason="mkdocs is not installed (pip install -e '.[test]' or '.[docs]' installs it)",
)


def _load_hook():
    spec = importlib.util.spec_from_file_location("skillode_docs_mathml_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _visible(html: str) -> str:
    """The page without the LaTeX kept in MathML annotations and without code (which may show LaTeX on purpose)."""
    html = re.sub(r"<annotation\b.*?</annotation>", "", html, flags=re.DOTALL)
    return re.sub(r"<(pre|code)\b.*?</\1>", "", html, flags=re.DOTALL)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return out, elapsed


@needs_mkdocs
def test_site_builds_strict_and_fast(site):
    out, elapsed = site
    assert elapsed < 120, f"mkdocs build took {elapsed:.0f} s"
    for page in ("index.html", "getting-started.html", "models/resource.html", "api/index.html"):
        assert (out / page).is_file(), page
    # plain file links, so that the site works opened from a folder (no server to map dir/ to dir/index.html)
    assert 'href="getting-started.html"' in (out / "index.html").read_text()
    assert not (out / "hooks").exists(), "the build hook must not be published"


@needs_mkdocs
@pytest.mark.parametrize(
    "page",
    [
        "models/resource.html",  # Markdown maths, inline and display
        "api/analysis.html",  # skillode.closed_form's docstrings, rendered by mkdocstrings
        "api/symbolic.html",
        "derivations.html",  # maths in headings, hence in the table of contents
    ],
)
def test_maths_is_mathml(site, page):
    out, _ = site
    html = (out / page).read_text(encoding="utf-8")
    assert "<math" in html
    assert 'display="block"' in html
    assert '<annotation encoding="application/x-tex">' in html
    visible = _visible(html)
    for raw in ("\\frac", "\\(", "\\[", 'class="arithmatex"'):
        assert raw not in visible, f"{page}: raw {raw!r} left in the page"
    assert "&amp;#x" not in html, f"{page}: doubly escaped character references"


@needs_mkdocs
def test_hook_converts_and_refuses():
    hook = _load_hook()
    out = hook.latex_to_mathml(r"\frac{a}{b} < \tau", "block")
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert "<mfrac>" in out and "<mo>&lt;</mo>" in out and "τ" in out
    assert '<annotation encoding="application/x-tex">\\frac{a}{b} &lt; \\tau</annotation>' in out
    page = '<p>x <span class="arithmatex">\\(a &amp; b\\)</span> <div class="arithmatex">\\[x^2\\]</div></p>'
    converted = hook.render_maths(page)
    assert "arithmatex" not in converted and converted.count("<math") == 2
    for bad in (r"\notacommand x", r"\frac{a", r"x^", r"\frac a", r"\begin{pmatrix} a"):
        with pytest.raises(hook.MathConversionError):
            hook.latex_to_mathml(bad)
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"notacommand.*on page 'x\.md'"):
        hook.render_maths('<span class="arithmatex">\\(\\notacommand\\)</span>', "page 'x.md'")


@needs_mkdocs
def test_code_scrolls_in_the_column_and_figures_open_full_size(site):
    out, _ = site
    assert 'stylesheets/code.css' in (out / "getting-started.html").read_text(encoding="utf-8")
    css = (out / "stylesheets" / "code.css").read_text()
    assert "overflow-x: auto" in css and "max-width: 100%" in css
    gallery = (out / "gallery.html").read_text(encoding="utf-8")
    figures = re.findall(r'<a class="gallery-figure" href="([^"]+)"[^>]*><img src="([^"]+)"', gallery)
    assert len(figures) >= 10 and all(href == src for href, src in figures)  # a click opens the figure itself
    assert all((out / href).is_file() for href, _ in figures)
    assert "<img" not in re.sub(r'<a class="gallery-figure"[^>]*><img[^>]*></a>', "", gallery)
