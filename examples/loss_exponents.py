"""Loss against time: L(t) ∝ t^(-alpha_S) with alpha_S = alpha - 1 (Domino, serial) or (alpha - 1)/alpha (parallel).

With n Zipf(alpha) skills (p_i ∝ i^-alpha) and loss L = sum_i p_i (1 - s_i)^2, learning the first k skills leaves
L ≈ sum_{i > k} p_i ∝ k^-(alpha - 1). The time exponent then depends on how k grows with t:

- Domino model (t_i = i t0, so k ∝ t): alpha_S = alpha - 1;
- Resource model at N0 = 0 (its Domino limit; the total deficit falls at rate eta, k ≈ eta t): alpha - 1;
- Resource model at large N0 (parallel, l_i = exp(-eta p_i t / N0), skill k learned at t ∝ k^alpha):
  alpha_S = (alpha - 1)/alpha, the quanta model's exponent.

arXiv:2501.12391, Fig. 10 labels its alpha_S fits with exactly these two predictions. The exponent is the
least-squares log-log slope of L(t) over the window where 10 <= k(t) <= n/10 skills are learned (away from the
first skills and from the finite-n cut-off). The references are the finite-n versions of these exponents: the
slope of the tail sum_(i>k) p_i itself over the window (alpha - 1 only as n -> inf; 0.563 instead of 0.5 at
alpha = 1.5, n = 10^4), divided by alpha for the parallel case.

    python examples/loss_exponents.py [--out DIR] [--quick]
"""

from __future__ import annotations

import numpy as np
from _common import Example
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from skillode import paper
from skillode.domino import DominoModel
from skillode.frequencies import zipf
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, plot_fit_window, skill_colors
from skillode.resource import ResourceModel
from skillode.scaling import reference_exponents, scaling_exponent

ETA = paper.lr_eff(paper.LR, paper.DIM)
N0_PARALLEL = 1000.0
CLAIM = "arXiv:2501.12391, Fig. 10 (alpha_S predictions)"
TOL = 0.05
TOL_WHY = ("the reference is the finite-n exponent (the slope of sum_(i>k) p_i over the window); what remains are "
           "first-skill and curve-shape corrections in the fit window (10 <= k <= n/10), of order 1/ln(window) ≈ 0.05")


def tail_exponent(p, window) -> float:
    """The finite-n version of alpha - 1: minus the least-squares log-log slope of the tail sum_(i>k) p_i against
    k over ``window`` (k_lo, k_hi). For n -> inf it is alpha - 1; at n = 10^4, alpha = 1.5 it is 0.563 (the tail
    2 (k^-1/2 - n^-1/2) bends down as k nears n)."""
    tail = np.cumsum(np.asarray(p, np.float64)[::-1])[::-1]  # tail[k] = sum_(i>k) p_i (p[k] is skill k + 1)
    k = np.unique(np.geomspace(*window, 60).round().astype(int))
    return float(-np.polyfit(np.log(k), np.log(tail[k]), 1)[0])


