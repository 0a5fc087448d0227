"""The tail every example shares: flags, saving the figure and the result file, and checks that fail loudly.

Each script in ``examples/`` reproduces one result of arXiv:2501.12391 and ends the same way::

    ex = Example(__file__, __doc__, seeds=(2, 4))
    args = ex.parse(argv)                  # --out DIR, --quick, --seeds K (+ any flags added to ex.parser)
    ...                                    # compute
    ex.save_figure(fig)                    # <out>/<script>.png at 150 dpi
    ex.check("fig4.signgd_ratio", "SignGD: t2/t1 saturates near 2", claim="arXiv:2501.12391, Fig. 4",
             kind="authors-code", paper=1.90, value=1.88, tolerance=0.4,
             tolerance_reason="seed spread of the re-run: min–max over seeds")
    return ex.finish({"ratios": ...})      # <out>/<script>.json; exit status 1 if any check failed

A check record is the one source of truth for the scorecard (``skillode report`` reads these files and keeps no
numbers of its own). It holds: ``id``, ``description``, ``claim`` (figure or section of the paper), ``kind`` (the
kind of evidence ``paper`` is, one of `KINDS`), ``paper`` (the reference value: a number or a list of numbers),
``value`` (skillode's), ``detail`` (optional text shown with it), ``spread`` and ``spread_label`` (over seeds,
where random), ``tolerance`` and ``tolerance_reason`` (a number, or ``"N%"`` of ``paper``, and why that much),
``status`` (one of `STATUSES`), ``reason`` (for not-run, or why a value failed), ``explanation`` (for differs),
``figure`` and ``script``.

The verdict is always the numeric comparison ``|value - paper| <= tolerance`` (element by element for lists); no
check passes on a criterion in words or on a value that is not finite. A value that really differs from the paper
is recorded with ``explanation=`` (status ``"differs"``: shown as an explained difference, never as a pass, and not
a failure).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["Example", "over_seeds", "seed_tolerance", "median_tolerance", "out_of_order", "RESULT_SCHEMA", "KINDS",
           "STATUSES"]

RESULT_SCHEMA = "skillode-example/1"
#: set by ``skillode report`` (skillode.report.example_env): the defaults of ``--store`` and ``--scheduler``
STORE_ENV, SCHEDULER_ENV = "SKILLODE_STORE", "SKILLODE_SCHEDULER"
PAPER = "arXiv:2501.12391"
DPI = 150
#: the kinds of evidence a check's reference value (``paper``) can be; only the first two are the paper's
KINDS = {
    "paper": "a value read from the paper's figure or text",
    "authors-code": "the authors' research code re-run",
    "derived": "derived here: skillode's own closed form, identity or independent implementation",
    "beyond": "skillode's own target beyond the paper",
}
#: a check's verdict: differs = measured value really differs from the paper, with an explanation (not a failure)
STATUSES = ("pass", "differs", "fail", "not-run")


def _plain(x):
    """JSON-ready copy of ``x``: numpy scalars and arrays to Python, NaN/inf to None, tuple keys to strings."""
    if isinstance(x, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, str):
        return x
    return str(x)


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _numbers(x) -> list[float] | None:
    """``x`` as a list of floats (a number gives one entry), or None if it is not a number or a list of them."""
    if _is_number(x):
        return [float(x)]
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)) and x and all(_is_number(v) or v is None for v in x):
        return [float("nan") if v is None else float(v) for v in x]
    return None


def _tolerance(tolerance) -> tuple[float, bool] | None:
    """``(amount, relative)`` of a numeric tolerance (a number, or ``"N%"`` of the reference), else None."""
    if isinstance(tolerance, str) and tolerance.strip().endswith("%"):
        try:
            amount = float(tolerance.strip()[:-1]) / 100
        except ValueError:
            return None
        return (amount, True) if math.isfinite(amount) and amount >= 0 else None
    if _is_number(tolerance) and math.isfinite(float(tolerance)) and float(tolerance) >= 0:
        return float(tolerance), False
    return None


def _within(value: list[float], paper: list[float], tolerance) -> bool:
    """Whether every ``|value - paper|`` is within the (absolute or relative) tolerance."""
    amount, relative = _tolerance(tolerance)
    return all(abs(v - p) <= (amount * abs(p) if relative else amount) for v, p in zip(value, paper))


def _fmt(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if isinstance(x, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    if _is_number(x):
        x = float(x)
        if not math.isfinite(x):
            return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
        if x == 0:
            return "0"
        if abs(x) < 1e-3 or abs(x) >= 1e5:
            return f"{x:.3g}"
        return f"{x:.4g}"
    return str(x)


def over_seeds(values, *, what: str = "seeds") -> dict:
    """``value`` (median) and ``spread`` (min, max) of a per-seed result, as keyword arguments for `Example.check`.

    NaN entries (e.g. a skill not learned in that seed) are left out of the median and counted in the label.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    ok = np.isfinite(x)
    label = f"min–max over {x.size} {what}" + ("" if ok.all() else f" ({int((~ok).sum())} not reached)")
    if not ok.any():
        return {"value": float("nan"), "spread": None, "spread_label": label}
    return {"value": float(np.median(x[ok])), "spread": [float(x[ok].min()), float(x[ok].max())],
            "spread_label": label}


