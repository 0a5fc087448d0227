"""Fig19: modularity in a real MLP — the rare task is learned in parallel only by the modular net.

Two x² regressions
(arXiv:2501.12391, Fig. 19): 990 task-1 rows (target x1²) and 10 task-2 rows (p2 = 0.01, target x2²). A SiLU
MLP [2, 100, 100, 2] against the same shapes with block-diagonal masks (two towers 1 → 50 → 50 → 1), Adam 5e-4,
full batch, 1000 steps, many seeds vmapped (each seed draws its own data and initialisation). t_i = first step at
which task i's MSE over its own rows is below 1e-3 (1000 = not reached, as in the paper).

    python examples/fig19_modularity.py [--out DIR] [--quick] [--seeds K]
"""

from __future__ import annotations

from functools import partial

import jax.numpy as jnp
import numpy as np
from _common import Example, median_tolerance, out_of_order, over_seeds

import skillode as sk
from skillode.networks import MLP, BlockDiagonalMLP, TwoTaskRegression, train
from skillode.plotting import legend_outside, new_axes, skill_colors

CLAIM = "arXiv:2501.12391, Fig. 19"
PAPER = {"non-modular": {"t1_median": 155, "t2_median": 456.5, "ratio_median": 2.95, "frac_t2_gt_2t1": 0.98},
         "modular": "t1 ≈ 200–400, t2 ≈ 200–680, clustered around t2 ≈ t1"}
STEPS = 1000


def run(make_model, seeds, log_every, dtype):
    task = partial(TwoTaskRegression, n_samples=1000, p2=0.01, dtype=dtype)
    ds = train(make_model, task, sk.make_optimizer("adam", 5e-4), steps=STEPS, seed=seeds, log_every=log_every,
               progress=False)
    t = sk.learning_times(ds, sk.Threshold(1e-3, on="loss")).fillna(STEPS)  # the paper counts "never" as 1000
    return t.sel(skill=1).values, t.sel(skill=2).values


