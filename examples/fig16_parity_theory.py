"""Fig16 (and Fig2 top): sparse parity: sparse parity against the gated Resource model.

Compositional case: T1 = x3⊕x4, T2 = x1⊕x2 and T3 = T1⊕T2 = x1⊕x2⊕x3⊕x4, equal frequencies, [32, 50, 3] ReLU MLP,
Adam 1e-3, full batch of 8000 rows, 1000 steps (arXiv:2501.12391, Fig. 16). Theory: the Resource model with T3 gated by
AND(T1, T2) (`skillode.paper.sparse_parity_compositional`). Independent case: T3 = x5⊕x6⊕x7⊕x8 instead, 3000 steps,
against the paper's frequency-switch theory (`skillode.paper.sparse_parity_independent`).

Both the paper's theory parameters and a fit of (eta, N0) to the measured curves (all seeds jointly, through
`skillode.fit.fit_resource`) are compared with the measured learning times (skill level = 2·accuracy − 1 ≥ 0.9).
The independent case's claim, "T3 is done at ≈2500, T1 and T2 at ≈300", is read as the paper reads its parity
figures: the step at which a task is done (99% training accuracy, the rule of Fig. 2's rows), one seed against the
spread of 16 single seeds (the paper shows one run; the 4-bit parity's time varies by ~1.5x from seed to seed).

Symbols: T_i task i (a parity of the bits x_j), eta effective learning rate, N0 wasted resources, R^2 of the fit.

    python examples/fig16_parity_theory.py [--out DIR] [--quick] [--seeds K]
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from _common import Example, over_seeds, seed_tolerance

import skillode as sk
from skillode import paper
from skillode.networks import MLP, compositional_parity, independent_4bit_parity, train
from skillode.networks.compare import compare_learning_times, fit_to_network, format_comparison
from skillode.plotting import legend_outside, new_axes, skill_colors

CLAIM = "arXiv:2501.12391, Fig. 16"
PAPER_COMPOSITIONAL = {1: "≈300 (theory re-sim 244)", 2: "≈300 (theory re-sim 244)", 3: "≈600 (theory re-sim 551)"}
PAPER_INDEPENDENT = {1: "", 2: "", 3: "≈2500 (theory with switch 2171)"}


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(3, 16), seed_start=1, quick_help="~30 s version: fewer rows and seeds")
    args = ex.parse(argv)
    n_rows, seeds = (3000 if args.quick else 8000), args.seeds
    indep_seeds = seeds[:2] if args.quick else seeds
    model = partial(MLP, (32, 50, 3), "relu", dtype=jnp.float32)
    opt = sk.make_optimizer("adam", 1e-3)
    numbers = {}

    # ---- compositional case
    task = compositional_parity(key=jax.random.key(1), n_samples=n_rows, dtype=jnp.float32)
    comp = train(model, task, opt, steps=1000, seed=seeds, log_every=10, progress=False)
    theory, _ = paper.sparse_parity_compositional()
    table = compare_learning_times(comp, theory)
    print(f"Compositional case: {n_rows} rows, seeds {seeds}; theory = paper's gated Resource model")
    print(format_comparison(table, PAPER_COMPOSITIONAL))
    fit = fit_to_network(comp, theory, params=("eta", "N0"), throw=False)
    fitted = compare_learning_times(comp, fit.model)
    print(f"fitted eta = {fit['eta']:.4g} (paper {float(theory.eta):.4g}), N0 = {fit['N0']:.4g} (paper 0.01), "
          f"R² = {fit.r2:.3f}, converged = {fit.converged}")
    print(format_comparison(fitted))
    numbers["compositional"] = {
        "measured_median": table["median"].values.tolist(), "iqr": [table["q1"].values.tolist(),
                                                                    table["q3"].values.tolist()],
        "paper_theory": table["predicted"].values.tolist(), "fit": fit.params | {"r2": fit.r2},
        "fitted_theory": fitted["predicted"].values.tolist(),
    }
    med = table["median"].values
    t_comp = sk.learning_times(comp, 0.9)
    per_seed_ratio = (t_comp.sel(skill=3) / t_comp.sel(skill=1)).values
    # ---- independent 4-bit case
    task4 = independent_4bit_parity(key=jax.random.key(1), n_samples=n_rows, dtype=jnp.float32)
    indep = train(model, task4, opt, steps=3000, seed=indep_seeds, log_every=20, progress=False)
    theory4 = paper.sparse_parity_independent(3000)
    table4 = compare_learning_times(indep, theory4)
    print(f"\nIndependent 4-bit case: seeds {indep_seeds}; theory = paper's Resource model with the p3 switch")
    print(format_comparison(table4, PAPER_INDEPENDENT))
    med4 = table4["median"].values
    numbers["independent"] = {"measured_median": med4.tolist(), "paper_theory": table4["predicted"].values.tolist(),
                              "n_learned": table4["n_learned"].values.tolist()}
    fig, axes = new_axes(2, 1, size=(4.4, 3.3))
    axes = axes.ravel()
    colors = skill_colors(3)
    for ax, ds, th, title in ((axes[0], comp, fit.predict(comp.t.values), "compositional: T3 = T1⊕T2"),
                              (axes[1], indep, theory4, "independent 4-bit T3")):
        for i, c in enumerate(colors):
            s = ds.skill_level.isel(skill=i)
            ax.fill_between(ds.t, s.quantile(0.25, "seed"), s.quantile(0.75, "seed"), color=c, alpha=0.25)
            ax.plot(ds.t, s.median("seed"), color=c, label=f"T{i + 1} network (median, IQR)")
            ax.plot(th.t, th.skill_level.isel(skill=i), color=c, ls="--", label=f"T{i + 1} theory")
        ax.set(xlabel="time t [steps]", ylabel="skill level $s_i$ = 2·accuracy − 1")
        ax.set_title(title, fontsize="medium")
    legend_outside(axes[1])
    fig.suptitle("Parity tasks T1, T2, T3 (⊕: XOR). Dashed theory: left, fitted Resource model; right, the paper's "
                 "p3-switch theory", fontsize="small")
    ex.save_figure(fig)

    read = 0.1  # ±10%: a time read off the figure ("done at ≈2500"), or a ratio of two times (each ±5%)
    ex.check("fig16.T3_after_T1_T2", "compositional: T3 learned after T1 and T2 (median learning times; pairs out of "
             "order)", claim=CLAIM, kind="paper", paper=0,
             value=float((med[2] <= med[0]) + (med[2] <= med[1])) if np.all(np.isfinite(med)) else float("nan"),
             detail="t = " + ", ".join(f"{v:.0f}" for v in med) + " (the paper: ≈300, ≈300, ≈600)", tolerance=0,
             tolerance_reason="an ordering: exact")
    ratio = over_seeds(per_seed_ratio)
    ex.check("fig16.T3_over_T1", "compositional: t3 / t1 (the paper: ≈600 / ≈300)", claim=CLAIM, kind="paper",
             paper=2.0, **ratio, tolerance=seed_tolerance(ratio, read * 2.0),
             tolerance_reason="seed spread (min–max over seeds; the paper shows one run) plus ±10% reading of a "
             "ratio of two times read off the figure")
    worst = float(np.max(np.abs(fitted["rel_error"])))
    ex.check("fig16.fitted_theory", "gated Resource model fitted to (eta, N0): every skill's time (largest relative "
             "error; the paper: the theory matches, no number)", claim=CLAIM, kind="beyond", paper=0, value=worst,
             tolerance=0.25, tolerance_reason="skillode's own target (the paper gives no number): 25% per skill")
    # "done" = 99% training accuracy, as in Fig. 2's rows (the paper's ≈300 for T1 is where its curve reaches ~1:
    # the 0.9 skill level, 95% accuracy, comes ~20% earlier)
    done = sk.learning_times(indep, sk.Threshold(0.99, on="accuracy"))
    t3 = done.sel(skill=3).values
    first = np.maximum(done.sel(skill=1), done.sel(skill=2)).values
    numbers["independent"]["done_per_seed"] = done.transpose("seed", "skill").values.tolist()
    why = ("seed spread (min–max over seeds; the paper shows one run, and the 4-bit parity's time varies by about "
           "1.5x from seed to seed) plus ±10% reading of {} read off the figure")
    rows = (("fig16.independent_4bit_done", "independent: the 4-bit parity is done (99% accuracy) at ≈2500 steps",
             2500.0, t3, "a time"),
            ("fig16.independent_4bit_later", "independent: the 4-bit parity much later than the 2-bit ones "
             "(t3 / max(t1, t2), each done at 99% accuracy; the paper: ≈2500 / ≈300)", 2500 / 300, t3 / first,
             "a ratio of two times"))
    for name, desc, paper_value, per_seed, what in rows:
        spread = over_seeds(per_seed)
        ok = np.isfinite(per_seed)
        if len(indep_seeds) < 8:  # a single run against the spread of single seeds needs more than a handful
            ex.not_run(name, desc, claim=CLAIM, kind="paper", paper=paper_value, tolerance_reason=why.format(what),
                       reason=f"{len(indep_seeds)} seeds cannot measure the seed spread this row is judged by; the "
                       f"default mode's 16 seeds decide it (this run: {spread['value']:.3g})")
            continue
        ex.check(name, desc, claim=CLAIM, kind="paper", paper=paper_value, **spread,
                 detail=f"{np.mean(per_seed[ok] < paper_value):.0%} of the {int(ok.sum())} seeds lie below the "
                 f"paper's one run; median done at t1, t2, t3 = " + ", ".join(
                     f"{float(np.nanmedian(done.sel(skill=k))):.0f}" for k in (1, 2, 3)),
                 tolerance=seed_tolerance(spread, read * paper_value), tolerance_reason=why.format(what))

    return ex.finish(numbers)


if __name__ == "__main__":
    raise SystemExit(main())
