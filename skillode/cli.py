"""The ``skillode`` command: solve one Resource model, run a sweep (Resource, Geometry, networks), or write the report.

Run ``skillode --help`` or ``skillode COMMAND --help``. The functions here only parse flags and print; the work is
done by `skillode.resource`, `skillode.sweeps` (``skillode sweep KIND``: its flags are generated from each sweep's
axis table, `skillode.sweeps.axes`), `skillode.networks.sweep` and `skillode.report`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["add_run_flags", "build_parser", "client_of", "main", "parse_axis"]

_EPILOG = """\
examples:
  skillode solve --alpha 2 --n 10 --eta 0.019 --N0 0.003
      learning times of 10 Zipf(2) skills (closed form), printed as a table
  skillode solve --n 10 --eta 0.019 --N0 0 --method discrete --t-max 600 --out traj.nc
      the paper's discrete map (Euler, dt = 1, clipped), saved as a netCDF trajectory
  skillode sweep resource --N0 1e-4:1:32:log --alpha 0.5:3:32 --n 10 --eta 0.019 --out sweep.nc
      a 32 x 32 grid of models, solved exactly; learning-time summary printed
  skillode sweep geometry --n 1000 --N 20:1000:50 --alpha 1,1.5,2 --seed 0,1,2,3 --loss-kind ce \
        --task-vectors random_unit --batch-size 1024 --learning-rate 0.01 --steps 100000 --dtype float32 \
        --store fig10.zarr --workers 2
      the Geometry model on a grid, two local worker processes, resumable zarr store (--dry-run: estimate only)
  skillode sweep train --make-model mypkg.nets:make_model --make-task mypkg.nets:make_task \
        --width 32,64,128 --seed 0:3:4 --task alpha=1.0 --learning-rate 1e-3 --steps 5000
      networks trained on a grid (factories make_model(width, key), make_task(**values, key))
  skillode report --out report/
      run every example's quick mode and write the scorecard report/index.html and report.md (--full: full runs)

