"""Beyond the paper: does the Resource model predict when each of ~100 skills is learned by a wide MLP?

The quantization model's multitask sparse parity (Michaud et al. 2023): n_control one-hot control bits pick one of
n_control tasks, each a k-bit parity of its own subset of n_data data bits, with Zipf(alpha) task frequencies and
fresh samples every step. A ReLU MLP [n_control + n_data, width, 2] is trained with Adam and cross-entropy; every
skill's level (2·accuracy − 1 on 64 held-out samples per task) is logged. The Resource model's eta and N0 alone
are fitted to all skill curves (all seeds jointly, `skillode.fit.fit_resource`, p fixed to the Zipf law) and its
closed-form learning times t_i (`ResourceModel.learning_times`) are compared with the measured ones: Spearman rank
correlation and median relative error over the skills learned in at least half the seeds.

CPU-sized by default (2 seeds, 100 skills, width 1000, 10,000 steps of batch 1024); `--quick` is a small version.

    python examples/validation_at_scale.py [--out DIR] [--quick] [--steps N]
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

import skillode as sk
from skillode.networks import MLP, QuantizedSparseParity, train
from skillode.networks.compare import compare_learning_times, fit_to_network, rank_agreement
from skillode.resource import ResourceModel

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/validation_at_scale"))
    parser.add_argument("--quick", action="store_true", help="~30-60 s version: 20 skills, width 256")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 10000)")
    parser.add_argument("--skills", type=int, default=None, help="number of tasks n_control (default 100)")
    parser.add_argument("--width", type=int, default=None, help="hidden width (default 1000)")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 2)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = dict(n_control=20, n_data=12, k=3, alpha=1.0, width=256, batch=512, lr=3e-3, steps=3000, seeds=[0, 1])
    if not args.quick:
        cfg.update(n_control=100, n_data=16, width=1000, batch=1024, steps=10_000)
    for name, key in (("steps", "steps"), ("skills", "n_control"), ("width", "width")):
        if getattr(args, name):
            cfg[key] = getattr(args, name)
    if args.seeds:
        cfg["seeds"] = list(range(args.seeds))
    task = QuantizedSparseParity(n_control=cfg["n_control"], n_data=cfg["n_data"], k=cfg["k"], alpha=cfg["alpha"],
                                 key=jax.random.key(0), dtype=jnp.float32)
    net = partial(MLP, (cfg["n_control"] + cfg["n_data"], cfg["width"], 2), "relu", dtype=jnp.float32)
    start = time.perf_counter()
    ds = train(net, task, sk.make_optimizer("adam", cfg["lr"]), steps=cfg["steps"], seed=cfg["seeds"], log_every=50,
               batch_size=cfg["batch"], progress=not args.quick)
    train_s = time.perf_counter() - start

    p = task.p
    template = ResourceModel(p=p, eta=cfg["n_control"] / cfg["steps"], N0=0.01)
    fit = fit_to_network(ds, template, params=("eta", "N0"), starts=(1e-3, 1e-2, 1e-1), throw=False)
    table = compare_learning_times(ds, fit.model)
    agree = rank_agreement(table)
    learned = table["n_learned"].values
    print(f"quantization-model sparse parity: {cfg['n_control']} skills (Zipf alpha {cfg['alpha']}), "
          f"{cfg['n_data']} data bits, k = {cfg['k']}; MLP width {cfg['width']}; batch {cfg['batch']}; "
          f"{cfg['steps']} steps; {len(cfg['seeds'])} seeds; training took {train_s:.0f} s on this CPU")
    print(f"skills learned (skill level >= 0.9) in every seed: {int(np.sum(learned == len(cfg['seeds'])))}"
          f" / {cfg['n_control']}; in at least one: {int(np.sum(learned > 0))}")
    print(f"fitted Resource model: eta = {fit['eta']:.4g}, N0 = {fit['N0']:.4g}, R² = {fit.r2:.3f}, "
          f"rms = {fit.rms:.3f}, converged = {fit.converged}")
    print(f"closed-form t_i vs measured (median over seeds), {agree['n_skills']} skills: Spearman rho = "
          f"{agree['spearman']:.3f}, median |relative error| = {agree['median_abs_rel_error']:.1%}")
    show = [i for i in (0, 1, 2, 4, 9, 19, 29, 49, 69, 99, 149, 199) if i < cfg["n_control"]]
    print(f"{'skill':>5} | {'p_i':>7} | {'theory t_i':>10} | measured median")
    for i in show:
        print(f"{i + 1:5d} | {p[i]:7.4f} | {table['predicted'].values[i]:10.0f} | {table['median'].values[i]:8.0f}")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].loglog(table["predicted"], table["median"], "o", ms=3)
    lim = [np.nanmin(table["predicted"]) * 0.8, cfg["steps"] * 1.2]
    axes[0].plot(lim, lim, "k-", lw=0.8)
    axes[0].set(xlabel="Resource model t_i (fitted eta, N0)", ylabel="measured t_i (median over seeds)",
                title=f"Spearman {agree['spearman']:.2f}, {agree['n_skills']} skills")
    pred = fit.predict(ds.t.values)
    for i, c in zip(show[:6], plt.cm.viridis(np.linspace(0, 0.9, 6))):
        axes[1].plot(ds.t, ds.skill_level.isel(skill=i).median("seed"), color=c, label=f"skill {i + 1}")
        axes[1].plot(pred.t, pred.skill_level.isel(skill=i), color=c, ls="--")
    axes[1].set(xlabel="step", ylabel="skill level", title="network (solid) vs fitted theory (dashed)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out / "validation_at_scale.png", dpi=120)
    numbers = {"config": cfg, "train_seconds": train_s, "fit": fit.params | {"r2": fit.r2, "rms": fit.rms},
               **agree, "predicted": table["predicted"].values.tolist(), "measured": table["median"].values.tolist()}
    (args.out / "validation_at_scale.json").write_text(json.dumps(numbers, indent=1, default=float))

    checks = {
        "most skills learned (> half)": int(np.sum(learned * 2 >= len(cfg["seeds"]))) > cfg["n_control"] / 2,
        "theory ranks the learning times (Spearman > 0.5)": agree["spearman"] > 0.5,
    }
    for name, ok in checks.items():
        print(f"[{'ok' if ok else 'FAIL'}] {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
