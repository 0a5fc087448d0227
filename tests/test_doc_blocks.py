"""Every ```python block of README.md and docs/ runs, as pasted.

Each page's blocks run **in order, in one namespace** (a later block may use what an earlier one defined, as a
reader pasting the page top to bottom would), as ``__main__``, in a subprocess with a timeout and an empty working
directory (stores such as ``fig10.zarr`` land there). A small driver script execs the blocks under its own
``if __name__ == "__main__":``, so Dask's spawned workers, which re-run the main script, re-run only the driver and
not every block of the page; tracebacks name the Markdown file and line. The examples that start a local cluster do
so themselves, on 2 workers, and must do it under ``if __name__ == "__main__":`` as a script needs
(`test_local_clusters_are_guarded`, with `skillode.sweeps.clusters.guarded`, the check `local_cluster` makes).

A block that cannot run as is (a template with ``...`` to fill in, a SLURM cluster) carries an HTML comment on
the line before its fence, which the rendered page does not show:

    <!-- skip: the reason -->

Skips are listed by `test_skips_are_few_and_explained`; keep them few.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*$")
SKIP = re.compile(r"^\s*<!--\s*skip:\s*(?P<reason>.+?)\s*-->\s*$")
TIMEOUT_S = 600


def code_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """``(line, code, skip reason or None)`` of each ```python block of a Markdown text, in order."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = m["indent"], m["lang"], i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        if lang != "python":
            continue
        before = next((ln for ln in reversed(lines[:start]) if ln.strip()), "")
        skip = SKIP.match(before)
        out.append((start + 1, textwrap.dedent("\n".join(body)), skip["reason"] if skip else None))
    return out


def runnable_blocks(page: Path) -> list[tuple[int, str]]:
    return [(line, code) for line, code, skip in code_blocks(page.read_text(encoding="utf-8")) if skip is None]


DRIVER = """\

if __name__ == "__main__":
    namespace = {"__name__": "__main__"}
    for path, line, code in BLOCKS:
        exec(compile("\\n" * line + code, path, "exec"), namespace)   # line numbers as in the Markdown file
"""


def page_driver(page: Path) -> str:
    """A script that runs the runnable blocks of ``page`` in order, in one namespace, as ``__main__``."""
    blocks = [(str(page), line, code) for line, code in runnable_blocks(page)]
    return f"BLOCKS = {blocks!r}\n{DRIVER}"


RUNNABLE = [p for p in PAGES if runnable_blocks(p)]


def test_extractor():
    text = "\n".join([
        "# t", "```python", "a = 1", "```", "", "<!-- skip: needs a SLURM cluster -->", "```python", "b = a",
        "```", "```bash", "ls", "```", "!!! note", "    ```python", "    if a:", "        c = a", "    ```",
    ])
    blocks = code_blocks(text)
    assert [(line, code, skip) for line, code, skip in blocks] == [
        (2, "a = 1", None), (7, "b = a", "needs a SLURM cluster"), (14, "if a:\n    c = a", None)]


def test_local_clusters_are_guarded():
    """A block that starts a local cluster does it under an ``if`` (``if __name__ == "__main__":``), in the block
    itself: pasted into a script it must not start a cluster in every worker (the test's driver would not notice)."""
    from skillode.sweeps.clusters import guarded

    found = 0
    for page in PAGES:
        for line, code in runnable_blocks(page):
            for i, text in enumerate(code.splitlines(), start=1):
                if "local_cluster(" in text and not text.lstrip().startswith("#"):
                    found += 1
                    assert guarded(code, i), f"{page.relative_to(ROOT)}:{line + i}: local_cluster without the guard"
    assert found >= 2


def test_skips_are_few_and_explained():
    skipped = [(p.relative_to(ROOT), line, skip) for p in PAGES for line, _, skip in code_blocks(p.read_text())
               if skip is not None]
    assert all(len(reason) > 10 for *_, reason in skipped), skipped
    assert len(skipped) <= 6, f"too many skipped blocks: {skipped}"


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(ROOT)) for p in RUNNABLE])
def test_page_runs_as_a_script(page, tmp_path):
    script = tmp_path / "run_doc_page.py"  # not the page's name: distributed.py would shadow the package
    script.write_text(page_driver(page), encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore::DeprecationWarning")
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{page.relative_to(ROOT)}: its blocks took longer than {TIMEOUT_S} s")
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, (
        f"{page.relative_to(ROOT)}: its blocks, run in order, failed ({elapsed:.0f} s):\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