Time is in optimizer steps; eta is the paper's effective learning rate lr_eff = 2 lr sqrt(N)
(0.019 for lr = 3e-4, N = 1000). A skill is learned when its skill level reaches --threshold (0.9).
"""


def parse_axis(text: str, name: str = "axis") -> np.ndarray:
    """Parse axis values: ``"0.1"``, ``"0,0.01,0.1"``, ``"START:STOP:NUM"`` (linear) or ``"START:STOP:NUM:log"``.

    Raises ``ValueError`` naming ``name`` if the text is not one of these forms.
    """
    import numpy as np

    text = text.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] not in ("log", "lin")):
                raise ValueError
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
            if num < 1:
                raise ValueError
            if len(parts) == 4 and parts[3] == "log":
                if start <= 0 or stop <= 0:
                    raise ValueError(f"--{name}: a log range needs START, STOP > 0, got {text!r}")
                return np.geomspace(start, stop, num)
            return np.linspace(start, stop, num)
        return np.asarray([float(v) for v in text.split(",")], dtype=np.float64)
    except ValueError as err:
        if str(err).startswith("--"):
            raise
        raise ValueError(
            f"--{name}: cannot read {text!r}; use a number, a list '0,0.01,0.1', a range 'START:STOP:NUM' "
            "or a log range 'START:STOP:NUM:log'"
        ) from None


# What `build_parser` shows and checks, written out here so that ``skillode --help`` and ``skillode solve --help``
# import no JAX (skillode.paper, skillode.solvers and skillode._validate do); tests/test_cli.py keeps them equal to
# paper.lr_eff(paper.LR, paper.DIM), tuple(solvers.SOLVERS) and _validate.LOSS_KINDS.
_LR, _DIM = 3e-4, 1000
_ETA = 2.0 * _LR * math.sqrt(_DIM)
_METHODS = ("exact", "diffrax", "scipy", "discrete")
_LOSS_KINDS = ("mse", "ce")


def _model_flags(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("model (Resource model, Zipf frequencies p_i ∝ i^-alpha)")
    g.add_argument("--n", type=int, default=10, help="number of skills (default 10)")
    g.add_argument("--alpha", type=float, default=2.0, help="Zipf exponent of the skill frequencies, >= 0 (default 2)")
    g.add_argument("--eta", type=float, default=_ETA, help=f"effective learning rate lr_eff > 0 (default 2 lr sqrt(N) "
                   f"= {_ETA:.6g} for lr = {_LR:g}, N = {_DIM})")
    g.add_argument("--N0", type=float, default=0.003, help="wasted resources N0 >= 0 (default 0.003)")
    g.add_argument("--loss-kind", choices=_LOSS_KINDS, default="mse", help="loss variant (default mse)")
    _time_flags(parser)


def _time_flags(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("times and learning times")
    g.add_argument("--threshold", type=float, default=0.9, help="skill level that counts as learned (default 0.9)")
    g.add_argument("--t-max", type=float, default=1000.0, help="last time, in steps (default 1000)")
    g.add_argument("--num-t", type=int, default=1001, help="number of output times in [0, t-max] (default 1001)")


# kind -> (help, command-line defaults that differ from the sweep's own)
_SWEEP_KINDS = {
    "resource": ("solve a grid of Resource models (exact where it applies): --N0, --alpha, --eta, --loss-kind",
                 {"alpha": "2", "eta": repr(_ETA), "N0": "0.003"}),
    "geometry": ("run the Geometry model on a grid: --alpha, --N, --seed, --learning-rate, --optimizer, ...",
                 {"learning_rate": "0.01"}),
    "train": ("train networks make_model(width, key) on make_task(**values, key) on a grid: --seed, --width, "
              "--learning-rate, --optimizer, --task NAME=VALUES", {}),
}


def _sweep_class(kind: str):
    if kind == "resource":
        from .sweeps import Sweep

        return Sweep
    if kind == "geometry":
        from .sweeps import GeometrySweep

        return GeometrySweep
    from .networks.sweep import TrainingSweep

    return TrainingSweep


def _sweep_flags(parser: argparse.ArgumentParser, kind: str) -> None:
    """One flag per scalar axis of the sweep's `skillode.sweeps.axes.Axes` table, then the kind's own flags."""
    defaults = _SWEEP_KINDS[kind][1]
    g = parser.add_argument_group("parameters (a value, a list a,b,c, or a range START:STOP:NUM[:log]; several "
                                  "values make an axis)")
    for axis in _sweep_class(kind).AXES.table.values():
        if axis.rank:  # arrays (p, C, l0): from Python only
            continue
        default = defaults.get(axis.name, None if axis.required else _flag_text(axis.default))
        shown = "required" if default is None and axis.required else f"default {default}"
        g.add_argument(f"--{axis.name.replace('_', '-')}", dest=f"axis_{axis.name}", default=default,
                       help=f"{axis.doc} ({shown}; {'compiled per value' if axis.static else 'vmapped'})")
    if kind == "resource":
        from .solvers import SOLVERS

        g.add_argument("--n", type=int, default=10, help="number of skills (default 10)")
        g.add_argument("--method", choices=tuple(k for k, v in SOLVERS.items() if v.traceable), default="exact",
                       help="exact (default), diffrax, or discrete (the paper's map)")
        _time_flags(parser)
        parser.add_argument("--out", type=_path, help="save the sweep Dataset and its learning times: .nc or .zarr")
        return
    if kind == "geometry":
        g.add_argument("--n", type=int, default=100, help="number of skills (default 100)")
        g.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="float64 (default) or "
                       "float32")
    else:
        g.add_argument("--task", action="append", default=[], metavar="NAME=VALUES",
                       help="a make_task keyword (repeatable): one value fixes it, several make an axis")
        g.add_argument("--make-model", required=True, metavar="MODULE:FUNCTION", help="make_model(width, key)")
        g.add_argument("--make-task", required=True, metavar="MODULE:FUNCTION", help="make_task(**values, key)")
        g.add_argument("--batch-size", type=int, default=None, help="batch size (default: the task's full batch)")
    _scan_flags(parser)


def _flag_text(value) -> str:
    return "none" if value is None else str(value)


def _flag_values(text: str, name: str) -> list:
    """A parameter flag's values: numbers (ints where integral), words, or ``none``."""
    if ":" in text:
        return [int(v) if v == round(v) else float(v) for v in parse_axis(text, name)]
    words = _words(text, name)
    return [None if w.lower() == "none" else _value(w) for w in words]


