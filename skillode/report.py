"""The reproduction scorecard: run every example script, collect its checks, write ``report.md`` and ``index.html``.

Each script in ``examples/`` reproduces one result of arXiv:2501.12391 and writes ``<out>/<name>.json`` with its
check records (see ``examples/_common.py``: id, the paper's claim and value, skillode's value and spread, the
tolerance, pass / fail / not-run, the figure). This module keeps no numbers of its own: `write_report` runs the
scripts (``--quick`` unless ``quick=False``), each in a subprocess with a timeout, and turns their records into one
table, a row per check. A script that crashes, times out or writes no result becomes a failed row, not a crashed
report.

The scripts ship inside the wheel as ``skillode/_examples`` (hatch ``force-include``); in a source checkout or an
editable install they are read from the repository's ``examples/`` folder.

Examples:
    >>> report = write_report("report", only=["fig9_domino"])  # doctest: +SKIP
    >>> report.n_failed, report.markdown  # doctest: +SKIP
    (0, PosixPath('report/report.md'))
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["Report", "ExampleRun", "examples_dir", "list_examples", "run_example", "write_report"]

RESULT_SCHEMA = "skillode-example/1"
PAPER = "arXiv:2501.12391"
STATUSES = ("pass", "fail", "not-run")


def examples_dir() -> Path:
    """Where the example scripts are: ``skillode/_examples`` in a wheel, else the checkout's ``examples/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_examples", here.parent / "examples"):
        if (candidate / "_common.py").is_file():
            return candidate
    raise FileNotFoundError(
        "cannot find the example scripts: neither skillode/_examples (installed wheel) nor examples/ next to the "
        "skillode package (source checkout) exists"
    )


def list_examples(directory: Path | None = None) -> dict[str, Path]:
    """The example scripts in ``directory`` (default `examples_dir`), by name; helpers starting with ``_`` excluded."""
    directory = Path(directory) if directory is not None else examples_dir()
    return {p.stem: p for p in sorted(directory.glob("*.py")) if not p.name.startswith("_")}


@dataclasses.dataclass
class ExampleRun:
    """One example's run: exit status, wall time, its result file (None if it wrote none) and its log."""

    name: str
    script: Path
    outdir: Path
    returncode: int | None
    wall_s: float
    timed_out: bool
    result: dict | None
    log: str

    def rows(self) -> list[dict]:
        """The run's check records as table rows, plus a failed row for a crash, a timeout or a missing result."""
        rows = []
        if self.result is not None:
            for rec in self.result.get("checks", []):
                rows.append({**rec, "example": self.name})
        problem = None
        if self.timed_out:
            problem = f"timed out after {self.wall_s:.0f} s"
        elif self.result is None:
            problem = f"exit status {self.returncode}, no result file" if self.returncode else "no result file"
        elif self.returncode != 0 and not any(r["status"] == "fail" for r in rows):
            problem = f"exit status {self.returncode} although no check failed"
        elif not rows:
            problem = "no checks recorded"
        if problem:
            rows.append({
                "id": f"{self.name}.run", "description": f"the script runs to the end ({problem}; see its log)",
                "claim": "—", "paper": None, "value": problem, "spread": None, "spread_label": None,
                "tolerance": "exit status 0", "status": "fail", "reason": None, "figure": None,
                "script": f"examples/{self.name}.py", "example": self.name,
            })
        return rows


def run_example(script: Path, outdir: Path, *, quick: bool = True, timeout: float = 600.0) -> ExampleRun:
    """Run one example script in a subprocess (``--out outdir``, ``--quick`` if asked) and read its result file.

    The output folder is emptied first, so a stale result can never be reported. stdout and stderr go to
    ``outdir/log.txt``; a copy of the script is kept next to its figures so that the report can link to it.
    """
    script, outdir = Path(script).resolve(), Path(outdir).resolve()
    name = script.stem
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    cmd = [sys.executable, str(script), "--out", str(outdir)] + (["--quick"] if quick else [])
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    timed_out = False
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=outdir)
        rc, log = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as err:
        timed_out, rc = True, None
        out = err.stdout or b""
        errs = err.stderr or b""
        log = (out.decode() if isinstance(out, bytes) else out) + (errs.decode() if isinstance(errs, bytes) else errs)
    wall = time.perf_counter() - start
    (outdir / "log.txt").write_text(f"$ {' '.join(cmd)}\n{log}")
    shutil.copy2(script, outdir / script.name)
    result = None
    path = outdir / f"{name}.json"
    if path.is_file():
        try:
            result = json.loads(path.read_text())
        except json.JSONDecodeError:
            result = None
        if result is not None and result.get("schema") != RESULT_SCHEMA:
            result = None
    return ExampleRun(name, script, outdir, rc, wall, timed_out, result, log)


