"""The Domino limit: the Resource model with N0 = 0 learns skill i at t_i ≈ (i - 1 + 0.9) t0, t0 = 1/eta.

At N0 = 0 the total deficit sum_i l_i falls at exactly eta per step, and when the frequencies are well separated
(p_1 >> p_2 >> ...) the skills take turns: each takes t0 = 1/eta steps (52.7 for eta = 0.018974), so skill i
reaches s = 0.9 at (i - 1 + 0.9) t0 — the Domino model of arXiv:2501.12391, Fig. 9. Checked here with 10 skills
and frequencies Zipf(2), then p_i ∝ b^(-i) with b = 10, 100, 1000: the largest gap |t_i(Resource) - t_i(Domino)|
in units of t0 shrinks as the frequencies separate.

    python examples/domino_limit.py [--out DIR] [--quick]
"""

from __future__ import annotations

import numpy as np
from _common import Example, out_of_order
from matplotlib.lines import Line2D

from skillode import paper
from skillode.domino import DominoModel
from skillode.frequencies import exponential, zipf
from skillode.plotting import legend_outside, new_axes, plot_trajectory, skill_colors
from skillode.resource import ResourceModel

ETA = paper.lr_eff(paper.LR, paper.DIM)
CLAIM = "arXiv:2501.12391, Fig. 9 (Domino model)"


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="the same (already seconds)")
    args = ex.parse(argv)
    n = paper.N_SKILLS
    cases = {"Zipf(2)": zipf(n, 2.0), **{f"b = {b}": exponential(n, float(b)) for b in (10, 100, 1000)}}
    gaps, domino = {}, None
    fig, axes = new_axes(2, 1, size=(3.8, 3.0))
    for (name, p), color in zip(cases.items(), skill_colors(len(cases))):
        model = ResourceModel(p=p, eta=ETA, N0=0.0)
        domino = DominoModel.from_resource(model)
        t_res = model.learning_times(paper.THRESHOLD).values
        t_dom = domino.learning_times(paper.THRESHOLD).values
        gaps[name] = float(np.max(np.abs(t_res - t_dom)) / float(domino.t0))
        print(f"{name:>8}: max |t_resource - t_domino| / t0 = {gaps[name]:.4f}")
        label = "Resource, Zipf(2): $p_i ∝ i^{-2}$" if name == "Zipf(2)" else f"Resource, $p_i ∝ {name[4:]}^{{-i}}$"
        axes[0, 0].plot(np.arange(1, n + 1), t_res, "o-", ms=3, color=color, label=label)
    t0 = float(domino.t0)
    axes[0, 0].plot(np.arange(1, n + 1), domino.learning_times(paper.THRESHOLD).values, "k--",
                    label="Domino: $t_i = (i - 0.1)\\,t_0$")
    axes[0, 0].set(xlabel="skill index i (frequency rank)", ylabel="learning time $t_i$ [steps]",
                   title="learning times, $N_0$ = 0")
    legend_outside(axes[0, 0], title="model, frequencies $p_i$")
    ts = np.linspace(0.0, 1.2 * n / ETA, 241 if args.quick else 601)
    plot_trajectory(ResourceModel(p=cases["b = 100"], eta=ETA, N0=0.0).solve(ts), ax=axes[0, 1], legend=False)
    dom_ds = domino.solve(ts)
    for row in dom_ds.skill_level.values:  # black dotted on top: visible where it lies on the Resource curves
        axes[0, 1].plot(ts, row, color="k", ls=":", lw=1)
    axes[0, 1].set(xlabel="time t [steps]", ylabel="skill level $s_i$", title="$p_i ∝ 100^{-i}$: trajectories")
    styles = [Line2D([], [], color="0.3", label="Resource, $N_0$ = 0"),
              Line2D([], [], color="k", ls=":", lw=1, label="Domino")]
    skills = [Line2D([], [], color=c, label=f"skill {k + 1}") for k, c in enumerate(skill_colors(n))]
    legend_outside(axes[0, 1], handles=styles + skills, title="model (line style), skill (colour)")
    fig.suptitle(f"Domino limit of the Resource model ($N_0$ = 0, n = {n} skills, $\\eta$ = {ETA:.4g}): "
                 f"$t_i$ = first step with $s_i$ ≥ {paper.THRESHOLD:g}, $t_0 = 1/\\eta$ = {1 / ETA:.1f} steps",
                 fontsize="small")
    ex.save_figure(fig)

    ex.check("domino.t0", "t0 = 1/eta at eta = 2 * 3e-4 * sqrt(1000)", claim=CLAIM, kind="derived", paper=52.7,
             value=t0, tolerance=0.05, tolerance_reason="the reference 1/eta = 52.70 is rounded to 0.1")
    ex.check("domino.limit_b1000", "p_i ∝ 1000^-i: Resource times within 0.01 t0 of the Domino times (largest gap "
             "/ t0)", claim=CLAIM, kind="derived", paper=0, value=gaps["b = 1000"], tolerance=0.01,
             tolerance_reason="the Domino limit is exact as b → ∞; corrections of order 1/b = 1e-3 t0 per skill, "
             "10 skills")
    ordered = [gaps[k] for k in ("Zipf(2)", "b = 10", "b = 100", "b = 1000")]
    ex.check("domino.approach", "the gap shrinks as the frequencies separate (Zipf(2), b = 10, 100, 1000): pairs "
             "out of order", claim=CLAIM, kind="derived", paper=0, value=out_of_order(ordered, decreasing=True),
             detail="gaps " + ", ".join(f"{g:.3g}" for g in ordered), tolerance=0,
             tolerance_reason="an ordering: exact")

    return ex.finish({"t0": t0, "max_gap_over_t0": gaps})


if __name__ == "__main__":
    raise SystemExit(main())
