"""Benchmark: running a sweep's blocks in process or on a Dask LocalCluster (`skillode.distributed`).

Everything is measured in ONE process run, and the script prints ratios of those numbers (machines are noisy:
compare rows of one run, not runs of different days). Compile time is reported apart from run time.

1. **Worker scaling.** A CPU-bound `skillode.GeometrySweep` (alpha x seed = 4 x 4 runs, n = 100, N = 500,
   B = 256, CE, SignGD, float32, ``--steps`` steps, ``record_every=100``, ``chunk=10``), cut into
   ``--block-size``-run blocks (8 blocks by default), run

   - in process (``client=None``), as it is and with the process's OpenBLAS limited to one thread (`blas_threads`,
     what Dask's nanny does to its workers with ``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1``);
   - on the default `skillode.distributed.local_cluster` (which partitions the cores among its workers: each
     worker pinned to its own cores when it starts, so XLA sizes its pool from them) of 1 and of 2 worker
     processes; on 2 unpinned workers (``pin=False``: every worker's XLA pool has a thread per core), alone and
     with ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` in the workers'
     environment (the classic recipe; the script prints how many XLA intra-op threads each process really has);
     and on 1 worker pinned to one core before its first block (`pin_worker`), the per-core baseline.

   The clusters are started together (idle workers cost nothing) and every configuration is warmed up by
   running the same sweep for one chunk (1000 steps) twice: the same compiled programs as the timed run, since a
   chunk's program depends on ``record_every`` and the chunk length, not on ``steps``. Compile = first warm-up
   call minus the second (in process; on a cluster each worker compiles on its first block). Then ``--repeat``
   rounds time every configuration one after the other, so a change of the machine's load hits them alike; the
   best of the rounds is reported (and every round printed).

   Reported: 2 workers vs 1 worker with the default `local_cluster` (target >= 1.6) and unpinned, 1-worker Dask
   vs in process, and the largest difference between the results (expected 0.0: a block is a pure function of
   the sweep and its index).
2. **Scheduler overhead.** A Resource `skillode.Sweep` over ``--points`` (200) values of N0 (n = 5, 4 output
   times), one grid point per block (``block_size=1``, 200 blocks of almost no work): blocks per second and ms per
   block in process and on the 2-worker cluster, in memory and into a zarr store (each block one
   ``to_zarr(region=...)`` write plus its done mark). The Dask rows use the default window (two blocks in flight
   per worker), and in memory also a wider one (``max_in_flight=32``, through `skillode.distributed.execute`).
3. ``--pad``: a Geometry sweep over N in (100, 200, 300, 400, 500) (4 seeds each, the model of 1.), built by hand
   with `skillode.geometry.simulate_many`, either compiling one program per N, or padding every task-vector matrix
   with zero columns to N = 500 (a zero column gets a zero gradient, so the skills are unchanged) and running

   - all N values vmapped in one program, or
   - the N values one after another through one compiled program.

   Each strategy is timed cold (``jax.clear_caches()`` first: compile + run) at a short and a long step count.
   The padded skill levels are checked against the unpadded ones (float32 timed; float64 checked on the short
   run).

What a 2-core machine under foreign load showed (jax 0.10.2, Dask 2026.8): XLA's CPU client gives every process
an intra-op pool of one thread per allowed core, and for these small per-step ops that pool *costs* time (a
1-worker cluster pinned to one core ran the sweep in about half the time of an unpinned one); the XLA_FLAGS recipe
leaves the pool at 2 threads (``intra_op_parallelism_threads=1`` is not an XLA flag: after a ``--`` flag it is
ignored, alone it is a fatal error); in process, the OpenBLAS threads that jaxlib's LAPACK QR (orthonormal task
vectors) wakes spin-wait ~0.1 s per call and slow the run by ~30 %. Pinning (or ``taskset``) is what gives one XLA
thread per worker, and `local_cluster` pins by default (2 vs 1 worker: x1.33 unpinned, x1.6 and more pinned).

Run: ``python bench/distributed.py [--steps 10000] [--pad]`` (about 5 minutes on a loaded 2-core machine, plus 2.5
with ``--pad``); ``--quick`` is a smoke run of about 3 minutes; ``--pad-only`` runs only 3. (This file's name
shadows Dask's ``distributed`` package when run as a script; the first lines below take care of it.)
"""

from __future__ import annotations

import argparse
import contextlib
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
from skillode.sweeps import Sweep  # noqa: E402

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