def add_run_flags(parser: argparse.ArgumentParser, *, study: bool = False) -> None:
    """Add the flags of where a sweep or a study runs: ``--store``, ``--workers`` / ``--scheduler``, ``--dry-run``,
    ``--no-progress`` (and ``--block-size`` for a single sweep). Read them back with `client_of`.

    The one definition of these flags: ``skillode sweep`` uses it, and so do the example scripts that run studies
    (``study=True``: ``--store`` is the study's folder of part stores rather than one ``.zarr`` store).
    """
    g = parser.add_argument_group("where the runs go (in process by default)")
    if study:
        g.add_argument("--store", type=_path, default=None,
                       help="folder of the study's zarr stores (one per part); a rerun, or a larger run, computes "
                            "only what the folder does not hold yet")
    else:
        g.add_argument("--store", type=_path, default=None,
                       help="a .zarr store: finished blocks are written there and a rerun resumes from them")
        g.add_argument("--block-size", type=int, default=None, help="grid points per compiled block")
    where = g.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="start a local Dask cluster of this many processes")
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler (e.g. a SLURM cluster)")
    g.add_argument("--dry-run", action="store_true",
                   help="print the grid, the blocks, an estimated run time from a timed probe block and the store "
                   "size; run nothing")
    g.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def client_of(args: argparse.Namespace):
    """The context manager of the Dask client that `add_run_flags`' ``--workers`` / ``--scheduler`` ask for
    (yielding ``None``: in process). Raises ``ValueError`` for ``--workers`` below 1."""
    from .sweeps import client_for

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    return client_for(workers=args.workers, scheduler=args.scheduler)


