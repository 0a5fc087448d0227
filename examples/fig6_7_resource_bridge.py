"""Fig6/Fig7: the Geometry model against the Resource model, the collapse u_i^(1/p_i), and what N0 depends on.

Part 1 (arXiv:2501.12391, Fig. 6): 10 Zipf(2) skills, N = 1000, orthonormal tasks, B = 1024, SignGD lr = 3e-4,
3000 steps, against Resource-model curves (eta = 2 lr sqrt(N)) for several N0, and the least-squares N0
(`fit_resource`). Paper: best visual match N0 ≈ 0.003–0.01.

Part 2 (Fig. 7 top): the collapse variable u_i^(1/p_i), u_i = max(1 - s_i, 0): exact for the Resource model, close
for the frequent skills of the Geometry model.

Part 3 (Fig. 7 bottom): random-unit tasks, autograd MSE, 1000 steps, base lr = 1e-3, B = 128, sigma = 0;
N0 fitted per sweep point (jointly over seeds) and power laws fitted to N0 against sigma, eta and B.
Paper: N0 ≈ 35–40 sigma (sigma = 1 -> 37.2), N0 ∝ eta at large eta (≈16–19 eta), N0 ≈ 1.3/B for B <~ 256.

Symbols: s_i skill level, p_i frequency, eta effective learning rate, N0 wasted resources, sigma gradient noise,
B batch size, lr base learning rate, R^2 coefficient of determination of the fit.

    python examples/fig6_7_resource_bridge.py [--out DIR] [--quick] [--seeds K]
"""

from __future__ import annotations

import jax
import numpy as np
from _common import Example

from skillode import zipf
from skillode.fit import fit_resource
from skillode.geometry import GeometryModel, simulate, simulate_many, task_vectors
from skillode.paper import lr_eff
from skillode.plotting import legend_outside, new_axes, skill_colors
from skillode.resource import ResourceModel
from skillode.scaling import fit_power_law

N = 1000
P = zipf(10, 2.0)
STARTS = (1e-3, 1e-1, 10.0)
PAPER_SIGMA = {1e-3: 0.032, 1e-2: 0.339, 1e-1: 3.89, 1.0: 37.2}
FIG6, FIG7T, FIG7B = "arXiv:2501.12391, Fig. 6", "arXiv:2501.12391, Fig. 7 (top)", "arXiv:2501.12391, Fig. 7 (bottom)"


def part1(ex, quick):
    lr, steps = 3e-4, 1500 if quick else 3000
    model = GeometryModel.sample(jax.random.key(2), p=P, N=N, batch_size=1024, gradient="mimicked")
    geo = simulate(model, "signgd", steps, learning_rate=lr, key=jax.random.key(0), record_every=5)
    eta = lr_eff(lr, N)
    fit = fit_resource(geo, ResourceModel(p=P, eta=eta, N0=0.01), starts=STARTS)
    fig, axes = new_axes(3, 1, size=(3.6, 2.9))
    axes = axes.ravel()
    colors = skill_colors(10)
    for k in range(10):
        axes[0].plot(geo.t, geo.skill_level.isel(skill=k), color=colors[k], label=f"{k + 1}")
    axes[0].set(title="Geometry model (SignGD)", ylabel="skill level s_i")
    rms = {}
    for j, n0 in enumerate((1e-4, 1e-3, 3e-3, 1e-2, 1e-1, 1.0)):
        th = ResourceModel(p=P, eta=eta, N0=n0).skill_levels(geo.t.values, method="discrete")
        rms[n0] = float(np.sqrt(np.mean((np.asarray(th) - geo.skill_level.values) ** 2)))
        if n0 in (1e-3, 1e-1):
            for k in range(10):
                axes[1].plot(geo.t, np.asarray(th)[k], color=colors[k], lw=1, ls="-" if n0 == 1e-3 else "--")
    axes[1].set(title="Resource model, N0 = 1e-3 (solid), 0.1 (dashed)", ylabel="skill level s_i")
    # Collapse: u^(1/p) for both models (Fig7 top).
    # The continuous model collapses exactly (every skill shares one tau); the dt = 1 map only to O(eta p)^2.
    res = fit.model.skill_levels(geo.t.values, method="exact")
    for k in range(5):
        c = colors[k]
        u_geo = np.clip(1 - geo.skill_level.values[k], 0, None) ** (1 / P[k])
        u_res = np.clip(1 - np.asarray(res[k]), 0, None) ** (1 / P[k])
        axes[2].semilogy(geo.t, u_geo, color=c)
        axes[2].semilogy(geo.t, u_res, color=c, ls="--")
    axes[2].set_ylim(1e-8, 1.5)
    axes[2].set(title="u_i^(1/p_i): Geometry (solid), fitted Resource (dashed)", ylabel="u_i^(1/p_i), u_i = 1 - s_i")
    for ax in axes:
        ax.set_xlabel("time t [steps]")
    legend_outside(fig, title="skill i")
    ex.save_figure(fig, "fig6_geometry_vs_resource")
    # Collapse spread at the time the first skill is half learned: log u^(1/p) across skills 1..3.
    t_half = int(np.argmax(geo.skill_level.values[0] > 0.5))
    lg = [np.log(max(1 - geo.skill_level.values[k, t_half], 1e-300)) / P[k] for k in range(3)]
    lr_ = [np.log(max(1 - float(res[k, t_half]), 1e-300)) / P[k] for k in range(3)]
    print("Part 1 (Fig6): least-squares N0 =", f"{fit['N0']:.4f}", f"(R^2 = {fit.r2:.4f});",
          "paper's best visual match 0.003-0.01")
    print("  RMS(Geometry - Resource) by N0:", {k: round(v, 4) for k, v in rms.items()})
    print(f"  collapse at t = {geo.t.values[t_half]:.0f}: ln u^(1/p) of skills 1-3  Geometry {np.round(lg, 3)}  "
          f"Resource {np.round(lr_, 3)}")
    fig6 = "fig6_geometry_vs_resource.png"
    ex.check("fig6.fitted_N0", "least-squares N0 of the Resource model fitted to the Geometry model", claim=FIG6,
             paper="0.003–0.01 (best visual match)", value=fit["N0"], tolerance="within [1e-3, 3e-2]",
             passed=1e-3 <= fit["N0"] <= 3e-2, figure=fig6)
    ex.check("fig6.fit_r2", "the fitted Resource model describes the Geometry model (R^2)", claim=FIG6,
             paper="agree visually", value=fit.r2, tolerance="> 0.98", passed=fit.r2 > 0.98, figure=fig6)
    small, large = min(rms[1e-3], rms[3e-3], rms[1e-2]), min(rms[1e-1], rms[1.0])
    ex.check("fig6.small_N0_better", "small N0 (1e-3..1e-2) matches better than N0 >= 0.1 (RMS gap in s)",
             claim=FIG6, paper="small N0 matches", value=f"{small:.3f} vs {large:.3f}", tolerance="smaller",
             passed=small < large, figure=fig6)
    spread_res = float(np.ptp(lr_)) / max(1.0, abs(float(np.mean(lr_))))
    ex.check("fig7.collapse_resource", "Resource model: ln u_i^(1/p_i) identical for skills 1-3 (relative spread)",
             claim=FIG7T, paper=0, value=spread_res, tolerance=1e-8, figure=fig6)
    spread_geo = float(np.ptp(lg)) / abs(float(np.mean(lg)))
    ex.check("fig7.collapse_geometry", "Geometry model: ln u_i^(1/p_i) of skills 1-3 within 25% (relative spread)",
             claim=FIG7T, paper="nearly one curve", value=spread_geo, tolerance="< 0.25", passed=spread_geo < 0.25,
             figure=fig6)
    return {"N0_fit": fit["N0"], "r2": fit.r2, "rms_by_N0": {str(k): v for k, v in rms.items()},
            "collapse_geometry": lg, "collapse_resource": lr_}