def slope(t, loss, window) -> float:
    return float(scaling_exponent(t, loss, window, n_boot=200, seed=0).lsq)


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="n = 2000 skills and alpha = 2 only (seconds)")
    args = ex.parse(argv)
    n = 2000 if args.quick else 10000
    alphas = [2.0] if args.quick else [1.5, 2.0, 2.5, 3.0]
    k_lo, k_hi = 10.0, n / 10.0
    rows = {}
    fig, axes = new_axes(3, 1, size=(3.4, 2.9))
    for alpha, color in zip(alphas, skill_colors(len(alphas))):
        p = zipf(n, alpha)
        ref = reference_exponents(alpha)
        t_dom = np.geomspace(1.0, 2.0 * k_hi, 80)  # Domino with t0 = 1: k(t) = t
        s = np.asarray(DominoModel(n=n, t0=1.0).skill_levels(t_dom))
        L_dom = (p[:, None] * (1.0 - s) ** 2).sum(0)
        t_ser = np.geomspace(1.0, 2.0 * k_hi, 80) / ETA
        L_ser = np.asarray(ResourceModel(p=p, eta=ETA, N0=0.0).solve(t_ser).loss.values)
        t_of_k = lambda k: N0_PARALLEL / (ETA * p[0] * k**-alpha)  # p_k = p_1 k^-alpha, learned at eta p_k t/N0 ≈ 1
        t_par = np.geomspace(t_of_k(1.0), t_of_k(2.0 * k_hi), 80)
        L_par = np.asarray(ResourceModel(p=p, eta=ETA, N0=N0_PARALLEL).solve(t_par).loss.values)
        rows[alpha] = {
            "domino": slope(t_dom, L_dom, (k_lo, k_hi)),
            "resource_N0_0": slope(t_ser, L_ser, (k_lo / ETA, k_hi / ETA)),
            "resource_N0_large": slope(t_par, L_par, (t_of_k(k_lo), t_of_k(k_hi))),
            "alpha-1": ref["domino_S"], "(alpha-1)/alpha": ref["quanta_S"],
            "tail (finite n)": tail_exponent(p, (k_lo, k_hi)),
        }
        print(f"alpha = {alpha:g}: " + ", ".join(f"{k} {v:.4f}" for k, v in rows[alpha].items()))
        windows = ((k_lo, k_hi), (k_lo / ETA, k_hi / ETA), (t_of_k(k_lo), t_of_k(k_hi)))
        fits = (rows[alpha]["domino"], rows[alpha]["resource_N0_0"], rows[alpha]["resource_N0_large"])
        tail = rows[alpha]["tail (finite n)"]
        preds = (tail, tail, tail / alpha)
        for ax, t, L, w, a_s, pred in zip(axes.ravel(), (t_dom, t_ser, t_par), (L_dom, L_ser, L_par), windows, fits,
                                          preds):
            ax.loglog(t, L, color=color, lw=2.2, alpha=0.8, label=f"$\\alpha$ = {alpha:g}")
            line = plot_fit_window(ax, t, L, w, a_s, color="k", shade=alpha == alphas[0])
            xm = float(np.sqrt(w[0] * w[1]))
            ym = float(np.interp(np.log(xm), np.log(line.get_xdata()), line.get_ydata()))
            ax.annotate(f"{a_s:.3f} (theory {pred:.3f})", (xm, ym), xytext=(6, -6),
                        textcoords="offset points", ha="left", va="top", fontsize="x-small")
    titles = ("Domino ($t_0$ = 1 step)", "Resource, $N_0$ = 0", f"Resource, $N_0$ = {N0_PARALLEL:g}")
    for ax, title in zip(axes.ravel(), titles):
        ax.set(title=title, xlabel="time t [steps]")
        ax.title.set_fontsize("medium")
        plain_log_ticks(ax)
    axes[0, 0].set_ylabel("loss $L = \\sum_i p_i (1 - s_i)^2$")
    handles = [h for h in axes[0, 0].get_legend_handles_labels()[0]]
    handles += [Line2D([], [], color="k", ls="--", lw=1.2,
                       label="least-squares fit $L ∝ t^{-\\alpha_S}$;\nlabels: $\\alpha_S$ (finite-n theory)"),
                Patch(color="0.85", alpha=0.5, label=f"fit window: {k_lo:g} ≤ k(t) ≤ {k_hi:g}")]
    legend_outside(axes[0, 2], handles=handles, title=f"Zipf($\\alpha$), n = {n} skills")
    fig.suptitle("$p_i ∝ i^{-\\alpha}$; $\\alpha_S$: fitted time exponent; k(t): number of skills learned by t; "
                 f"$\\eta$ = {ETA:.4g}", fontsize="small")
    ex.save_figure(fig)

    for alpha, r in rows.items():
        a, tail = f"{alpha:g}", r["tail (finite n)"]
        asym = f"(n -> inf: alpha - 1 = {r['alpha-1']:.3g}; finite-n tail slope over the window {tail:.3f})"
        ex.check(f"exponents.domino_alpha_{a}", f"Domino model: alpha_S = alpha - 1 at n = {n} (alpha = {a})",
                 claim=CLAIM, kind="derived", paper=tail, value=r["domino"], detail=asym, tolerance=TOL,
                 tolerance_reason=TOL_WHY)
        ex.check(f"exponents.serial_alpha_{a}", f"Resource, N0 = 0: alpha_S = alpha - 1 at n = {n} (alpha = {a})",
                 claim=CLAIM, kind="derived", paper=tail, value=r["resource_N0_0"], detail=asym, tolerance=TOL,
                 tolerance_reason=TOL_WHY)
        ex.check(f"exponents.parallel_alpha_{a}", f"Resource, N0 = {N0_PARALLEL:g}: alpha_S = (alpha - 1)/alpha at "
                 f"n = {n} (alpha = {a})", claim=CLAIM, kind="derived", paper=tail / alpha,
                 value=r["resource_N0_large"], detail=f"(n -> inf: (alpha - 1)/alpha = {r['(alpha-1)/alpha']:.3g})",
                 tolerance=TOL, tolerance_reason=TOL_WHY)
    if args.quick:
        ex.not_run("exponents.other_alphas", "the same for alpha = 1.5, 2.5, 3 (n = 10000)", claim=CLAIM,
                   kind="derived")

    return ex.finish({"n": n, "window_k": [k_lo, k_hi], "rows": rows})


if __name__ == "__main__":
    raise SystemExit(main())
