"""Fig4: two skills in the Geometry model — the Domino effect under SignGD, parallel learning under SGD.

Setup (arXiv:2501.12391, Fig. 4): N = 1000 parameters, orthonormal task vectors, skill frequencies p = (p1, 1 - p1),
batch B = 128, mimicked MSE gradient. SignGD (Adam with b1 = b2 = 0) and Adam at lr = 3e-4, SGD at lr = 3e-2.
Learning time t_i: first crossing of skill level s_i = 0.9; t2/t1 is averaged over seeds. Every seed draws its own
task vectors at every p1 (the authors seed their sweep once, so each of their runs has task vectors of its own): the
spread over seeds is the spread over task vectors and batch draws, the two ways their one run differs from ours.

Claims checked: SignGD's t2/t1 saturates near 2 (Domino), SGD's t2/t1 ≈ p1/p2 (independent exponential decays),
Adam lies in between. A re-simulation of the authors' code at p1/p2 = 9 and 19: SignGD 1.74, 1.90;
Adam 2.61, 3.86;
SGD 9.0, 19.3.

    python examples/fig4_two_skills.py [--out DIR] [--quick] [--seeds K]
"""

from __future__ import annotations

import jax
import numpy as np
import xarray as xr
from _common import Example

from skillode import learning_times
from skillode.geometry import GeometryModel, simulate_many, task_vectors
from skillode.plotting import legend_outside, new_axes, skill_colors

N, B = 1000, 128
OPTIMIZERS = {"signgd": (3e-4, 500), "adam": (3e-4, 3000), "sgd": (3e-2, 3000)}
PAPER = {"signgd": (1.74, 1.90), "adam": (2.61, 3.86), "sgd": (9.0, 19.3)}
CLAIM = "arXiv:2501.12391, Fig. 4"


def models_for(p1s, key, seed):
    """One model per p1, with task vectors of their own for every (p1, seed), as in the authors' sweep (seeded once,
    so every run draws new task vectors): the seed spread then holds the task-vector variation too."""
    return [GeometryModel(p=[p1, 1 - p1], T=task_vectors(jax.random.fold_in(jax.random.fold_in(key, i), seed), 2, N),
                          batch_size=B, gradient="mimicked") for i, p1 in enumerate(p1s)]