def _scan_flags(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("what is kept of each run")
    g.add_argument("--steps", type=int, required=True, help="optimizer steps per run")
    g.add_argument("--record-every", type=int, default=None, help="steps between records (default steps/100)")
    g.add_argument("--n-times", type=int, default=50, help="log-spaced record times kept for the curves (50)")
    g.add_argument("--threshold", type=float, default=0.9, help="skill level that counts as learned (0.9)")
    g.add_argument("--curves", default="", help="per-skill curves to keep, e.g. skill_level (default none)")
    g.add_argument("--curves-at", action="append", default=[], metavar="AXIS=VALUES",
                   help="keep per-skill curves only where AXIS is among VALUES (repeatable), e.g. N=100")
    g.add_argument("--out", type=_path, help="also save the Dataset: .nc or .zarr")


class _LazyFlagsParser(argparse.ArgumentParser):
    """A parser that adds its flags (``add_flags(parser)``) when it is first used: to parse, or to print its help
    or usage. A sweep kind's flags come from its axis table, and the sweep modules import JAX: ``skillode --help``
    and ``skillode sweep --help`` do not wait for that, ``skillode sweep geometry ...`` does."""

    def __init__(self, *args, add_flags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_flags = add_flags

    def _ready(self) -> None:
        add, self._add_flags = self._add_flags, None
        if add is not None:
            add(self)

    def parse_known_args(self, args=None, namespace=None):
        self._ready()
        return super().parse_known_args(args, namespace)

    def format_usage(self):
        self._ready()
        return super().format_usage()

    def format_help(self):
        self._ready()
        return super().format_help()


def _kind_flags(kind: str):
    def add(parser: argparse.ArgumentParser) -> None:
        _sweep_flags(parser, kind)
        add_run_flags(parser)

    return add


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skillode`` command (``solve``, ``sweep {resource,geometry,train}``,
    ``report``)."""
    parser = argparse.ArgumentParser(
        prog="skillode",
        description="The physics of skill learning (Liu et al., arXiv:2501.12391) as differential equations: "
        "solve the Resource model, sweep its parameters, or write a report of the core results.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p_solve = sub.add_parser(
        "solve",
        help="solve one Resource model and print its learning times",
        description="Solve one Resource model dl_i/dt = -eta p_i l_i / (sum_j p_j l_j + N0) and print each skill's "
        "learning time.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _model_flags(p_solve)
    p_solve.add_argument(
        "--method",
        choices=_METHODS,
        default="exact",
        help="the solver's default object: exact (tau-time closed form), diffrax, scipy, or discrete (the paper's "
        "map)",
    )
    p_solve.add_argument("--out", type=_path, help="save the trajectory: .nc (netCDF, compressed) or .zarr")

    p_sweep = sub.add_parser(
        "sweep",
        help="run a grid of runs: sweep resource | geometry | train",
        description="Run a grid of runs of one model kind, in process or on a Dask cluster, into memory or a "
        "resumable zarr store. Every parameter flag takes a value, a list a,b,c or a range START:STOP:NUM[:log]; "
        "a flag with several values is a sweep axis (the output's dims follow the order of --help), one value "
        "fixes it. With no flag of several values, the sweep is a single run.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = p_sweep.add_subparsers(dest="kind", metavar="KIND", required=True, parser_class=_LazyFlagsParser)
    for kind, (text, _) in _SWEEP_KINDS.items():
        kinds.add_parser(kind, help=text, description=text, epilog=_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter, add_flags=_kind_flags(kind))

    p_fit = sub.add_parser(
        "fit",
        help="fit the Resource model to your own run's per-skill curves (CSV or Parquet); --forecast the rest",
        description="Read a table of per-skill curves logged during training (long: columns step, skill, value "
        "[, run]; or wide: a step column and one column per skill [, a run column]), convert them to skill levels "
        "(skillode.read_curves), fit the Resource model's eta and N0, and print the fitted parameters and each "
        "skill's learning time. Without --forecast: a least-squares fit of the curves in the space they were logged "
        "in (skillode.fit_resource). With --forecast: the censored fit of the learning times seen so far and a "
        "forecast, with an interval, of every skill not learned yet (skillode.forecast). --out DIR writes "
        "fit.nc (the result) and fit.png (the figure).",
        epilog="example:\n  skillode fit run.csv --kind loss --loss-kind ce --p zipf:1.5 --forecast --out fit/\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_fit.add_argument("table", type=_path, help="the run's table: .csv, .parquet or .pq")
    p_fit.add_argument("--kind", choices=("loss", "skill_level", "accuracy"), default="loss",
                       help="what the values are (default loss)")
    p_fit.add_argument("--loss-kind", choices=_LOSS_KINDS, default=None,
                       help="the training loss: ce or mse (needed for --kind loss)")
    p_fit.add_argument("--p", required=True,
                       help="the skills' frequencies in table order: a list a,b,c (summing to 1) or zipf:ALPHA")
    p_fit.add_argument("--step", default="step", help="the step column (default step)")
    p_fit.add_argument("--skill", default=None, help="the skill column of a long table (default: a wide table)")
    p_fit.add_argument("--value", default="value", help="the value column of a long table (default value)")
    p_fit.add_argument("--run", default=None, help="the run (seed) column, for several runs")
    p_fit.add_argument("--chance", type=float, default=None, help="accuracy of guessing (for --kind accuracy)")
    p_fit.add_argument("--loss0", type=float, default=1.0, help="MSE loss of an unlearned skill (default 1)")
    p_fit.add_argument("--threshold", type=float, default=0.9, help="skill level s* of a learned skill (0.9)")
    p_fit.add_argument("--forecast", action="store_true", help="forecast the skills not learned yet, with intervals")
    p_fit.add_argument("--at", type=float, default=None, help="forecast from the run up to this step (default all)")
    p_fit.add_argument("--out", type=_path, default=None, help="folder for fit.nc and fit.png")

    p_report = sub.add_parser(
        "report",
        help="run the example scripts and write the reproduction scorecard (report.md, index.html)",
        description="Run every example script (its --quick mode unless --full), each in a subprocess with a "
        "timeout,\none per CPU core at a time, the longest expected first, and collect their check records into "
        "one table:\nreport.md and a self-contained index.html (figures embedded). Exit status 1 if any check "
        "failed.\n\nA header gives the expected time (from the previous run's runs.json in --out, else from "
        "measured\nquick-mode times); a line marks each example's start and end. The examples share JAX's "
        "persistent\ncompilation cache ($XDG_CACHE_HOME/skillode/jax or ~/.cache/skillode/jax; SKILLODE_JAX_CACHE="
        "DIR moves it,\nSKILLODE_JAX_CACHE=off or --no-jax-cache turns it off): a second report compiles little.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_report.add_argument("--out", type=_path, default=Path("report"), help="output directory (default ./report)")
    mode = p_report.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the examples' quick modes (the default)")
    mode.add_argument("--full", action="store_true", help="the examples' full runs (minutes to hours)")
    p_report.add_argument("--only", default=None, help="comma-separated example names to run (default all)")
    p_report.add_argument("--list", action="store_true", help="list the example scripts and exit")
    p_report.add_argument("--timeout", type=float, default=None, help="seconds per example (default 600; full 7200)")
    p_report.add_argument("--jobs", type=int, default=None,
                          help="examples run at the same time, one process each (default: one per CPU core)")
    p_report.add_argument("--threads", type=int, default=None,
                          help="numeric threads per example (default: the cores divided among the jobs; 0: no limit)")
    p_report.add_argument("--no-jax-cache", action="store_true",
                          help="no persistent JAX compilation cache (each example compiles everything)")
    p_report.add_argument("--store", type=_path, default=None,
                          help="folder of the examples' study stores, kept between reports: a rerun computes only the "
                          "study parts it lacks (default with --full: OUT/store; quick: each example's own folder)")
    p_report.add_argument("--workers", type=int, default=None,
                          help="a local Dask cluster of this many processes for the examples' study parts")
    p_report.add_argument("--resume", action="store_true",
                          help="keep the results of the examples that finished in the previous run in --out with the "
                          "same code (script, helpers, package); run only the others")
    return parser


def _times(args) -> np.ndarray:
    from .solvers import SOLVERS

    if not (math.isfinite(args.t_max) and args.t_max > 0):
        raise ValueError(f"--t-max must be a finite time > 0, got {args.t_max}")
    if args.num_t < 2:
        raise ValueError(f"--num-t must be >= 2, got {args.num_t}")
    from .timing import time_grid

    return time_grid(SOLVERS[args.method](), args.t_max, num=args.num_t)  # the library's one rule


def _print_table(times, out) -> None:
    import numpy as np

    print(f"{'skill':>5}  {'p':>10}  {'learning time [steps]':>22}", file=out)
    for s, p, t in zip(times.skill.values, times.p.values, times.values):
        print(f"{s!s:>5}  {p:10.4g}  {('not learned' if np.isnan(t) else f'{t:.2f}'):>22}", file=out)


def _cmd_solve(args, out) -> int:
    from .frequencies import zipf
    from .resource import ResourceModel
    from .solvers import SOLVERS
    from .timing import as_threshold, learning_times
    from .trajectory import check_output_path, save

    if args.out is not None:
        check_output_path(args.out)
    model = ResourceModel(p=zipf(args.n, args.alpha), eta=args.eta, N0=args.N0, loss_kind=args.loss_kind)
    ts = _times(args)
    solver = SOLVERS[args.method]()
    ds = model.solve(ts, solver)  # before printing: a failing solve or a bad --out path stops here
    if args.out is not None:
        save(ds, args.out)
        print(f"trajectory written to {args.out}", file=out)
    # The library's learning times: the closed form for --method exact, else a solve on skillode.timing.time_grid.
    times = learning_times(model, as_threshold(args.threshold), solver=None if args.method == "exact" else solver,
                           t_max=args.t_max)
    how = "closed form" if times.attrs["method"] == "closed_form" else f"{args.method}, t in [0, {args.t_max:g}]"
    print(
        f"Resource model: n={args.n}, alpha={args.alpha:g}, eta={args.eta:g}, N0={args.N0:g}, "
        f"loss_kind={args.loss_kind}; learning time = first t with s >= {args.threshold:g} ({how})",
        file=out,
    )
    _print_table(times, out)
    return 0


def _run_plan(plan, args, out):
    """Dry-run (print the estimate, return None) or execute ``plan`` in process / on a Dask cluster."""
    from .sweeps import dry_run, execute, format_dry_run

    if args.store is not None and args.store.suffix != ".zarr":
        raise ValueError(f"--store must be a path ending in .zarr, got {str(args.store)!r}")
    if args.dry_run:
        print(format_dry_run(dry_run(plan, workers=args.workers or 1)), file=out)
        return None
    with client_of(args) as client:
        if client is not None:
            print(f"Dask dashboard: {client.dashboard_link}", file=out, flush=True)
        ds = execute(plan, store=args.store, client=client, progress=not args.no_progress)
    if args.store is not None:
        print(f"results in {args.store} (rerun the same command to resume)", file=out)
    return ds


def _words(text: str, name: str) -> list[str]:
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise ValueError(f"--{name}: give at least one value")
    return words


def _value(text: str):
    """A command-line value as int, float or str."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _assignments(items: list[str], flag: str, *, axis: bool) -> dict:
    out = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise ValueError(f"{flag} takes NAME=VALUE{'S' if axis else ''}, got {item!r}")
        if axis and ":" in text:
            values = parse_axis(text, name)
            out[name.strip()] = [int(v) if v == round(v) else float(v) for v in values]
        elif axis:
            out[name.strip()] = [_value(w) for w in _words(text, name)]
        else:
            out[name.strip()] = _value(text.strip())
    return out


def _summary_kwargs(args) -> dict:
    return {"record_every": args.record_every, "n_times": args.n_times, "threshold": args.threshold,
            "curves": tuple(_words(args.curves, "curves")) if args.curves else (),
            "curves_at": _assignments(args.curves_at, "--curves-at", axis=True) or None}


def _print_scan_summary(ds, out) -> None:
    import numpy as np

    final = ds.loss.isel(t=-1)
    learned = np.isfinite(ds.learning_time.values)
    print(f"final loss: min {float(final.min()):.4g}, median {float(final.median()):.4g}, "
          f"max {float(final.max()):.4g}; skills learned: {int(learned.sum())} of {learned.size}", file=out)


def _save_if_asked(ds, args, out) -> None:
    from .trajectory import save

    if args.out is not None:
        save(ds.load(), args.out)
        print(f"Dataset {dict(ds.sizes)} written to {args.out}", file=out)


def _import(spec: str, flag: str):
    import importlib

    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"{flag} takes MODULE:FUNCTION, got {spec!r}")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"{flag}: cannot import {spec!r}: {err}") from None


