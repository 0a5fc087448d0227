"""The reproduction scorecard: run every example script, collect its checks, write ``report.md`` and ``index.html``.

Each script in ``examples/`` reproduces one result of arXiv:2501.12391 and writes ``<out>/<name>.json`` with its
check records (see ``examples/_common.py``: id, the paper's claim, the reference value and its kind of evidence,
skillode's value and spread, the numeric tolerance and its reason, pass / differs / fail / not-run, the figure).
This module keeps no numbers of its own: `write_report` runs the scripts (``--quick`` unless ``quick=False``),
each in a subprocess with a timeout, and turns their records into one table, a row per check. A script that
crashes, times out or writes no result becomes a failed row, not a crashed report. Rows and figures are in the
paper's order (by figure number, then the sections without one, then the rows beyond the paper), and the summary
counts each kind of evidence apart: only ``paper`` and ``authors-code`` rows are agreement with the paper.

The scripts ship inside the wheel as ``skillode/_examples`` (hatch ``force-include``); in a source checkout or an
editable install they are read from the repository's ``examples/`` folder.

The runner: the scripts run side by side, one subprocess per CPU core (`default_jobs`), the longest expected
first, each with its share of the numeric threads and with JAX's persistent compilation cache (`jax_cache_dir`,
`example_env`), so that a second report loads its compiled programs instead of compiling them. It prints a header
(how many examples, how many at a time, the expected time), a line as each starts and ends, and keeps a record of
each example's wall time and exit status in ``runs.json``, from which the next report estimates its time.

Examples:
    >>> report = write_report("report", only=["fig9_domino"])  # doctest: +SKIP
    >>> report.n_failed, report.markdown  # doctest: +SKIP
    (0, PosixPath('report/report.md'))
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import html
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

__all__ = ["Report", "ExampleRun", "examples_dir", "list_examples", "run_example", "write_report", "order_rows",
           "KINDS", "STATUSES", "default_jobs", "example_env", "jax_cache_dir", "QUICK_SECONDS", "FULL_SECONDS",
           "fingerprint", "numeric_environment", "STORE_ENV", "SCHEDULER_ENV"]

RESULT_SCHEMA = "skillode-example/1"
PAPER = "arXiv:2501.12391"
STATUSES = ("pass", "differs", "fail", "not-run")
#: the kinds of evidence a row's reference value can be (as in examples/_common.py); the first two are the paper's
KINDS = {
    "paper": "read from the paper's figure or text",
    "authors-code": "the authors' research code re-run",
    "derived": "derived here: skillode's own closed form, identity or independent implementation",
    "beyond": "skillode's own target beyond the paper",
}
PAPER_KINDS = ("paper", "authors-code")


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


def default_jobs() -> int:
    """The CPU cores this process may run on (``os.sched_getaffinity`` where the system has it): `write_report`'s
    default number of examples at a time."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def jax_cache_dir() -> Path | None:
    """The folder of JAX's persistent compilation cache that `write_report` gives the examples; None: off.

    ``SKILLODE_JAX_CACHE`` decides: ``0``, ``off``, ``no`` or ``false`` turn the cache off, a path chooses the
    folder; unset, it is ``$XDG_CACHE_HOME/skillode/jax`` (``~/.cache/skillode/jax``).
    """
    choice = os.environ.get("SKILLODE_JAX_CACHE", "").strip()
    if choice.lower() in ("0", "off", "no", "false", "none"):
        return None
    if choice:
        return Path(choice).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "skillode" / "jax"


#: environment variables through which `write_report` hands the examples that run studies (their ``--store`` and
#: ``--scheduler`` flags, ``examples/_common.py``) a shared folder of study stores and a running Dask scheduler
STORE_ENV, SCHEDULER_ENV = "SKILLODE_STORE", "SKILLODE_SCHEDULER"


