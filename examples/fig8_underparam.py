"""Fig8: the underparameterised regime (n > N) — Geometry model against the Resource model with C = T T^T.

Setup (arXiv:2501.12391, Fig. 8): N = 10 parameters, n in {5, 10, 20, 40, 100} skills, random-unit task vectors
T (n x N), Zipf(2) frequencies.
- MSE (top): SignGD lr = 1e-3, batch B = 128, autograd MSE, 3000 steps; theory eta = 2 lr sqrt(N), N0 = 0.01,
  no clip.
- CE (bottom): SignGD lr = 0.01, B = 1024, 3000 steps; theory eta = 4 lr sqrt(N), N0 = 0.

Claim checked (the paper's figures): the Resource model with the measured skill correlations C reproduces the
individual skill trajectories s_i(t), including skills pushed backwards and skills stuck at partial levels. We
report the per-skill RMS gap between the two models and the fraction of skills on the same side at the end
(learned vs pushed back). The MSE agreement is looser than the CE one: at N = 10 the Resource model runs ahead of
the Geometry model in time (eta = 2 lr sqrt(N) is the large-N mean-field rate) and for n >> N the final MSE levels
agree only loosely; the shapes, and which skills are pushed back, do match.

    python examples/fig8_underparam.py [--out DIR] [--quick]
"""

from __future__ import annotations

import jax
import numpy as np
from _common import Example
from matplotlib.lines import Line2D

from skillode import zipf
from skillode.geometry import GeometryModel, correlation_matrix, simulate, task_vectors
from skillode.paper import lr_eff
from skillode.plotting import new_axes, skill_colors
from skillode.resource import ResourceModel
from skillode.solvers import DiscreteMap

N = 10
SETUPS = {
    "mse": dict(lr=1e-3, batch=128, factor=2.0, N0=0.01, seed=2),
    "ce": dict(lr=1e-2, batch=1024, factor=4.0, N0=0.0, seed=7),
}
CLAIM = "arXiv:2501.12391, Fig. 8"


def compare(loss, n, steps):
    cfg = SETUPS[loss]
    T = task_vectors(jax.random.key(cfg["seed"] * 1000 + n), n, N, "random_unit")
    p = zipf(n, 2.0)
    geo = simulate(GeometryModel(p=p, T=T, loss_kind=loss, batch_size=cfg["batch"]), "signgd", steps,
                   learning_rate=cfg["lr"], key=jax.random.key(cfg["seed"]), record_every=10, record_aligned=False)
    theory = ResourceModel(p=p, eta=lr_eff(cfg["lr"], N, cfg["factor"]), N0=cfg["N0"], C=correlation_matrix(T),
                           loss_kind=loss)
    th = np.asarray(theory.skill_levels(geo.t.values, DiscreteMap(clip=False if loss == "mse" else None)))
    g = geo.skill_level.values
    per_skill_rms = np.sqrt(np.mean((g - th) ** 2, axis=1))
    # Which skills are pushed backwards (negative transfer): s < 0 (MSE) or s < 1/2 (CE) at the end.
    mid = 0.0 if loss == "mse" else 0.5
    side_agree = float(np.mean((g[:, -1] < mid) == (th[:, -1] < mid)))
    return geo, th, per_skill_rms, side_agree


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="n in {5, 20, 100}, 1500 steps")
    args = ex.parse(argv)
    ns = [5, 20, 100] if args.quick else [5, 10, 20, 40, 100]
    steps = 1500 if args.quick else 3000
    fig, axes = new_axes(2, len(ns), size=(4.2, 2.4))
    numbers, found = {}, {}
    print("per-skill RMS |s_geometry - s_resource| (median, max) and fraction of skills on the same side")
    for li, loss in enumerate(("mse", "ce")):
        for row, n in enumerate(ns):
            geo, th, rms, side = compare(loss, n, steps)
            numbers[f"{loss}_n{n}"] = {"per_skill_rms": rms, "negative_transfer_agree_frac": side}
            found[(loss, n)] = (float(np.median(rms)), side)
            print(f"  {loss.upper():3s} n = {n:3d}: median {np.median(rms):.3f}  max {rms.max():.3f}  "
                  f"same side (learned vs pushed back): {side:4.0%}")
            # theory over experiment in one panel: Geometry solid, Resource dashed, one colour per skill; at most
            # 20 skills (evenly spaced in i) so that each pair of curves can still be told apart
            drawn = np.unique(np.linspace(0, n - 1, min(n, 20)).round().astype(int))
            colors = skill_colors(n)
            for k in drawn:
                axes[row, li].plot(geo.t, geo.skill_level.values[k], color=colors[k], lw=0.9)
                axes[row, li].plot(geo.t, th[k], color=colors[k], lw=0.9, ls=(0, (3, 2)))
            shown = "" if len(drawn) == n else f", {len(drawn)} drawn"
            axes[row, li].set(title=f"{loss.upper()}, n = {n} skills{shown} (N = {N})", ylabel="skill level $s_i$")
    for ax in axes[-1]:
        ax.set_xlabel("time t [steps]")
    fig.legend(handles=[Line2D([], [], color="k", lw=0.9, label="Geometry model"),
                        Line2D([], [], color="k", lw=0.9, ls=(0, (3, 2)), label="Resource model, $C = T T^T$")],
               loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    fig.suptitle("underparameterised regime: colour = skill i (viridis, frequent to rare)", fontsize="small")
    ex.save_figure(fig)

    for (loss, n), (med, side) in found.items():
        tol = 0.2 if loss == "mse" else 0.1
        trend = ", ".join(f"{m:.3f}" for (lo, _), (m, _) in found.items() if lo == loss)
        ns = ", ".join(str(k) for (lo, k) in found if lo == loss)
        ex.check(f"fig8.{loss}_n{n}_rms", f"{loss.upper()}, n = {n}: median per-skill RMS gap between the models "
                 "(the paper: the trajectories agree, shown side by side)", claim=CLAIM, kind="beyond", paper=0,
                 value=med, tolerance=tol, tolerance_reason="skillode's own target (the paper gives no number): "
                 "0.1 in s, 0.2 for MSE, where eta = 2 lr sqrt(N) is a large-N rate and N = 10",
                 explanation=f"the gap grows steadily with the number of skills per dimension, n / N: {trend} at n = "
                 f"{ns} (N = 10). The Resource model with C = T T^T is a mean-field description whose rate "
                 "2 lr sqrt(N) holds for large N; with ten times more skills than dimensions the MSE levels it "
                 "reaches agree only loosely with the Geometry model's (docs/paper.md, Fig. 8)" if med > tol else None)
        ex.check(f"fig8.{loss}_n{n}_side", f"{loss.upper()}, n = {n}: same skills learned vs pushed back (fraction; "
                 "the paper: the same skills)", claim=CLAIM, kind="beyond", paper=1.0, value=side, tolerance=0.2,
                 tolerance_reason="skillode's own target (the paper gives no number): at least 80% of the skills")

    return ex.finish({"runs": numbers})


if __name__ == "__main__":
    raise SystemExit(main())
