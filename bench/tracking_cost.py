"""The cost of tracking learning times to the step in a network study part, against tracking on the record grid.

A `skillode.networks.TrainingSweep` plan runs its jobs inside a `LearningTimeTracker`, which evaluates every skill
on the task's evaluation batch every ``check_every`` steps (default 1: learning times exact to the step). For the
quantization-model parity of ``examples/validation_at_scale.py`` (100 skills x 64 evaluation samples = 6,400
forward passes against a training batch of 1,024 forward and backward passes) that evaluation costs about as much
as the training step. The example keeps every record's curves and reads its learning times from them (the
interpolated crossing), so it tracks on the record grid (``check_every = record_every``).

Measured in ONE process: one block of the example's default part at ``--width`` (8 seeds, vmapped), ``--steps``
steps, ``record_every = 50``, with ``check_every`` = 1 and = 50, each called twice (compile = first call minus
second; the rate is the second call's). Printed: seconds per step of each, their ratio, and whether the stored
curves are identical (expected: bit for bit; the tracker does not touch the training state).

    python bench/tracking_cost.py [--width 512] [--steps 500]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from validation_at_scale import MODES, width_part  # noqa: E402


def timed(plan, index):
    t0 = time.perf_counter()
    out = plan.compute(index)
    return time.perf_counter() - t0, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args(argv)
    cfg = copy.deepcopy(MODES["default"])
    cfg["steps"] = {args.width: args.steps}
    cfg["seeds"] = {args.width: 8}
    rates, curves = {}, {}
    for check_every in (1, cfg["record_every"]):
        plan = width_part(cfg, args.width, check_every=check_every).plan
        index = next(plan.grid.block_indices())
        first, _ = timed(plan, index)
        second, out = timed(plan, index)
        rates[check_every] = second / args.steps
        curves[check_every] = out["skill_level"]
        print(f"check_every = {check_every:3d}: {1e3 * rates[check_every]:7.1f} ms per step "
              f"(compile {first - second:5.1f} s)", flush=True)
    slow, fast = rates[1], rates[cfg["record_every"]]
    print(f"to the step / on the record grid: {slow / fast:.2f}x; curves identical: "
          f"{np.array_equal(curves[1], curves[cfg['record_every']], equal_nan=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
