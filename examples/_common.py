"""The tail every example shares: flags, saving the figure and the result file, and checks that fail loudly.

Each script in ``examples/`` reproduces one result of arXiv:2501.12391 and ends the same way::

    ex = Example(__file__, __doc__, seeds=(2, 4))
    args = ex.parse(argv)                  # --out DIR, --quick, --seeds K (+ any flags added to ex.parser)
    ...                                    # compute
    ex.save_figure(fig)                    # <out>/<script>.png at 150 dpi
    ex.check("fig4.signgd_ratio", "SignGD: t2/t1 saturates near 2", claim="arXiv:2501.12391, Fig. 4",
             paper=1.90, value=1.88, tolerance=0.4)
    return ex.finish({"ratios": ...})      # <out>/<script>.json; exit status 1 if any check failed

A check record is the one source of truth for the scorecard (``skillode report`` reads these files and keeps no
numbers of its own). It holds: ``id``, ``description``, ``claim`` (figure or section of the paper), ``paper`` (the
paper's value, a number or a short text), ``value`` (skillode's), ``spread`` and ``spread_label`` (over seeds,
where random), ``tolerance``, ``status`` (``"pass"``, ``"fail"`` or ``"not-run"``), ``reason`` (for not-run),
``figure`` and ``script``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["Example", "over_seeds", "RESULT_SCHEMA"]

RESULT_SCHEMA = "skillode-example/1"
PAPER = "arXiv:2501.12391"
DPI = 150


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
        """Save ``fig`` as ``<out>/<name>.png`` (default: the script's name) at 150 dpi; return the file name."""
        if self.out is None:
            raise RuntimeError("call Example.parse before save_figure")
        fname = (name or self.name) + ("" if (name or "").endswith(".png") else ".png")
        fig.savefig(self.out / fname, dpi=DPI)
        self.figures.append(fname)
        print(f"  figure {self.out / fname}")
        return fname

    # ------------------------------------------------------------------------------------------ checks
    def check(self, claim_id: str, description: str, *, claim: str, paper=None, value=None, tolerance=None,
              passed: bool | None = None, spread=None, spread_label: str | None = None, figure: str | None = None,
              ) -> bool:
        """Record and print one check of a paper claim; return whether it passed.

        **Arguments:**

        - `claim_id`: a short unique id, e.g. ``"fig4.signgd_ratio_19"``.
        - `description`: the claim in words.
        - `claim`: where the paper makes it, e.g. ``"arXiv:2501.12391, Fig. 4"``.
        - `paper`: the paper's value (a number, or a text such as ``"≈2"``); None where the paper gives none.
        - `value`: skillode's value (a number or a text).
        - `tolerance`: a number (pass if ``|value - paper| <= tolerance``), a text ending in ``%`` (relative to
          ``paper``), or a text describing the criterion (then `passed` must be given).
        - `passed`: the verdict; None computes it from `paper`, `value` and a numeric `tolerance`.
        - `spread`, `spread_label`: skillode's spread over seeds, e.g. from `over_seeds`.
        - `figure`: the figure file that shows it (default: the script's first saved figure).

        A NaN or missing `value` never passes.
        """
        if any(c["id"] == claim_id for c in self.checks):
            raise ValueError(f"duplicate check id {claim_id!r}")
        if passed is None:
            passed = self._auto_pass(claim_id, paper, value, tolerance)
        if _is_number(value) and not math.isfinite(float(value)):
            passed = False
        status = "pass" if bool(passed) else "fail"
        self._record(claim_id, description, claim, paper, value, tolerance, status, spread, spread_label, figure)
        return status == "pass"

    def not_run(self, claim_id: str, description: str, *, claim: str, paper=None, tolerance=None,
                reason: str = "full run only (run without --quick)", figure: str | None = None) -> None:
        """Record a check that this run does not evaluate (status ``"not-run"``), e.g. one that needs the full run."""
        self._record(claim_id, description, claim, paper, None, tolerance, "not-run", None, None, figure, reason)

    @staticmethod
    def _auto_pass(claim_id, paper, value, tolerance) -> bool:
        if not (_is_number(paper) and _is_number(value)):
            raise ValueError(f"check {claim_id!r}: give passed=, or numeric paper, value and tolerance")
        diff = abs(float(value) - float(paper))
        if isinstance(tolerance, str) and tolerance.strip().endswith("%"):
            return diff <= float(tolerance.strip()[:-1]) / 100 * abs(float(paper))
        if _is_number(tolerance):
            return diff <= float(tolerance)
        raise ValueError(f"check {claim_id!r}: tolerance {tolerance!r} is not a number or 'N%'; give passed=")

    def _record(self, claim_id, description, claim, paper, value, tolerance, status, spread, spread_label, figure,
                reason=None) -> None:
        rec = {
            "id": claim_id, "description": description, "claim": claim, "paper": _plain(paper),
            "value": _plain(value), "spread": _plain(spread), "spread_label": spread_label,
            "tolerance": _plain(tolerance), "status": status, "reason": reason, "figure": figure,
            "script": f"examples/{self.name}.py",
        }
        self.checks.append(rec)
        shown = _fmt(value)
        if spread is not None:
            shown += f" {_fmt(spread)}" if isinstance(spread, (list, tuple, np.ndarray)) else f" ± {_fmt(spread)}"
        tol = "" if tolerance is None else f", tolerance {_fmt(tolerance)}"
        tag = {"pass": "pass", "fail": "FAIL", "not-run": "not run"}[status]
        detail = f"({reason})" if status == "not-run" else f"skillode {shown} vs paper {_fmt(paper)}{tol}"
        print(f"  [{tag}] {claim_id}: {description} — {detail}", flush=True)

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
        n_pass = sum(c["status"] == "pass" for c in self.checks)
        n_skip = sum(c["status"] == "not-run" for c in self.checks)
        print(f"{self.name}: {n_pass} passed, {len(failed)} failed, {n_skip} not run; results in {path}")
        if not self.checks:
            print(f"{self.name}: FAIL — no checks were recorded", file=sys.stderr)
            return 1
        if failed:
            print(f"{self.name}: FAILED checks: {', '.join(failed)}", file=sys.stderr)
            return 1
        return 0