def example_env(*, cache: Path | None = None, threads: int | None = None, store: Path | None = None,
                scheduler: str | None = None) -> dict[str, str]:
    """The environment variables `write_report` adds for each example's subprocess; a variable already set in this
    process's environment is left as it is.

    - `cache`: JAX's persistent compilation cache in that folder, keeping every compiled program (the thresholds
      on compile time and entry size off: the examples' CPU programs are small), so that a second report loads
      its XLA programs instead of compiling them again.
    - `threads`: threads of one example's numerics (OpenMP, OpenBLAS and MKL pools; with 1, XLA's Eigen pool
      off too), so that K examples side by side on K cores do not oversubscribe them. None: no limit.
    - `store`: the folder of study stores every example that runs a study uses unless given ``--store``
      (``SKILLODE_STORE``): studies under one folder share their parts (Figs. 10 and 18 share the scaling grid,
      forecast_emergence reads validation_at_scale's networks) and a rerun computes only what is missing.
    - `scheduler`: the address of a Dask scheduler those examples submit their studies' parts to, unless given
      ``--workers`` or ``--scheduler`` (``SKILLODE_SCHEDULER``).
    """
    env: dict[str, str] = {}
    if store is not None:
        env[STORE_ENV] = str(Path(store).resolve())
    if scheduler is not None:
        env[SCHEDULER_ENV] = scheduler
    if cache is not None:
        env["JAX_COMPILATION_CACHE_DIR"] = str(cache)
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
        env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "-1"
    if threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        xla = os.environ.get("XLA_FLAGS", "")
        if threads == 1 and "xla_cpu_multi_thread_eigen" not in xla:
            env["XLA_FLAGS"] = f"{xla} --xla_cpu_multi_thread_eigen=false".strip()
    return {k: v for k, v in env.items() if k in ("XLA_FLAGS", STORE_ENV, SCHEDULER_ENV) or k not in os.environ}


_RUNNING: set[subprocess.Popen] = set()  # the example processes alive now (ended all at once on an interrupt)
_RUNNING_LOCK = threading.Lock()


