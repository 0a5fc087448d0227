"""Benchmark: the cost of step-exact learning times in scan sweeps (``check_every=1``, the default).

A `skillode.GeometrySweep` and a `skillode.networks.TrainingSweep` track each skill's first crossing of the
threshold during the run (`skillode.sweeps.summary.LearningTimeTracker`). Checking every step (exact to the step)
measures the tracked variable after every optimizer step; the old default checked every ``record_every`` steps
(``steps // 100``) and resolved times to that many steps only. Both settings run here in one process, on the same
sweep, with the same records kept (``record_every = steps // 100``, log-spaced loss, no curves).

Compile time is reported separately: ``T(first call) − T(second call)`` of the same run (the second call reuses the
compiled chunks; a short warm-up run first takes the one-time costs out of both); the run time is the fastest of
``--repeats`` further calls, interleaved between the two settings (a shared machine slows both alike). The ratio
is run time with ``check_every=1`` over run time with ``check_every=record_every``.

Workloads (defaults): Geometry: 8 seeds, n = 100 skills, N = 500, B = 256, SignGD, 2000 steps, float32. Training:
8 seeds, QuantizedSparseParity (4 or 32 control bits + 10 data bits, k = 2, 64 eval rows per skill) on a
[n_control + 10, 64, 2] ReLU MLP, Adam, batch 128, 2000 steps. A check measures the whole evaluation batch
(64 rows per skill), so its cost grows with the number of skills: 256 rows for 4 skills, 2048 for 32, against a
training step of 128 rows.

    python bench/learning_times.py [--steps 2000] [--seeds 8] [--repeats 3] [--only geometry|training]
"""

from __future__ import annotations

import argparse
import time

import jax

import skillode as sk
from skillode.networks import MLP, QuantizedSparseParity, TrainingSweep

N_DATA = 10


def make_model(width, key):  # the 4-skill task: 4 control + 10 data bits
    return MLP((4 + N_DATA, width, 2), "relu", key=key)


def make_task(alpha, key):
    return QuantizedSparseParity(n_control=4, n_data=N_DATA, k=2, alpha=alpha, key=key, n_eval_per_skill=64)


def make_model_32(width, key):  # the 32-skill task: 32 control + 10 data bits
    return MLP((32 + N_DATA, width, 2), "relu", key=key)


def make_task_32(alpha, key):
    return QuantizedSparseParity(n_control=32, n_data=N_DATA, k=2, alpha=alpha, key=key, n_eval_per_skill=64)


def geometry_sweep(seeds):
    return sk.GeometrySweep(axes={"seed": seeds}, n=100, N=500, batch_size=256, optimizer="signgd",
                            learning_rate=3e-3, dtype="float32")


def training_sweep(seeds, skills=4):
    model, task = (make_model, make_task) if skills == 4 else (make_model_32, make_task_32)
    return TrainingSweep(axes={"seed": seeds}, make_model=model, make_task=task, task_values={"alpha": 1.0},
                         width=64, optimizer="adam", learning_rate=3e-3, batch_size=128)


def run_time(sweep, steps, check_every):
    t0 = time.perf_counter()
    ds = sweep.run(steps, check_every=check_every, progress=False)
    return time.perf_counter() - t0, ds.learning_time.values


def bench(name, sweep, steps, repeats):
    record = max(1, steps // 100)
    sweep.run(100, progress=False)  # warm-up: one-time costs (task draws, small kernels) out of either timing
    settings = {"exact": 1, "old": record}
    first = {k: run_time(sweep, steps, every) for k, every in settings.items()}  # compile + run
    runs = {k: [] for k in settings}
    for _ in range(max(1, repeats)):  # interleaved, so that a busy machine slows both alike
        for k, every in settings.items():
            runs[k].append(run_time(sweep, steps, every)[0])
    run = {k: min(v) for k, v in runs.items()}
    comp = {k: first[k][0] - runs[k][0] for k in settings}
    exact_t, coarse_t = first["exact"][1], first["old"][1]
    learned = exact_t[exact_t == exact_t]
    moved = (exact_t != coarse_t) & (exact_t == exact_t)
    print(f"{name}: {sweep.size} runs x {steps} steps, record_every = {record}")
    for k, every in settings.items():
        print(f"  check_every={every:<4d} ({k:>5}): compile {comp[k]:6.2f} s, run {run[k]:6.2f} s "
              f"(min of {len(runs[k])})")
    print(f"  run-time ratio exact / old: {run['exact'] / run['old']:.2f}x; "
          f"(compile + run) ratio {(comp['exact'] + run['exact']) / (comp['old'] + run['old']):.2f}x")
    print(f"  learned skill-runs: {learned.size} of {exact_t.size}; times that differ between the two: "
          f"{int(moved.sum())} (the old default rounds each up to a multiple of {record})")
    return run["exact"] / run["old"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", choices=("geometry", "training"), default=None)
    args = ap.parse_args(argv)
    print(f"device: {jax.devices()[0].platform}, {len(jax.devices())} device(s)")
    seeds = list(range(args.seeds))
    if args.only in (None, "geometry"):
        bench("GeometrySweep", geometry_sweep(seeds), args.steps, args.repeats)
    if args.only in (None, "training"):
        bench("TrainingSweep, 4 skills", training_sweep(seeds), args.steps, args.repeats)
        bench("TrainingSweep, 32 skills", training_sweep(seeds, 32), args.steps, args.repeats)


if __name__ == "__main__":
    main()
