"""Benchmark: Geometry-model sweeps, skillode (lax.scan + vmap, jit) against a per-step NumPy loop.

The baseline steps the model the way the paper's notebooks do: one Python iteration per optimizer step and per
run, a batch of B task ids drawn with ``numpy.random.choice``, the batch's task vectors gathered (B x N), the
mimicked MSE gradient, and a SignGD step (Adam with b1 = b2 = 0). skillode runs all runs in one compiled program
(``simulate_many``: vmap over seeds, lax.scan over steps; counts instead of gathered vectors).

Default workload: 64 runs of n = 100, N = 1000, B = 1024, 2000 steps. The baseline runs ``--baseline-runs`` runs
of ``--baseline-steps`` steps and is extrapolated linearly to the full workload (said so in the output). Compile
time is measured separately (first call minus a second, identical call).

``--fig10``: time a slice of the paper's Fig10 grid (n = 1000 skills, CE, B = 1024, SignGD; 7 alphas x 4 seeds
vmapped at one N) and extrapolate to the full grid (N = 20..1000, 50 values; 1e5 steps; SignGD and Adam). On a
GPU, ``--fig10 --full`` runs the whole grid: it runs ``examples/fig10_scaling.py --paper`` (one resumable zarr store
per optimizer, N and seed, under ``<out>/store``, which a later or larger run extends; the loss at log-spaced times
for every run) and its analysis; ``--workers k`` spreads the parts over k local processes.

Run: python bench/geometry_sweep.py [--runs 64] [--steps 2000] [--fig10 [--full]]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from skillode import zipf
from skillode.geometry import GeometryModel, simulate_many, task_vectors


def numpy_baseline(T, p, B, lr, steps, seed):
    """One run, stepped in Python like the reference notebooks (float64)."""
    rng = np.random.default_rng(seed)
    n, N = T.shape
    x = np.zeros(N)
    for _ in range(steps):
        ids = rng.choice(n, size=B, p=p)
        tb = T[ids]
        g = -(tb * (1.0 - tb @ x)[:, None]).mean(axis=0)
        x -= lr * g / (np.abs(g) + 1e-8)  # Adam(b1 = b2 = 0): m = g, v = g^2, no bias correction left
    return T @ x


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    jax.block_until_ready(out.skill_level.values if hasattr(out, "skill_level") else out)
    return out, time.perf_counter() - t0


def bench_sweep(args):
    n, N, B, lr = 100, 1000, 1024, 3e-4
    p = zipf(n, 2.0)
    T = task_vectors(jax.random.key(0), n, N, "orthonormal")
    model = GeometryModel(p=p, T=T, batch_size=B, gradient="mimicked")
    seeds = list(range(args.runs))
    record = max(args.steps // 20, 1)
    results = {}
    for dtype in (jnp.float64, jnp.float32):
        run = lambda steps: simulate_many(model, "signgd", steps, learning_rate=lr, seeds=seeds,  # noqa: E731
                                          record_every=record, chunk=1, record_aligned=False, dtype=dtype)
        # The first call compiles the one-record chunk and runs it; the full run reuses that executable.
        _, first = timed(lambda: run(record))
        _, full = timed(lambda: run(record * (args.steps // record)))
        results[jnp.dtype(dtype).name] = (first - full * record / args.steps, full)
    Tn, b_runs, b_steps = np.asarray(T), min(args.baseline_runs, args.runs), min(args.baseline_steps, args.steps)
    t0 = time.perf_counter()
    for s in range(b_runs):
        numpy_baseline(Tn, p, B, lr, b_steps, s)
    b_time = time.perf_counter() - t0
    extrapolated = b_time * (args.runs / b_runs) * (args.steps / b_steps)
    print(f"workload: {args.runs} runs x {args.steps} steps, n = {n}, N = {N}, B = {B}, SignGD")
    print(f"numpy per-step loop: {b_time:.2f} s for {b_runs} runs x {b_steps} steps"
          + (f" -> extrapolated linearly to the workload: {extrapolated:.1f} s"
             if (b_runs, b_steps) != (args.runs, args.steps) else ""))
    for name, (compile_s, run_s) in results.items():
        print(f"skillode scan+vmap ({name}): compile {compile_s:.2f} s, run {run_s:.2f} s, "
              f"speed-up (run) x{extrapolated / run_s:.1f}, (run + compile) x{extrapolated / (run_s + compile_s):.1f}")


def fig10_models(N, alphas, n_skills=1000):
    T = task_vectors(jax.random.key(N), n_skills, N, "random_unit")
    return [GeometryModel(p=zipf(n_skills, a), T=T, loss_kind="ce", batch_size=1024) for a in alphas]


def bench_fig10(args):
    alphas = [0.5, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
    seeds = [0, 1, 2, 3]
    Ns = np.arange(20, 1001, 20)
    steps_full = 100_000
    if args.full:  # the whole grid: the Fig10 example's --paper mode (resumable parts that a larger run extends)
        script = Path(__file__).resolve().parents[1] / "examples" / "fig10_scaling.py"
        cmd = [sys.executable, str(script), "--paper", "--out", str(args.out)]
        cmd += [] if args.workers is None else ["--workers", str(args.workers)]
        print("running", " ".join(cmd[1:]), flush=True)
        raise SystemExit(subprocess.call(cmd))
    N, steps = args.fig10_N, args.fig10_steps
    for opt in ("signgd", "adam"):
        run = lambda: simulate_many(fig10_models(N, alphas), opt, steps, learning_rate=0.01,  # noqa: E731
                                    seeds=seeds, sweep={"alpha": alphas}, record_every=steps // 10,
                                    record_aligned=False, dtype=jnp.float32)
        _, first = timed(run)
        _, second = timed(run)  # same program: compiled once, run twice
        per_run_step = second / (len(alphas) * len(seeds) * steps)
        # A step costs two (n x N) mat-vecs plus O(B) sampling: scale the per-step cost linearly in N.
        total = sum(per_run_step * (n_ / N) for n_ in Ns) * len(alphas) * len(seeds) * steps_full
        print(f"fig10 slice {opt}: N = {N}, {len(alphas)} alphas x {len(seeds)} seeds x {steps} steps: "
              f"compile {first - second:.2f} s, run {second:.2f} s ({per_run_step * 1e6:.1f} us per run-step)")
        print(f"  extrapolated full grid ({len(Ns)} N values, 1e5 steps, linear in N) on this device: "
              f"{total / 3600:.1f} h")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=64)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--baseline-runs", type=int, default=2)
    ap.add_argument("--baseline-steps", type=int, default=200)
    ap.add_argument("--fig10", action="store_true", help="time (or with --full, run) the Fig10 grid")
    ap.add_argument("--full", action="store_true", help="with --fig10: run the whole grid (GPU)")
    ap.add_argument("--fig10-N", type=int, default=100)
    ap.add_argument("--fig10-steps", type=int, default=1000)
    ap.add_argument("--out", default="outputs/bench_fig10")
    ap.add_argument("--workers", type=int, default=None, help="with --full: local Dask worker processes")
    args = ap.parse_args(argv)
    print(f"device: {jax.devices()[0].platform}, {len(jax.devices())} device(s)")
    if args.fig10:
        bench_fig10(args)
    else:
        bench_sweep(args)


if __name__ == "__main__":
    main()
