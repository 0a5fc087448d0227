"""PAPER Fig13: grokking on modular addition — SignGD (AdamW with b1 = b2 = 0) against Adam, with and without wd.

(a + b) mod 59 on all 3481 pairs, 80% (2784) for training, a trainable N(0,1) embedding (59 × 128) and a SiLU MLP
[256, 100, 100, 59], cross-entropy, full batch, AdamW lr 0.01 (PAPER §8.3). Configurations: betas (0, 0) ("SignGD")
or (0.9, 0.999) (Adam), weight decay 0 or 0.03, several seeds each (seed = model init; the split is seed 0's).
Float32 and fewer steps than the paper's 10,001 so that it runs on a CPU in minutes; times not reached within the
run are reported as "—".

    python examples/fig13_grokking.py [--out DIR] [--quick] [--steps N] [--seeds K]
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

import skillode as sk
from skillode.networks import EmbeddingMLP, ModularAddition, train

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# PAPER §7 Fig13 (one seed, 200-step resolution): test accuracy > 0.5 / 0.9 / 0.99, final test accuracy
PAPER = {
    ("signgd", 0.0): "200 / 600 / never, final 0.915",
    ("signgd", 0.03): "200 / 400 / 1600, final 1.00",
    ("adam", 0.0): "never, final 0.034",
    ("adam", 0.03): "2200 / 3000 / 3600, final 1.00",
}
BETAS = {"signgd": (0.0, 0.0), "adam": (0.9, 0.999)}
LEVELS = (0.5, 0.9, 0.99)


def fmt(stats):
    return "—" if stats["n"] == 0 else f"{stats['median']:.0f} ({stats['n']}/{stats['runs']})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/fig13_grokking"))
    parser.add_argument("--quick", action="store_true", help="~30-60 s version: wd = 0.03 only, 2 seeds, 600 steps")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 2000; paper 10001)")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 3)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    steps = args.steps or (600 if args.quick else 2000)
    seeds = list(range(args.seeds or (2 if args.quick else 3)))
    configs = [(o, wd) for wd in ((0.03,) if args.quick else (0.0, 0.03)) for o in ("signgd", "adam")]
    task = ModularAddition(key=jax.random.key(0), modulus=59, train_fraction=0.8)
    net = partial(EmbeddingMLP, 59, 128, (100, 100), "silu", dtype=jnp.float32)

    results, curves = {}, {}
    for name, wd in configs:
        b1, b2 = BETAS[name]
        opt = sk.make_optimizer("adamw", 0.01, b1=b1, b2=b2, weight_decay=wd)
        ds = train(net, task, opt, steps=steps, seed=seeds, log_every=20, progress=False)
        acc = ds.accuracy
        r = {"final_test_acc_median": float(acc.sel(skill=2).isel(t=-1).median()),
             "final_train_acc_median": float(acc.sel(skill=1).isel(t=-1).median())}
        for level in LEVELS:
            t = sk.learning_times(ds, level, on="accuracy").sel(skill=2).values
            ok = np.isfinite(t)
            r[f"test_{level}"] = {"median": float(np.median(t[ok])) if ok.any() else float("nan"),
                                  "n": int(ok.sum()), "runs": len(seeds)}
        t_train = sk.learning_times(ds, 0.99, on="accuracy").sel(skill=1).values
        r["train_0.99_median"] = float(np.nanmedian(t_train)) if np.isfinite(t_train).any() else float("nan")
        results[f"{name}, wd {wd}"] = r
        curves[(name, wd)] = acc.median("seed")

    print(f"Fig13: modular addition mod 59, AdamW lr 0.01, {len(seeds)} seeds, {steps} steps (paper: 10001, 1 seed)")
    print("step at which test accuracy first exceeds 0.5 / 0.9 / 0.99: median over the runs that got there (k/n)")
    for (name, wd), (key, r) in zip(configs, results.items()):
        levels = " / ".join(fmt(r[f"test_{lv}"]) for lv in LEVELS)
        print(f"{key:>16}: train 99% at {r['train_0.99_median']:5.0f} | test {levels} | final test acc "
              f"{r['final_test_acc_median']:.3f}   paper: {PAPER[(name, wd)]}")

    fig, axes = plt.subplots(1, len(configs) // 2, figsize=(5 * len(configs) // 2, 3.8), squeeze=False)
    for (name, wd), acc in curves.items():
        ax = axes[0, 0 if wd == configs[0][1] else 1]
        c = "C0" if name == "signgd" else "C3"
        ax.plot(acc.t, acc.sel(skill=1), color=c, ls="--", lw=1, label=f"{name} train")
        ax.plot(acc.t, acc.sel(skill=2), color=c, label=f"{name} test")
        ax.set(title=f"weight decay {wd}", xlabel="step", ylabel="accuracy (median over seeds)", xscale="log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "fig13_grokking.png", dpi=120)
    (args.out / "fig13_grokking.json").write_text(json.dumps({"steps": steps, "seeds": len(seeds), **results},
                                                             indent=1))

    sg, ad = results["signgd, wd 0.03"], results["adam, wd 0.03"]
    level = 0.5 if args.quick else 0.9  # the quick run is too short for 90%
    t_sg = sg[f"test_{level}"]["median"] if sg[f"test_{level}"]["n"] > len(seeds) / 2 else np.inf
    t_ad = ad[f"test_{level}"]["median"] if ad[f"test_{level}"]["n"] > len(seeds) / 2 else np.inf
    checks = {
        "both fit the training set (train acc > 0.99)": min(sg["final_train_acc_median"],
                                                            ad["final_train_acc_median"]) > 0.99,
        f"wd 0.03: SignGD reaches {level:.0%} test accuracy well before Adam (< 1/2 the steps)": t_sg < 0.5 * t_ad,
    }
    if not args.quick:
        checks["wd 0: SignGD generalises better than Adam"] = (
            results["signgd, wd 0.0"]["final_test_acc_median"] > results["adam, wd 0.0"]["final_test_acc_median"])
    for name, ok in checks.items():
        print(f"[{'ok' if ok else 'FAIL'}] {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
