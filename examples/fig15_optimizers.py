"""Fig15: Adam vs Lion vs AdEMAMix in the Geometry model, with and without gradient noise.

Setup (arXiv:2501.12391, Fig. 15): N = 10 parameters,
n in {10, 40}, Zipf(2), Gaussian/sqrt(N) task vectors, CE, B = 128, lr = 0.01,
15,000 steps, noise sigma in {0, 0.2, 1.0}; Adam (0.9, 0.95), AdEMAMix (0.9, 0.999, 0.9999, alpha = 2), Lion
(0.9, 0.99). Late loss = mean over the last 30 records; "jitter" = std over those records of each skill level,
averaged over skills.

Runs: every (task-vector draw, seed) pair is one run; the paper's figure is one such run. The draws matter: which
optimizer ends lowest at sigma = 1 depends on the task vectors, so the default mode draws DRAWS task-vector sets
(key 7 folded with the draw index) and trains each with every seed; medians are over all runs. The quick mode
has one draw and one seed.

Claims checked (the paper's plots): n = 10, sigma = 0: Lion reaches the lowest loss, then Adam, then AdEMAMix;
with noise, Lion's skills oscillate most; n = 40, sigma = 0: all three plateau at about the same loss; n = 10,
sigma = 1: AdEMAMix reaches the lowest loss (default mode: the share of runs in which it does, and the order of
the median losses; not in the quick mode, whose 5,000 steps are too few: Lion still leads there).

Symbols: n skills, sigma gradient noise, B batch size, lr learning rate, loss L (median over runs).

    python examples/fig15_optimizers.py [--out DIR] [--quick] [--seeds K] [--draws D]
"""

from __future__ import annotations

import jax
import numpy as np
from _common import Example, out_of_order

from skillode import zipf
from skillode.geometry import GeometryModel, simulate_many, task_vectors
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, skill_colors