def seed_tolerance(seeds: dict, read: float = 0.0) -> float:
    """A tolerance from the seed spread: the larger distance from the median to the min or the max over seeds
    (``seeds`` as `over_seeds` gives it), plus ``read``, the precision a paper's single run can be read to. The
    paper's one run passes if it lies inside skillode's range over seeds, widened by the reading precision."""
    spread = seeds.get("spread")
    if spread is None or not math.isfinite(seeds["value"]):
        return float(read)
    return max(seeds["value"] - spread[0], spread[1] - seeds["value"]) + float(read)


def median_tolerance(values, *, level: float = 0.9, n_boot: int = 2000, seed: int = 0) -> float:
    """A tolerance from the seed spread of a median over seeds: the larger distance from the median to the ends of
    its bootstrap ``level`` CI (resampling the seeds). For comparing a median over seeds with the paper's median over
    its runs. NaN entries are left out; 0 with fewer than two finite values."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    meds = np.median(x[rng.integers(0, x.size, (n_boot, x.size))], axis=1)
    lo, hi = np.percentile(meds, [50 * (1 - level), 50 * (1 + level)])
    med = float(np.median(x))
    return float(max(med - lo, hi - med))


def out_of_order(values, *, decreasing: bool = False) -> float:

    """How many neighbouring pairs of ``values`` are not strictly increasing (or decreasing): an ordering claim as
    a number, to check against 0 with tolerance 0. NaN if any value is not finite (such a check never passes)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(x).all():
        return float("nan")
    step = -np.diff(x) if decreasing else np.diff(x)
    return float(np.sum(step <= 0))