@dataclasses.dataclass
class Report:
    """What `write_report` wrote: the two files, every example run and every table row."""

    markdown: Path
    html: Path
    runs: list[ExampleRun]
    rows: list[dict]
    wall_s: float

    @property
    def n_failed(self) -> int:
        return sum(r["status"] == "fail" for r in self.rows)

    def counts(self) -> dict[str, int]:
        return {s: sum(r["status"] == s for r in self.rows) for s in STATUSES}


def write_report(
    outdir="report",
    *,
    quick: bool = True,
    only=None,
    directory: Path | None = None,
    timeout: float | None = None,
    jobs: int = 1,
    progress: bool = True,
) -> Report:
    """Run the examples and write ``outdir/report.md`` and a self-contained ``outdir/index.html``.

    **Arguments:**

    - `outdir`: output folder; each example writes into ``outdir/<name>/``.
    - `quick`: run the examples' ``--quick`` modes (default); False runs them in full.
    - `only`: names of the examples to run (default all); an unknown name raises ``ValueError``.
    - `directory`: where the scripts are (default `examples_dir`).
    - `timeout`: seconds per example (default 600 quick, 7200 full); past it the example's row fails.
    - `jobs`: examples run at the same time.
    - `progress`: print a line per example.

    **Returns:** a `Report`; ``report.n_failed`` is the number of failed rows.
    """
    scripts = list_examples(directory)
    if only is not None:
        only = [only] if isinstance(only, str) else list(only)
        unknown = sorted(set(only) - set(scripts))
        if unknown:
            raise ValueError(f"unknown example(s) {unknown}; choose from {', '.join(scripts)}")
        scripts = {k: v for k, v in scripts.items() if k in only}
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    timeout = timeout if timeout is not None else (600.0 if quick else 7200.0)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    def one(item):
        name, script = item
        run = run_example(script, outdir / name, quick=quick, timeout=timeout)
        if progress:
            counts = {s: sum(r["status"] == s for r in run.rows()) for s in STATUSES}
            print(f"[report] {name}: {counts['pass']} pass, {counts['fail']} fail, {counts['not-run']} not run "
                  f"({run.wall_s:.0f} s)", flush=True)
        return run

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(one, scripts.items()))
    rows = [row for run in runs for row in run.rows()]
    wall = time.perf_counter() - start
    md = outdir / "report.md"
    md.write_text(_markdown(runs, rows, quick=quick, wall=wall))
    page = outdir / "index.html"
    page.write_text(_html(runs, rows, quick=quick, wall=wall))
    return Report(md, page, runs, rows, wall)