def fitted_N0(ds, lr):
    tmpl = ResourceModel(p=P, eta=lr_eff(lr, N), N0=0.01)
    return fit_resource(ds, tmpl, starts=STARTS)


def part3(ex, quick, seeds):
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
    fig, axes = new_axes(3, 1, size=(3.4, 2.9))
    color = skill_colors(1)[0]
    labels = {"sigma": "gradient noise sigma", "eta": "learning rate lr", "B": "batch size B"}
    for ax, (name, d), f in zip(axes.ravel(), results.items(), (fs, fe, fb)):
        x = np.array(list(d), dtype=float)
        ax.loglog(x, list(d.values()), "o", color=color, label="fitted N0")
        ax.loglog(x, f(x), "k--", label="power-law fit")
        ax.set(xlabel=labels[name], ylabel="fitted N0", title=f"N0 ∝ {name}^{f.exponent:.2f}")
    legend_outside(axes[0, 2])
    fig7 = ex.save_figure(fig, "fig7_N0_dependence")
    ci = lambda f: [float(f.ci[0]), float(f.ci[1])]  # noqa: E731
    boot = "95% bootstrap CI"
    ex.check("fig7.N0_vs_sigma", "N0 ∝ sigma (exponent)", claim=FIG7B, paper=1.0, value=fs.exponent, spread=ci(fs),
             spread_label=boot, tolerance=0.2, figure=fig7)
    per_sigma = results["sigma"][float(sigmas[-1])] / sigmas[-1]
    ex.check("fig7.N0_over_sigma", "N0 / sigma at sigma = 1", claim=FIG7B, paper=37.2, value=per_sigma,
             tolerance="within [20, 60]", passed=20 < per_sigma < 60, figure=fig7)
    ex.check("fig7.N0_vs_eta", "N0 ∝ eta at large eta (exponent, lr >= 1e-2)", claim=FIG7B, paper=1.0,
             value=fe.exponent, spread=ci(fe), spread_label=boot, tolerance="within [0.6, 1.6]",
             passed=0.6 < fe.exponent < 1.6, figure=fig7)
    ex.check("fig7.N0_vs_B", "N0 ∝ 1/B for B <= 256 (exponent)", claim=FIG7B, paper=-1.0, value=fb.exponent,
             spread=ci(fb), spread_label=boot, tolerance=0.4, figure=fig7)
    laws = {k: {"exponent": f.exponent, "ci": f.ci, "prefactor": f.prefactor} for k, f in
            zip(("sigma", "eta", "B"), (fs, fe, fb))}
    return {"N0": {k: {str(kk): vv for kk, vv in v.items()} for k, v in results.items()}, "laws": laws}


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, seeds=(2, 3), quick_help="fewer sweep points and seeds (~40 s)")
    args = ex.parse(argv)
    n1 = part1(ex, args.quick)
    n3 = part3(ex, args.quick, args.seeds)
    return ex.finish({"fig6": n1, "fig7": n3})


if __name__ == "__main__":
    raise SystemExit(main())
