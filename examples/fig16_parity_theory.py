"""PAPER Fig16 (and Fig2-top, Case 2): sparse parity against the gated Resource model.

Compositional case: T1 = x3⊕x4, T2 = x1⊕x2 and T3 = T1⊕T2 = x1⊕x2⊕x3⊕x4, equal frequencies, [32, 50, 3] ReLU MLP,
Adam 1e-3, full batch of 8000 rows, 1000 steps (PAPER §8.1). Theory: the Resource model with T3 gated by
AND(T1, T2) (`skillode.paper.sparse_parity_compositional`). Independent case: T3 = x5⊕x6⊕x7⊕x8 instead, 3000 steps,
against the paper's frequency-switch theory (`skillode.paper.sparse_parity_independent`).

Both the paper's theory parameters and a fit of (eta, N0) to the measured curves (all seeds jointly, through
`skillode.fit.fit_resource`) are compared with the measured learning times (skill level = 2·accuracy − 1 ≥ 0.9).

    python examples/fig16_parity_theory.py [--out DIR] [--quick]
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
from skillode import paper
from skillode.networks import MLP, compositional_parity, independent_4bit_parity, train
from skillode.networks.compare import compare_learning_times, fit_to_network, format_comparison

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PAPER_COMPOSITIONAL = {1: "≈300 (theory re-sim 244)", 2: "≈300 (theory re-sim 244)", 3: "≈600 (theory re-sim 551)"}
PAPER_INDEPENDENT = {1: "", 2: "", 3: "≈2500 (theory with switch 2171)"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/fig16_parity_theory"))
    parser.add_argument("--quick", action="store_true", help="~30 s version: fewer rows and seeds")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    n_rows, seeds = (3000, [1, 2, 3]) if args.quick else (8000, list(range(1, 9)))
    indep_seeds = seeds[:2] if args.quick else seeds[:5]
    model = partial(MLP, (32, 50, 3), "relu", dtype=jnp.float32)
    opt = sk.make_optimizer("adam", 1e-3)
    numbers, checks = {}, {}

    # ---- compositional case
    task = compositional_parity(key=jax.random.key(1), n_samples=n_rows, dtype=jnp.float32)
    comp = train(model, task, opt, steps=1000, seed=seeds, log_every=10, progress=False)
    theory, _ = paper.sparse_parity_compositional()
    table = compare_learning_times(comp, theory)
    print(f"Compositional case: {n_rows} rows, seeds {seeds}; theory = paper's gated Resource model")
    print(format_comparison(table, PAPER_COMPOSITIONAL))
    fit = fit_to_network(comp, theory, params=("eta", "N0"), throw=False)
    fitted = compare_learning_times(comp, fit.model)
    print(f"fitted eta = {fit['eta']:.4g} (paper {float(theory.eta):.4g}), N0 = {fit['N0']:.4g} (paper 0.01), "
          f"R² = {fit.r2:.3f}, converged = {fit.converged}")
    print(format_comparison(fitted))
    numbers["compositional"] = {
        "measured_median": table["median"].values.tolist(), "iqr": [table["q1"].values.tolist(),
                                                                    table["q3"].values.tolist()],
        "paper_theory": table["predicted"].values.tolist(), "fit": fit.params | {"r2": fit.r2},
        "fitted_theory": fitted["predicted"].values.tolist(),
    }
    med = table["median"].values
    checks["T3 learned after T1 and T2 (compositional)"] = bool(med[2] > max(med[0], med[1]))
    checks["T3 at 1.5-3.5x T1 (paper ≈2x)"] = bool(1.5 < med[2] / med[0] < 3.5)
    checks["fitted gated theory within 25% for every skill"] = bool(np.all(np.abs(fitted["rel_error"]) < 0.25))

    # ---- independent 4-bit case
    task4 = independent_4bit_parity(key=jax.random.key(1), n_samples=n_rows, dtype=jnp.float32)
    indep = train(model, task4, opt, steps=3000, seed=indep_seeds, log_every=20, progress=False)
    theory4 = paper.sparse_parity_independent(3000)
    table4 = compare_learning_times(indep, theory4)
    print(f"\nIndependent 4-bit case: seeds {indep_seeds}; theory = paper's Resource model with the p3 switch")
    print(format_comparison(table4, PAPER_INDEPENDENT))
    med4 = table4["median"].values
    numbers["independent"] = {"measured_median": med4.tolist(), "paper_theory": table4["predicted"].values.tolist(),
                              "n_learned": table4["n_learned"].values.tolist()}
    checks["4-bit parity much later than the 2-bit ones (> 3x)"] = bool(
        np.isnan(med4[2]) or med4[2] > 3 * max(med4[0], med4[1]))

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    colors = ["C0", "C1", "C2"]
    for ax, ds, th, title in ((axes[0], comp, fit.predict(comp.t.values), "compositional: T3 = T1⊕T2"),
                              (axes[1], indep, theory4, "independent 4-bit T3")):
        for i, c in enumerate(colors):
            s = ds.skill_level.isel(skill=i)
            ax.fill_between(ds.t, s.quantile(0.25, "seed"), s.quantile(0.75, "seed"), color=c, alpha=0.25)
            ax.plot(ds.t, s.median("seed"), color=c, label=f"T{i + 1} network (median, IQR)")
            ax.plot(th.t, th.skill_level.isel(skill=i), color=c, ls="--", label=f"T{i + 1} theory")
        ax.set(xlabel="step", ylabel="skill level (2·acc − 1)", title=title)
    axes[0].legend(fontsize=7)
    axes[0].text(0.98, 0.05, "theory: fitted gated Resource model", transform=axes[0].transAxes, ha="right", fontsize=8)
    axes[1].text(0.98, 0.05, "theory: paper's p3 switch", transform=axes[1].transAxes, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "fig16_parity_theory.png", dpi=120)
    (args.out / "fig16_parity_theory.json").write_text(json.dumps(numbers, indent=1, default=float))
    for name, ok in checks.items():
        print(f"[{'ok' if ok else 'FAIL'}] {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
