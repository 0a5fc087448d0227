"""Fig4: two skills in the Geometry model — the Domino effect under SignGD, parallel learning under SGD.

Setup (PAPER §7 Fig4): N = 1000, orthonormal task vectors, p = (p1, 1 - p1), B = 128, mimicked MSE gradient.
SignGD (Adam with b1 = b2 = 0) and Adam at lr = 3e-4, SGD at lr = 3e-2. Learning time: first crossing of s = 0.9.

Claims checked: SignGD's t2/t1 saturates near 2 (Domino), SGD's t2/t1 ≈ p1/p2 (independent exponential decays),
Adam lies in between. Paper re-simulation at p1/p2 = 9 and 19: SignGD 1.74, 1.90; Adam 2.61, 3.86; SGD 9.0, 19.3.

Run: python examples/fig4_two_skills.py [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skillode import learning_times  # noqa: E402
from skillode.geometry import GeometryModel, simulate_many, task_vectors  # noqa: E402

N, B = 1000, 128
OPTIMIZERS = {"signgd": (3e-4, 500), "adam": (3e-4, 3000), "sgd": (3e-2, 3000)}
PAPER = {"signgd": (1.74, 1.90), "adam": (2.61, 3.86), "sgd": (9.0, 19.3)}


def models_for(p1s, key):
    return [
        GeometryModel(p=[p1, 1 - p1], T=task_vectors(jax.random.fold_in(key, i), 2, N), batch_size=B,
                      gradient="mimicked")
        for i, p1 in enumerate(p1s)
    ]


def ratio_sweep(name, p1s, seeds, key):
    lr, steps = OPTIMIZERS[name]
    ds = simulate_many(models_for(p1s, key), name, steps, learning_rate=lr, seeds=seeds, sweep={"p1": p1s},
                       record_aligned=False)
    times = learning_times(ds, 0.9)
    ratio = (times.sel(skill=2) / times.sel(skill=1)).mean("seed")
    return np.asarray(ratio.values), ds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("outputs/fig4_two_skills"))
    ap.add_argument("--quick", action="store_true", help="fewer sweep points and seeds (~30 s)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    key = jax.random.key(2)
    seeds = [0, 1] if args.quick else [0, 1, 2, 3]
    n_sweep = 6 if args.quick else 16
    # p1/p2 = 9 and 19 are included exactly; the rest spans 0.5..0.95 as in the paper's sweep.
    p1s = np.unique(np.concatenate([np.linspace(0.5, 0.95, n_sweep), [0.9, 0.95]]))
    results, trajs = {}, {}
    for name in OPTIMIZERS:
        ratio, ds = ratio_sweep(name, p1s, seeds, key)
        results[name] = ratio
        trajs[name] = ds

    ratios_paper_points = {name: [float(results[name][np.isclose(p1s, p)][0]) for p in (0.9, 0.95)]
                           for name in OPTIMIZERS}
    print("t2/t1 at p1/p2 = 9 and 19 (mean over seeds)      reproduced        paper re-simulation")
    for name in OPTIMIZERS:
        r = ratios_paper_points[name]
        print(f"  {name:7s}                                      {r[0]:5.2f} {r[1]:6.2f}      {PAPER[name][0]:5.2f} "
              f"{PAPER[name][1]:6.2f}")

    fig, axes = plt.subplots(3, 4, figsize=(15, 9))
    for row, name in enumerate(OPTIMIZERS):
        for col, p1 in enumerate((0.5, 0.9, 0.95)):
            ax = axes[row, col]
            ds = trajs[name].sel(p1=p1, method="nearest").isel(seed=0)
            for k in (1, 2):
                ax.plot(ds.t, ds.skill_level.sel(skill=k), label=f"skill {k}")
            ax.set_title(f"{name}, p1 = {p1}")
            ax.set_xlabel("step")
            ax.set_ylim(-0.05, 1.1)
        axes[row, 0].set_ylabel("skill level")
        axes[row, 0].legend()
        ax = axes[row, 3]
        ratio_p = p1s / (1 - p1s)
        ax.loglog(ratio_p, results[name], "o-", label=name)
        ax.loglog(ratio_p, ratio_p, "k:", label="p1/p2")
        ax.axhline(2.0, color="grey", ls="--", label="2")
        ax.set_xlabel("p1/p2")
        ax.set_ylabel("t2/t1")
        ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "fig4_two_skills.png", dpi=100)

    checks = {
        "signgd_saturates_near_2": 1.5 < ratios_paper_points["signgd"][1] < 2.3,
        "sgd_ratio_tracks_p1_over_p2": all(abs(r / q - 1) < 0.2 for r, q in zip(ratios_paper_points["sgd"], (9, 19))),
        "adam_between": all(ratios_paper_points["signgd"][i] < ratios_paper_points["adam"][i]
                            < ratios_paper_points["sgd"][i] for i in (0, 1)),
    }
    numbers = {"p1": p1s.tolist(), "t2_over_t1": {k: v.tolist() for k, v in results.items()},
               "at_9_and_19": ratios_paper_points, "paper": PAPER, "seeds": seeds, "checks": checks}
    (args.out / "fig4_two_skills.json").write_text(json.dumps(numbers, indent=1))
    for claim, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {claim}")
    print(f"wrote {args.out}/fig4_two_skills.png and .json")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