def _end(proc: subprocess.Popen) -> None:
    """Kill an example and whatever it started (its own session: one process group), then reap it."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_example(script: Path, outdir: Path, *, quick: bool = True, timeout: float = 600.0,
                env: dict[str, str] | None = None) -> ExampleRun:
    """Run one example script in a subprocess (``--out outdir``, ``--quick`` if asked) and read its result file.

    The output folder is emptied first, so a stale result can never be reported. stdout and stderr go to
    ``outdir/log.txt`` as they come (``tail -f`` it to watch a long example); a copy of the script is kept next to
    its figures so that the report can link to it. `env`: environment variables on top of this process's (e.g.
    `example_env`). The script runs in a session of its own: past `timeout` it is killed together with any process
    it started. A script that cannot be started at all gives a run with no exit status and the reason in its log.
    """
    script, outdir = Path(script).resolve(), Path(outdir).resolve()
    name = script.stem
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    cmd = [sys.executable, str(script), "--out", str(outdir)] + (["--quick"] if quick else [])
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1", **(env or {})}
    shutil.copy2(script, outdir / script.name)  # the script as it starts, as its fingerprint is
    log_path = outdir / "log.txt"
    head = f"$ {' '.join(cmd)}\n"
    start = time.perf_counter()
    timed_out, rc = False, None
    with open(log_path, "w", encoding="utf-8") as log_file:
        log_file.write(head)
        log_file.flush()
        try:
            proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, cwd=outdir, start_new_session=os.name == "posix")
        except OSError as err:
            log_file.write(f"cannot start the script: {err}\n")
        else:
            with _RUNNING_LOCK:
                _RUNNING.add(proc)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _end(proc)
            finally:
                with _RUNNING_LOCK:
                    _RUNNING.discard(proc)
    wall = time.perf_counter() - start
    log = log_path.read_text(encoding="utf-8", errors="replace")[len(head):]
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

    def __post_init__(self):
        self.rows = order_rows(self.rows)
        self.runs = order_runs(self.runs)

    @property
    def n_failed(self) -> int:
        """Failed rows (an explained difference, status ``"differs"``, is not a failure)."""
        return sum(r["status"] == "fail" for r in self.rows)

    def counts(self) -> dict[str, int]:
        """Rows by status."""
        return _counts(self.rows)

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        """Rows by kind of evidence, then by status (rows with no kind, such as a crashed script's, under "—")."""
        return _counts_by_kind(self.rows)


def fingerprint(script: Path, *, quick: bool) -> str:
    """What an example's result depends on, as a hash: its mode, its script, the examples' shared helpers (the
    ``_*.py`` files next to it), the other scripts it imports (forecast_emergence imports validation_at_scale) and
    every source file of the skillode package. `write_report`'s ``resume`` keeps a result only while this is
    unchanged."""
    script = Path(script).resolve()
    package = Path(__file__).resolve().parent
    source = [f for f in sorted(package.rglob("*.py")) if "_examples" not in f.relative_to(package).parts]
    imported = re.findall(r"^\s*(?:from|import)\s+(\w+)", script.read_text(encoding="utf-8"), flags=re.MULTILINE)
    siblings = sorted({script.parent / f"{name}.py" for name in imported} | set(script.parent.glob("_*.py")))
    digest = hashlib.sha256(b"quick" if quick else b"full")
    for path in [script, *(f for f in siblings if f.is_file() and f != script), *source]:  # wheel's _examples: above
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _finished_runs(outdir: Path, scripts: dict[str, Path], prints: dict[str, str], quick: bool) -> dict:
    """The examples whose previous run in `outdir` can be kept: recorded in ``runs.json`` in this mode with this
    fingerprint, not timed out, and with its result file and log still there. ``{name: ExampleRun}``."""
    try:
        record = json.loads((outdir / RUNS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("schema") != RUNS_SCHEMA or \
            record.get("mode") != ("quick" if quick else "full"):
        return {}
    kept = {}
    for name, script in scripts.items():
        entry = record.get("examples", {}).get(name)
        folder = (outdir / name).resolve()
        if not isinstance(entry, dict) or entry.get("fingerprint") != prints[name] or entry.get("timed_out"):
            continue
        try:
            result = json.loads((folder / f"{name}.json").read_text())
            log = (folder / "log.txt").read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            continue
        if not isinstance(result, dict) or result.get("schema") != RESULT_SCHEMA:
            continue
        kept[name] = ExampleRun(name, Path(script).resolve(), folder, entry.get("returncode"),
                                float(entry.get("wall_s", 0.0)), False, result, log.split("\n", 1)[-1])
    return kept


def write_report(
    outdir="report",
    *,
    quick: bool = True,
    only=None,
    directory: Path | None = None,
    timeout: float | None = None,
    jobs: int | None = None,
    progress: bool = True,
    jax_cache: bool | str | os.PathLike = True,
    threads: int | None = None,
    store: str | os.PathLike | None = None,
    workers: int | None = None,
    resume: bool = False,
) -> Report:
    """Run the examples and write ``outdir/report.md`` and a self-contained ``outdir/index.html``.

    The examples run side by side, one subprocess each, the longest expected first (expected: from the previous
    run's ``outdir/runs.json``, else from `QUICK_SECONDS` / `FULL_SECONDS`); each new run rewrites ``runs.json``.

    **Arguments:**

    - `outdir`: output folder; each example writes into ``outdir/<name>/``.
    - `quick`: run the examples' ``--quick`` modes (default); False runs them in full.
    - `only`: names of the examples to run (default all); an unknown name raises ``ValueError``.
    - `directory`: where the scripts are (default `examples_dir`).
    - `timeout`: seconds per example (default 600 quick, 7200 full); past it the example's row fails.
    - `jobs`: examples run at the same time (default `default_jobs`: one per CPU core).
    - `progress`: print a header (examples, jobs, expected time), a line as each example starts and ends, and
      which are still running when a minute passes without news.
    - `jax_cache`: give the examples JAX's persistent compilation cache: True (default) in `jax_cache_dir`, a path
      for another folder, False for none.
    - `threads`: numeric threads per example (`example_env`); default: the cores divided among the jobs when
      examples run side by side, no limit when they run one at a time; 0: no limit.
    - `store`: one folder of study stores for every example that runs a study (`example_env`), kept between
      reports: a report interrupted, or rerun with more, computes only the study parts the folder lacks. None:
      each example keeps its stores in its own output folder, emptied when it runs.
    - `workers`: start a local Dask cluster of this many single-threaded worker processes for the report's
      length, and have the examples that run studies compute their parts on it (`example_env`'s `scheduler`);
      the other examples still run `jobs` at a time. None: each example computes in its own process.
    - `resume`: keep the result of every example whose previous run in `outdir` finished (not timed out, a result
      file written) in the same mode with the same code: the same `fingerprint` of its script, the examples'
      shared helpers and the skillode package. Only the others run.

    **Returns:** a `Report`; ``report.n_failed`` is the number of failed rows.
    """
    scripts = list_examples(directory)
    if only is not None:
        only = [only] if isinstance(only, str) else list(only)
        unknown = sorted(set(only) - set(scripts))
        if unknown:
            raise ValueError(f"unknown example(s) {unknown}; choose from {', '.join(scripts)}")
        scripts = {k: v for k, v in scripts.items() if k in only}
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if threads is not None and threads < 0:
        raise ValueError(f"threads must be >= 0, got {threads}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers (Dask worker processes) must be an integer >= 1, got {workers!r}")
    timeout = timeout if timeout is not None else (600.0 if quick else 7200.0)
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file in the way, no permission, a read-only disk: say so before any example runs
        raise ValueError(f"cannot create the report folder {str(outdir)!r} (outdir): {err.strerror or err}") from None
    jobs_at_once = max(1, min(jobs, len(scripts)))
    if threads is None:
        threads = max(1, default_jobs() // jobs_at_once) if jobs_at_once > 1 else 0
    cache = None if jax_cache is False else (jax_cache_dir() if jax_cache is True else Path(jax_cache))
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            cache = None
    prints = {name: fingerprint(path, quick=quick) for name, path in scripts.items()}
    kept = _finished_runs(outdir, scripts, prints, quick) if resume else {}
    expected, source = _expected_times(outdir / RUNS_FILE, list(scripts), quick)
    order = sorted((n for n in scripts if n not in kept), key=lambda name: -expected.get(name, 0.0))  # longest first
    say = _Progress(len(order), progress)
    say.header(quick=quick, workers=jobs_at_once, threads=threads, cache=cache, expected=expected, order=order,
               source=source, kept=sorted(kept), cluster=workers, store=store)

    def one(name):
        say.start(name, expected.get(name))
        # the code this example runs is the code as it starts: an edit during a long report must not be recorded
        # (and later kept by --resume) as the code of a result computed before it
        prints[name] = fingerprint(scripts[name], quick=quick)
        try:
            run = run_example(scripts[name], outdir / name, quick=quick, timeout=timeout, env=env)
        except Exception as err:  # an example that cannot even be set up is a failed row, too
            run = ExampleRun(name, scripts[name], (outdir / name).resolve(), None, 0.0, False, None,
                             f"{type(err).__name__}: {err}")
        say.done(run)
        return run

    start = time.perf_counter()
    stack = contextlib.ExitStack()
    scheduler = None
    if workers is not None and order:
        from .sweeps.clusters import local_cluster

        # the examples' studies send parts whose objects live in the examples' modules (e.g. validation_at_scale's
        # ParityMLP): the workers, spawned from this process, take its sys.path, so the scripts' folder goes on it
        folder = str(Path(next(iter(scripts.values()))).parent)
        if folder not in sys.path:
            sys.path.append(folder)
            stack.callback(sys.path.remove, folder)
        client = stack.enter_context(local_cluster(workers, dashboard_address=None))
        scheduler = client.scheduler.address
    env = example_env(cache=cache, threads=threads or None, store=store, scheduler=scheduler)
    pool = ThreadPoolExecutor(max_workers=jobs_at_once)
    futures = {}
    try:
        futures = {pool.submit(one, name): name for name in order}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=say.quiet_for(), return_when=FIRST_COMPLETED)
            if not finished:
                say.heartbeat()
        done = {futures[f]: f.result() for f in futures}
    except BaseException:  # Ctrl-C: drop the queued examples, end the running ones (in sessions of their own)
        pool.shutdown(wait=False, cancel_futures=True)
        while not all(f.done() for f in futures):
            with _RUNNING_LOCK:
                running = list(_RUNNING)
            for proc in running:
                _end(proc)
            time.sleep(0.05)
        raise
    finally:
        pool.shutdown(wait=True)
        stack.close()
    done.update(kept)
    runs = [done[name] for name in scripts]  # the scripts' order, whatever order they finished in
    rows = [row for run in runs for row in run.rows()]
    wall = time.perf_counter() - start
    _write_runs(outdir / RUNS_FILE, runs, quick=quick, jobs=jobs_at_once, threads=threads, cache=cache, wall=wall,
                prints=prints, kept=set(kept), workers=workers, environment=numeric_environment(env, workers))
    md = outdir / "report.md"
    md.write_text(_markdown(runs, rows, quick=quick, wall=wall))
    page = outdir / "index.html"
    page.write_text(_html(runs, rows, quick=quick, wall=wall))
    return Report(md, page, runs, rows, wall)


# ---------------------------------------------------------------------------------------------- the runner's record
RUNS_FILE = "runs.json"
RUNS_SCHEMA = "skillode-report-runs/1"

#: Wall seconds of each example's quick mode, for the first report's time estimate and order (later reports use
#: their own previous run's ``runs.json``): measured with the defaults (two at a time on a 2-core x86 machine that
#: other work kept busy, empty JAX compilation cache), so on the high side. An example missing here counts as the
#: median of the others.
QUICK_SECONDS = {
    "backend_agreement": 36, "domino_limit": 32, "fig10_scaling": 87, "fig12_quadratic": 16, "fig13_grokking": 91,
    "fig15_optimizers": 52, "fig16_parity_theory": 92, "fig17_gates": 15, "fig18_modular_scaling": 53,
    "fig19_modularity": 77, "fig2_domino_parity": 52, "fig4_two_skills": 34, "fig5_n_skills": 22,
    "fig6_7_resource_bridge": 56, "fig6_resource_theory": 14, "fig7_collapse": 10, "fig8_underparam": 34,
    "fig9_domino": 8, "forecast_emergence": 154, "learning_times_closed_form": 10, "loss_exponents": 12,
    "self_weighted_loss": 50, "two_skill_ratio": 8, "validation_at_scale": 191,
}
# Full-mode (`--full`) wall seconds on a 2-core machine, two examples at a time on a 2-worker Dask cluster: the first
# full report's order, longest first, so that the examples training networks for an hour start at once rather than
# last. Measured in one full report; the examples it measured under 2 minutes are entered as 120 (an upper bound),
# and validation_at_scale, measured there only in part, by its parts' costs (widths 128-2048, about 2 h of one core).
# The two network studies were measured while their parts tracked learning times at every step, 2.3x the cost
# per step of tracking on the record grid as they do now: upper bounds, in the right order (a full report from an
# empty store then measured 95 min on 2 cores, validation_at_scale 62 min).
FULL_SECONDS = {
    "backend_agreement": 120, "domino_limit": 120, "fig10_scaling": 600, "fig12_quadratic": 120,
    "fig13_grokking": 900, "fig15_optimizers": 120, "fig16_parity_theory": 420, "fig17_gates": 120,
    "fig18_modular_scaling": 120, "fig19_modularity": 360, "fig2_domino_parity": 840, "fig4_two_skills": 120,
    "fig5_n_skills": 120, "fig6_7_resource_bridge": 120, "fig6_resource_theory": 120, "fig7_collapse": 120,
    "fig8_underparam": 120, "fig9_domino": 120, "forecast_emergence": 3540, "learning_times_closed_form": 120,
    "loss_exponents": 120, "self_weighted_loss": 120, "two_skill_ratio": 120, "validation_at_scale": 7200,
}


def _expected_times(record: Path, names: list[str], quick: bool) -> tuple[dict[str, float], str]:
    """Expected wall seconds per example and where they come from: the previous run's record in the output
    folder (same mode), else `QUICK_SECONDS` or `FULL_SECONDS`; examples with neither get the median of the rest."""
    previous, source = {}, None
    try:
        data = json.loads(record.read_text())
        if data.get("schema") == RUNS_SCHEMA and data.get("mode") == ("quick" if quick else "full"):
            previous = {k: float(v["wall_s"]) for k, v in data.get("examples", {}).items()
                        if isinstance(v, dict) and isinstance(v.get("wall_s"), (int, float))}
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    known = {n: previous[n] for n in names if n in previous}
    if known:
        source = f"the previous run's times in {record}"
    table = QUICK_SECONDS if quick else FULL_SECONDS
    shipped = {n: float(table[n]) for n in names if n not in known and n in table}
    if shipped:
        named = f"skillode's table of {'quick' if quick else 'full'}-mode times measured on a 2-core machine"
        source = f"{source} and {named}" if source else named
    known.update(shipped)
    if not known:
        return {}, None
    values = sorted(known.values())
    median = values[len(values) // 2]
    return {n: known.get(n, median) for n in names}, source


def _makespan(seconds: list[float], workers: int) -> float:
    """The wall time of running jobs of these lengths, longest first, each on the first free one of `workers`."""
    free = [0.0] * workers
    for s in sorted(seconds, reverse=True):
        free[free.index(min(free))] += s
    return max(free) if seconds else 0.0


def numeric_environment(env: dict[str, str] | None = None, workers: int | None = None) -> dict[str, object]:
    """What a network's numbers depend on beyond its seed: the versions of Python, jax, jaxlib and numpy, the
    platform and CPU, the cores this process may use, the cores of each of ``workers`` local Dask workers (pinned
    as `skillode.sweeps.local_cluster` pins them) and the ``XLA_FLAGS`` the examples run with (``env``: the
    variables `example_env` adds). XLA's CPU code for a network depends on the number of cores it sees, and Adam
    turns the last-bit differences into different networks (docs/paper.md, "Two full runs"), so a seeded result is
    reproducible only within one of these."""
    import importlib.metadata as metadata

    from .sweeps.clusters import partition_cores

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):  # Linux: the model name, family and model number of the first core
        info = Path("/proc/cpuinfo").read_text()
        name = re.search(r"^model name\s*:\s*(.+)$", info, flags=re.MULTILINE)
        numbers = re.findall(r"^(cpu family|model)\s*:\s*(\d+)$", info, flags=re.MULTILINE)[:2]
        if name:
            cpu = name.group(1).strip() + "".join(f", {k} {v}" for k, v in numbers)
    return {"python": platform.python_version(), "jax": version("jax"), "jaxlib": version("jaxlib"),
            "numpy": version("numpy"), "platform": platform.platform(), "cpu": cpu, "cores": len(affinity),
            "worker_cores": ([len(c) for c in partition_cores(affinity, workers)]  # None: none, or not pinned
                             if workers and hasattr(os, "sched_setaffinity") else None),
            "xla_flags": (env or {}).get("XLA_FLAGS", os.environ.get("XLA_FLAGS", ""))}


def _write_runs(path: Path, runs: list[ExampleRun], *, quick, jobs, threads, cache, wall, prints=None, kept=(),
                workers=None, environment=None) -> None:
    """Write the runner's record (exit status, wall time, row counts and `fingerprint` per example, and whether it
    was kept from the previous run); examples of the same mode that this run left out keep their previous
    entries, so that a partial run does not lose the estimates.

    ``invocations`` lists the runs whose results the record holds (``wall_s``, examples ``ran`` and ``kept``, and
    the `numeric_environment` each ran in) and
    ``wall_s_total`` sums them: a resumed or partial run adds to the list, a run of every example starts it anew,
    so a report computed over several invocations states the wall time all of them took."""
    mode = "quick" if quick else "full"
    examples, invocations = {}, []
    try:
        old = json.loads(path.read_text())
        if old.get("schema") == RUNS_SCHEMA and old.get("mode") == mode:
            examples.update(old.get("examples", {}))
            invocations = old.get("invocations") or [  # a record written before invocations were kept
                {"wall_s": old["wall_s"], "ran": sum(not e.get("kept") for e in examples.values()), "kept": None}]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        pass
    ran = [run.name for run in runs if run.name not in kept]
    if not kept and set(examples) <= set(ran):  # every result in the record is this run's: a fresh start
        invocations = []
    invocations = [*invocations, {"wall_s": round(wall, 2), "ran": len(ran), "kept": len(kept),
                                  "environment": environment}]
    for run in runs:
        examples[run.name] = {"wall_s": round(run.wall_s, 2), "returncode": run.returncode,
                              "timed_out": run.timed_out, "counts": _run_counts(run),
                              "fingerprint": (prints or {}).get(run.name), "kept": run.name in kept}
    path.write_text(json.dumps({
        "schema": RUNS_SCHEMA, "mode": mode, "jobs": jobs, "threads": threads or None, "dask_workers": workers,
        "jax_cache": cache is not None, "wall_s": round(wall, 2),
        "wall_s_total": round(sum(i["wall_s"] for i in invocations), 2), "invocations": invocations,
        "examples": dict(sorted(examples.items())),
    }, indent=1) + "\n")


def _run_counts(run: ExampleRun) -> dict[str, int]:
    rows = run.rows()
    return {s: sum(r["status"] == s for r in rows) for s in STATUSES}


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


class _Progress:
    """The report's progress lines: the header, each example's start and end, and a word while nothing ends."""

    QUIET_S = 60.0  # seconds without a line before the still-running line

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled
        self.lock = threading.Lock()
        self.start_time = self.last = time.perf_counter()
        self.started: dict[str, float] = {}
        self.finished = 0

    def _print(self, text: str) -> None:
        with self.lock:
            self.last = time.perf_counter()
            if self.enabled:
                print(f"[report {_clock(self.last - self.start_time)}] {text}", flush=True)

    def header(self, *, quick, workers, threads, cache, expected, order, source, kept=(), cluster=None,
               store=None) -> None:
        if not self.enabled:
            return
        where = f"JAX compilation cache in {cache}" if cache is not None else "no JAX compilation cache"
        limit = f", {threads} numeric thread{'s' if threads != 1 else ''} each" if threads else ""
        self._print(f"{self.total} example{'s' if self.total != 1 else ''}, {'quick' if quick else 'full'} mode, "
                    f"{workers} at a time{limit} (one process each); {where}")
        if kept:
            self._print(f"kept from the previous run (same code, finished): {', '.join(kept)}")
        if store is not None or cluster is not None:
            parts = ([f"study stores in {store}"] if store is not None else []) + (
                [f"study parts on a local Dask cluster of {cluster} worker(s)"] if cluster is not None else [])
            self._print("; ".join(parts))
        expected = {n: expected[n] for n in order if n in expected}
        if expected:
            longest = ", ".join(f"{n} ~{_duration(expected[n])}" for n in order[:3])
            self._print(f"expected about {_duration(_makespan(list(expected.values()), workers))} (from {source}); "
                        f"longest first: {longest}")
        else:
            self._print("no time estimate (no previous run of this mode in the output folder)")

    def start(self, name: str, expected: float | None) -> None:
        with self.lock:
            self.started[name] = time.perf_counter()
        guess = f" (expected ~{_duration(expected)})" if expected else ""
        self._print(f"start  {name}{guess}")

    def done(self, run: ExampleRun) -> None:
        counts = _run_counts(run)
        with self.lock:
            self.started.pop(run.name, None)
            self.finished += 1
            n = self.finished
        shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v or k in ("pass", "fail"))
        verdict = "FAILED" if counts.get("fail") else "done  "
        log = f"; log {run.outdir / 'log.txt'}" if counts.get("fail") else ""
        self._print(f"{verdict} {run.name}: {shown} ({_duration(run.wall_s)}; {n}/{self.total} done{log})")

    def quiet_for(self) -> float:
        """Seconds until the next still-running line is due."""
        return max(1.0, self.QUIET_S - (time.perf_counter() - self.last))

    def heartbeat(self) -> None:
        if time.perf_counter() - self.last < self.QUIET_S - 0.5:
            return
        now = time.perf_counter()
        with self.lock:
            running = ", ".join(f"{n} ({_duration(now - t)})" for n, t in self.started.items())
        self._print(f"running: {running or 'nothing'}; {self.finished}/{self.total} done")


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


# ---------------------------------------------------------------------------------------------- order and counts
def _figure_number(row) -> int | None:
    """The paper's figure a row belongs to: from its id (``fig10.x``), else its claim (``Fig. 6``), else its
    example's name; None for a section without a figure number."""
    for text, pattern in ((row.get("id"), r"fig(\d+)"), (row.get("claim"), r"\bFigs?\.\s*(\d+)"),
                          (row.get("example"), r"fig(\d+)")):
        match = re.match(pattern, str(text or "")) if pattern.startswith("fig") else re.search(pattern, str(text or ""))
        if match:
            return int(match.group(1))
    return None


def _order_key(row) -> tuple[int, int]:
    if row.get("kind") == "beyond":
        return (2, 0)
    number = _figure_number(row)
    return (0, number) if number is not None else (1, 0)


def order_rows(rows: list[dict]) -> list[dict]:
    """Rows in the paper's order: by figure number (Fig. 2, 4, ..., 19), then sections without a figure number,
    then the rows beyond the paper; rows that tie keep their order."""
    return sorted(rows, key=_order_key)


def order_runs(runs: list) -> list:
    """Example runs in the paper's order: by the first (in `order_rows` order) of their rows."""
    def key(run):
        rows = run.rows()
        return min(map(_order_key, rows)) if rows else (1, 0)
    return sorted(runs, key=key)


def _counts(rows) -> dict[str, int]:
    return {s: sum(r["status"] == s for r in rows) for s in STATUSES}


def _counts_by_kind(rows) -> dict[str, dict[str, int]]:
    kinds = list(KINDS) + sorted({str(r.get("kind") or "—") for r in rows} - set(KINDS))
    return {k: _counts([r for r in rows if str(r.get("kind") or "—") == k]) for k in kinds}


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
    if row.get("detail") and row["status"] != "not-run":
        text += f" ({row['detail']})"
    spread = row.get("spread")
    if spread is not None:
        text += f" [{_num(spread[0])}–{_num(spread[1])}]" if isinstance(spread, list) and len(spread) == 2 else (
            f" ± {_num(spread)}")
    return text


def _status(row) -> str:
    if row["status"] == "not-run":
        return f"not run ({row.get('reason') or 'quick mode'})"
    if row["status"] == "differs":
        return f"differs (explained): {row.get('explanation') or 'no explanation given'}"
    if row["status"] == "fail" and row.get("reason"):
        return f"fail ({row['reason']})"
    return row["status"]


def _tolerance(row) -> str:
    tol = row.get("tolerance")
    if tol is None:
        return "—"
    text = f"± {_num(tol)}" if isinstance(tol, (int, float)) and not isinstance(tol, bool) else str(tol)
    if isinstance(tol, str) and tol.strip().endswith("%"):
        text = f"± {tol.strip()}"
    return text + (f" ({row['tolerance_reason']})" if row.get("tolerance_reason") else "")


def _summary(runs, rows, *, quick, wall) -> tuple[str, str, str]:
    counts = _counts(rows)
    head = (f"{counts['pass']} passed, {counts['differs']} differ from the paper (explained), {counts['fail']} "
            f"failed, {counts['not-run']} not run, from {len(runs)} examples ({'quick' if quick else 'full'} mode, "
            f"{wall:.0f} s wall time).")
    parts = []
    for kind, c in _counts_by_kind(rows).items():
        if kind in KINDS or sum(c.values()):
            parts.append(f"{kind}: {c['pass']} pass, {c['differs']} differ, {c['fail']} fail, {c['not-run']} not run")
    ours = [r for r in rows if r.get("kind") in PAPER_KINDS]
    kinds = (f"By kind of evidence — {'; '.join(parts)}. Only the paper and authors-code rows count as agreement "
             f"with the paper ({sum(r['status'] == 'pass' for r in ours)} of {len(ours)} pass); derived rows check "
             "skillode against its own closed forms, identities and independent implementations, and beyond rows "
             "are skillode's own targets beyond the paper.")
    times = ", ".join(f"{r.name} {r.wall_s:.0f} s" for r in runs)
    return head, kinds, f"Wall time per example (machine-dependent): {times}."


def _kinds_legend() -> str:
    return "; ".join(f"{k}: {v}" for k, v in KINDS.items())


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(runs, rows, *, quick, wall) -> str:
    runs, rows = order_runs(runs), order_rows(rows)
    head, kinds, times = _summary(runs, rows, quick=quick, wall=wall)
    out = [
        "# skillode reproduction scorecard",
        "",
        f"Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*, {PAPER}. Every row is a check recorded by "
        "one example script (`examples/`): the paper's claim, the reference value and its kind of evidence, "
        "skillode's value (with its spread over seeds where the run is random), the numeric tolerance with its "
        "reason, and the verdict (a value that really differs from the paper is shown as *differs (explained)*, "
        "never as a pass). Rows are in the paper's order. Regenerate with `skillode report` (`--full` for the full "
        "runs).",
        "",
        f"Kinds of evidence: {_kinds_legend()}.",
        "",
        f"**{head}**",
        "",
        kinds,
        "",
        "| status | check | kind | claim | reference | skillode | tolerance | figure | script |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fig = f"[{r['figure']}]({r['example']}/{r['figure']})" if r.get("figure") else "—"
        script = f"[{r['example']}.py]({r['example']}/{r['example']}.py)"
        status = "**FAIL**" + _status(r)[4:] if r["status"] == "fail" else _status(r)
        out.append("| " + " | ".join(_md_cell(c) for c in (
            status, f"`{r['id']}` {r['description']}", r.get("kind") or "—", r["claim"], _num(r["paper"]),
            _value(r), _tolerance(r), fig, script)) + " |")
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
tr.differs td.status { background: #fbe7c6; }
code { font-size: 0.95em; } img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
.summary { font-size: 1.1em; font-weight: bold; }
"""


def _anchor(example: str, figure: str) -> str:
    return "fig-" + "".join(c if c.isalnum() else "-" for c in f"{example}-{figure}")


def _html(runs, rows, *, quick, wall) -> str:
    esc = html.escape
    runs, rows = order_runs(runs), order_rows(rows)
    head, kinds, times = _summary(runs, rows, quick=quick, wall=wall)
    body = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        "<title>skillode reproduction scorecard</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>skillode reproduction scorecard</h1>",
        f"<p>Liu, Liu, Michaud, Gore &amp; Tegmark, <i>Physics of Skill Learning</i>, {PAPER}. Every row is a "
        "check recorded by one example script: the paper's claim, the reference value and its kind of evidence, "
        "skillode's value (with its spread over seeds where the run is random), the numeric tolerance with its "
        "reason, and the verdict (a value that really differs from the paper is shown as <i>differs "
        "(explained)</i>, never as a pass). Rows are in the paper's order.</p>",
        f"<p>Kinds of evidence: {esc(_kinds_legend())}.</p>",
        f"<p class='summary'>{esc(head)}</p>",
        f"<p>{esc(kinds)}</p>",
        "<table><thead><tr><th>status</th><th>check</th><th>kind</th><th>claim</th><th>reference</th>"
        "<th>skillode</th><th>tolerance</th><th>figure</th><th>script</th></tr></thead><tbody>",
    ]
    for r in rows:
        fig = (f"<a href='#{_anchor(r['example'], r['figure'])}'>{esc(r['figure'])}</a>" if r.get("figure")
               else "—")
        script = f"<a href='{esc(r['example'])}/{esc(r['example'])}.py'>{esc(r['example'])}.py</a>"
        title = f" title='{esc(r['spread_label'])}'" if r.get("spread_label") else ""
        body.append(
            f"<tr class='{r['status']}'><td class='status'>{esc(_status(r))}</td>"
            f"<td><code>{esc(r['id'])}</code> {esc(r['description'])}</td><td>{esc(r.get('kind') or '—')}</td>"
            f"<td>{esc(str(r['claim']))}</td>"
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