def _cmd_sweep(args, out) -> int:
    from .trajectory import check_output_path

    if args.out is not None:
        check_output_path(args.out)
    kind = args.kind
    cls = _sweep_class(kind)
    given = {}  # the axis table's order = the output's dim order
    for axis in cls.AXES.table.values():
        text = getattr(args, f"axis_{axis.name}", None)
        if text is not None:
            flag = axis.name.replace("_", "-")
            given[axis.name] = _flag_values(text, flag)
            try:
                [axis.check(v) for v in given[axis.name]]
            except (TypeError, ValueError) as err:
                raise ValueError(f"--{flag}: {err}") from None
    if kind == "train":
        for name, values in _assignments(args.task, "--task", axis=True).items():
            given[name] = values
    axes = {k: v for k, v in given.items() if len(v) > 1}
    fixed = {k: v[0] for k, v in given.items() if len(v) == 1}
    if not axes:  # a single run: a grid of one point along the first given parameter
        first = next(iter(fixed), None)
        if first is None:
            raise ValueError("give at least one parameter flag (see --help)")
        axes = {first: [fixed.pop(first)]}
    if kind == "resource":
        sweep = cls(axes=axes, n=args.n, **fixed)
        plan = sweep.plan(_times(args), args.method, block_size=args.block_size)
    elif kind == "geometry":
        sweep = cls(axes=axes, n=args.n, dtype=args.dtype, **fixed)
        plan = sweep.plan(args.steps, block_size=args.block_size, **_summary_kwargs(args))
    else:
        run_keys = set(cls.AXES.names)
        sweep = cls(axes=axes, make_model=_import(args.make_model, "--make-model"),
                    make_task=_import(args.make_task, "--make-task"), batch_size=args.batch_size,
                    task_values={k: v for k, v in fixed.items() if k not in run_keys},
                    **{k: v for k, v in fixed.items() if k in run_keys})
        plan = sweep.plan(args.steps, block_size=args.block_size, **_summary_kwargs(args))
    grid = " x ".join(f"{k}[{len(v)}]" for k, v in axes.items())
    runs = f"{sweep.size} run{'s' if sweep.size != 1 else ''}"
    print(f"{kind} sweep over {grid} = {runs}, fixed {fixed}", file=out, flush=True)
    ds = _run_plan(plan, args, out)
    if ds is None:
        return 0
    if kind == "resource":
        _print_resource_summary(ds, args, out)
    else:
        _print_scan_summary(ds, out)
        _save_if_asked(ds, args, out)
    return 0