def summary(t1, t2) -> dict:
    r = t2 / t1
    return {
        "t1_median": float(np.median(t1)), "t1_iqr": np.percentile(t1, [25, 75]).tolist(),
        "t2_median": float(np.median(t2)), "t2_iqr": np.percentile(t2, [25, 75]).tolist(),
        "ratio_median": float(np.median(r)), "ratio_iqr": np.percentile(r, [25, 75]).tolist(),
        "frac_t2_gt_2t1": float(np.mean(t2 > 2 * t1)), "frac_t2_not_reached": float(np.mean(t2 >= STEPS)),
    }


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(8, 100), quick_help="~30 s version: 8 seeds instead of 100")
    args = ex.parse(argv)
    seeds = args.seeds
    dtype = jnp.float32
    nets = {
        "non-modular": partial(MLP, (2, 100, 100, 2), "silu", dtype=dtype),
        "modular": partial(BlockDiagonalMLP, (2, 100, 100, 2), "silu", n_blocks=2, dtype=dtype),
    }
    times = {name: run(net, seeds, 5, dtype) for name, net in nets.items()}
    results = {name: summary(*t) for name, t in times.items()}

    print(f"Fig19: {len(seeds)} seeds, Adam 5e-4, 1000 steps, skills logged every 5 steps (threshold MSE < 1e-3)")
    for name, r in results.items():
        print(
            f"{name:>12}: t1 median {r['t1_median']:6.1f} [IQR {r['t1_iqr'][0]:.0f}, {r['t1_iqr'][1]:.0f}]  "
            f"t2 median {r['t2_median']:6.1f} [IQR {r['t2_iqr'][0]:.0f}, {r['t2_iqr'][1]:.0f}]  "
            f"t2/t1 median {r['ratio_median']:.2f} [IQR {r['ratio_iqr'][0]:.2f}, {r['ratio_iqr'][1]:.2f}]  "
            f"t2 > 2 t1 in {r['frac_t2_gt_2t1']:.0%} of runs"
        )
    p = PAPER["non-modular"]
    print(f"paper non-modular: t1 median {p['t1_median']}, t2 median {p['t2_median']}, t2/t1 median "
          f"{p['ratio_median']}, t2 > 2 t1 in {p['frac_t2_gt_2t1']:.0%}; paper modular: {PAPER['modular']}")

    fig, ax = new_axes(size=(4.4, 4.0))
    for (name, (t1, t2)), c in zip(times.items(), skill_colors(2)):
        ax.scatter(t1, t2, s=12, color=c, alpha=0.7, label=f"{name} (one point per seed)")
    ax.plot([0, STEPS], [0, STEPS], "k-", lw=0.8, label="t2 = t1")
    ax.plot([0, STEPS / 2], [0, STEPS], "k--", lw=0.8, label="t2 = 2 t1")
    ax.set(xlim=(0, 600), ylim=(0, STEPS * 1.02), xlabel="t1: frequent task, MSE < 1e-3 [steps]",
           ylabel="t2: rare task (p2 = 0.01) [steps]", title="two x² regressions")
    legend_outside(ax)
    ex.save_figure(fig)

    nm, mo = results["non-modular"], results["modular"]
    ratio_nm = over_seeds(times["non-modular"][1] / times["non-modular"][0])
    why = "seed spread: bootstrap 90% CI of skillode's median over its seeds (the authors' median is over 100 runs)"
    ex.check("fig19.nonmodular_ratio", "non-modular: the rare task is learned much later (median t2/t1)", claim=CLAIM,
             kind="authors-code", paper=PAPER["non-modular"]["ratio_median"], **ratio_nm,
             tolerance=median_tolerance(times["non-modular"][1] / times["non-modular"][0]), tolerance_reason=why)
    frac = PAPER["non-modular"]["frac_t2_gt_2t1"]
    ex.check("fig19.nonmodular_frac", "non-modular: fraction of runs with t2 > 2 t1", claim=CLAIM,
             kind="authors-code", paper=frac, value=nm["frac_t2_gt_2t1"],
             tolerance=float(1.645 * np.sqrt(frac * (1 - frac) / len(seeds))),
             tolerance_reason=f"seed spread: the 90% binomial interval of a fraction over {len(seeds)} runs at the "
             "authors' 0.98")
    ratio_mo = over_seeds(times["modular"][1] / times["modular"][0])
    # The paper gives no number for the modular cloud: its figure (axes 0–1000 steps) draws the line t2 = t1 on the
    # modular panel against t2 = 2 t1 on the non-modular one, so the finest distinction it makes is which line the
    # cloud sits on. A median within a factor sqrt(2) of t2 = t1 (halfway to t2 = 2 t1 in log) reads as "t2 ≈ t1";
    # the check takes the nearer side, 1 - 1/sqrt(2) = 0.29, on both sides. Set after the 100-seed run (1.14).
    ex.check("fig19.modular_ratio", "modular: t2 ≈ t1 (median t2/t1; the paper's cloud clusters on t2 = t1)",
             claim=CLAIM, kind="paper", paper=1.0, **ratio_mo, tolerance=float(1 - 1 / np.sqrt(2)),
             detail=f"IQR {mo['ratio_iqr'][0]:.2f}–{mo['ratio_iqr'][1]:.2f}; t2 > 2 t1 in {mo['frac_t2_gt_2t1']:.0%} "
             f"of runs (non-modular: {nm['frac_t2_gt_2t1']:.0%})",
             tolerance_reason="the paper's figure precision: it only shows which of the lines t2 = t1 and t2 = 2 t1 "
             "the cloud sits on (a factor sqrt(2) in log, the nearer side 0.29 taken on both); set after seeing this "
             "run's 1.14, said here because the paper gives no number")
    ex.check("fig19.modular_sooner", "the modular net learns the rare task sooner (median t2, modular vs not; pairs "
             "out of order)", claim=CLAIM, kind="paper", paper=0,
             value=out_of_order([mo["t2_median"], nm["t2_median"]]),
             detail=f"{mo['t2_median']:.0f} vs {nm['t2_median']:.0f} (the paper: 200–680 vs 456.5)", tolerance=0,
             tolerance_reason="an ordering: exact")

    return ex.finish({"seeds": len(seeds), **results})


if __name__ == "__main__":
    raise SystemExit(main())
