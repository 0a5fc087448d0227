"""Benchmark: running a sweep's blocks in process or on a Dask LocalCluster (`skillode.distributed`).

Everything is measured in ONE process run, and the script prints ratios of those numbers (machines are noisy:
compare rows of one run, not runs of different days). Compile time is reported apart from run time.

1. **Worker scaling.** A CPU-bound `skillode.GeometrySweep` (alpha x seed = 4 x 4 runs, n = 100, N = 500,
   B = 256, CE, SignGD, float32, ``--steps`` steps, ``record_every=100``, ``chunk=10``), cut into
   ``--block-size``-run blocks (8 blocks by default), run

   - in process (``client=None``): a one-chunk warm-up twice (compile = first call minus second call), then the
     timed run;
   - on a `skillode.distributed.local_cluster` of 1 and of 2 worker processes, and of 2 workers with
     ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` in the workers' environment.
     Each worker compiles on its first block, so each cluster first runs the same sweep for one chunk (1000 steps:
     the same compiled programs, since a chunk's program depends on ``record_every`` and the chunk length, not on
     ``steps``), then the timed run.

   Reported: 2 workers vs 1 worker, 1-worker Dask vs in process, and the largest difference between the results
   (expected 0.0: a block is a pure function of the sweep and its index).
2. **Scheduler overhead.** A Resource `skillode.Sweep` over 400 values of N0 (n = 5, 4 output times), one grid
   point per block (``block_size=1``, 400 blocks of almost no work): blocks per second and ms per block in process
   and on the 2-worker cluster, in memory and into a zarr store (each block one ``to_zarr(region=...)`` write plus
   its done mark). The Dask rows use the default window (two blocks in flight per worker) and a wider one
   (``max_in_flight=32``, through `skillode.distributed.execute`).
3. ``--pad``: a Geometry sweep over N in (100, 200, 300, 400, 500) (4 seeds each, the model of 1.), built by hand
   with `skillode.geometry.simulate_many`, either compiling one program per N, or padding every task-vector matrix
   with zero columns to N = 500 (a zero column gets a zero gradient, so the skills are unchanged) and running

   - all N values vmapped in one program, or
   - the N values one after another through one compiled program.

   Each strategy is timed cold (``jax.clear_caches()`` first: compile + run) at a short and a long step count.
   The padded skill levels are checked against the unpadded ones (float32 timed; float64 checked on the short
   run).

Run: ``python bench/distributed.py [--steps 20000] [--pad]`` (about 4 minutes on a 2-core laptop, plus 1-2 with
``--pad``); ``--quick`` is a smoke run of a minute or two; ``--pad-only`` runs only 3.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# Run as ``python bench/distributed.py``, this file's folder is sys.path[0] and this module would shadow Dask's
# ``distributed`` package (``import distributed`` would find bench/distributed.py). Drop the folder before anything
# imports Dask; the worker processes inherit the cleaned path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from skillode import GeometrySweep  # noqa: E402
from skillode.distributed import execute, local_cluster  # noqa: E402
from skillode.frequencies import zipf  # noqa: E402
from skillode.geometry import GeometryModel, simulate_many, task_vectors  # noqa: E402
from skillode.sweep import Sweep  # noqa: E402

XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
RECORD_EVERY, CHUNK = 100, 10  # one compiled chunk = 1000 steps
UNIT = RECORD_EVERY * CHUNK


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def max_diff(a, b) -> float:
    """Largest |a - b| over every variable of two Datasets; inf where their NaN patterns differ."""
    worst = 0.0
    for name in a.data_vars:
        x, y = np.asarray(a[name].values, float), np.asarray(b[name].values, float)
        if x.shape != y.shape or not np.array_equal(np.isnan(x), np.isnan(y)):
            return float("inf")
        ok = ~np.isnan(x)
        if ok.any():
            worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]))))
    return worst


# ------------------------------------------------------------------------------------------- 1. worker scaling


def geometry_sweep() -> GeometrySweep:
    return GeometrySweep(axes={"alpha": [1.0, 1.5, 2.0, 2.5], "seed": [0, 1, 2, 3]}, n=100, N=500,
                         batch_size=256, optimizer="signgd", learning_rate=1e-3, loss_kind="ce", dtype="float32")


def run_geometry(sweep, steps, block_size, client):
    return sweep.run(steps, record_every=RECORD_EVERY, chunk=CHUNK, block_size=block_size, client=client,
                     progress=False)


def bench_cluster(label, sweep, steps, block_size, n_workers, env=None, extra=None):
    """Start a cluster, warm it up (one chunk), time the sweep; ``extra(client)`` runs more on the same cluster."""
    t0 = time.perf_counter()
    with local_cluster(n_workers, dashboard_address=None, env=env) as client:
        client.wait_for_workers(n_workers)
        start_s = time.perf_counter() - t0
        flags = set(client.run(lambda: os.environ.get("XLA_FLAGS")).values())
        _, warm_s = timed(lambda: run_geometry(sweep, UNIT, block_size, client))
        ds, run_s = timed(lambda: run_geometry(sweep, steps, block_size, client))
        print(f"  {label}: cluster start {start_s:.1f} s, warm-up ({UNIT} steps, incl. worker compile) "
              f"{warm_s:.1f} s, run {run_s:.2f} s; workers' XLA_FLAGS: {sorted(map(str, flags))}", flush=True)
        more = extra(client) if extra is not None else None
    return ds, {"start": start_s, "warm": warm_s, "run": run_s}, more


# ---------------------------------------------------------------------------------------- 2. scheduler overhead


def resource_sweep(n_points):
    return Sweep(axes={"N0": np.linspace(0.0, 0.1, n_points)}, n=5, eta=0.019)


TS = np.array([0.0, 10.0, 100.0, 1000.0])


def scheduler_rows(n_points, tmp: Path, client=None):
    """(label, seconds) for the tiny-block sweep on ``client`` (None: in process), in memory and into a store."""
    sweep = resource_sweep(n_points)
    where = "in process" if client is None else "Dask, 2 workers"
    tag = "inproc" if client is None else "dask"
    run = lambda **kw: sweep.run(TS, block_size=1, client=client, progress=False, **kw)  # noqa: E731
    _, warm_s = timed(run)  # compiles (here, or on the workers)
    ref, mem_s = timed(run)
    rows = [(f"{where}, memory", mem_s)]
    ds, store_s = timed(lambda: run(store=tmp / f"{tag}.zarr"))
    rows.append((f"{where}, zarr store", store_s))
    diffs = [max_diff(ref, ds)]
    if client is not None:
        plan = sweep.trajectory_plan(TS, block_size=1)
        ds, wide_s = timed(lambda: execute(plan, client=client, progress=False, max_in_flight=32))
        rows.append((f"{where}, memory, max_in_flight=32", wide_s))
        diffs.append(max_diff(ref, ds))
        ds, wide_store_s = timed(lambda: execute(plan, client=client, progress=False, max_in_flight=32,
                                                 store=tmp / f"{tag}_wide.zarr"))
        rows.append((f"{where}, zarr store, max_in_flight=32", wide_store_s))
        diffs.append(max_diff(ref, ds))
    print(f"  {where}: first call (compile) {warm_s:.2f} s; "
          + ", ".join(f"{lab.split(', ', 1)[1]} {s:.2f} s" for lab, s in rows)
          + f"; max |diff| vs memory {max(diffs):.3g}", flush=True)
    return rows, ref


# -------------------------------------------------------------------------------------------------- 3. padding


def pad_models(Ns, n, dtype):
    """Per N: the unpadded model, and the same model with T padded by zero columns to max(Ns)."""
    p = zipf(n, 2.0)
    N_max = max(Ns)
    plain, padded = [], []
    for N in Ns:
        T = task_vectors(jax.random.key(N), n, N, "orthonormal", dtype=dtype)
        Tp = jnp.pad(T, ((0, 0), (0, N_max - N)))
        jax.block_until_ready((T, Tp))
        plain.append(GeometryModel(p=p, T=T, loss_kind="ce", batch_size=256))
        padded.append(GeometryModel(p=p, T=Tp, loss_kind="ce", batch_size=256))
    return plain, padded


def pad_strategies(Ns, seeds, steps, dtype):
    """{strategy: (seconds cold, final skill levels (N, seed, skill))}; caches cleared before each."""
    plain, padded = pad_models(Ns, 100, dtype)
    kw = dict(learning_rate=1e-3, seeds=seeds, record_every=steps // 10, record_aligned=False, dtype=dtype)
    out = {}

    def per_model(models):
        return np.stack([simulate_many(m, "signgd", steps, **kw).skill_level.values[..., -1] for m in models])

    jax.clear_caches()
    out["one program per N"] = timed(lambda: per_model(plain))[::-1]
    jax.clear_caches()
    out["padded, N vmapped (1 program)"] = timed(lambda: simulate_many(
        padded, "signgd", steps, sweep={"N": list(Ns)}, **kw).skill_level.values[..., -1])[::-1]
    jax.clear_caches()
    out["padded, N looped (1 program)"] = timed(lambda: per_model(padded))[::-1]
    return out


def bench_pad(args, table):
    Ns = (100, 200, 300, 400, 500)
    seeds = list(range(4))
    print(f"\n3. one program per N vs zero-padded to N = {max(Ns)}: N in {Ns}, n = 100, {len(seeds)} seeds, B = 256, "
          "CE, SignGD; cold (compile + run) wall times, float32")
    results = {}
    for steps in (args.pad_short, args.pad_long):
        res = pad_strategies(Ns, seeds, steps, jnp.float32)
        ref = res["one program per N"][1]
        for name, (s, levels) in res.items():
            err = float(np.max(np.abs(levels - ref)))
            print(f"  {steps:>6} steps, {name:<30} {s:7.2f} s   max |skill - unpadded| {err:.2g}", flush=True)
            table.append((f"pad: {steps} steps, {name} (compile + run)", f"{s:.2f} s"))
            if name != "one program per N":
                table.append((f"pad: {steps} steps, {name}: max abs skill diff vs unpadded (float32)", f"{err:.2g}"))
        results[steps] = {k: v[0] for k, v in res.items()}
        best = min(results[steps], key=results[steps].get)
        print(f"  -> at {steps} steps: fastest is '{best}'; padded-vmapped / per-N = "
              f"{results[steps]['padded, N vmapped (1 program)'] / results[steps]['one program per N']:.2f}")
        table.append((f"pad: {steps} steps, fastest", best))
    res64 = pad_strategies(Ns, seeds, args.pad_short, jnp.float64)
    ref = res64["one program per N"][1]
    err64 = max(float(np.max(np.abs(v[1] - ref))) for k, v in res64.items() if k != "one program per N")
    print(f"  float64, {args.pad_short} steps: max |skill(padded) - skill(unpadded)| = {err64:.3g}")
    table.append((f"pad: max abs skill diff padded vs unpadded (float64, {args.pad_short} steps)", f"{err64:.3g}"))


# ------------------------------------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=None, help="steps of the timed Geometry sweep (multiple of 1000; "
                    "default 20000, 2000 with --quick)")
    ap.add_argument("--block-size", type=int, default=2, help="runs per block of the Geometry sweep (default 2: 8 "
                    "blocks)")
    ap.add_argument("--points", type=int, default=None, help="N0 values (= blocks) of the scheduler sweep "
                    "(default 400, 100 with --quick)")
    ap.add_argument("--pad", action="store_true", help="also compare compiling per N against zero-padding N")
    ap.add_argument("--pad-only", action="store_true", help="run only the --pad comparison")
    ap.add_argument("--pad-short", type=int, default=None, help="short step count of --pad (default 1000; 200 quick)")
    ap.add_argument("--pad-long", type=int, default=None, help="long step count of --pad (default 20000; 2000 quick)")
    ap.add_argument("--quick", action="store_true", help="a smoke run (a minute or two)")
    args = ap.parse_args(argv)
    steps = args.steps or (2000 if args.quick else 20000)
    if steps % UNIT:
        ap.error(f"--steps must be a multiple of {UNIT} (record_every={RECORD_EVERY} x chunk={CHUNK})")
    n_points = args.points or (100 if args.quick else 400)
    args.pad_short = args.pad_short or (200 if args.quick else 1000)
    args.pad_long = args.pad_long or (2000 if args.quick else 20000)
    for s in (args.pad_short, args.pad_long):
        if s % 10:
            ap.error("--pad-short/--pad-long must be multiples of 10")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} CPU core(s); load average "
          f"{os.getloadavg()[0]:.2f} (other processes compete for the cores if this is well above 0)")
    table: list[tuple[str, str]] = []
    t_start = time.perf_counter()

    if not args.pad_only:
        sweep = geometry_sweep()
        grid = sweep.grid(args.block_size)
        print(f"\n1. Geometry sweep: {sweep.size} runs (alpha x seed = 4 x 4), n = 100, N = 500, B = 256, CE, SignGD, "
              f"float32, {steps} steps (record_every={RECORD_EVERY}, chunk={CHUNK}); {grid.n_blocks} blocks of "
              f"{grid.block_size} run(s)")
        _, first_s = timed(lambda: run_geometry(sweep, UNIT, args.block_size, None))
        _, second_s = timed(lambda: run_geometry(sweep, UNIT, args.block_size, None))
        ref, inproc_s = timed(lambda: run_geometry(sweep, steps, args.block_size, None))
        compile_s = max(first_s - second_s, 0.0)
        print(f"  in process: warm-up {UNIT} steps {first_s:.2f} s then {second_s:.2f} s -> compile {compile_s:.2f} s;"
              f" run {inproc_s:.2f} s", flush=True)

        ds1, c1, _ = bench_cluster("Dask, 1 worker", sweep, steps, args.block_size, 1)
        with tempfile.TemporaryDirectory() as tmp:
            ds2, c2, sched_dask = bench_cluster(
                "Dask, 2 workers", sweep, steps, args.block_size, 2,
                extra=lambda client: (print(f"\n2. scheduler overhead: Resource Sweep, {n_points} N0 values, n = 5, "
                                            f"{TS.size} times, block_size=1 ({n_points} blocks)"),
                                      scheduler_rows(n_points, Path(tmp), client))[1])
            ds3, c3, _ = bench_cluster("Dask, 2 workers, XLA one thread", sweep, steps, args.block_size, 2,
                                       env={"XLA_FLAGS": XLA_ONE_THREAD})
            print("\n2. (continued) scheduler overhead in process")
            sched_local, ref_local = scheduler_rows(n_points, Path(tmp), None)
            sched_rows, ref_dask = sched_dask
            sched_diff = max_diff(ref_local, ref_dask)
        diffs = {"1 worker": max_diff(ref, ds1), "2 workers": max_diff(ref, ds2),
                 "2 workers, XLA one thread": max_diff(ref, ds3)}

        r21 = c1["run"] / c2["run"]
        r1p = c1["run"] / inproc_s
        rx = c2["run"] / c3["run"]
        print("\n  ratios (run time only, compile excluded):")
        print(f"  2 workers vs 1 worker: x{r21:.2f} faster (target >= 1.6)")
        print(f"  1-worker Dask / in process: {r1p:.3f} ({(r1p - 1) * 100:+.1f} %; target within 10 %)")
        print(f"  2 workers, XLA one thread vs default 2 workers: x{rx:.2f} "
              f"({'helps' if rx > 1.02 else 'hurts' if rx < 0.98 else 'no difference (within 2 %)'})")
        print("  max |difference| to the in-process result: "
              + ", ".join(f"{k} {v:.3g}" for k, v in diffs.items()))
        print(f"  scheduler sweep, Dask vs in process: max |difference| {sched_diff:.3g}")

        table += [
            ("geometry: blocks x runs per block", f"{grid.n_blocks} x {grid.block_size}"),
            ("geometry: in process, compile (one-chunk warm-up, 1st - 2nd call)", f"{compile_s:.2f} s"),
            (f"geometry: in process, run ({steps} steps)", f"{inproc_s:.2f} s"),
            ("geometry: Dask 1 worker, cluster start / warm-up (incl. compile)", f"{c1['start']:.1f} s / "
                                                                                f"{c1['warm']:.1f} s"),
            ("geometry: Dask 1 worker, run", f"{c1['run']:.2f} s"),
            ("geometry: Dask 2 workers, cluster start / warm-up (incl. compile)", f"{c2['start']:.1f} s / "
                                                                                 f"{c2['warm']:.1f} s"),
            ("geometry: Dask 2 workers, run", f"{c2['run']:.2f} s"),
            ("geometry: Dask 2 workers + XLA one thread, warm-up / run", f"{c3['warm']:.1f} s / {c3['run']:.2f} s"),
            ("**ratio: 2 workers vs 1 worker** (target >= 1.6)", f"x{r21:.2f}"),
            ("**ratio: Dask 1 worker / in process** (target <= 1.10)", f"{r1p:.3f}"),
            ("**ratio: 2 workers XLA one thread vs 2 workers default**", f"x{rx:.2f}"),
            *[(f"geometry: max abs diff, {k} vs in process", f"{v:.3g}") for k, v in diffs.items()],
        ]
        for label, s in [*sched_local, *sched_rows]:
            table.append((f"scheduler ({n_points} blocks): {label}",
                          f"{s:.2f} s = {n_points / s:.0f} blocks/s = {1e3 * s / n_points:.1f} ms/block"))
        table.append(("scheduler: max abs diff Dask vs in process", f"{sched_diff:.3g}"))

    if args.pad or args.pad_only:
        bench_pad(args, table)

    print(f"\ntotal wall time {time.perf_counter() - t_start:.0f} s; load average at the end "
          f"{os.getloadavg()[0]:.2f}\n")
    print("| measurement | value |")
    print("| --- | --- |")
    for k, v in table:
        print(f"| {k} | {v} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