def _print_resource_summary(ds, args, out) -> None:
    import numpy as np

    from .timing import learning_times
    from .trajectory import save

    times = learning_times(ds, args.threshold)
    learned = times.learned.values
    print(f"skills learned by t={float(ds.t[-1]):g} (s >= {args.threshold:g}): {int(learned.sum())} of "
          f"{learned.size}", file=out)
    for label, sel in ((f"skill {ds.sizes['skill']}", -1), ("skill 1", 0)):
        values = times.isel(skill=sel).values
        if np.isfinite(values).any():
            print(f"learning time of {label}: min {np.nanmin(values):.2f}, max {np.nanmax(values):.2f} steps "
                  "(learned cases)", file=out)
    if args.out is not None:
        save(ds.assign(learning_time=times.drop_vars("learned")), args.out)  # the times printed above, too
        print(f"sweep Dataset {dict(ds.sizes)} with its learning times written to {args.out}", file=out)


def _frequencies(text: str, n: int):
    from .frequencies import as_frequencies, zipf

    if text.startswith("zipf:"):
        return zipf(n, float(_value(text[5:])))
    values = [float(_value(v)) for v in _words(text, "--p")]
    if len(values) != n:
        raise ValueError(f"--p gives {len(values)} frequencies but the table has {n} skills")
    return as_frequencies(values)


