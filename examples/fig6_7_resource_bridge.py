"""Fig6/Fig7: the Geometry model against the Resource model, the collapse u_i^(1/p_i), and what N0 depends on.

Part 1 (Fig6; PAPER §7): 10 Zipf(2) skills, N = 1000, orthonormal tasks, B = 1024, SignGD lr = 3e-4, 3000 steps,
against Resource-model curves (eta = 2 lr sqrt(N)) for several N0, and the least-squares N0 (`fit_resource`).
Paper: best visual match N0 ≈ 0.003–0.01.

Part 2 (Fig7 top): the collapse variable u_i^(1/p_i), u_i = max(1 - s_i, 0): exact for the Resource model, close
for the frequent skills of the Geometry model.

Part 3 (Fig7 bottom; PAPER §4.4): random-unit tasks, autograd MSE, 1000 steps, base lr = 1e-3, B = 128, sigma = 0;
N0 fitted per sweep point (jointly over seeds) and power laws fitted to N0 against sigma, eta and B.
Paper: N0 ≈ 35–40 sigma (sigma = 1 -> 37.2), N0 ∝ eta at large eta (≈16–19 eta), N0 ≈ 1.3/B for B <~ 256.

Run: python examples/fig6_7_resource_bridge.py [--out DIR] [--quick]
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

from skillode import zipf  # noqa: E402
from skillode.fit import fit_power_law, fit_resource  # noqa: E402
from skillode.geometry import GeometryModel, simulate, simulate_many, task_vectors  # noqa: E402
from skillode.paper import lr_eff  # noqa: E402
from skillode.resource import ResourceModel  # noqa: E402

N = 1000
P = zipf(10, 2.0)
STARTS = (1e-3, 1e-1, 10.0)
PAPER_SIGMA = {1e-3: 0.032, 1e-2: 0.339, 1e-1: 3.89, 1.0: 37.2}


def part1(out, quick):
    lr, steps = 3e-4, 1500 if quick else 3000
    model = GeometryModel.sample(jax.random.key(2), p=P, N=N, batch_size=1024, gradient="mimicked")
    geo = simulate(model, "signgd", steps, learning_rate=lr, key=jax.random.key(0), record_every=5)
    eta = lr_eff(lr, N)
    fit = fit_resource(geo, ResourceModel(p=P, eta=eta, N0=0.01), starts=STARTS)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for k in range(10):
        axes[0].plot(geo.t, geo.skill_level.isel(skill=k), color=plt.cm.viridis(k / 9))
    axes[0].set_title("Geometry model (SignGD)")
    rms = {}
    for j, n0 in enumerate((1e-4, 1e-3, 3e-3, 1e-2, 1e-1, 1.0)):
        th = ResourceModel(p=P, eta=eta, N0=n0).skill_levels(geo.t.values, method="discrete")
        rms[n0] = float(np.sqrt(np.mean((np.asarray(th) - geo.skill_level.values) ** 2)))
        if n0 in (1e-3, 1e-1):
            axes[1].plot(geo.t, np.asarray(th).T, color="C0" if n0 == 1e-3 else "C1", lw=1)
    axes[1].set_title("Resource model, N0 = 1e-3 (blue), 0.1 (orange)")
    # Collapse: u^(1/p) for both models (Fig7 top).
    # The continuous model collapses exactly (PAPER §6.1); the dt = 1 map only to O(eta p)^2.
    res = fit.model.skill_levels(geo.t.values, method="exact")
    for k in range(5):
        c = plt.cm.viridis(k / 4)
        u_geo = np.clip(1 - geo.skill_level.values[k], 0, None) ** (1 / P[k])
        u_res = np.clip(1 - np.asarray(res[k]), 0, None) ** (1 / P[k])
        axes[2].semilogy(geo.t, u_geo, color=c)
        axes[2].semilogy(geo.t, u_res, color=c, ls="--")
    axes[2].set_ylim(1e-8, 1.5)
    axes[2].set_title("collapse u_i^(1/p_i): Geometry (solid), Resource (dashed)")
    for ax in axes:
        ax.set_xlabel("step")
    fig.tight_layout()
    fig.savefig(out / "fig6_geometry_vs_resource.png", dpi=100)
    # Collapse spread at the time the first skill is half learned: log u^(1/p) across skills 1..3.
    t_half = int(np.argmax(geo.skill_level.values[0] > 0.5))
    lg = [np.log(max(1 - geo.skill_level.values[k, t_half], 1e-300)) / P[k] for k in range(3)]
    lr_ = [np.log(max(1 - float(res[k, t_half]), 1e-300)) / P[k] for k in range(3)]
    print("Part 1 (Fig6): least-squares N0 =", f"{fit['N0']:.4f}", f"(R^2 = {fit.r2:.4f});",
          "paper's best visual match 0.003-0.01")
    print("  RMS(Geometry - Resource) by N0:", {k: round(v, 4) for k, v in rms.items()})
    print(f"  collapse at t = {geo.t.values[t_half]:.0f}: ln u^(1/p) of skills 1-3  Geometry {np.round(lg, 3)}  "
          f"Resource {np.round(lr_, 3)}")
    checks = {
        "fig6: fitted N0 in [1e-3, 3e-2]": 1e-3 <= fit["N0"] <= 3e-2,
        "fig6: R^2 > 0.98": fit.r2 > 0.98,
        "fig6: small N0 beats N0 >= 0.1": min(rms[1e-3], rms[3e-3], rms[1e-2]) < min(rms[1e-1], rms[1.0]),
        "fig7: Resource collapse exact": float(np.ptp(lr_)) < 1e-8 * max(1.0, abs(float(np.mean(lr_)))),
        "fig7: Geometry collapse within 25% for skills 1-3": float(np.ptp(lg)) < 0.25 * abs(float(np.mean(lg))),
    }
    return {"N0_fit": fit["N0"], "r2": fit.r2, "rms_by_N0": {str(k): v for k, v in rms.items()},
            "collapse_geometry": lg, "collapse_resource": lr_}, checks


def fitted_N0(ds, lr):
    tmpl = ResourceModel(p=P, eta=lr_eff(lr, N), N0=0.01)
    return fit_resource(ds, tmpl, starts=STARTS)


def part3(out, quick):
    seeds = [0, 1] if quick else [0, 1, 2]
    T = task_vectors(jax.random.key(2), 10, N, "random_unit")
    base = dict(p=P, T=T, batch_size=128)
    steps, rec = 1000, 5
    sigmas = np.array([1e-3, 1e-2, 1e-1, 1.0]) if quick else 10 ** np.linspace(-3, 0, 10)
    etas = np.array([1e-2, 3.2e-2, 1e-1]) if quick else np.array([1e-4, 3.2e-4, 1e-3, 3.2e-3, 1e-2, 3.2e-2, 1e-1])
    batches = np.array([16, 32, 64, 128]) if quick else np.array([8, 16, 32, 64, 128, 256, 512, 1024])
    results = {"sigma": {}, "eta": {}, "B": {}}
    ds = simulate_many([GeometryModel(**base, noise=s) for s in sigmas], "signgd", steps, learning_rate=1e-3,
                       seeds=seeds, sweep={"sigma": sigmas}, record_every=rec, record_aligned=False)
    for i, s in enumerate(sigmas):
        results["sigma"][float(s)] = fitted_N0(ds.isel(sigma=i), 1e-3)["N0"]
    for lr in etas:
        ds = simulate_many(GeometryModel(**base), "signgd", steps, learning_rate=lr, seeds=seeds, record_every=rec,
                           record_aligned=False)
        results["eta"][float(lr)] = fitted_N0(ds, lr)["N0"]
    for b in batches:
        ds = simulate_many(GeometryModel(p=P, T=T, batch_size=int(b)), "signgd", steps, learning_rate=1e-3,
                           seeds=seeds, record_every=rec, record_aligned=False)
        results["B"][int(b)] = fitted_N0(ds, 1e-3)["N0"]

    def law(d, keep):
        x = np.array([k for k in d if keep(k)], dtype=float)
        return fit_power_law(x, np.array([d[k] for k in d if keep(k)]), n_boot=500, seed=0)

    fs, fe, fb = law(results["sigma"], lambda s: True), law(results["eta"], lambda e: e >= 1e-2), \
        law(results["B"], lambda b: b <= 256)
    print("Part 3 (Fig7 bottom): fitted N0 (joint over seeds", seeds, ")")
    for s, v in results["sigma"].items():
        ref = next((pv for ps, pv in PAPER_SIGMA.items() if np.isclose(ps, s)), None)
        print(f"  sigma = {s:9.3g}: N0 = {v:8.4f}" + (f"   paper {ref}" if ref is not None else ""))
    for e, v in results["eta"].items():
        print(f"  eta   = {e:9.3g}: N0 = {v:8.4f}   (N0/eta = {v / e:5.1f})")
    for b, v in results["B"].items():
        print(f"  B     = {b:9d}: N0 = {v:8.4f}   (N0*B = {v * b:5.2f})")
    print(f"  N0 ∝ sigma^{fs.exponent:.2f} [{fs.ci[0]:.2f}, {fs.ci[1]:.2f}], N0/sigma at sigma=1: "
          f"{results['sigma'][float(sigmas[-1])] / sigmas[-1]:.1f}      paper: exponent 1, 35-40 sigma")
    print(f"  N0 ∝ eta^{fe.exponent:.2f} [{fe.ci[0]:.2f}, {fe.ci[1]:.2f}] for eta >= 1e-2              "
          "paper: exponent 1 at large eta (16-19 eta)")
    print(f"  N0 ∝ B^{fb.exponent:.2f} [{fb.ci[0]:.2f}, {fb.ci[1]:.2f}] for B <= 256, prefactor {fb.prefactor:.2f}"
          "   paper: exponent -1, ≈1.3/B")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, (name, d), f in zip(axes, results.items(), (fs, fe, fb)):
        x = np.array(list(d), dtype=float)
        ax.loglog(x, list(d.values()), "o", label="fitted N0")
        ax.loglog(x, f(x), "k--", label=f"slope {f.exponent:.2f}")
        ax.set_xlabel(name)
        ax.set_ylabel("N0")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "fig7_N0_dependence.png", dpi=100)
    checks = {
        "fig7: N0 ∝ sigma (exponent 0.8-1.2)": 0.8 < fs.exponent < 1.2,
        "fig7: N0 ≈ 20-60 sigma at sigma = 1": 20 < results["sigma"][float(sigmas[-1])] / sigmas[-1] < 60,
        "fig7: N0 ∝ eta at large eta (exponent 0.6-1.6)": 0.6 < fe.exponent < 1.6,
        "fig7: N0 ∝ 1/B for B <= 256 (exponent -1.4 to -0.6)": -1.4 < fb.exponent < -0.6,
    }
    laws = {k: {"exponent": f.exponent, "ci": f.ci, "prefactor": f.prefactor} for k, f in
            zip(("sigma", "eta", "B"), (fs, fe, fb))}
    return {"N0": {k: {str(kk): vv for kk, vv in v.items()} for k, v in results.items()}, "laws": laws}, checks


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("outputs/fig6_7_resource_bridge"))
    ap.add_argument("--quick", action="store_true", help="fewer sweep points and seeds (~40 s)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    n1, c1 = part1(args.out, args.quick)
    n3, c3 = part3(args.out, args.quick)
    checks = {**c1, **c3}
    (args.out / "fig6_7_resource_bridge.json").write_text(json.dumps({"fig6": n1, "fig7": n3, "checks": checks},
                                                                      indent=1, default=float))
    for claim, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {claim}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
