"""Fig10 (CPU-sized): neural scaling laws from the Geometry model, SignGD and Adam.

The paper (arXiv:2501.12391, Fig. 10): n = 1000
skills with Zipf(alpha) frequencies, random-unit task vectors, CE, B = 1024,
lr = 0.01, N = 20..1000 (50 values), alpha in {0.5, 1.0, …, 2.0}, 4 seeds, 1e5 steps. alpha_N is the two-point
log-log slope of the median final loss between N = 40 and 220; alpha_S the two-point slope of the loss between
steps 80 and 200 at N = 100 (seed 0).

Here, on CPU: fewer N values inside the fitting window, fewer alphas, 2 seeds and a few thousand steps (the loss
has plateaued by then for SignGD; Adam is still creeping down, which biases its alpha_N slightly). Exponents are
printed with the least-squares slope and its bootstrap CI next to alpha - 1, (alpha - 1)/alpha, Chinchilla
0.34/0.28 and the paper's measured table. The full grid is `bench/geometry_sweep.py --fig10` (GPU).

Symbols: N parameters, B batch size, lr learning rate, L loss, alpha the Zipf exponent of the skill frequencies,
alpha_N / alpha_S the exponents of L ∝ N^-alpha_N (final loss) and L ∝ t^-alpha_S (loss against steps).

    python examples/fig10_scaling.py [--out DIR] [--quick]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from _common import Example
from matplotlib.lines import Line2D
from matplotlib.ticker import ScalarFormatter

from skillode import zipf
from skillode.closed_form import reference_exponents
from skillode.geometry import GeometryModel, simulate_many, task_vectors
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, skill_colors
from skillode.scaling import final_loss, scaling_exponent, two_point_exponent

N_SKILLS, B, LR = 1000, 1024, 0.01
ALL_ALPHAS = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
# read from the plots of arXiv:2501.12391, Fig. 10
CLAIM = "arXiv:2501.12391, Fig. 10"
PAPER = {
    "signgd": {"alpha_N": (0.35, 0.48, 0.63, 0.79, 0.95, 0.97), "alpha_S": (0.18, 0.30, 0.45, 0.62, 0.81, 1.03)},
    "adam": {"alpha_N": (0.35, 0.48, 0.63, 0.79, 0.96, 1.13), "alpha_S": (0.17, 0.24, 0.34, 0.46, 0.58, 0.71)},
}

OPT_NAME = {"signgd": "SignGD", "adam": "Adam"}
OPT_COLOR = {"signgd": "tab:red", "adam": "tab:blue"}


def run(opt, N, alphas, seeds, steps, record_every):
    T = task_vectors(jax.random.key(N), N_SKILLS, N, "random_unit")
    models = [GeometryModel(p=zipf(N_SKILLS, a), T=T, loss_kind="ce", batch_size=B) for a in alphas]
    return simulate_many(models, opt, steps, learning_rate=LR, seeds=seeds, sweep={"alpha": list(alphas)},
                         record_every=record_every, record_aligned=False, dtype=jnp.float32)


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="3 alphas, 3 sizes, 1 seed, 1500 steps")
    args = ex.parse(argv)
    if args.quick:
        alphas, Ns, seeds, steps = (1.0, 1.4, 2.0), (40, 100, 220), [0], 1500
    else:
        alphas, Ns, seeds, steps = ALL_ALPHAS, (20, 40, 70, 100, 150, 220, 300), [0, 1], 3000
    idx = [ALL_ALPHAS.index(a) for a in alphas]
    out = {}
    fig, axes = new_axes(3, 1, size=(3.8, 3.2))
    axes = axes.ravel()
    colors = skill_colors(len(alphas))
    for oi, opt in enumerate(("signgd", "adam")):
        losses = np.stack([final_loss(run(opt, N, alphas, seeds, steps, steps // 10)).values for N in Ns], axis=1)
        s_ds = run(opt, 100, alphas, [0], 1000, 10).isel(seed=0)
        res = {"alpha_N": [], "alpha_N_lsq": [], "alpha_N_ci": [], "alpha_S": []}
        for ai, a in enumerate(alphas):
            est = scaling_exponent(np.array(Ns, float), losses[ai], (40, 220), n_boot=500, seed=0)
            res["alpha_N"].append(est.two_point)
            res["alpha_N_lsq"].append(est.lsq)
            res["alpha_N_ci"].append(est.ci)
            t = s_ds.t.values[1:]
            res["alpha_S"].append(two_point_exponent(t, s_ds.loss.values[ai, 1:], 80, 200))
            axes[0].loglog(Ns, losses[ai], "o-" if opt == "signgd" else "s--", color=colors[ai],
                           label=f"{OPT_NAME[opt]}, $\\alpha$ = {a}")
            axes[1].loglog(t, s_ds.loss.values[ai, 1:], "-" if opt == "signgd" else "--", color=colors[ai])
        out[opt] = {"alphas": list(alphas), "N": list(Ns), "final_loss": losses.tolist(), **res}
        print(f"\n{opt}: exponents (two-point as in the paper; least squares with 95% bootstrap CI)")
        print("  alpha | alpha_N  lsq [CI]            paper | alpha_S  paper | alpha-1  (alpha-1)/alpha")
        for k, a in enumerate(alphas):
            ref = reference_exponents(a)
            print(f"  {a:5.1f} | {res['alpha_N'][k]:6.3f}  {res['alpha_N_lsq'][k]:5.3f} "
                  f"[{res['alpha_N_ci'][k][0]:5.3f},{res['alpha_N_ci'][k][1]:5.3f}]  "
                  f"{PAPER[opt]['alpha_N'][idx[k]]:5.2f} | "
                  f"{res['alpha_S'][k]:6.3f}  {PAPER[opt]['alpha_S'][idx[k]]:5.2f} | {ref['quanta_N']:6.2f}  "
                  f"{ref['quanta_S']:6.2f}")
        c = OPT_COLOR[opt]
        axes[2].plot(alphas, res["alpha_N"], "o-", color=c, label=f"{OPT_NAME[opt]} $\\alpha_N$")
        axes[2].plot(alphas, res["alpha_S"], "^--", color=c, mfc="none", label=f"{OPT_NAME[opt]} $\\alpha_S$")
    print("\nChinchilla: alpha_N = 0.34, alpha_S = 0.28")
    a_grid = np.linspace(1.0, 2.0, 11)
    axes[2].plot(a_grid, a_grid - 1, "k:", label="$\\alpha - 1$")
    axes[2].plot(a_grid, (a_grid - 1) / a_grid, "k-.", label="$(\\alpha - 1)/\\alpha$")
    axes[2].axhline(0.34, color="grey", lw=0.8, label="Chinchilla $\\alpha_N$ = 0.34")
    axes[2].axhline(0.28, color="grey", lw=0.8, ls="--", label="Chinchilla $\\alpha_S$ = 0.28")
    axes[0].axvspan(40, 220, color="0.9", lw=0, zorder=0, label="fit window (N = 40..220)")
    axes[1].axvspan(80, 200, color="0.9", lw=0, zorder=0, label="fit window (t = 80..200)")
    axes[0].set(xlabel="parameters N", ylabel="final loss L (median over seeds)")
    axes[1].set(xlabel="time t [steps] (N = 100, seed 0)", ylabel="loss L")
    axes[2].set(xlabel="Zipf exponent $\\alpha$", ylabel="fitted exponent (two-point)")
    for ax, title in zip(axes, ("final loss against N", "loss against time", "scaling exponents")):
        ax.set_title(title, fontsize="medium")
        plain_log_ticks(ax)
    axes[0].set_xticks([20, 50, 100, 200, 300] if max(Ns) >= 300 else [40, 70, 100, 220], minor=False)
    axes[0].xaxis.set_major_formatter(ScalarFormatter())
    legend_outside(axes[0], title="curves (both panels)")
    axes[1].legend(handles=[Line2D([], [], color="0.3", label="SignGD"),
                            Line2D([], [], color="0.3", ls="--", label="Adam")], fontsize="x-small",
                   loc="lower left", frameon=False)
    legend_outside(axes[2])
    fig.suptitle("Geometry model, n Zipf($\\alpha$) skills: $L ∝ N^{-\\alpha_N}$, $L ∝ t^{-\\alpha_S}$",
                 fontsize="small")
    ex.save_figure(fig)

    for opt in ("signgd", "adam"):
        a0 = alphas.index(1.0)
        r = out[opt]
        ex.check(f"fig10.{opt}_alpha_N_at_1", f"{opt}: alpha_N at alpha = 1 is Chinchilla-like (two-point, N = 40-220)",
                 claim=CLAIM, paper=PAPER[opt]["alpha_N"][0], value=r["alpha_N"][a0], spread=r["alpha_N_ci"][a0],
                 spread_label="95% bootstrap CI of the least-squares slope", tolerance="within [0.25, 0.45]",
                 passed=0.25 < r["alpha_N"][a0] < 0.45)
        ex.check(f"fig10.{opt}_alpha_N_grows", f"{opt}: alpha_N grows with alpha", claim=CLAIM,
                 paper=", ".join(f"{PAPER[opt]['alpha_N'][i]:.2f}" for i in idx),
                 value=", ".join(f"{v:.2f}" for v in r["alpha_N"]), tolerance="increasing",
                 passed=bool(np.all(np.diff(r["alpha_N"]) > 0)))
    big = [k for k, a in enumerate(alphas) if a >= 1.4]
    sg, ad = out["signgd"]["alpha_S"], out["adam"]["alpha_S"]
    ex.check("fig10.alpha_S_signgd_above_adam", "alpha_S: SignGD > Adam for alpha >= 1.4", claim=CLAIM,
             paper=", ".join(f"{PAPER['signgd']['alpha_S'][idx[k]]:.2f} > {PAPER['adam']['alpha_S'][idx[k]]:.2f}"
                             for k in big),
             value=", ".join(f"{sg[k]:.2f} > {ad[k]:.2f}" for k in big), tolerance="SignGD > Adam",
             passed=all(sg[k] > ad[k] for k in big))
    worst = max(big, key=lambda k: abs(sg[k] - (alphas[k] - 1)))
    ex.check("fig10.alpha_S_signgd_domino", f"alpha_S of SignGD ≈ alpha - 1 (Domino) for alpha >= 1.4 (worst: "
             f"alpha = {alphas[worst]})", claim=CLAIM, paper=alphas[worst] - 1, value=sg[worst], tolerance=0.25)
    out["setup"] = {"steps": steps, "seeds": seeds, "n_skills": N_SKILLS, "batch": B, "lr": LR}
    return ex.finish(out)


if __name__ == "__main__":
    raise SystemExit(main())