N, B, LR = 10, 128, 0.01
SIGMAS = [0.0, 0.2, 1.0]
OPTS = {"adam": {"b2": 0.95}, "lion": {}, "ademamix": {}}
CLAIM = "arXiv:2501.12391, Fig. 15"
DRAWS = 10  # task-vector draws in the default mode (x 3 seeds = 30 runs per optimizer)


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(1, 3), seed_start=7, quick_help="5000 steps, one draw, one seed")
    ex.parser.add_argument("--draws", type=int, default=None,
                           help=f"task-vector draws (default 1 with --quick, {DRAWS} without)")
    args = ex.parse(argv)
    steps, seeds = (5000 if args.quick else 15000), args.seeds
    draws = args.draws if args.draws is not None else (1 if args.quick else DRAWS)
    if draws < 1:
        ex.parser.error(f"--draws must be >= 1, got {draws}")
    late, jitter, curves, runs = {}, {}, {}, {}
    for n in (10, 40):
        Ts = [task_vectors(jax.random.fold_in(jax.random.key(7), d), n, N, "gaussian") for d in range(draws)]
        models = [GeometryModel(p=zipf(n, 2.0), T=T, loss_kind="ce", batch_size=B, noise=s) for T in Ts
                  for s in SIGMAS]
        for opt, kw in OPTS.items():
            ds = simulate_many(models, opt, steps, learning_rate=LR, optimizer_kwargs=kw, seeds=seeds,
                               sweep={"draw": list(range(draws)), "sigma": SIGMAS}, record_every=50,
                               record_aligned=False)
            tail = ds.isel(t=slice(-30, None))
            per_run = tail.loss.mean("t").stack(run=("draw", "seed")).transpose("sigma", "run")
            runs[(n, opt)] = per_run.values  # (sigma, run)
            late[(n, opt)] = per_run.median("run").values
            jitter[(n, opt)] = tail.skill_level.std("t").mean("skill").stack(run=("draw", "seed")).median("run").values
            curves[(n, opt)] = ds.loss.stack(run=("draw", "seed")).median("run")
            print(f"  n = {n:2d} {opt:8s}: log10 late loss at sigma {SIGMAS} = "
                  f"{np.round(np.log10(late[(n, opt)]), 2).tolist()}   "
                  f"jitter = {np.round(jitter[(n, opt)], 3).tolist()}", flush=True)
    L = lambda n, o, s: late[(n, o)][SIGMAS.index(s)]  # noqa: E731
    # n = 10, sigma = 1: in how many runs (draw, seed) AdEMAMix ends lowest of the three
    at1 = np.stack([runs[(10, o)][SIGMAS.index(1.0)] for o in OPTS])  # (optimizer, run)
    lowest = np.bincount(np.argmin(at1, axis=0), minlength=len(OPTS))
    share = {o: int(k) for o, k in zip(OPTS, lowest)}
    n_runs = at1.shape[1]
    print(f"  n = 10, sigma = 1.0: lowest late loss in {n_runs} runs ({draws} draws x {len(seeds)} seeds): "
          + ", ".join(f"{o} {k}" for o, k in share.items()) + "; median late loss: "
          + ", ".join(f"{o} {L(10, o, 1.0):.4f}" for o in OPTS))
    fig, axes = new_axes(3, 2, size=(3.4, 2.6))
    colors = dict(zip(OPTS, skill_colors(len(OPTS))))
    for i, n in enumerate((10, 40)):
        for j, s in enumerate(SIGMAS):
            for opt in OPTS:
                c = curves[(n, opt)].sel(sigma=s)
                axes[i, j].semilogy(c.t, c, color=colors[opt], label=opt)
            axes[i, j].set(title=f"n = {n}, σ = {s}", xlabel="time t [steps]", ylabel="loss L (median over runs)")
            plain_log_ticks(axes[i, j], "y")
    legend_outside(axes[0, 2], title="optimizer")
    fig.suptitle("Geometry model: n skills, σ = gradient-noise scale", fontsize="small")
    ex.save_figure(fig)

    order = [L(10, o, 0.0) for o in ("lion", "adam", "ademamix")]
    ex.check("fig15.n10_order", "n = 10, sigma = 0: late loss Lion < Adam < AdEMAMix (pairs out of order)",
             claim=CLAIM, kind="paper", paper=0, value=out_of_order(order),
             detail=f"{steps} steps: " + " < ".join(f"{v:.1e}" for v in order) + "; the paper (15,000 steps): "
             "~1e-8 < ~1e-6 < ~1e-4", tolerance=0, tolerance_reason="an ordering: exact")
    jit = {o: float(jitter[(10, o)][1]) for o in OPTS}
    ex.check("fig15.lion_jitters", "n = 10, sigma = 0.2: Lion's skill levels oscillate most (jitter: std over the last "
             "30 records; optimizers at or above Lion's)", claim=CLAIM, kind="paper", paper=0,
             value=float(sum(v >= jit["lion"] for o, v in jit.items() if o != "lion")),
             detail=", ".join(f"{o} {v:.3f}" for o, v in jit.items()), tolerance=0,
             tolerance_reason="an ordering: exact")
    plateau = [L(40, o, 0.0) for o in OPTS]
    rel = float(np.ptp(plateau) / np.mean(plateau))
    desc = "n = 40, sigma = 0: all three plateau at about the same loss (relative range)"
    why = ("precision the paper's log-scale figure can be read to: ±5% on each curve, so a relative range up to 0.1")
    if steps < 15000:  # AdEMAMix's slow average (b3 = 0.9999) remembers ~1e4 steps: it has not settled by 5,000
        ex.not_run("fig15.n40_plateau", desc, claim=CLAIM, kind="paper", paper=0, tolerance=0.1, tolerance_reason=why,
                   reason=f"needs the default mode's 15,000 steps: AdEMAMix's slow momentum (b3 = 0.9999, a memory "
                   f"of ~1e4 steps) has not settled by {steps} (relative range here {rel:.3f}: AdEMAMix above)")
    else:
        ex.check("fig15.n40_plateau", desc, claim=CLAIM, kind="paper", paper=0, value=rel, tolerance=0.1,
                 tolerance_reason=why)

    desc1 = ("n = 10, sigma = 1: AdEMAMix reaches the lowest late loss (share of the runs, one per task-vector draw "
             "and seed, in which it does)")
    desc2 = "n = 10, sigma = 1: median late loss over the runs AdEMAMix < Adam and AdEMAMix < Lion (pairs out of order)"
    if steps < 15000 or n_runs < 10:
        why = (f"needs the default mode (15,000 steps, {DRAWS} draws x 3 seeds): this run has {steps} steps and "
               f"{n_runs} run(s); at 5,000 steps Lion still ends lowest in most runs")
        ex.not_run("fig15.ademamix_lowest_share", desc1, claim=CLAIM, kind="paper", paper=1.0, reason=why)
        ex.not_run("fig15.ademamix_lowest_median", desc2, claim=CLAIM, kind="paper", paper=0, reason=why)
    else:
        ex.check("fig15.ademamix_lowest_share", desc1, claim=CLAIM, kind="paper", paper=1.0,
                 value=share["ademamix"] / n_runs,
                 detail=f"lowest in {n_runs} runs: " + ", ".join(f"{o} {k}" for o, k in share.items()),
                 tolerance=0.5, tolerance_reason="the paper shows one run (one draw, one seed), in which AdEMAMix is "
                 "lowest; the claim holds for a typical run if AdEMAMix is lowest in at least half of the runs. Set "
                 "after an exploratory measurement (lowest in 74 of 100 runs: 20 draws x 5 seeds), said here")
        ex.check("fig15.ademamix_lowest_median", desc2, claim=CLAIM, kind="paper", paper=0,
                 value=float(sum(L(10, "ademamix", 1.0) >= L(10, o, 1.0) for o in ("adam", "lion"))),
                 detail=", ".join(f"{o} {L(10, o, 1.0):.4f}" for o in OPTS), tolerance=0,
                 tolerance_reason="an ordering: exact")

    numbers = {f"n{n}_{o}": {"late_loss": late[(n, o)], "jitter": jitter[(n, o)], "late_loss_per_run": runs[(n, o)]}
               for n, o in late}
    return ex.finish({"sigmas": SIGMAS, "runs": numbers, "lowest_at_sigma_1": share, "steps": steps,
                      "seeds": seeds, "draws": draws})


if __name__ == "__main__":
    raise SystemExit(main())
