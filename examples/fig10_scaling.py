"""Fig10 (CPU-sized): neural scaling laws from the Geometry model, SignGD and Adam.

The paper (PAPER §7 Fig10): n = 1000 skills with Zipf(alpha) frequencies, random-unit task vectors, CE, B = 1024,
lr = 0.01, N = 20..1000 (50 values), alpha in {0.5, 1.0, …, 2.0}, 4 seeds, 1e5 steps. alpha_N is the two-point
log-log slope of the median final loss between N = 40 and 220; alpha_S the two-point slope of the loss between
steps 80 and 200 at N = 100 (seed 0).

Here, on CPU: fewer N values inside the fitting window, fewer alphas, 2 seeds and a few thousand steps (the loss
has plateaued by then for SignGD; Adam is still creeping down, which biases its alpha_N slightly). Exponents are
printed with the least-squares slope and its bootstrap CI next to alpha - 1, (alpha - 1)/alpha, Chinchilla
0.34/0.28 and the paper's measured table. The full grid is `bench/geometry_sweep.py --fig10` (GPU).

Run: python examples/fig10_scaling.py [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skillode import zipf  # noqa: E402
from skillode.geometry import GeometryModel, simulate_many, task_vectors  # noqa: E402
from skillode.scaling import final_loss, reference_exponents, scaling_exponent, two_point_exponent  # noqa: E402

N_SKILLS, B, LR = 1000, 1024, 0.01
ALL_ALPHAS = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
# PAPER §6.2, read from the Fig10 plots.
PAPER = {
    "signgd": {"alpha_N": (0.35, 0.48, 0.63, 0.79, 0.95, 0.97), "alpha_S": (0.18, 0.30, 0.45, 0.62, 0.81, 1.03)},
    "adam": {"alpha_N": (0.35, 0.48, 0.63, 0.79, 0.96, 1.13), "alpha_S": (0.17, 0.24, 0.34, 0.46, 0.58, 0.71)},
}


def run(opt, N, alphas, seeds, steps, record_every):
    T = task_vectors(jax.random.key(N), N_SKILLS, N, "random_unit")
    models = [GeometryModel(p=zipf(N_SKILLS, a), T=T, loss="ce", batch_size=B) for a in alphas]
    return simulate_many(models, opt, steps, learning_rate=LR, seeds=seeds, sweep={"alpha": list(alphas)},
                         record_every=record_every, record_aligned=False, dtype=jnp.float32)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("outputs/fig10_scaling"))
    ap.add_argument("--quick", action="store_true", help="3 alphas, 3 sizes, 1 seed, 1500 steps")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        alphas, Ns, seeds, steps = (1.0, 1.4, 2.0), (40, 100, 220), [0], 1500
    else:
        alphas, Ns, seeds, steps = ALL_ALPHAS, (20, 40, 70, 100, 150, 220, 300), [0, 1], 3000
    idx = [ALL_ALPHAS.index(a) for a in alphas]
    out, checks = {}, {}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for oi, opt in enumerate(("signgd", "adam")):
        losses = np.stack([final_loss(run(opt, N, alphas, seeds, steps, steps // 10)).values for N in Ns], axis=1)
        s_ds = run(opt, 100, alphas, [0], 1000, 10).isel(seed=0)
        res = {"alpha_N": [], "alpha_N_lsq": [], "alpha_N_ci": [], "alpha_S": []}
        for ai, a in enumerate(alphas):
            est = scaling_exponent(np.array(Ns, float), losses[ai], (40, 220), n_boot=500, seed=0)
            res["alpha_N"].append(est.two_point)
            res["alpha_N_lsq"].append(est.lsq)
            res["alpha_N_ci"].append(est.ci)
            t = s_ds.t.values[1:]
            res["alpha_S"].append(two_point_exponent(t, s_ds.loss.values[ai, 1:], 80, 200))
            axes[0].loglog(Ns, losses[ai], "o-" if opt == "signgd" else "s--", color=plt.cm.viridis(ai / len(alphas)),
                           label=f"{opt} alpha={a}")
            axes[1].loglog(t, s_ds.loss.values[ai, 1:], "-" if opt == "signgd" else "--",
                           color=plt.cm.viridis(ai / len(alphas)))
        out[opt] = {"alphas": list(alphas), "N": list(Ns), "final_loss": losses.tolist(), **res}
        print(f"\n{opt}: exponents (two-point as in the paper; least squares with 95% bootstrap CI)")
        print("  alpha | alpha_N  lsq [CI]            paper | alpha_S  paper | alpha-1  (alpha-1)/alpha")
        for k, a in enumerate(alphas):
            ref = reference_exponents(a)
            print(f"  {a:5.1f} | {res['alpha_N'][k]:6.3f}  {res['alpha_N_lsq'][k]:5.3f} "
                  f"[{res['alpha_N_ci'][k][0]:5.3f},{res['alpha_N_ci'][k][1]:5.3f}]  "
                  f"{PAPER[opt]['alpha_N'][idx[k]]:5.2f} | "
                  f"{res['alpha_S'][k]:6.3f}  {PAPER[opt]['alpha_S'][idx[k]]:5.2f} | {ref['quanta_N']:6.2f}  "
                  f"{ref['quanta_S']:6.2f}")
        axes[2].plot(alphas, res["alpha_N"], "o-" if opt == "signgd" else "s--", label=f"{opt} alpha_N")
        axes[2].plot(alphas, res["alpha_S"], "^-" if opt == "signgd" else "v--", label=f"{opt} alpha_S")
        a0 = alphas.index(1.0)
        checks[f"{opt}: alpha_N at alpha=1 is Chinchilla-like (0.25-0.45; paper 0.35)"] = (
            0.25 < res["alpha_N"][a0] < 0.45)
        checks[f"{opt}: alpha_N grows with alpha"] = bool(np.all(np.diff(res["alpha_N"]) > 0))
    print("\nChinchilla: alpha_N = 0.34, alpha_S = 0.28")
    big = [k for k, a in enumerate(alphas) if a >= 1.4]
    checks["alpha_S: SignGD > Adam for alpha >= 1.4"] = all(
        out["signgd"]["alpha_S"][k] > out["adam"]["alpha_S"][k] for k in big)
    checks["alpha_S: SignGD within 0.25 of the Domino alpha - 1 for alpha >= 1.4"] = all(
        abs(out["signgd"]["alpha_S"][k] - (alphas[k] - 1)) < 0.25 for k in big)
    a_grid = np.linspace(1.0, 2.0, 11)
    axes[2].plot(a_grid, a_grid - 1, "k:", label="alpha-1")
    axes[2].plot(a_grid, (a_grid - 1) / a_grid, "k-.", label="(alpha-1)/alpha")
    axes[2].axhline(0.34, color="grey", lw=0.8)
    axes[2].axhline(0.28, color="grey", lw=0.8, ls="--")
    axes[0].set_xlabel("N")
    axes[0].set_ylabel("final loss (median over seeds)")
    axes[1].set_xlabel("step (N = 100)")
    axes[2].set_xlabel("Zipf alpha")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out / "fig10_scaling.png", dpi=100)
    out["checks"] = checks
    out["setup"] = {"steps": steps, "seeds": seeds, "n_skills": N_SKILLS, "batch": B, "lr": LR}
    (args.out / "fig10_scaling.json").write_text(json.dumps(out, indent=1))
    for claim, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {claim}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
