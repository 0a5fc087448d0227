"""Self-weighted loss: the rare skill is learned sooner (the Fig. 19 x² task, non-modular MLP).

Plain loss ``mean_e ell_e`` against the self-weighted ``mean_e[ell_e · sg(ell_e) / mean(sg(ell))]``, whose gradient
weights each entry by its own loss and so moves effort toward the rare, unlearned task. Same data, nets and
optimizer as Fig19 (SiLU [2, 100, 100, 2], Adam 5e-4, full batch, 1000 steps), several seeds vmapped.
The paper (arXiv:2501.12391, "algorithmic changes that speed up training", next to Fig. 19) ran this once
(seed 1): rare task at ≈230 steps against a median of 456 with the plain loss. ell_e is the loss of entry e, sg
stops the gradient; t1, t2 = first step with the task's MSE below 1e-3.

    python examples/self_weighted_loss.py [--out DIR] [--quick] [--seeds K]
"""

from __future__ import annotations

from functools import partial

import jax.numpy as jnp
import numpy as np
from _common import Example, over_seeds, seed_tolerance

import skillode as sk
from skillode.networks import MLP, TwoTaskRegression, train
from skillode.plotting import legend_outside, new_axes, skill_colors

CLAIM = "arXiv:2501.12391, self-weighted loss (Fig. 19 task)"
STEPS = 1000
PAPER = {"self-weighted t2 (one seed)": 230, "plain t2 median (100 runs)": 456.5}


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(8, 32), quick_help="~30 s version: 8 seeds instead of 32")
    args = ex.parse(argv)
    seeds = args.seeds
    net = partial(MLP, (2, 100, 100, 2), "silu", dtype=jnp.float32)
    task = partial(TwoTaskRegression, n_samples=1000, p2=0.01, dtype=jnp.float32)
    opt = sk.make_optimizer("adam", 5e-4)
    results, curves = {}, {}
    for name, sw in (("plain", False), ("self-weighted", True)):
        ds = train(net, task, opt, steps=STEPS, seed=seeds, log_every=5, self_weighted=sw, progress=False)
        t = sk.learning_times(ds, sk.Threshold(1e-3, on="loss")).fillna(STEPS)  # 1000 = not reached, as in the paper
        t1, t2 = t.sel(skill=1).values, t.sel(skill=2).values
        results[name] = {
            "t1_median": float(np.median(t1)), "t1_iqr": np.percentile(t1, [25, 75]).tolist(),
            "t2_median": float(np.median(t2)), "t2_iqr": np.percentile(t2, [25, 75]).tolist(),
            "t2_not_reached": int(np.sum(t2 >= STEPS)),
        }
        curves[name] = (ds.skill_loss.median("seed"), t2)
    paired = curves["self-weighted"][1] / curves["plain"][1]  # same seed = same data and initialisation
    results["t2_ratio_paired"] = {"median": float(np.median(paired)), "iqr": np.percentile(paired, [25, 75]).tolist()}

    print(f"Self-weighted loss, {len(seeds)} seeds (same data and init per seed for both losses); MSE < 1e-3")
    for name in ("plain", "self-weighted"):
        r = results[name]
        print(f"{name:>14}: t1 median {r['t1_median']:.0f} [IQR {r['t1_iqr'][0]:.0f}, {r['t1_iqr'][1]:.0f}]  "
              f"t2 median {r['t2_median']:.0f} [IQR {r['t2_iqr'][0]:.0f}, {r['t2_iqr'][1]:.0f}]  "
              f"(not reached: {r['t2_not_reached']})")
    pr = results["t2_ratio_paired"]
    print(f"rare-task time, self-weighted / plain (paired by seed): median {pr['median']:.2f} "
          f"[IQR {pr['iqr'][0]:.2f}, {pr['iqr'][1]:.2f}]")
    print(f"paper: self-weighted t2 ≈ {PAPER['self-weighted t2 (one seed)']} (one seed) vs plain median "
          f"{PAPER['plain t2 median (100 runs)']}  (ratio ≈ {230 / 456.5:.2f})")

    fig, ax = new_axes(size=(4.6, 3.4))
    for (name, c) in zip(("plain", "self-weighted"), skill_colors(2)):
        sl = curves[name][0]
        ax.plot(sl.t, sl.sel(skill=1), color=c, ls="--", label=f"{name}: task 1")
        ax.plot(sl.t, sl.sel(skill=2), color=c, label=f"{name}: task 2 (p2 = 0.01)")
    ax.axhline(1e-3, color="gray", lw=0.8, label="learned (MSE = 1e-3)")
    ax.set(yscale="log", xlabel="time t [steps]", ylabel="per-task MSE (median over seeds)",
           title="plain vs self-weighted loss")
    legend_outside(ax)
    ex.save_figure(fig)

    speed = over_seeds(paired)
    ex.check("self_weighted.speedup", "self-weighted / plain rare-task time, paired by seed (median; the authors: "
             "one self-weighted run, ≈230 steps, against the plain median 456.5)", claim=CLAIM, kind="authors-code",
             paper=round(PAPER["self-weighted t2 (one seed)"] / PAPER["plain t2 median (100 runs)"], 2), **speed,
             tolerance=seed_tolerance(speed), tolerance_reason="seed spread: min–max over seeds (the authors' "
             "self-weighted run is one seed)")
    missed = results["self-weighted"]["t2_not_reached"]
    ex.check("self_weighted.learns_rare", "self-weighted learns the rare task in every run (fraction of runs that "
             "did not)", claim=CLAIM, kind="authors-code", paper=0, value=missed / len(seeds),
             detail=f"{missed}/{len(seeds)} runs", tolerance=0,
             tolerance_reason="the authors' run learns it: every seed must")

    return ex.finish({"seeds": len(seeds), **results})


if __name__ == "__main__":
    raise SystemExit(main())
