"""PAPER Fig19: modularity in a real MLP — the rare task is learned in parallel only by the modular net.

Two x² regressions (PAPER §8.4): 990 task-1 rows (target x1²) and 10 task-2 rows (p2 = 0.01, target x2²). A SiLU
MLP [2, 100, 100, 2] against the same shapes with block-diagonal masks (two towers 1 → 50 → 50 → 1), Adam 5e-4,
full batch, 1000 steps, many seeds vmapped (each seed draws its own data and initialisation). t_i = first step at
which task i's MSE over its own rows is below 1e-3 (1000 = not reached, as in the paper).

    python examples/fig19_modularity.py [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path

import jax.numpy as jnp
import matplotlib
import numpy as np

import skillode as sk
from skillode.networks import MLP, BlockDiagonalMLP, TwoTaskRegression, train

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PAPER = {"non-modular": {"t1_median": 155, "t2_median": 456.5, "ratio_median": 2.95, "frac_t2_gt_2t1": 0.98},
         "modular": "t1 ≈ 200–400, t2 ≈ 200–680, clustered around t2 ≈ t1"}
STEPS = 1000


def run(make_model, seeds, log_every, dtype):
    task = partial(TwoTaskRegression, n_samples=1000, p2=0.01, dtype=dtype)
    ds = train(make_model, task, sk.make_optimizer("adam", 5e-4), steps=STEPS, seed=seeds, log_every=log_every,
               progress=False)
    t = sk.learning_times(ds, 1e-3, on="loss").fillna(STEPS)  # the paper counts "never" as 1000
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/fig19_modularity"))
    parser.add_argument("--quick", action="store_true", help="~30 s version: 8 seeds instead of 100")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = list(range(8)) if args.quick else list(range(100))
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

    fig, ax = plt.subplots(figsize=(4.8, 4.5))
    for (name, (t1, t2)), c in zip(times.items(), ("C3", "C0")):
        ax.scatter(t1, t2, s=12, color=c, alpha=0.7, label=name)
    ax.plot([0, STEPS], [0, STEPS], "k-", lw=0.8, label="t2 = t1")
    ax.plot([0, STEPS / 2], [0, STEPS], "k--", lw=0.8, label="t2 = 2 t1")
    ax.set(xlim=(0, 600), ylim=(0, STEPS * 1.02), xlabel="t1 (frequent task)", ylabel="t2 (rare task, p2 = 0.01)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "fig19_modularity.png", dpi=120)
    (args.out / "fig19_modularity.json").write_text(json.dumps({"seeds": len(seeds), **results}, indent=1))

    nm, mo = results["non-modular"], results["modular"]
    checks = {
        "non-modular: rare task learned much later (median t2/t1 > 2)": nm["ratio_median"] > 2,
        "non-modular: most runs have t2 > 2 t1 (> 75%)": nm["frac_t2_gt_2t1"] > 0.75,
        "modular: t2 ≈ t1 (median t2/t1 in [0.5, 1.6])": 0.5 <= mo["ratio_median"] <= 1.6,
        "modular learns the rare task sooner than non-modular": mo["t2_median"] < nm["t2_median"],
    }
    for name, ok in checks.items():
        print(f"[{'ok' if ok else 'FAIL'}] {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
