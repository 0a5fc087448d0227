"""Fig9: the two idealised pictures of skill learning — serial (Domino) and parallel.

arXiv:2501.12391, Fig. 9 draws 10 skills two ways:

- serial (the Domino model): skill i learns linearly between (i - 1) t0 and i t0 with t0 = 100 steps,
  s_i(t) = clip((t - (i - 1) t0) / t0, 0, 1), so skill i is done at t_i = i t0 and all ten at n t0 = 1000;
- parallel: every skill learns at once at a rate ∝ its frequency p_i ∝ 1/i, s_i(t) = 1 - exp(-t / (30 i)),
  so the time to reach any level is ∝ i (t_i(0.9) = 30 i ln 10).

The Domino curves come from `skillode.DominoModel`; the parallel ones are the formula above.

    python examples/fig9_domino.py [--out DIR] [--quick]
"""

from __future__ import annotations

import numpy as np
from _common import Example

from skillode.domino import DominoModel
from skillode.plotting import legend_outside, new_axes, skill_colors

N, T0, TAU = 10, 100.0, 30.0
CLAIM = "arXiv:2501.12391, Fig. 9"


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="the same (already seconds)")
    ex.parse(argv)
    ts = np.arange(0.0, 1201.0)
    domino = DominoModel(n=N, t0=T0)
    serial = np.asarray(domino.skill_levels(ts))
    i = np.arange(1, N + 1)
    parallel = 1.0 - np.exp(-ts[None, :] / (TAU * i[:, None]))
    done = np.array([ts[np.argmax(row >= 1.0)] for row in serial])
    t90_serial = domino.learning_times(0.9).values
    t90_parallel = np.array([ts[np.argmax(row >= 0.9)] for row in parallel])
    print("serial: done at", done.tolist(), "; s >= 0.9 at", np.round(t90_serial, 1).tolist())
    print("parallel: s >= 0.9 at", t90_parallel.tolist())

    fig, axes = new_axes(2, 1, size=(3.8, 3.0))
    for k, color in enumerate(skill_colors(N)):
        axes[0, 0].plot(ts, serial[k], color=color, label=f"{k + 1}")
        axes[0, 1].plot(ts, parallel[k], color=color)
    axes[0, 0].set(title=f"serial (Domino), $t_0$ = {T0:g} steps", xlabel="time t [steps]", ylabel="skill level s_i")
    axes[0, 1].set(title="parallel: $s_i = 1 - e^{-t/(30\,i)}$", xlabel="time t [steps]", ylabel="skill level s_i")
    legend_outside(fig, title="skill i")
    ex.save_figure(fig)

    grid = "the time grid's resolution: 1 step"
    ex.check("fig9.serial_done", "serial: skill i done at i t0 (largest error over i, steps)", claim=CLAIM,
             kind="derived", paper=0, value=float(np.max(np.abs(done - i * T0))), tolerance=1, tolerance_reason=grid)
    ex.check("fig9.serial_all_done", "serial: all 10 skills done at n t0 = 1000", claim=CLAIM, kind="derived",
             paper=N * T0, value=float(done.max()), tolerance=1, tolerance_reason=grid)
    ex.check("fig9.serial_threshold", "serial: s_i = 0.9 at (i - 0.1) t0 (largest error over i, steps)",
             claim=CLAIM, kind="derived", paper=0, value=float(np.max(np.abs(t90_serial - (i - 0.1) * T0))),
             tolerance=1e-6, tolerance_reason="a closed form: float64 round-off")
    ratio = float(t90_parallel[-1] / t90_parallel[0])
    ex.check("fig9.parallel_ratio", "parallel: t_10 / t_1 = p_1 / p_10 = 10 (time ∝ 1/p_i)", claim=CLAIM,
             kind="derived", paper=10, value=ratio, tolerance="2%",
             tolerance_reason="the 1-step time grid: t_1 = 30 ln 10 ≈ 69 steps is rounded up by under 1 step (1.4%)")

    return ex.finish({"done_serial": done, "t90_serial": t90_serial, "t90_parallel": t90_parallel})


if __name__ == "__main__":
    raise SystemExit(main())