@contextlib.contextmanager
def blas_threads(n: int):
    """Limit the OpenBLAS libraries loaded in this process (NumPy's, and SciPy's, which jaxlib's CPU LAPACK
    kernels call, e.g. for the QR of orthonormal task vectors) to ``n`` threads, restoring them on exit.

    Dask's nanny starts its workers with ``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1``
    (``distributed.nanny.pre-spawn-environ``); this gives the in-process run the same setting. Linux only (reads
    /proc/self/maps); yields the number of libraries changed (0 where none was found).
    """
    import ctypes

    try:
        paths = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower()})
    except OSError:
        paths = []
    changed = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", "", "_64_", "_"):
            getter = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None) or getattr(
                lib, f"openblas_get_num_threads{suffix}", None)
            setter = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None) or getattr(
                lib, f"openblas_set_num_threads{suffix}", None)
            if getter is not None and setter is not None:
                setter.argtypes = [ctypes.c_int]
                changed.append((setter, int(getter())))
                setter(n)
                break
    try:
        yield len(changed)
    finally:
        for setter, old in changed:
            setter(old)


DEFAULT1, DEFAULT2 = "Dask, 1 worker", "Dask, 2 workers"  # the default local_cluster (cores partitioned)
UNPINNED = "Dask, 2 workers, unpinned"
UNPINNED_XLA = "Dask, 2 workers, unpinned, XLA one thread"
PINNED1 = "Dask, 1 worker, pinned to 1 core"
CONFIGS = (  # label, workers (0: in process), local_cluster keywords
    ("in process, 1 BLAS thread", 0, None),  # first: its first warm-up call compiles (without BLAS spin-waits)
    ("in process", 0, None),
    (DEFAULT1, 1, {}),
    (DEFAULT2, 2, {}),
    (UNPINNED, 2, {"pin": False}),
    (UNPINNED_XLA, 2, {"pin": False, "env": {"XLA_FLAGS": XLA_ONE_THREAD}}),
    (PINNED1, 1, {}),  # and `pin_worker` on it
)