class Example:
    """Flags, figures, checks and the result file of one example script.

    **Arguments:**

    - `file`: the script's ``__file__`` (its stem names the output files and the default ``--out``).
    - `doc`: the script's ``__doc__`` (first line: the ``--help`` description; the rest: the epilog).
    - `seeds`: ``(quick, full)`` number of seeds; adds ``--seeds K``; `parse` sets ``args.seeds`` to a list.
    - `seed_start`: the first seed (seeds are ``seed_start, seed_start + 1, ...``).
    - `quick_help`: what ``--quick`` does, for ``--help``.
    """

    def __init__(self, file: str, doc: str | None, *, seeds: tuple[int, int] | None = None, seed_start: int = 0,
                 quick_help: str = "the small, fast version (seconds to a minute on a CPU)"):
        self.name = Path(file).stem
        lines = (doc or self.name).strip().splitlines()
        self.parser = argparse.ArgumentParser(
            prog=f"{self.name}.py", description=lines[0], epilog="\n".join(lines[1:]).strip() or None,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        self.parser.add_argument("--out", type=Path, default=Path("outputs") / self.name,
                                 help=f"output directory (default outputs/{self.name})")
        self.parser.add_argument("--quick", action="store_true", help=quick_help)
        self._seeds, self._seed_start = seeds, seed_start
        if seeds is not None:
            self.parser.add_argument("--seeds", type=int, default=None,
                                     help=f"number of seeds (default {seeds[0]} with --quick, {seeds[1]} without)")
        self.checks: list[dict] = []
        self.figures: list[str] = []
        self.out: Path | None = None
        self.quick = False
        self.args: argparse.Namespace | None = None
        self._sweep_flags = False
        self._start = time.perf_counter()

    # ------------------------------------------------------------------------------------------ flags
    def parse(self, argv=None) -> argparse.Namespace:
        """Parse the flags, make ``--out`` and return the namespace (``args.seeds`` a list where seeds apply)."""
        args = self.parser.parse_args(argv)
        if self._seeds is not None:
            k = args.seeds if args.seeds is not None else self._seeds[0 if args.quick else 1]
            if k < 1:
                self.parser.error(f"--seeds must be >= 1, got {k}")
            args.seeds = list(range(self._seed_start, self._seed_start + k))
        if self._sweep_flags:  # a report's shared study folder and Dask scheduler, unless the flags say otherwise
            if args.store is None and os.environ.get(STORE_ENV):
                args.store = Path(os.environ[STORE_ENV])
            if args.scheduler is None and args.workers is None and os.environ.get(SCHEDULER_ENV):
                args.scheduler = os.environ[SCHEDULER_ENV]
        self.out, self.quick, self.args = Path(args.out), bool(args.quick), args
        self.out.mkdir(parents=True, exist_ok=True)
        self._start = time.perf_counter()
        print(f"{self.name}: {'quick' if self.quick else 'full'} run, output in {self.out}", flush=True)
        return args

    def add_sweep_flags(self) -> None:
        """Add the flags of where a study runs (`skillode.cli.add_run_flags` with ``study=True``): ``--store DIR``,
        ``--workers K`` / ``--scheduler ADDRESS``, ``--dry-run`` and ``--no-progress``.

        A study keeps one zarr store per part (`skillode.sweeps.Study`) under `study_root`, so a later, larger run
        computes only the parts (and, inside an interrupted part, the blocks) that are missing; `client` runs the
        blocks in this process, on ``K`` local Dask workers or on a running scheduler (e.g. a SLURM cluster).
        Without ``--store`` / ``--workers`` / ``--scheduler``, the environment's ``SKILLODE_STORE`` and
        ``SKILLODE_SCHEDULER`` (set by ``skillode report``) give the folder and the scheduler.
        """
        from skillode.cli import add_run_flags

        add_run_flags(self.parser, study=True)
        self._sweep_flags = True

    def study_root(self, *folders) -> Path:
        """A study's folder of part stores: ``<store>/<folder>/...`` (``--store``, default ``<out>/store``)."""
        if not self._sweep_flags or self.args is None:
            raise RuntimeError("call Example.add_sweep_flags before parse, and parse before study_root")
        root = self.args.store if self.args.store is not None else self.out / "store"
        return Path(root).joinpath(*map(str, folders))

    def store(self, *parts) -> Path:
        """One zarr store of the study: ``<store>/<part>/.../<last part>.zarr`` (folders made)."""
        if not self._sweep_flags or self.args is None:
            raise RuntimeError("call Example.add_sweep_flags before parse, and parse before store")
        *folders, last = map(str, parts)
        path = self.study_root(*folders) / f"{last}.zarr"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def client(self):
        """A context manager yielding the Dask client of ``--workers`` / ``--scheduler`` (``None``: in process)."""
        from skillode.cli import client_of

        try:
            return client_of(self.args)
        except ValueError as err:
            self.parser.error(str(err))

    # ------------------------------------------------------------------------------------------ figures
    def save_figure(self, fig, name: str | None = None) -> str:
        """Save ``fig`` as ``<out>/<name>.png`` (default: the script's name) at 150 dpi; return the file name.

        The figure is saved, then its layout checked (`skillode.plotting.text_overlaps` at the saved dpi): texts
        that overlap each other or leave the canvas raise ``RuntimeError`` naming them, so every run of every
        example (the scorecard's included) fails loudly on an unreadable figure; the PNG stays for a look.
        """
        from skillode.plotting import text_overlaps

        if self.out is None:
            raise RuntimeError("call Example.parse before save_figure")
        fname = (name or self.name) + ("" if (name or "").endswith(".png") else ".png")
        fig.savefig(self.out / fname, dpi=DPI)
        problems = text_overlaps(fig, dpi=DPI)
        if problems:
            raise RuntimeError(f"figure {self.out / fname}: {len(problems)} layout defect(s) (overlapping text or "
                               "text off the canvas):\n  " + "\n  ".join(problems))
        self.figures.append(fname)
        print(f"  figure {self.out / fname}")
        return fname

    # ------------------------------------------------------------------------------------------ checks
    def check(self, claim_id: str, description: str, *, claim: str, kind: str | None = None, paper=None,
              value=None, tolerance=None, tolerance_reason: str | None = None, explanation: str | None = None,
              spread=None, spread_label: str | None = None, detail: str | None = None, figure: str | None = None,
              passed=None) -> bool:
        """Record and print one check of a paper claim; return whether it passed.

        **Arguments:**

        - `claim_id`: a short unique id, e.g. ``"fig4.signgd_ratio_19"``.
        - `description`: the claim in words.
        - `claim`: where the paper makes it, e.g. ``"arXiv:2501.12391, Fig. 4"``.
        - `kind`: the kind of evidence `paper` is, one of `KINDS`: ``"paper"`` (read from the paper's figure or
          text), ``"authors-code"`` (the authors' code re-run), ``"derived"`` (skillode's own closed form, identity
          or independent implementation), ``"beyond"`` (skillode's own target beyond the paper). Required.
        - `paper`: the reference value, a finite number or a list of them.
        - `value`: skillode's value, a number or a list of numbers as long as `paper`.
        - `tolerance`: a number (pass if ``|value - paper| <= tolerance``, element by element) or a text
          ``"N%"`` (relative to ``paper``). Required: a check cannot pass on a criterion in words.
        - `tolerance_reason`: why that tolerance, chosen before looking at the result (e.g. "precision the
          paper's figure can be read to", "seed spread", "float64 round-off"). Required.
        - `explanation`: where skillode's value really differs from the paper, why; a check outside its tolerance
          then gets status ``"differs"`` (an explained difference: never a pass, not a failure) instead of
          ``"fail"``.
        - `spread`, `spread_label`: skillode's spread over seeds, e.g. from `over_seeds`.
        - `detail`: a short text shown next to the value (e.g. the times an ordering count was taken from).
        - `figure`: the figure file that shows it (default: the script's first saved figure).

        A value that is not finite (NaN, inf, None) fails (give `not_run` instead where the run cannot reach it).
        """
        if passed is not None:
            raise ValueError(f"check {claim_id!r}: passed= is not accepted: a verdict comes only from numeric "
                             "paper, value and tolerance (or status 'differs' through explanation=)")
        self._validate(claim_id, kind, tolerance, tolerance_reason)
        if explanation is not None and not (isinstance(explanation, str) and explanation.strip()):
            raise ValueError(f"check {claim_id!r}: explanation must be a non-empty text")
        ref = _numbers(paper)
        if ref is None or not all(math.isfinite(x) for x in ref):
            raise ValueError(f"check {claim_id!r}: paper must be a finite number or a list of them, got {paper!r}")
        got = _numbers(value)
        if got is None and value is not None and not _is_number(value):
            raise ValueError(f"check {claim_id!r}: value must be a number or a list of numbers, got {value!r}")
        reason = None
        if got is None or not all(math.isfinite(x) for x in got):
            status, reason = "fail", "measured value is not finite"
        elif len(got) != len(ref):
            raise ValueError(f"check {claim_id!r}: value has {len(got)} entries, paper {len(ref)}")
        elif _within(got, ref, tolerance):
            status = "pass"
        else:
            status = "differs" if explanation is not None else "fail"
        self._record(claim_id, description, claim, kind, paper, value, tolerance, tolerance_reason, status,
                     spread, spread_label, figure, reason=reason, explanation=explanation, detail=detail)
        return status == "pass"

    def not_run(self, claim_id: str, description: str, *, claim: str, kind: str | None = None, paper=None,
                tolerance=None, tolerance_reason: str | None = None,
                reason: str = "full run only (run without --quick)", figure: str | None = None) -> None:
        """Record a check that this run does not evaluate (status ``"not-run"``), e.g. one that needs the full run,
        or one whose value this run cannot reach (say so in `reason`)."""
        self._validate(claim_id, kind, tolerance, tolerance_reason, need_tolerance=False)
        self._record(claim_id, description, claim, kind, paper, None, tolerance, tolerance_reason, "not-run", None,
                     None, figure, reason=reason)

    def _validate(self, claim_id, kind, tolerance, tolerance_reason, need_tolerance=True) -> None:
        if any(c["id"] == claim_id for c in self.checks):
            raise ValueError(f"duplicate check id {claim_id!r}")
        if kind not in KINDS:
            raise ValueError(f"check {claim_id!r}: kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
        if tolerance is None and not need_tolerance:
            return
        if _tolerance(tolerance) is None:
            raise ValueError(f"check {claim_id!r}: tolerance must be a finite number >= 0 or a text 'N%', "
                             f"got {tolerance!r}")
        if not (isinstance(tolerance_reason, str) and tolerance_reason.strip()):
            raise ValueError(f"check {claim_id!r}: give tolerance_reason= (why this tolerance: the precision the "
                             "figure can be read to, the seed spread, round-off, ...)")

    def _record(self, claim_id, description, claim, kind, paper, value, tolerance, tolerance_reason, status, spread,
                spread_label, figure, reason=None, explanation=None, detail=None) -> None:
        rec = {
            "id": claim_id, "description": description, "claim": claim, "kind": kind, "paper": _plain(paper),
            "value": _plain(value), "detail": detail, "spread": _plain(spread), "spread_label": spread_label,
            "tolerance": _plain(tolerance), "tolerance_reason": tolerance_reason, "status": status, "reason": reason,
            "explanation": explanation, "figure": figure, "script": f"examples/{self.name}.py",
        }
        self.checks.append(rec)
        shown = _fmt(value) + (f" ({detail})" if detail else "")
        if spread is not None:
            shown += f" {_fmt(spread)}" if isinstance(spread, (list, tuple, np.ndarray)) else f" ± {_fmt(spread)}"
        tol = "" if tolerance is None else f", tolerance {_fmt(tolerance)}"
        tag = {"pass": "pass", "differs": "differs", "fail": "FAIL", "not-run": "not run"}[status]
        if status == "not-run":
            detail_text = f"({reason})"
        else:
            detail_text = f"skillode {shown} vs {kind} {_fmt(paper)}{tol}"
            detail_text += f" ({reason})" if reason else ""
            detail_text += f" — explained: {explanation}" if status == "differs" else ""
        print(f"  [{tag}] {claim_id}: {description} — {detail_text}", flush=True)

    # ------------------------------------------------------------------------------------------ end
    def finish(self, numbers: dict | None = None) -> int:
        """Write ``<out>/<script>.json`` (numbers, checks, figures) and return the exit status (1 if a check failed).

        A script with no checks at all also fails: every example must say what it reproduced.
        """
        if self.out is None:
            raise RuntimeError("call Example.parse before finish")
        default_fig = self.figures[0] if self.figures else None
        for rec in self.checks:
            rec["figure"] = rec["figure"] or default_fig
        failed = [c["id"] for c in self.checks if c["status"] == "fail"]
        result = {
            "schema": RESULT_SCHEMA, "script": f"examples/{self.name}.py", "name": self.name,
            "mode": "quick" if self.quick else "full", "wall_s": time.perf_counter() - self._start,
            "figures": self.figures, "checks": self.checks, "numbers": _plain(numbers or {}),
        }
        path = self.out / f"{self.name}.json"
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False))
        n = {s: sum(c["status"] == s for c in self.checks) for s in STATUSES}
        print(f"{self.name}: {n['pass']} passed, {n['differs']} differ (explained), {len(failed)} failed, "
              f"{n['not-run']} not run; results in {path}")
        if not self.checks:
            print(f"{self.name}: FAIL — no checks were recorded", file=sys.stderr)
            return 1
        if failed:
            print(f"{self.name}: FAILED checks: {', '.join(failed)}", file=sys.stderr)
            return 1
        return 0
