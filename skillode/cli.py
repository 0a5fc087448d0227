"""The ``skillode`` command: solve one Resource model, run a parameter sweep, or write the report.

Run ``skillode --help`` or ``skillode COMMAND --help``. The functions here only parse flags and print; the work is
done by `skillode.resource`, `skillode.sweep` and `skillode.report`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from . import paper
from .solvers import SOLVERS

__all__ = ["main", "build_parser", "parse_axis"]

_EPILOG = """\
examples:
  skillode solve --alpha 2 --n 10 --eta 0.019 --N0 0.003
      learning times of 10 Zipf(2) skills (closed form), printed as a table
  skillode solve --n 10 --eta 0.019 --N0 0 --method discrete --t-max 600 --out traj.nc
      the paper's discrete map (Euler, dt = 1, clipped), saved as a netCDF trajectory
  skillode sweep --N0 1e-4:1:32:log --alpha 0.5:3:32 --n 10 --eta 0.019 --out sweep.nc
      a 32 x 32 grid of models, solved exactly; learning-time summary printed
  skillode report --out report/
      run every example's quick mode and write the scorecard report/index.html and report.md (--full: full runs)

Time is in optimizer steps; eta is the paper's effective learning rate lr_eff = 2 lr sqrt(N)
(0.019 for lr = 3e-4, N = 1000). A skill is learned when its skill level reaches --threshold (0.9).
"""


def parse_axis(text: str, name: str = "axis") -> np.ndarray:
    """Parse axis values: ``"0.1"``, ``"0,0.01,0.1"``, ``"START:STOP:NUM"`` (linear) or ``"START:STOP:NUM:log"``.

    Raises ``ValueError`` naming ``name`` if the text is not one of these forms.
    """
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


_ETA = paper.lr_eff(paper.LR, paper.DIM)


def _model_flags(parser: argparse.ArgumentParser, *, sweepable: bool) -> None:
    hint = " (a value, a list a,b,c, or a range START:STOP:NUM[:log] to sweep it)" if sweepable else ""
    g = parser.add_argument_group("model (Resource model, Zipf frequencies p_i ∝ i^-alpha)")
    g.add_argument("--n", type=int, default=10, help="number of skills (default 10)")
    g.add_argument(
        "--alpha",
        type=str if sweepable else float,
        default="2" if sweepable else 2.0,
        help="Zipf exponent of the skill frequencies, >= 0 (default 2)" + hint,
    )
    g.add_argument(
        "--eta",
        type=str if sweepable else float,
        default=repr(_ETA) if sweepable else _ETA,
        help=f"effective learning rate lr_eff > 0 (default 2 lr sqrt(N) = {_ETA:.6g} for lr = {paper.LR:g}, "
        f"N = {paper.DIM})" + hint,
    )
    g.add_argument(
        "--N0",
        type=str if sweepable else float,
        default="0.003" if sweepable else 0.003,
        help="wasted resources N0 >= 0 (default 0.003)" + hint,
    )
    g.add_argument("--loss-kind", choices=("mse", "ce"), default="mse", help="loss variant (default mse)")
    g.add_argument("--threshold", type=float, default=0.9, help="skill level that counts as learned (default 0.9)")
    g.add_argument("--t-max", type=float, default=1000.0, help="last time, in steps (default 1000)")
    g.add_argument("--num-t", type=int, default=1001, help="number of output times in [0, t-max] (default 1001)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skillode`` command (sub-commands ``solve``, ``sweep``, ``report``)."""
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
    _model_flags(p_solve, sweepable=False)
    p_solve.add_argument(
        "--method",
        choices=tuple(SOLVERS),
        default="exact",
        help="the solver's default object: exact (tau-time closed form), diffrax, scipy, or discrete (the paper's "
        "map)",
    )
    p_solve.add_argument("--out", type=Path, help="save the trajectory: .nc (netCDF, compressed) or .zarr")

    p_sweep = sub.add_parser(
        "sweep",
        help="solve a grid of Resource models (any of --N0, --alpha, --eta as ranges)",
        description="Solve a grid of Resource models in one vmapped, chunked call and print a summary. Give a range "
        "to --N0, --alpha and/or --eta to sweep it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _model_flags(p_sweep, sweepable=True)
    p_sweep.add_argument(
        "--method",
        choices=tuple(k for k, v in SOLVERS.items() if v.traceable),
        default="exact",
        help="exact (default), diffrax, or discrete (the paper's map)",
    )
    p_sweep.add_argument("--chunk-size", type=int, default=None, help="grid points per vmapped chunk")
    p_sweep.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="directory for finished chunks; an interrupted sweep resumes from it",
    )
    p_sweep.add_argument("--out", type=Path, help="save the sweep Dataset and its learning times: .nc or .zarr")
    p_sweep.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    p_report = sub.add_parser(
        "report",
        help="run the example scripts and write the reproduction scorecard (report.md, index.html)",
        description="Run every example script (its --quick mode unless --full), each in a subprocess with a "
        "timeout, and collect their check records into one table: report.md and a self-contained index.html "
        "(figures embedded). Exit status 1 if any check failed.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_report.add_argument("--out", type=Path, default=Path("report"), help="output directory (default ./report)")
    mode = p_report.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the examples' quick modes (the default)")
    mode.add_argument("--full", action="store_true", help="the examples' full runs (minutes to hours)")
    p_report.add_argument("--only", default=None, help="comma-separated example names to run (default all)")
    p_report.add_argument("--list", action="store_true", help="list the example scripts and exit")
    p_report.add_argument("--timeout", type=float, default=None, help="seconds per example (default 600; full 7200)")
    p_report.add_argument("--jobs", type=int, default=1, help="examples run at the same time (default 1)")
    return parser


def _times(args) -> np.ndarray:
    if not (np.isfinite(args.t_max) and args.t_max > 0):
        raise ValueError(f"--t-max must be a finite time > 0, got {args.t_max}")
    if args.num_t < 2:
        raise ValueError(f"--num-t must be >= 2, got {args.num_t}")
    if args.method == "discrete":
        return np.arange(0.0, np.floor(args.t_max) + 1.0)
    return np.linspace(0.0, args.t_max, args.num_t)


def _print_table(times, out) -> None:
    print(f"{'skill':>5}  {'p':>10}  {'learning time [steps]':>22}", file=out)
    for s, p, t in zip(times.skill.values, times.p.values, times.values):
        print(f"{s!s:>5}  {p:10.4g}  {('not learned' if np.isnan(t) else f'{t:.2f}'):>22}", file=out)


def _cmd_solve(args, out) -> int:
    from .frequencies import zipf
    from .resource import ResourceModel
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
    if args.method == "exact" and model.has_closed_form_learning_times(as_threshold(args.threshold)):
        times, how = learning_times(model, args.threshold), "closed form"
    else:
        times, how = learning_times(ds, args.threshold), f"{args.method}, t in [0, {ts[-1]:g}]"
    print(
        f"Resource model: n={args.n}, alpha={args.alpha:g}, eta={args.eta:g}, N0={args.N0:g}, "
        f"loss_kind={args.loss_kind}; learning time = first t with s >= {args.threshold:g} ({how})",
        file=out,
    )
    _print_table(times, out)
    return 0


def _cmd_sweep(args, out) -> int:
    from .sweep import Sweep
    from .timing import learning_times
    from .trajectory import check_output_path, save

    if args.out is not None:
        check_output_path(args.out)

    values = {name: parse_axis(getattr(args, name), name) for name in ("N0", "alpha", "eta")}
    axes = {k: v for k, v in values.items() if v.size > 1}
    fixed = {k: float(v[0]) for k, v in values.items() if v.size == 1}
    if not axes:
        raise ValueError("nothing to sweep: give a list or a range to --N0, --alpha or --eta (see --help)")
    sweep = Sweep(axes=axes, n=args.n, loss_kind=args.loss_kind, **fixed)
    ts = _times(args)
    ds = sweep.run(ts, args.method, chunk_size=args.chunk_size, path=args.checkpoint, progress=not args.no_progress)
    times = learning_times(ds, args.threshold)
    grid = " x ".join(f"{k}[{v.size}: {v[0]:g}..{v[-1]:g}]" for k, v in axes.items())
    print(f"sweep over {grid} ({sweep.size} models), n={args.n}, fixed {fixed}, method={args.method}", file=out)
    learned = times.learned.values
    print(f"skills learned by t={ts[-1]:g} (s >= {args.threshold:g}): {int(learned.sum())} of {learned.size}", file=out)
    last = times.isel(skill=-1)
    if np.isfinite(last.values).any():
        print(
            f"learning time of skill {args.n}: min {np.nanmin(last.values):.2f}, "
            f"max {np.nanmax(last.values):.2f} steps (learned cases)",
            file=out,
        )
    first = times.isel(skill=0)
    if np.isfinite(first.values).any():
        print(
            f"learning time of skill 1: min {np.nanmin(first.values):.2f}, max {np.nanmax(first.values):.2f}", file=out
        )
    if args.out is not None:
        save(ds.assign(learning_time=times.drop_vars("learned")), args.out)  # the times printed above, too
        print(f"sweep Dataset {dict(ds.sizes)} with its learning times written to {args.out}", file=out)
    return 0


def _cmd_report(args, out) -> int:
    from .report import examples_dir, list_examples, write_report

    if args.list:
        for name, path in list_examples().items():
            print(f"{name:32s} {path}", file=out)
        print(f"({examples_dir()})", file=out)
        return 0
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    report = write_report(args.out, quick=not args.full, only=only, timeout=args.timeout, jobs=args.jobs)
    c = report.counts()
    print(
        f"report written to {report.markdown} and {report.html}: {c['pass']} passed, {c['fail']} failed, "
        f"{c['not-run']} not run ({report.wall_s:.0f} s)",
        file=out,
    )
    for row in report.rows:
        if row["status"] == "fail":
            print(f"  FAIL {row['id']}: {row['description']}", file=out)
    return 1 if report.n_failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skillode`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = {"solve": _cmd_solve, "sweep": _cmd_sweep, "report": _cmd_report}[args.command]
    try:
        return command(args, sys.stdout)
    except ValueError as err:
        parser.exit(2, f"skillode {args.command}: error: {err}\n")


if __name__ == "__main__":
    raise SystemExit(main())