def _cmd_fit(args, out) -> int:
    import numpy as np

    from .curves import read_curves
    from .fit import fit_resource
    from .forecasting import forecast
    from .resource import ResourceModel
    from .timing import learning_times
    from .trajectory import SKILL, save

    if args.at is not None and not args.forecast:
        raise ValueError("--at (the step to forecast from) is used only with --forecast")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    first = read_curves(args.table, kind=args.kind, loss_kind=args.loss_kind, step=args.step, skill=args.skill,
                        value=args.value, run=args.run, chance=args.chance, loss0=args.loss0)
    p = _frequencies(args.p, first.sizes[SKILL])
    run = first.assign_coords(p=(SKILL, p))
    loss_kind = args.loss_kind or "mse"
    template = ResourceModel(p=p, eta=1.0, N0=0.1, loss_kind=loss_kind)
    names = run["skill_name"].values if "skill_name" in run.coords else run[SKILL].values
    print(f"{args.table}: {run.sizes[SKILL]} skills, {run.sizes['t']} logged steps ({float(run.t[0]):g} to "
          f"{float(run.t[-1]):g}), {args.kind} -> skill level by {run.attrs['conversion']}", file=out)
    if args.forecast:
        result = forecast(run, template, at=args.at, threshold=args.threshold)
        a = result.attrs
        print(f"fitted (censored learning times up to step {a['at']:g}): eta = {a['eta']:.4g}, N0 = {a['N0']:.4g}"
              f"{' (at its lower bound: N0 -> 0)' if a['N0_at_bound'] else ''}, scatter sigma = {a['sigma']:.3f} "
              "(log time)", file=out)
        lt = result.learning_time
        runs = [d for d in lt.dims if d != SKILL]
        table = {"time": lt, "lower": result.lower, "upper": result.upper, "observed": result.observed}
        if runs:  # one line per skill: the median over runs
            table = {k: v.median(runs) if k != "observed" else v.all(runs) for k, v in table.items()}
        print(f"{'skill':>12s} | {'p':>8s} | learning time [steps] | {int(a['interval'] * 100)}% interval", file=out)
        for i, name in enumerate(names):
            t, lo, hi, seen = (float(table[k].values[i]) for k in ("time", "lower", "upper", "observed"))
            what = "observed" if seen else f"forecast [{lo:.0f}, {hi:.0f}]"
            print(f"{str(name):>12s} | {p[i]:8.4g} | {t:21.1f} | {what}", file=out)
    else:
        result = fit_resource(run, template, params=("eta", "N0"), solver="exact", starts=(1e-3, 1e-1, 10.0))
        measured = learning_times(run, args.threshold)
        predicted = result.model.learning_times(args.threshold).values
        print(f"fitted ({result.var} curves, least squares): eta = {result['eta']:.4g}, N0 = {result['N0']:.4g}, "
              f"R^2 = {result.r2:.4f}", file=out)
        med = np.asarray(measured.median([d for d in measured.dims if d != SKILL]).values if measured.ndim > 1
                         else measured.values)
        print(f"{'skill':>12s} | {'p':>8s} | measured [steps] | model [steps]", file=out)
        for i, name in enumerate(names):
            print(f"{str(name):>12s} | {p[i]:8.4g} | {med[i]:16.1f} | {predicted[i]:13.1f}", file=out)
        result = measured.to_dataset(name="learning_time").assign(model_time=(SKILL, predicted)).assign_attrs(
            eta=result["eta"], N0=result["N0"], r2=result.r2, var=result.var)
    if args.out is not None:
        save(result.drop_vars("learned", errors="ignore"), args.out / "fit.nc")
        _fit_figure(run, result, args).savefig(args.out / "fit.png", dpi=150)
        print(f"written: {args.out / 'fit.nc'}, {args.out / 'fit.png'}", file=out)
    return 0


