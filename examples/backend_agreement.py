"""The Resource model's numerical backends agree: exact tau-time solution, diffrax, scipy (and the paper's map).

Not a figure of the paper but what every Resource-model reproduction here (arXiv:2501.12391, Figs. 6-9 and 17)
rests on. For 10 Zipf(2) skills, eta = 0.018974 and t in [0, 1000] we compare the skill levels s_i(t) of

- exact: the closed-form solution in tau time, l_i = exp(-p_i tau), t(tau) = [sum_j (1 - e^(-p_j tau)) + N0 tau]/eta;
- diffrax (Kvaerno5) and scipy (LSODA), adaptive ODE solvers at rtol = 1e-10, atol = 1e-12;
- discrete: the paper's map (Euler, dt = 1, clipped) — a different object; its gap is the discretisation error.

For N0 = 0 the range crosses n / eta = 527, where every deficit reaches 0 and the field p_i l_i / sum_j p_j l_j is
0/0 (defined as 0): the adaptive solvers must stop there (diffrax: an event) or step over it and hold the state.

    python examples/backend_agreement.py [--out DIR] [--quick]
"""

from __future__ import annotations

import numpy as np
from _common import Example

from skillode import paper
from skillode.frequencies import zipf
from skillode.plotting import new_axes, plain_log_ticks
from skillode.resource import ResourceModel

ETA = paper.lr_eff(paper.LR, paper.DIM)
CLAIM = "consistency of the Resource model of arXiv:2501.12391 (no value in the paper)"
TOL = 1e-6
FLOOR = 1e-17
BACKENDS = (("diffrax", "diffrax (Kvaerno5)", "tab:red", "o"), ("scipy", "scipy (LSODA)", "tab:blue", "s"),
            ("discrete", "discrete map (dt = 1)", "k", "^"))


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="N0 = 0.003 only instead of 0, 0.003 and 0.1 (seconds)")
    args = ex.parse(argv)
    ts = np.linspace(0.0, 1000.0, 1001)
    N0s = [0.003] if args.quick else [0.0, 0.003, 0.1]
    fig, axes = new_axes(len(N0s), 1, size=(6.4 if len(N0s) == 1 else 4.2, 3.4))
    axes = np.atleast_1d(axes).ravel()
    rows = {}
    for N0, ax in zip(N0s, axes):
        model = ResourceModel(p=zipf(paper.N_SKILLS, paper.ALPHA), eta=ETA, N0=N0)
        exact = np.asarray(model.skill_levels(ts, "exact"))
        gap = {name: np.abs(np.asarray(model.skill_levels(ts, name)) - exact).max(0)
               for name in ("diffrax", "scipy", "discrete")}
        rows[N0] = {name: float(g.max()) for name, g in gap.items()}
        print(f"N0 = {N0:g}: max |s - s_exact| " + ", ".join(f"{k} {v:.2e}" for k, v in rows[N0].items()))
        # exact agreement (0) is drawn on the floor; markers at offset steps keep overlapping curves apart
        for k, (name, label, color, marker) in enumerate(BACKENDS):
            ax.semilogy(ts, np.maximum(gap[name], FLOOR), color=color, lw=0.9, marker=marker, ms=4, mfc="none",
                        markevery=(25 + 33 * k, 100), label=label)
        ax.axhline(TOL, color="0.5", ls=":", lw=0.8, label=f"ODE tolerance {TOL:g}")
        ax.set(xlabel="time t [steps]", ylim=(FLOOR / 3, 1.0), title=f"$N_0$ = {N0:g}")
        plain_log_ticks(ax, "y")
    axes[0].set_ylabel(r"$\max_i\,|s_i - s_i^{\mathrm{exact}}|$ (skill level $s_i$)")
    # the legend under the plots, so that a single panel (quick mode) still fills the width
    fig.legend(*axes[-1].get_legend_handles_labels(), loc="outside lower center", ncols=2 if len(N0s) == 1 else 4,
               title=f"backend (a gap of 0 is drawn at {FLOOR:g})", fontsize="x-small", title_fontsize="small",
               frameon=False)
    fig.suptitle("Resource model, 10 Zipf(2) skills: gap to the exact solution", fontsize="medium")
    ex.save_figure(fig)

    for N0, r in rows.items():
        for name in ("diffrax", "scipy"):
            ex.check(f"backends.{name}_N0_{N0:g}", f"{name} matches the exact solution (N0 = {N0:g}, t <= 1000; "
                     "largest |s - s_exact|)", claim=CLAIM, kind="derived", paper=0, value=r[name], tolerance=TOL,
                     tolerance_reason="ODE solver tolerances (rtol 1e-10, atol 1e-12) accumulated over the run: "
                     "1e-6 in s")
        ex.check(f"backends.discrete_N0_{N0:g}", f"the dt = 1 map stays within 0.02 of the ODE (N0 = {N0:g}; "
                 "largest |s - s_exact|)", claim=CLAIM, kind="derived", paper=0, value=r["discrete"], tolerance=0.02,
                 tolerance_reason="the map's discretisation error: one step's change in s is at most eta ≈ 0.019")
    if args.quick:
        ex.not_run("backends.N0_0_and_0.1", "the same for N0 = 0 (through the 0/0 point) and N0 = 0.1", claim=CLAIM,
                   kind="derived")

    return ex.finish({"max_abs_gap": rows})


if __name__ == "__main__":
    raise SystemExit(main())
