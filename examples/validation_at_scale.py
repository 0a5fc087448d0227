"""Beyond the paper: does the Resource model predict when each of ~100 skills is learned by a wide MLP?

The quantization model's multitask sparse parity (Michaud et al. 2023): n_control one-hot control bits pick one of
n_control tasks, each a k-bit parity of its own subset of n_data data bits, with Zipf(alpha) task frequencies and
fresh samples every step. A ReLU MLP [n_control + n_data, width, 2] is trained with Adam and cross-entropy; every
skill's level (2·accuracy − 1 on 64 held-out samples per task) is logged. The Resource model's eta and N0 alone
are fitted to all skill curves (all seeds jointly, `skillode.fit.fit_resource`, p fixed to the Zipf law) and its
closed-form learning times t_i (`ResourceModel.learning_times`) are compared with the measured ones: Spearman rank
correlation and median relative error over the skills learned in at least half the seeds.

CPU-sized by default (2 seeds, 100 skills, width 1000, 10,000 steps of batch 1024); `--quick` is a small version.

Not a figure of the paper: a test of its Resource model (arXiv:2501.12391, Figs. 6-8) on a network it did not study.

    python examples/validation_at_scale.py [--out DIR] [--quick] [--steps N] [--seeds K]
"""

from __future__ import annotations

import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from _common import Example

import skillode as sk
from skillode.networks import MLP, QuantizedSparseParity, train
from skillode.networks.compare import compare_learning_times, fit_to_network, rank_agreement
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, skill_colors
from skillode.resource import ResourceModel

CLAIM = "beyond arXiv:2501.12391: its Resource model on a quantization-model network"

def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(2, 2), quick_help="~30-60 s version: 20 skills, width 256")
    parser = ex.parser
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 10000)")
    parser.add_argument("--skills", type=int, default=None, help="number of tasks n_control (default 100)")
    parser.add_argument("--width", type=int, default=None, help="hidden width (default 1000)")
    args = ex.parse(argv)
    cfg = dict(n_control=20, n_data=12, k=3, alpha=1.0, width=256, batch=512, lr=3e-3, steps=3000, seeds=args.seeds)
    if not args.quick:
        cfg.update(n_control=100, n_data=16, width=1000, batch=1024, steps=10_000)
    for name, key in (("steps", "steps"), ("skills", "n_control"), ("width", "width")):
        if getattr(args, name):
            cfg[key] = getattr(args, name)
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

    fig, axes = new_axes(2, 1, size=(4.4, 3.6))
    axes = axes.ravel()
    colors = skill_colors(6)
    axes[0].loglog(table["predicted"], table["median"], "o", ms=3, color=colors[0], label="one skill")
    lim = [np.nanmin(table["predicted"]) * 0.8, cfg["steps"] * 1.2]
    axes[0].plot(lim, lim, "k-", lw=0.8, label="measured = theory")
    axes[0].set(xlabel="Resource-model $t_i$ (fitted $\\eta$, $N_0$) [steps]",
                ylabel="measured $t_i$ (median over seeds) [steps]")
    axes[0].set_title(f"learning times: Spearman ρ = {agree['spearman']:.2f}, {agree['n_skills']} skills",
                      fontsize="medium")
    plain_log_ticks(axes[0])
    legend_outside(axes[0])
    pred = fit.predict(ds.t.values)
    for i, c in zip(show[:6], colors):
        axes[1].plot(ds.t, ds.skill_level.isel(skill=i).median("seed"), color=c, label=f"skill {i + 1}")
        axes[1].plot(pred.t, pred.skill_level.isel(skill=i), color=c, ls="--")
    axes[1].set(xlabel="time t [steps]", ylabel="skill level $s_i$")
    axes[1].set_title("network (solid, median) vs fitted theory (dashed)", fontsize="medium")
    legend_outside(axes[1])
    ex.save_figure(fig)

    n_learned = int(np.sum(learned * 2 >= len(cfg["seeds"])))
    ex.check("validation.skills_learned", "most skills learned in at least half the seeds", claim=CLAIM,
             value=f"{n_learned}/{cfg['n_control']}", tolerance="> half", passed=n_learned > cfg["n_control"] / 2)
    ex.check("validation.rank", "the fitted Resource model ranks the learning times (Spearman rho)", claim=CLAIM,
             value=agree["spearman"], tolerance="> 0.5", passed=agree["spearman"] > 0.5)
    return ex.finish({"config": cfg, "train_seconds": train_s, "fit": fit.params | {"r2": fit.r2, "rms": fit.rms},
                      **agree, "predicted": table["predicted"].values, "measured": table["median"].values})


if __name__ == "__main__":
    raise SystemExit(main())