def _fit_figure(run, result, args):
    """Curves seen (solid), the fitted model's or the forecast's times (squares, with intervals), one panel each."""
    import numpy as np

    from .plotting import new_axes, plain_log_ticks, skill_colors
    from .trajectory import SKILL

    fig, axes = new_axes(2, 1, size=(4.6, 3.4))
    ax_c, ax_t = axes.ravel()
    level = run.skill_level
    runs = [d for d in level.dims if d not in (SKILL, "t")]
    shown = level.isel({d: 0 for d in runs}) if runs else level
    colors = skill_colors(shown.sizes[SKILL])
    for i in range(shown.sizes[SKILL]):
        ax_c.plot(run.t.values, shown.values[i], color=colors[i], lw=0.8)
    ax_c.axhline(args.threshold, color="0.5", lw=0.6)
    ax_c.set(xlabel="step", ylabel="skill level", title="the run" + (" (first run)" if runs else ""))
    p = run.p.values
    lt = result.learning_time
    if runs:
        lt = lt.median(runs)
    if "observed" in result.coords:
        seen = result.observed.all(runs).values if runs else result.observed.values
        lo = result.lower.median(runs).values if runs else result.lower.values
        hi = result.upper.median(runs).values if runs else result.upper.values
        mid = lt.values
        ax_t.loglog(p[seen], mid[seen], "o", ms=3, color="k", label="observed")
        ax_t.errorbar(p[~seen], mid[~seen], yerr=np.vstack([mid[~seen] - lo[~seen], hi[~seen] - mid[~seen]]),
                      fmt="s", ms=3, color="tab:blue", elinewidth=0.8, label="forecast, interval")
        ax_t.set_yscale("log")
    else:
        ax_t.loglog(p, lt.values, "o", ms=3, color="k", label="measured")
        ax_t.loglog(p, result.model_time.values, "s", ms=3, mfc="none", color="tab:blue", label="fitted model")
    ax_t.set(xlabel="skill frequency $p_i$", ylabel="learning time [steps]", title="learning times")
    plain_log_ticks(ax_t)
    ax_t.legend(fontsize="small")
    return fig


def _cmd_report(args, out) -> int:
    from .report import examples_dir, list_examples, write_report

    if args.list:
        for name, path in list_examples().items():
            print(f"{name:32s} {path}", file=out)
        print(f"({examples_dir()})", file=out)
        return 0
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    store = args.store if args.store is not None else (args.out / "store" if args.full else None)
    report = write_report(args.out, quick=not args.full, only=only, timeout=args.timeout, jobs=args.jobs,
                          threads=args.threads, jax_cache=not args.no_jax_cache, store=store, workers=args.workers,
                          resume=args.resume)
    c = report.counts()
    print(
        f"report written to {report.markdown} and {report.html}: {c['pass']} passed, {c['differs']} differ from "
        f"the paper (explained), {c['fail']} failed, {c['not-run']} not run ({report.wall_s:.0f} s)",
        file=out,
    )
    for row in report.rows:
        if row["status"] == "fail":
            print(f"  FAIL {row['id']}: {row['description']}", file=out)
    return 1 if report.n_failed else 0


def _path(text: str) -> Path:
    """A path flag's value; an empty one is refused (``Path("")`` would silently be the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a path, not an empty string")
    return Path(text)


def _joined_values(argv: list[str]) -> list[str]:
    """``--flag -1,0`` as ``--flag=-1,0``: argparse reads a value that starts with ``-`` (other than a plain
    negative number) as a flag and says only "expected one argument"; joined, the flag's own check names the rule."""
    out: list[str] = []
    for token in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and token[:1] == "-" and token[1:2] in set(
                "0123456789."):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skillode`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(_joined_values(sys.argv[1:] if argv is None else list(argv)))
    command = {"solve": _cmd_solve, "sweep": _cmd_sweep, "fit": _cmd_fit, "report": _cmd_report}[args.command]
    try:
        return command(args, sys.stdout)
    except ValueError as err:
        parser.exit(2, f"skillode {args.command}: error: {err}\n")


if __name__ == "__main__":
    raise SystemExit(main())
