"""Fig2 (bottom): the Domino effect in a real MLP on two sparse parities.

Task 1 = x1⊕x2 is seen by every sample, task 2 = x3⊕x4 by a fraction p2
(arXiv:2501.12391, Fig. 2). A [32, 50, 2] ReLU MLP is
trained with Adam (lr 1e-3, full batch, MSE on 0/1 targets) for p2 in {1, 0.5, 0.2, 0.1, 0.05}, several seeds
each (vmapped). Claim: the rare task finishes later, but far less than p1/p2 times later (≈2× at p2 = 0.1).

t1, t2: the step at which task 1 / task 2 reaches 99% accuracy (median over seeds).

    python examples/fig2_domino_parity.py [--out DIR] [--quick] [--seeds K]
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from _common import Example, over_seeds, seed_tolerance

import skillode as sk
from skillode.networks import MLP, domino_parity, train
from skillode.plotting import legend_outside, new_axes, skill_colors

CLAIM = "arXiv:2501.12391, Fig. 2 (bottom)"
PAPER_T2 = {1.0: 230, 0.5: 270, 0.2: 330, 0.1: 400, 0.05: 520}  # read from plot, task 1 ≈ 200 each time
P2S = (1.0, 0.5, 0.2, 0.1, 0.05)


def stats(x) -> dict:
    x = np.asarray(x, dtype=float)
    q1, med, q3 = np.nanpercentile(x, [25, 50, 75]) if np.isfinite(x).any() else (np.nan,) * 3
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "n_learned": int(np.isfinite(x).sum()),
            "per_seed": x}


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(3, 16), quick_help="~30 s version: fewer rows, seeds and p2 values")
    args = ex.parse(argv)
    n_samples, seeds, steps = (2000 if args.quick else 10_000), args.seeds, 1000
    p2s = (1.0, 0.1, 0.05) if args.quick else P2S

    model = partial(MLP, (32, 50, 2), "relu", dtype=jnp.float32)
    opt = sk.make_optimizer("adam", 1e-3)
    results, curves = {}, {}
    for p2 in p2s:
        task = domino_parity(key=jax.random.key(4), p2=p2, n_samples=n_samples, dtype=jnp.float32)
        ds = train(model, task, opt, steps=steps, seed=seeds, log_every=10, progress=False)
        # "done" = 99% accuracy (the paper reads the step where accuracy reaches ~100%); 0.9 skill level = 95%
        done = sk.learning_times(ds, sk.Threshold(0.99, on="accuracy"))
        t90 = sk.learning_times(ds, 0.9)
        results[p2] = {
            "t1_done": stats(done.sel(skill=1)),
            "t2_done": stats(done.sel(skill=2)),
            "t2_over_t1_done": stats(done.sel(skill=2) / done.sel(skill=1)),
            "t1_s90": stats(t90.sel(skill=1)),
            "t2_s90": stats(t90.sel(skill=2)),
        }
        curves[p2] = ds.accuracy.median("seed")

    print(f"Fig2 bottom: [32,50,2] ReLU MLP, Adam 1e-3, {n_samples} rows, {len(seeds)} seeds, {steps} steps")
    print("step at which accuracy reaches 99%: median [IQR] over seeds")
    print(f"{'p2':>5} | {'task 1':>18} | {'task 2':>18} | {'paper t2':>8} | {'t2/t1':>17} | 1/p2 | learned")
    for p2, r in results.items():
        a, b, c = r["t1_done"], r["t2_done"], r["t2_over_t1_done"]
        print(
            f"{p2:5.2f} | {a['median']:6.0f} [{a['q1']:4.0f},{a['q3']:4.0f}] | {b['median']:6.0f} "
            f"[{b['q1']:4.0f},{b['q3']:4.0f}] | {PAPER_T2[p2]:8d} | {c['median']:5.2f} [{c['q1']:.2f},{c['q3']:.2f}]"
            f" | {1 / p2:4.0f} | {b['n_learned']}/{len(seeds)}"
        )
    print("paper: task 1 done at ≈200 steps for every p2")

    fig, axes = new_axes(2, 1, size=(4.6, 3.6))
    axes = axes.ravel()
    colors = skill_colors(len(p2s))
    for c, (p2, acc) in zip(colors, curves.items()):
        axes[0].plot(acc.t, acc.sel(skill=1), color=c, ls="--", lw=1)
        axes[0].plot(acc.t, acc.sel(skill=2), color=c, label=f"p2 = {p2}")
    axes[0].set(xlabel="time t [steps]", ylabel="accuracy (median over seeds)", title="task 1 dashed, task 2 solid")
    legend_outside(axes[0])
    med = [results[p]["t2_done"]["median"] for p in p2s]
    err = [[med[i] - results[p]["t2_done"]["q1"] for i, p in enumerate(p2s)],
           [results[p]["t2_done"]["q3"] - med[i] for i, p in enumerate(p2s)]]
    axes[1].errorbar(p2s, med, yerr=err, fmt="o-", color=colors[0], label="task 2, skillode (median, IQR)")
    axes[1].plot(P2S, [PAPER_T2[p] for p in P2S], "k^--", label="task 2, paper (read from plot)")
    t1 = np.nanmedian([results[p]["t1_done"]["median"] for p in p2s])
    axes[1].plot(P2S, [t1 / p for p in P2S], ":", color="gray", label="t1 / p2 (independent learning)")
    axes[1].set(xscale="log", yscale="log", xlabel="frequency p2 of task 2", ylabel="step reaching 99% accuracy",
                ylim=(50, 5000), title="when task 2 is learned")
    legend_outside(axes[1])
    ex.save_figure(fig)

    r01, r1, r005 = results[0.1], results[1.0], results[0.05]
    learned = min(r["t2_done"]["n_learned"] for r in results.values())
    ex.check("fig2.task2_learned", "every run learns task 2 at every p2 (fewest seeds that learned it, as a "
             "fraction)", claim=CLAIM, kind="paper", paper=1.0, value=learned / len(seeds),
             detail=f"{learned}/{len(seeds)} seeds", tolerance=0,
             tolerance_reason="the paper's run learns task 2 at every p2: every seed must")
    read = 0.05  # the figure's log axis can be read to about ±5% (two such readings in a ratio: ±10%)
    t2_01 = over_seeds(results[0.1]["t2_done"]["per_seed"])
    ex.check("fig2.rare_later", "p2 = 0.1: the rare task is done (99% accuracy) at ≈400 steps, the frequent one at "
             "≈200 (t2)", claim=CLAIM, kind="paper", paper=PAPER_T2[0.1], **t2_01,
             detail=f"t1 = {r01['t1_done']['median']:.0f}", tolerance=seed_tolerance(t2_01, read * PAPER_T2[0.1]),
             tolerance_reason="seed spread (min–max over seeds; the paper shows one run) plus ±5% reading of the "
             "figure's log axis")
    ratio = over_seeds(r01["t2_over_t1_done"]["per_seed"])
    ex.check("fig2.ratio_p2_0.1", "p2 = 0.1: t2/t1 ≈ 2, far below 1/p2 = 10 (the Domino effect)", claim=CLAIM,
             kind="paper", paper=PAPER_T2[0.1] / 200, **ratio, tolerance=seed_tolerance(ratio, 2 * read * 2.0),
             tolerance_reason="seed spread (min–max over seeds; the paper shows one run) plus ±10% reading of a "
             "ratio of two values read off the figure's log axis")
    per_seed = np.asarray(r005["t2_done"]["per_seed"]) / np.asarray(r1["t2_done"]["per_seed"])
    grow = over_seeds(per_seed)
    paper_grow = PAPER_T2[0.05] / PAPER_T2[1.0]
    ok = np.isfinite(per_seed)
    rank = f"{np.mean(per_seed[ok] < paper_grow):.0%}" if ok.any() else "—"
    desc = "t2 grows as p2 falls, far less than 1/p2 = 20: t2(0.05) / t2(1)"
    why = ("seed spread (min–max over seeds: the paper shows one run, and t2(0.05) / t2(1) varies from seed to seed by "
           "a factor of about 2) plus ±10% reading of a ratio of two values read off the figure's log axis")
    if len(seeds) < 8:  # the spread of a ratio that varies by a factor of 2 needs more than a handful of seeds
        ex.not_run("fig2.t2_growth", desc, claim=CLAIM, kind="paper", paper=paper_grow, tolerance_reason=why,
                   reason=f"{len(seeds)} seeds cannot measure the seed spread this row is judged by (16 seeds: "
                   f"1.96–3.83); the default mode's 16 seeds decide it (this run: {grow['value']:.2f})")
    else:
        ex.check("fig2.t2_growth", desc, claim=CLAIM, kind="paper", paper=paper_grow, **grow,
                 tolerance=seed_tolerance(grow, 2 * read * paper_grow),
                 detail=f"{rank} of the {int(ok.sum())} seeds lie below the paper's one run", tolerance_reason=why)

    return ex.finish({str(k): v for k, v in results.items()})


if __name__ == "__main__":
    raise SystemExit(main())