# ---------------------------------------------------------------------------------------------- formatting
def _num(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x == 0:
            return "0"
        if abs(x) < 1e-3 or abs(x) >= 1e5:
            return f"{x:.3g}"
        return f"{x:.4g}"
    if isinstance(x, list):
        return "[" + ", ".join(_num(v) for v in x) + "]"
    return str(x)


def _value(row) -> str:
    text = _num(row["value"]) if row["status"] != "not-run" else "not run"
    spread = row.get("spread")
    if spread is not None:
        text += f" [{_num(spread[0])}–{_num(spread[1])}]" if isinstance(spread, list) and len(spread) == 2 else (
            f" ± {_num(spread)}")
    return text


def _status(row) -> str:
    if row["status"] == "not-run":
        return f"not run ({row.get('reason') or 'quick mode'})"
    return row["status"]


def _tolerance(row) -> str:
    tol = row.get("tolerance")
    if tol is None:
        return "—"
    return f"± {_num(tol)}" if isinstance(tol, (int, float)) else str(tol)


def _summary(runs, rows, *, quick, wall) -> tuple[str, str]:
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    head = (f"{counts['pass']} passed, {counts['fail']} failed, {counts['not-run']} not run, from {len(runs)} "
            f"examples ({'quick' if quick else 'full'} mode, {wall:.0f} s wall time).")
    times = ", ".join(f"{r.name} {r.wall_s:.0f} s" for r in runs)
    return head, f"Wall time per example (machine-dependent): {times}."


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(runs, rows, *, quick, wall) -> str:
    head, times = _summary(runs, rows, quick=quick, wall=wall)
    out = [
        "# skillode reproduction scorecard",
        "",
        f"Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*, {PAPER}. Every row is a check recorded by "
        "one example script (`examples/`): the paper's claim and value, skillode's value (with its spread over "
        "seeds where the run is random), the tolerance and the verdict. Regenerate with `skillode report` "
        "(`--full` for the full runs).",
        "",
        f"**{head}**",
        "",
        "| status | check | claim | paper | skillode | tolerance | figure | script |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fig = f"[{r['figure']}]({r['example']}/{r['figure']})" if r.get("figure") else "—"
        script = f"[{r['example']}.py]({r['example']}/{r['example']}.py)"
        status = {"pass": "pass", "fail": "**FAIL**"}.get(r["status"], _status(r))
        out.append("| " + " | ".join(_md_cell(c) for c in (
            status, f"`{r['id']}` {r['description']}", r["claim"], _num(r["paper"]), _value(r), _tolerance(r),
            fig, script)) + " |")
    out += ["", "## Figures", ""]
    for run in runs:
        figures = (run.result or {}).get("figures", [])
        out += [f"### {run.name}", "", f"Script: [{run.name}.py]({run.name}/{run.name}.py), log: "
                f"[log.txt]({run.name}/log.txt)", ""]
        out += [f"![{f}]({run.name}/{f})" for f in figures] or ["(no figure)"]
        out.append("")
    out += ["---", "", times, ""]
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1300px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #f0f0f0; position: sticky; top: 0; }
tr.pass td.status { background: #d9f2d9; } tr.fail td.status { background: #f7c6c6; font-weight: bold; }
tr.not-run td.status { background: #eee; color: #666; }
code { font-size: 0.95em; } img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
.summary { font-size: 1.1em; font-weight: bold; }
"""


def _anchor(example: str, figure: str) -> str:
    return "fig-" + "".join(c if c.isalnum() else "-" for c in f"{example}-{figure}")


def _html(runs, rows, *, quick, wall) -> str:
    esc = html.escape
    head, times = _summary(runs, rows, quick=quick, wall=wall)
    body = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        "<title>skillode reproduction scorecard</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>skillode reproduction scorecard</h1>",
        f"<p>Liu, Liu, Michaud, Gore &amp; Tegmark, <i>Physics of Skill Learning</i>, {PAPER}. Every row is a "
        "check recorded by one example script: the paper's claim and value, skillode's value (with its spread "
        "over seeds where the run is random), the tolerance and the verdict.</p>",
        f"<p class='summary'>{esc(head)}</p>",
        "<table><thead><tr><th>status</th><th>check</th><th>claim</th><th>paper</th><th>skillode</th>"
        "<th>tolerance</th><th>figure</th><th>script</th></tr></thead><tbody>",
    ]
    for r in rows:
        fig = (f"<a href='#{_anchor(r['example'], r['figure'])}'>{esc(r['figure'])}</a>" if r.get("figure")
               else "—")
        script = f"<a href='{esc(r['example'])}/{esc(r['example'])}.py'>{esc(r['example'])}.py</a>"
        title = f" title='{esc(r['spread_label'])}'" if r.get("spread_label") else ""
        body.append(
            f"<tr class='{r['status']}'><td class='status'>{esc(_status(r))}</td>"
            f"<td><code>{esc(r['id'])}</code> {esc(r['description'])}</td><td>{esc(str(r['claim']))}</td>"
            f"<td>{esc(_num(r['paper']))}</td><td{title}>{esc(_value(r))}</td><td>{esc(_tolerance(r))}</td>"
            f"<td>{fig}</td><td>{script}</td></tr>"
        )
    body += ["</tbody></table>", "<h2>Figures</h2>"]
    for run in runs:
        body.append(f"<h3 id='{esc(run.name)}'>{esc(run.name)}</h3>")
        body.append(f"<p><a href='{esc(run.name)}/{esc(run.name)}.py'>script</a> · "
                    f"<a href='{esc(run.name)}/log.txt'>log</a> · {run.wall_s:.0f} s</p>")
        for f in (run.result or {}).get("figures", []):
            path = run.outdir / f
            if not path.is_file():
                continue
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            body.append(f"<img id='{_anchor(run.name, f)}' alt='{esc(f)}' src='data:image/png;base64,{data}'>")
    body += [f"<hr><p>{esc(times)}</p>", "</body></html>", ""]
    return "\n".join(body)