def ratio_sweep(name, p1s, seeds, key):
    lr, steps = OPTIMIZERS[name]
    ds = xr.concat([simulate_many(models_for(p1s, key, s), name, steps, learning_rate=lr, seeds=[s],
                                  sweep={"p1": p1s}, record_aligned=False) for s in seeds], dim="seed")
    times = learning_times(ds, 0.9)
    per_seed = times.sel(skill=2) / times.sel(skill=1)
    ds.attrs["mean_t1"], ds.attrs["mean_t2"] = (np.asarray(times.sel(skill=k).mean("seed").values) for k in (1, 2))
    return np.asarray(per_seed.mean("seed").values), np.asarray(per_seed.transpose("p1", "seed").values), ds


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(2, 4), quick_help="fewer sweep points and seeds (~30 s)")
    args = ex.parse(argv)
    key = jax.random.key(2)
    # p1/p2 = 9 and 19 are included exactly; the rest spans 0.5..0.95 as in the paper's sweep.
    p1s = np.unique(np.concatenate([np.linspace(0.5, 0.95, 6 if args.quick else 16), [0.9, 0.95]]))
    results, per_seed, trajs = {}, {}, {}
    for name in OPTIMIZERS:
        results[name], per_seed[name], trajs[name] = ratio_sweep(name, p1s, args.seeds, key)
    at = {name: [int(np.flatnonzero(np.isclose(p1s, p))[0]) for p in (0.9, 0.95)] for name in OPTIMIZERS}
    points = {name: [float(results[name][i]) for i in at[name]] for name in OPTIMIZERS}
    print(f"t2/t1 at p1/p2 = 9 and 19 (mean over {len(args.seeds)} seeds) vs a re-simulation of the authors' code")
    for name in OPTIMIZERS:
        print(f"  {name:7s} {points[name][0]:6.2f} {points[name][1]:6.2f}   paper {PAPER[name][0]:5.2f} "
              f"{PAPER[name][1]:6.2f}")

    fig, axes = new_axes(4, 3, size=(3.0, 2.3))
    colors = skill_colors(2)
    for row, name in enumerate(OPTIMIZERS):
        for col, p1 in enumerate((0.5, 0.9, 0.95)):
            ax = axes[row, col]
            ds = trajs[name].sel(p1=p1, method="nearest").isel(seed=0)
            for k in (1, 2):
                ax.plot(ds.t, ds.skill_level.sel(skill=k), color=colors[k - 1], label=f"skill {k}")
            ax.set(title=f"{name}, p1 = {p1}", xlabel="time t [steps]", ylim=(-0.05, 1.1))
        axes[row, 0].set_ylabel("skill level s_i")
        ax = axes[row, 3]
        ratio_p = p1s / (1 - p1s)
        ax.loglog(ratio_p, results[name], "o-", color=colors[0], label="t2/t1 (mean over seeds)")
        ax.loglog(ratio_p, ratio_p, "k:", label="p1/p2 (parallel)")
        ax.axhline(2.0, color="grey", ls="--", label="2 (Domino)")
        ax.plot([9, 19], PAPER[name], "r+", ms=9, label="authors' code, re-simulated")
        ax.set(xlabel="p1/p2", ylabel="t2/t1", title=f"{name}: t2/t1")
    legend_outside(fig)
    ex.save_figure(fig)

    def spread(name, j):
        row = per_seed[name][at[name][j]]
        return [float(np.nanmin(row)), float(np.nanmax(row))]

    def seed_tol(name, j):  # seed spread (far side of the mean) plus whole-step learning times in both runs
        lo, hi = spread(name, j)
        i, ds = at[name][j], trajs[name]
        steps = 2 * points[name][j] * (1 / ds.attrs["mean_t1"][i] + 1 / ds.attrs["mean_t2"][i])
        return max(points[name][j] - lo, hi - points[name][j]) + float(steps)

    label = f"min–max over {len(args.seeds)} seeds"
    why = ("seed spread (min–max over seeds, each seed with task vectors of its own; the re-simulation of the "
           "authors' code is one run with one draw of task vectors) plus whole-step learning times in both runs: "
           "±1 step in t1 and t2 each, 2 r (1/t1 + 1/t2)")

    ex.check("fig4.signgd_ratio_19", "SignGD: t2/t1 saturates near 2 (Domino) at p1/p2 = 19", claim=CLAIM,
             kind="authors-code", paper=PAPER["signgd"][1], value=points["signgd"][1], spread=spread("signgd", 1),
             spread_label=label, tolerance=seed_tol("signgd", 1), tolerance_reason=why)
    for j, q in enumerate((9, 19)):
        ex.check(f"fig4.sgd_ratio_{q}", f"SGD: t2/t1 ≈ p1/p2 = {q} (parallel)", claim=CLAIM, kind="authors-code",
                 paper=PAPER["sgd"][j], value=points["sgd"][j], spread=spread("sgd", j), spread_label=label,
                 tolerance=seed_tol("sgd", j), tolerance_reason=why)
    ex.check("fig4.adam_between", "Adam's t2/t1 lies between SignGD's and SGD's (p1/p2 = 9 and 19)", claim=CLAIM,
             kind="authors-code", paper=list(PAPER["adam"]), value=points["adam"],
             detail=f"SignGD {points['signgd'][0]:.2f}, {points['signgd'][1]:.2f}; SGD {points['sgd'][0]:.2f}, "
             f"{points['sgd'][1]:.2f}", tolerance=max(seed_tol("adam", 0), seed_tol("adam", 1)),
             tolerance_reason=why)

    return ex.finish({"p1": p1s, "t2_over_t1": results, "at_9_and_19": points, "paper": PAPER, "seeds": args.seeds})


if __name__ == "__main__":
    raise SystemExit(main())
