"""Fig12: a quadratic toy — SignGD's Domino effect comes from basis misalignment; SGD does not care about the basis.

Setup (arXiv:2501.12391, Fig. 12): loss sum_i lambda_i x_i^2 with x = R theta, lambda = (1, 0.1, 0.01, 0.001),
R = I or R = H4/2 (the normalised 4x4 Hadamard matrix), theta(0) = (1, 1, 1, -1) so every mode's loss
ell_i = x_i^2 starts at 1. 10,000 steps; SGD lr = 0.01, SignGD lr = 3e-4 (the code's value; the plot label says
0.003).

Claims checked:
- SGD is rotation invariant: ell_i(t) = (1 - 2 lr lambda_i)^(2t) for both R (parallel, rates ∝ lambda_i).
- SignGD with R = I moves every coordinate by lr per step: all modes finish together at |theta_i(0)|/lr ≈ 3333.
- SignGD with R = H4/2 finishes the modes one after another (paper: ≈1500, 3100, 4700, 6100 steps).

Symbols: theta the parameters, x = R theta the rotated coordinates ("modes"), lambda_i the curvature of mode i,
ell_i = x_i^2 the loss of mode i, lr the learning rate; a mode is learned once ell_i <= 0.01.

    python examples/fig12_quadratic.py [--out DIR] [--quick]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import Example

import skillode  # noqa: F401  (float64)
from skillode.optimizers import make_optimizer
from skillode.plotting import legend_outside, new_axes, skill_colors
from skillode.timing import first_crossing

LAMBDA = jnp.array([1.0, 0.1, 0.01, 0.001])
THETA0 = jnp.array([1.0, 1.0, 1.0, -1.0])
HADAMARD = jnp.array([[1, 1, 1, 1], [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]], dtype=jnp.float64) / 2
PAPER_SIGN_H = (1500, 3100, 4700, 6100)
CLAIM = "arXiv:2501.12391, Fig. 12"
DONE = 1e-2  # a mode is "learned" once ell_i = x_i^2 <= 0.01 (|x_i| <= 0.1)


def train(R, name, lr, steps):
    opt = make_optimizer(name, lr)
    loss = lambda th: jnp.sum(LAMBDA * (R @ th) ** 2)

    def step(carry, _):
        th, st = carry
        upd, st = opt.update(jax.grad(loss)(th), st, th)
        th = optax.apply_updates(th, upd)
        return (th, st), (R @ th) ** 2

    _, modes = jax.jit(lambda th: jax.lax.scan(step, (th, opt.init(th)), None, steps))(THETA0)
    return np.concatenate([np.ones((1, 4)), np.asarray(modes)], axis=0).T  # (4, steps + 1)


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="the same (already fast)")
    ex.parse(argv)
    steps = 10_000
    t = np.arange(steps + 1, dtype=float)
    runs = {(r, o): train(R, o, lr, steps) for r, R in (("I", jnp.eye(4)), ("H4/2", HADAMARD))
            for o, lr in (("sgd", 0.01), ("signgd", 3e-4))}
    times = {k: first_crossing(v, t, DONE, rising=False, interpolate=False) for k, v in runs.items()}
    for (r, o), tt in times.items():
        print(f"  {o:6s} R = {r:4s}: modes reach ell <= {DONE} at steps {np.round(tt).tolist()}")
    print(f"  paper: SignGD R = H4/2 at ≈{PAPER_SIGN_H}; SignGD R = I all at ≈3300")
    expected_sgd = (1 - 2 * 0.01 * np.asarray(LAMBDA))[:, None] ** (2 * t[None, :])
    sign_I, sign_H = times[("I", "signgd")], times[("H4/2", "signgd")]
    fig, axes = new_axes(2, 2, size=(3.8, 2.8))
    colors = skill_colors(4)
    for i, r in enumerate(("I", "H4/2")):
        for j, o in enumerate(("sgd", "signgd")):
            for k in range(4):
                axes[i, j].semilogy(t, runs[(r, o)][k], color=colors[k],
                                    label=f"i = {k + 1}, $\\lambda_{k + 1}$ = {float(LAMBDA[k]):g}")
            axes[i, j].axhline(DONE, color="0.6", ls=":", lw=0.8, label=f"learned: $\\ell_i$ = {DONE:g}")
            name = {"sgd": "SGD", "signgd": "SignGD"}[o]
            rot = "R = I (modes = coordinates)" if r == "I" else "R = H4/2 (rotated)"
            axes[i, j].set(ylim=(1e-6, 3), xlabel="time t [steps]")
            axes[i, j].set_title(f"{name}, {rot}", fontsize="medium")
        axes[i, 0].set_ylabel(r"mode loss $\ell_i = x_i^2$")
    legend_outside(axes[0, 1], title="mode i (curvature $\\lambda_i$)")
    fig.suptitle(r"$L(\theta) = \sum_i \lambda_i x_i^2$, $x = R\,\theta$; "
                 "SGD lr = 0.01, SignGD lr = 3e-4, $\\theta(0)$ = (1, 1, 1, -1)", fontsize="small")
    ex.save_figure(fig)

    sgd_rot = float(np.max(np.abs(runs[("I", "sgd")] - runs[("H4/2", "sgd")])))
    ex.check("fig12.sgd_rotation_invariant", "SGD: the same mode losses for R = I and R = H4/2 (max difference)",
             claim=CLAIM, paper=0, value=sgd_rot, tolerance=1e-10)
    sgd_formula = float(np.max(np.abs(runs[("I", "sgd")] - expected_sgd)))
    ex.check("fig12.sgd_formula", "SGD: ell_i = (1 - 2 lr lambda_i)^(2t) (max difference)", claim=CLAIM, paper=0,
             value=sgd_formula, tolerance=1e-10)
    together = bool(np.all(np.isfinite(sign_I)) and np.ptp(sign_I) < 0.05 * 3333)
    ex.check("fig12.signgd_I_together", "SignGD, R = I: all modes finish together at |theta_i(0)|/lr ≈ 3333 (mean)",
             claim=CLAIM, paper=3333, value=float(np.mean(sign_I)), spread=[float(sign_I.min()), float(sign_I.max())],
             spread_label="min–max over the 4 modes", tolerance=400,
             passed=together and abs(np.mean(sign_I) - 3333) < 400)
    ex.check("fig12.signgd_H_sequential", "SignGD, R = H4/2: modes finish one after another (> 500 steps apart)",
             claim=CLAIM, paper=", ".join(map(str, PAPER_SIGN_H)), value=", ".join(f"{v:.0f}" for v in sign_H),
             tolerance="gaps > 500", passed=bool(np.all(np.isfinite(sign_H)) and np.all(np.diff(sign_H) > 500)))
    rel = np.abs(sign_H / np.array(PAPER_SIGN_H) - 1)
    ex.check("fig12.signgd_H_times", "SignGD, R = H4/2: finish times within 25% of the paper's (worst mode)",
             claim=CLAIM, paper=float(PAPER_SIGN_H[int(np.argmax(rel))]), value=float(sign_H[int(np.argmax(rel))]),
             tolerance="25%")
    return ex.finish({"finish_steps": {f"{o}_R={r}": v for (r, o), v in times.items()},
                      "paper_signgd_H": PAPER_SIGN_H})


if __name__ == "__main__":
    raise SystemExit(main())