def xla_threads() -> int:
    """Threads of this process in XLA's CPU intra-op pool (Linux thread name ``tf_XLAEigen``); -1 if unknown."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return -1
    count = 0
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                count += f.read().strip().startswith("tf_XLAEigen")
        except OSError:
            pass
    return count


def pin_worker(dask_worker=None) -> tuple[int, bool]:
    """Run on each worker (``client.run``) before its first block: pin every thread of the process to one core
    (worker ``i`` -> the ``i``-th allowed core). XLA sizes its CPU thread pool from the affinity when its backend
    starts, so a worker pinned before then gets a one-thread pool. Returns (core, XLA backend already started)."""
    from jax._src import xla_bridge

    cores = sorted(os.sched_getaffinity(0))
    core = cores[int(dask_worker.name) % len(cores)]
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), {core})
        except OSError:
            pass
    return core, bool(getattr(xla_bridge, "_backends", {}))


def _run_config(sweep, steps, block_size, client, one_blas_thread):
    if not one_blas_thread:
        return run_geometry(sweep, steps, block_size, client)
    with blas_threads(1):
        return run_geometry(sweep, steps, block_size, client)


def bench_scaling(args, steps, n_points, tmp: Path, table) -> None:
    """1. (and 2. on the 2-worker cluster): every configuration warmed up, then ``--repeat`` interleaved rounds."""
    sweep = geometry_sweep()
    grid = sweep.grid(args.block_size)
    print(f"\n1. Geometry sweep: {sweep.size} runs (alpha x seed = 4 x 4), n = 100, N = 500, B = 256, CE, SignGD, "
          f"float32, {steps} steps (record_every={RECORD_EVERY}, chunk={CHUNK}); {grid.n_blocks} blocks of "
          f"{grid.block_size} run(s); {args.repeat} interleaved round(s), best of them reported")
    with contextlib.ExitStack() as stack:
        clients, runners, start, warm = {}, {}, {}, {}
        for label, workers, cluster_kw in CONFIGS:
            t0 = time.perf_counter()
            if workers:
                client = stack.enter_context(local_cluster(workers, dashboard_address=None, **cluster_kw))
                client.wait_for_workers(workers)
                flags = sorted(map(str, set(client.run(lambda: os.environ.get("XLA_FLAGS")).values())))
                if label == PINNED1:
                    flags.append(f"pinned (core, XLA started before): {sorted(client.run(pin_worker).values())}")
                flags.append(f"cores {sorted(sorted(c) for c in client.run(os.sched_getaffinity, 0).values())}")
            else:
                client, flags = None, None
            start[label] = time.perf_counter() - t0
            clients[label] = client
            blas = label == "in process, 1 BLAS thread"
            run = lambda s_, c=client, b=blas: _run_config(sweep, s_, args.block_size, c, b)  # noqa: E731
            runners[label] = run
            # Warm-up: one chunk (UNIT steps) compiles the same programs the timed run uses. In process, run it
            # twice: compile = first call - second call. On a cluster every worker compiles on its first block.
            _, first = timed(lambda: run(UNIT))
            _, second = timed(lambda: run(UNIT))
            warm[label] = (first, second)
            pools = sorted(client.run(xla_threads).values()) if workers else [xla_threads()]
            print(f"  {label}: " + (f"cluster start {start[label]:.1f} s (workers' XLA_FLAGS {flags}), " if workers
                                    else "") + f"warm-up {UNIT} steps {first:.2f} s, again {second:.2f} s; XLA "
                  f"intra-op threads per process {pools}", flush=True)
        runs = {label: [] for label, _, _ in CONFIGS}
        results = {}
        for r in range(args.repeat):
            line = []
            for label, _, _ in CONFIGS:
                ds, s = timed(lambda: runners[label](steps))
                runs[label].append(s)
                results.setdefault(label, ds)
                line.append(f"{label} {s:.2f} s")
            print(f"  round {r + 1} (load avg {os.getloadavg()[0]:.1f}): " + ", ".join(line), flush=True)

        print(f"\n2. scheduler overhead: Resource Sweep, {n_points} N0 values, n = 5, {TS.size} times, block_size=1 "
              f"({n_points} blocks)")
        sched_local, ref_local = scheduler_rows(n_points, tmp, None)
        sched_dask, ref_dask = scheduler_rows(n_points, tmp, clients["Dask, 2 workers"])
        sched_diff = max_diff(ref_local, ref_dask)

    best = {label: min(v) for label, v in runs.items()}
    ref = results["in process"]
    diffs = {label: max_diff(ref, ds) for label, ds in results.items() if label != "in process"}
    compile_s = max(warm["in process, 1 BLAS thread"][0] - warm["in process, 1 BLAS thread"][1], 0.0)
    r21 = best[DEFAULT1] / best[DEFAULT2]
    r21u = best[DEFAULT1] / best[UNPINNED]
    r1p = best[DEFAULT1] / best["in process"]
    r1b = best[DEFAULT1] / best["in process, 1 BLAS thread"]
    rx = best[UNPINNED] / best[UNPINNED_XLA]
    rp = best[UNPINNED] / best[DEFAULT2]
    rpp = best[PINNED1] / best[DEFAULT2]
    r21_rounds = sorted(a / b for a, b in zip(runs[DEFAULT1], runs[DEFAULT2]))

    def verdict(r):
        return "helps" if r > 1.02 else "hurts" if r < 0.98 else "no difference (within 2 %)"

    print("\n  ratios (best run times, compile excluded):")
    r21_med = float(np.median(runs[DEFAULT1]) / np.median(runs[DEFAULT2]))
    print(f"  2 workers vs 1 worker, default local_cluster (cores partitioned): x{r21:.2f} faster (target >= 1.6; "
          f"medians x{r21_med:.2f}; per round {', '.join(f'x{r:.2f}' for r in r21_rounds)})")
    print(f"  2 workers vs 1 worker, unpinned (pin=False): x{r21u:.2f} faster")
    print(f"  1-worker Dask / in process: {r1p:.3f} ({(r1p - 1) * 100:+.1f} %; target within 10 %)")
    print(f"  1-worker Dask / in process with 1 BLAS thread (the workers' setting): {r1b:.3f} "
          f"({(r1b - 1) * 100:+.1f} %)")
    print(f"  2 unpinned workers, XLA one thread vs without: x{rx:.2f} ({verdict(rx)})")
    print(f"  2 workers, default (partitioned) vs unpinned: x{rp:.2f} ({verdict(rp)})")
    print(f"  2 workers (default, one core each) vs 1 worker pinned to one core: x{rpp:.2f} faster")
    print("  max |difference| to the in-process result: " + ", ".join(f"{k} {v:.3g}" for k, v in diffs.items()))
    print(f"  scheduler sweep, Dask vs in process: max |difference| {sched_diff:.3g}")

    table += [
        ("geometry: blocks x runs per block", f"{grid.n_blocks} x {grid.block_size}"),
        ("geometry: in process, compile (one-chunk warm-up, 1st - 2nd call, 1 BLAS thread)", f"{compile_s:.2f} s"),
    ]
    for label, workers, _ in CONFIGS:
        if workers:
            table.append((f"geometry: {label}, cluster start / first warm-up (incl. worker compile) / second",
                          f"{start[label]:.1f} s / {warm[label][0]:.1f} s / {warm[label][1]:.1f} s"))
        table.append((f"geometry: {label}, run ({steps} steps), best of {args.repeat}",
                      f"{best[label]:.2f} s (all: {', '.join(f'{s:.2f}' for s in runs[label])})"))
    table += [
        ("**ratio: 2 workers vs 1 worker, default local_cluster** (target >= 1.6)", f"x{r21:.2f}"),
        ("**ratio: 2 workers vs 1 worker, unpinned (pin=False)**", f"x{r21u:.2f}"),
        ("**ratio: Dask 1 worker / in process** (target <= 1.10)", f"{r1p:.3f}"),
        ("**ratio: Dask 1 worker / in process with 1 BLAS thread**", f"{r1b:.3f}"),
        ("**ratio: 2 unpinned workers, XLA one thread vs without**", f"x{rx:.2f}"),
        ("**ratio: 2 workers default (partitioned) vs unpinned**", f"x{rp:.2f}"),
        ("**ratio: 2 workers default vs 1 worker pinned to one core**", f"x{rpp:.2f}"),
        *[(f"geometry: max abs diff, {k} vs in process", f"{v:.3g}") for k, v in diffs.items()],
    ]
    for label, s in [*sched_local, *sched_dask]:
        table.append((f"scheduler ({n_points} blocks): {label}",
                      f"{s:.2f} s = {n_points / s:.0f} blocks/s = {1e3 * s / n_points:.1f} ms/block"))
    table.append(("scheduler: max abs diff Dask vs in process", f"{sched_diff:.3g}"))


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
        plan = sweep.plan(TS, block_size=1)
        ds, wide_s = timed(lambda: execute(plan, client=client, progress=False, max_in_flight=32))
        rows.append((f"{where}, memory, max_in_flight=32", wide_s))
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
        with blas_threads(1):  # the QRs of the task vectors must not leave OpenBLAS threads spinning
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
    with blas_threads(1):
        res64 = pad_strategies(Ns, seeds, args.pad_short, jnp.float64)
    ref = res64["one program per N"][1]
    err64 = max(float(np.max(np.abs(v[1] - ref))) for k, v in res64.items() if k != "one program per N")
    print(f"  float64, {args.pad_short} steps: max |skill(padded) - skill(unpadded)| = {err64:.3g}")
    table.append((f"pad: max abs skill diff padded vs unpadded (float64, {args.pad_short} steps)", f"{err64:.3g}"))


# ------------------------------------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=None, help="steps of the timed Geometry sweep (multiple of 1000; "
                    "default 10000, 2000 with --quick)")
    ap.add_argument("--block-size", type=int, default=2, help="runs per block of the Geometry sweep (default 2: 8 "
                    "blocks)")
    ap.add_argument("--repeat", type=int, default=2, help="interleaved timed rounds of 1. (best reported)")
    ap.add_argument("--points", type=int, default=None, help="N0 values (= blocks) of the scheduler sweep "
                    "(default 200, 100 with --quick)")
    ap.add_argument("--pad", action="store_true", help="also compare compiling per N against zero-padding N")
    ap.add_argument("--pad-only", action="store_true", help="run only the --pad comparison")
    ap.add_argument("--pad-short", type=int, default=None, help="short step count of --pad (default 1000; 200 quick)")
    ap.add_argument("--pad-long", type=int, default=None, help="long step count of --pad (default 20000; 2000 quick)")
    ap.add_argument("--quick", action="store_true", help="a smoke run (a minute or two)")
    args = ap.parse_args(argv)
    steps = args.steps or (2000 if args.quick else 10000)
    if steps % UNIT:
        ap.error(f"--steps must be a multiple of {UNIT} (record_every={RECORD_EVERY} x chunk={CHUNK})")
    n_points = args.points or (100 if args.quick else 200)
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
        with tempfile.TemporaryDirectory() as tmp:
            bench_scaling(args, steps, n_points, Path(tmp), table)

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
