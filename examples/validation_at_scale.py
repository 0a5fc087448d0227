"""Beyond the paper: does the Resource model predict when each of 100 skills is learned, across network widths?

The quantization model's multitask sparse parity (Michaud et al. 2023): n_control one-hot control bits pick one of
n_control tasks, each a k-bit parity of its own subset of n_data data bits, with Zipf(alpha) task frequencies p_i
and fresh samples every step. ReLU MLPs [n_control + n_data, width, 2] are trained with Adam and cross-entropy at
several widths and seeds (one `skillode.networks.TrainingSweep` over seeds per width, one zarr store per width),
and every skill's level (2·accuracy − 1 on held-out samples per task) is logged. The measured learning time t_i is
the first crossing of skill level 0.9 (interpolated between logged steps); its median over seeds counts a seed
that never learned the skill as later than all that did.

The Resource model's closed-form learning times (`ResourceModel.learning_times`, p fixed to the Zipf law) have
two constants per width, eta and N0. They are fitted per width by least squares in log t
(`skillode.networks.compare.fit_learning_times`), and the script reports, per width, the Spearman rank
correlation and the median |relative error| against the measured medians, next to ablations that say which
assumption limits the agreement: the curve fit of earlier versions (eta, N0 fitted to the skill curves), the CE
variant of the model, other learning-time definitions (skill level 0.5; per-skill loss), N0 → ∞ (independent
skills, one constant), a free power law t = A p^-beta (two constants, no Resource model), and the seed-resampling
noise of the measured medians (what a perfect model would still miss). The fitted constants' trend with width
(power laws in width) then predicts the learning times of a width left out of the fit, which is trained
afterwards: predict, then measure.

Modes: --quick (CI, one to three minutes: 20 skills, small widths), the default (CPU, tens of minutes: 100 skills,
widths 256-1024 fitted and 2048 predicted, 8 seeds, 8,000-20,000 steps), --paper (GPU or cluster: widths up to
4096, 16 seeds, 50,000 steps). Results go to --store (a `skillode.sweeps.Study`: one part per width, each its own
zarr store); a rerun, or a run with more widths, trains only what is missing; --dry-run estimates it.

Not a figure of the paper: a test of its Resource model (arXiv:2501.12391, Figs. 6-8) on a network it did not study.

    python examples/validation_at_scale.py [--out DIR] [--quick | --paper] [--dry-run] [--store DIR] [--workers K]
"""

from __future__ import annotations

import dataclasses
import inspect
import time

import jax.numpy as jnp
import numpy as np
from _common import Example
from scipy import stats

import skillode as sk
from skillode.fit import fit_learning_times, median_learning_times
from skillode.networks import MLP, QuantizedSparseParity, TrainingSweep
from skillode.networks.compare import compare_learning_times, fit_to_network, rank_agreement
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, skill_colors
from skillode.resource import ResourceModel
from skillode.scaling import fit_power_law
from skillode.sweeps import Part, Study, format_dry_run

CLAIM = "beyond arXiv:2501.12391: its Resource model on a quantization-model network"
LEVEL = 0.9
MODES = {  # steps: one value, or width -> steps (wide networks learn faster)
    "quick": dict(n_control=20, n_data=12, k=3, alpha=1.0, fit_widths=(128, 256, 512), held_out=1024, seeds=5,
                  steps=3000, batch=512, lr=3e-3, record_every=25),
    "default": dict(n_control=100, n_data=16, k=3, alpha=1.0, fit_widths=(256, 512, 1024), held_out=2048, seeds=8,
                    steps={256: 20_000, 512: 20_000, 1024: 12_000, 2048: 8_000}, batch=1024, lr=3e-3,
                    record_every=50),
    "paper": dict(n_control=100, n_data=16, k=3, alpha=1.0, fit_widths=(256, 512, 1024, 2048), held_out=4096,
                  seeds=16, steps=50_000, batch=1024, lr=3e-3, record_every=50),
}
TARGET = {"spearman": 0.95, "median_abs_rel_error": 0.10}


@dataclasses.dataclass(frozen=True)
class ParityMLP:
    """``make_model`` of the sweeps: a ReLU MLP [n_in, width, 2] (a frozen dataclass, so its repr, and with it
    the store's fingerprint, is the same in every process)."""

    n_in: int

    def __call__(self, width, key):
        return MLP((self.n_in, width, 2), "relu", key=key, dtype=jnp.float32)


def make_task(*, n_control, n_data, k, alpha, key):
    return QuantizedSparseParity(n_control=n_control, n_data=n_data, k=k, alpha=alpha, key=key, dtype=jnp.float32)


def steps_of(cfg, width) -> int:
    return cfg["steps"][width] if isinstance(cfg["steps"], dict) else cfg["steps"]


def width_part(cfg, width) -> Part:
    """One width, every seed (vmapped): the part of the study with coordinates (width, seeds, steps)."""
    task_values = {k: cfg[k] for k in ("n_control", "n_data", "k", "alpha")}
    sweep = TrainingSweep(axes={"seed": list(range(cfg["seeds"]))}, make_model=ParityMLP(cfg["n_control"] +
                          cfg["n_data"]), make_task=make_task, task_values=task_values, width=width,
                          learning_rate=cfg["lr"], optimizer="adam", batch_size=cfg["batch"])
    steps = steps_of(cfg, width)
    plan = sweep.plan(steps, record_every=cfg["record_every"], spacing="all", curves=("skill_level", "skill_loss"),
                      threshold=LEVEL)
    return Part({"width": width, "seeds": cfg["seeds"], "steps": steps}, plan)


def study_of(ex, cfg) -> Study:
    """Every width of the mode, one part each, under ``<store>/validation_at_scale/<task and optimizer>``."""
    tag = f"n{cfg['n_control']}-d{cfg['n_data']}-k{cfg['k']}-a{cfg['alpha']}-B{cfg['batch']}-lr{cfg['lr']}"
    return Study(ex.study_root("validation_at_scale", tag),
                 [width_part(cfg, w) for w in (*cfg["fit_widths"], cfg["held_out"])])


def agreement(measured, model, threshold) -> dict:
    return rank_agreement(compare_learning_times(measured, model, threshold=threshold))


def scores(predicted, measured) -> dict:
    """Spearman and median |relative error| of predicted against measured medians (the finite ones)."""
    ok = np.isfinite(measured)
    rel = (measured[ok] - predicted[ok]) / predicted[ok]
    return {"spearman": float(stats.spearmanr(predicted[ok], measured[ok]).statistic),
            "median_abs_rel_error": float(np.median(np.abs(rel))), "n_skills": int(ok.sum())}


def noise_floor(measured, threshold) -> float:
    """What a perfect model would still miss: the median |relative error| of a median over k seeds.

    Per skill, the spread of log t over the seeds that learned it, sigma_i; a median of k draws has standard
    error ~1.25 sigma_i / sqrt(k), and a normal error's mean magnitude is 0.80 of its standard error, so a
    perfect prediction misses the measured median by ~sigma_i / sqrt(k); the median over the fitted skills.
    """
    times = sk.learning_times(measured, threshold).transpose("seed", "skill").values
    ok = np.isfinite(median_learning_times(measured, threshold))
    with np.errstate(invalid="ignore"):
        sigma = np.nanstd(np.log(times[:, ok]), axis=0, ddof=1)
    return float(np.nanmedian(sigma) / np.sqrt(times.shape[0]))


def analyse_width(ds, cfg, curve_fit: bool):
    """Every variant at one width: ``({variant: constants and scores}, the best variant's LearningTimeFit)``."""
    p = np.asarray(ds["p"].values, np.float64)
    th = sk.Threshold(LEVEL)
    out, best = {"n_learned": int(np.isfinite(median_learning_times(ds, th)).sum())}, None
    for name, kind, threshold in (("time fit (MSE, s* = 0.9)", "mse", th),
                                  ("time fit (CE, s* = 0.9)", "ce", th),
                                  ("time fit (MSE, s* = 0.5)", "mse", sk.Threshold(0.5)),
                                  ("time fit (CE, loss ≤ 0.2)", "ce", sk.Threshold(0.2, on="loss"))):
        fit = fit_learning_times(ds, ResourceModel(p=p, eta=1.0, N0=0.1, loss_kind=kind), threshold=threshold)
        out[name] = {**fit.params, "at_bound": fit.at_bound, **agreement(ds, fit.model, threshold)}
        best = fit if name == "time fit (MSE, s* = 0.9)" else best
    # N0 -> inf: every skill on its own, t_i = N0 ln(1/eps) / (eta p_i) = c / p_i, one constant (log-t least squares)
    med = median_learning_times(ds, th)
    ok = np.isfinite(med)
    c = float(np.exp(np.mean(np.log(med[ok] * p[ok]))))
    out["N0 → ∞ (t = c/p, one constant)"] = {"c": c, **scores(c / p, med)}
    if curve_fit:
        template = ResourceModel(p=p, eta=cfg["n_control"] / float(ds.t.values[-1]), N0=0.01)
        cfit = fit_to_network(ds, template, params=("eta", "N0"), starts=(1e-3, 1e-2, 1e-1), throw=False)
        out["curve fit (MSE, skill curves)"] = {**cfit.params, "r2": cfit.r2, **agreement(ds, cfit.model, th)}
    law = fit_power_law(p[ok], med[ok], n_boot=0)  # two constants, no Resource model
    out["power law t = A p^-beta (no Resource model)"] = {"beta": -law.exponent, "A": law.prefactor,
                                                          **scores(law(p), med)}
    out["noise floor (seed spread / sqrt(seeds))"] = {"median_abs_rel_error": noise_floor(ds, th)}
    return out, best


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="one to three minutes: 20 skills, widths 128-512 fitted, 1024 predicted")
    ex.parser.add_argument("--paper", action="store_true", help="the large version (GPU or cluster)")
    ex.add_sweep_flags()
    args = ex.parse(argv)
    mode = "quick" if args.quick else ("paper" if args.paper else "default")
    cfg = MODES[mode]
    th = sk.Threshold(LEVEL)
    study = study_of(ex, cfg)
    if args.dry_run:
        print(format_dry_run(study.dry_run(workers=args.workers or 1)))
        ex.not_run("validation.predicted.spearman", "the held-out width, predicted (not trained: --dry-run)",
                   claim=CLAIM, kind="beyond", reason="--dry-run")
        return ex.finish({"mode": mode, "config": cfg})
    stored = [part["width"] for part in study.done()]
    start = time.perf_counter()
    with ex.client() as client:
        study.run(client=client, progress=not (ex.quick or args.no_progress))
    wall = time.perf_counter() - start
    runs, results, best = {}, {}, {}
    for part in study.parts:
        width = dict(part.coords)["width"]
        runs[width] = ds = study.open_part(dict(part.coords)).load()
        print(f"width {width}: {cfg['seeds']} seeds x {steps_of(cfg, width)} steps "
              f"{'read from the store' if width in stored else 'trained'}", flush=True)
        if width == cfg["held_out"]:
            continue  # predicted below before it is compared
        results[width], best[width] = analyse_width(ds, cfg, curve_fit=mode != "quick")
    if len(stored) < len(study.parts):
        print(f"({len(study.parts) - len(stored)} widths trained in {wall:.0f} s)")
    p = np.asarray(runs[cfg["fit_widths"][0]]["p"].values, np.float64)

    # The constants' trend with width, and the held-out width predicted from it. Trended as power laws of width:
    # N0 and the time scale N0/eta (for N0 >> 1, t_i -> (N0/eta) ln(1/eps) / p_i: only N0/eta is identified, and
    # N0 sits at its search bound; a product of power laws is one, so this is the same family as eta, N0).
    widths = np.array(cfg["fit_widths"], float)
    eta = np.array([best[w]["eta"] for w in cfg["fit_widths"]])
    N0 = np.array([best[w]["N0"] for w in cfg["fit_widths"]])
    # N0 on its search bound is not identified (only N0/eta is): N0's trend uses the other widths when two remain.
    free = np.array([not best[w].at_bound for w in cfg["fit_widths"]])
    use = free if free.sum() >= 2 else np.ones_like(free)
    scale_law, N0_law = fit_power_law(widths, N0 / eta, n_boot=0), fit_power_law(widths[use], N0[use], n_boot=0)
    w_new = cfg["held_out"]
    N0_new = float(N0_law(w_new))
    eta_new = N0_new / float(scale_law(w_new))
    predicted_model = ResourceModel(p=p, eta=eta_new, N0=N0_new)
    held = runs[w_new]
    held_table = compare_learning_times(held, predicted_model, threshold=th)
    held_agree = rank_agreement(held_table)
    refit = fit_learning_times(held, ResourceModel(p=p, eta=1.0, N0=0.1), threshold=th)
    held_refit = agreement(held, refit.model, th)

    # ------------------------------------------------------------------ print
    print(f"\nquantization-model sparse parity: {cfg['n_control']} skills (Zipf alpha {cfg['alpha']}), {cfg['n_data']} "
          f"data bits, k = {cfg['k']}; Adam lr {cfg['lr']}, batch {cfg['batch']}, steps {cfg['steps']}, {cfg['seeds']} "
          f"seeds per width; learning time = first crossing of skill level {LEVEL}")
    variants = list(results[cfg["fit_widths"][0]].keys())[1:]
    for w in cfg["fit_widths"]:
        r = results[w]
        print(f"\nwidth {w}: {r['n_learned']} / {cfg['n_control']} skills learned in more than half of the seeds")
        print(f"  {'variant':45s} | Spearman | median |rel err| | constants")
        for v in variants:
            row = r[v]
            consts = ", ".join(f"{k} = {row[k]:.4g}" for k in ("eta", "N0", "c", "A", "beta", "r2") if k in row)
            if row.get("at_bound"):
                consts += " (N0 at its search bound)"
            rho = row.get("spearman", float("nan"))
            print(f"  {v:45s} | {rho:8.3f} | {row['median_abs_rel_error']:16.1%} | {consts}")
    bound = [w for w in cfg["fit_widths"] if best[w].at_bound]
    print(f"\nbest variant (time fit, MSE, s* = 0.9): N0/eta = {scale_law.prefactor:.4g} width^{scale_law.exponent:.3f}"
          f" steps, N0 = {N0_law.prefactor:.4g} width^{N0_law.exponent:.3f}"
          + (f"; N0 at its search bound (the independent-skill limit) at widths {bound}" if bound else ""))
    print(f"predict, then measure: width {w_new} (not in the fit): predicted eta = {eta_new:.4g}, "
          f"N0 = {N0_new:.4g}; Spearman {held_agree['spearman']:.3f}, median |rel err| "
          f"{held_agree['median_abs_rel_error']:.1%} over {held_agree['n_skills']} skills (refitted on itself: "
          f"{held_refit['spearman']:.3f}, {held_refit['median_abs_rel_error']:.1%})")

    # ------------------------------------------------------------------ figure
    all_w = (*cfg["fit_widths"], w_new)
    colors = dict(zip(all_w, skill_colors(len(all_w))))
    fig, axes = new_axes(3, 1, size=(4.0, 3.6))
    axes = axes.ravel()
    lo, hi = np.inf, 0.0
    for w in all_w:
        model = predicted_model if w == w_new else best[w].model
        table = compare_learning_times(runs[w], model, threshold=th)
        x, y = table["predicted"].values, table["median"].values
        ok = np.isfinite(x) & np.isfinite(y)
        lo, hi = min(lo, x[ok].min(), y[ok].min()), max(hi, x[ok].max(), y[ok].max())
        label = f"width {w}" + (" (predicted, not fitted)" if w == w_new else "")
        axes[0].loglog(x[ok], y[ok], "o" if w != w_new else "*", ms=3 if w != w_new else 6, color=colors[w],
                       label=label)
        axes[1].semilogx(p[ok], (y[ok] - x[ok]) / x[ok], "o" if w != w_new else "*", ms=3 if w != w_new else 6,
                         color=colors[w])
    axes[0].plot([lo * 0.8, hi * 1.2], [lo * 0.8, hi * 1.2], "k-", lw=0.8, label="measured = predicted")
    axes[0].set(xlabel="Resource model $t_i$ (closed form) [steps]",
                ylabel="measured $t_i$ (median over seeds) [steps]")
    axes[0].set_title("learning times, one point per skill", fontsize="medium")
    axes[1].axhline(0.0, color="k", lw=0.8)
    for s in (-TARGET["median_abs_rel_error"], TARGET["median_abs_rel_error"]):
        axes[1].axhline(s, color="0.6", lw=0.8, ls="--")
    axes[1].set(xlabel="skill frequency $p_i$", ylabel="(measured − predicted) / predicted")
    axes[1].set_title("relative error of $t_i$ (±10% dashed)", fontsize="medium")
    axes[2].loglog(widths, N0 / eta, "o", color="tab:blue", label="$N_0/\\eta$ [steps] (fitted)")
    axes[2].loglog(widths[free], N0[free], "s", color="tab:red", label="$N_0$ (fitted)")
    if not free.all():  # N0 on its search bound is not a fitted value but a limit: an open marker with an arrow
        lo_bound, hi_bound = inspect.signature(fit_learning_times).parameters["N0_range"].default
        at = N0[~free]
        lower = at > np.sqrt(lo_bound * hi_bound)  # on the upper bound: N0 is at least this (a lower limit)
        axes[2].errorbar(widths[~free], at, yerr=[np.where(lower, 0.0, 0.6 * at), np.where(lower, 2.0 * at, 0.0)],
                         lolims=lower, uplims=~lower, fmt="s", mfc="none", color="tab:red", capsize=3,
                         label="$N_0$ at its search bound\n(a limit, not a fit)")
    wg = np.geomspace(widths.min(), w_new, 50)
    axes[2].loglog(wg, scale_law(wg), "-", color="tab:blue", lw=0.8, label="power law in width")
    axes[2].loglog(wg, N0_law(wg), "-", color="tab:red", lw=0.8)
    axes[2].loglog([w_new], [scale_law(w_new)], "*", color="tab:blue", ms=8, label=f"predicted for width {w_new}")
    axes[2].loglog([w_new], [N0_new], "*", color="tab:red", ms=8)
    axes[2].set(xlabel="width", ylabel="fitted constant")
    axes[2].set_title("the two constants against width", fontsize="medium")
    for ax in axes:
        plain_log_ticks(ax)
    axes[0].legend(loc="upper left", fontsize="x-small", frameon=False)
    legend_outside(axes[2])
    ex.save_figure(fig)

    # ------------------------------------------------------------------ checks
    rank_tol = 1 - TARGET["spearman"] if not ex.quick else 0.2
    rank_why = (f"skillode's own target: Spearman >= {1 - rank_tol:.2f}" + ("" if not ex.quick else
                " (quick: 20 skills, a looser target)"))

    def err_why(tol):
        return f"skillode's own target: median |relative error| <= {tol:.0%}" + ("" if not ex.quick else
                                                                                    " (quick: 20 skills, looser)")
    for w in cfg["fit_widths"]:
        r = results[w]["time fit (MSE, s* = 0.9)"]
        ex.check(f"validation.w{w}.spearman", f"width {w}: the fitted Resource model ranks the learning times "
                 "(Spearman; 1 = the same order)", claim=CLAIM, kind="beyond", paper=1.0, value=r["spearman"],
                 tolerance=rank_tol, tolerance_reason=rank_why)
        tol = TARGET["median_abs_rel_error"] if not ex.quick else 0.25
        ex.check(f"validation.w{w}.rel_error", f"width {w}: median |relative error| of the closed-form times "
                 "(two constants)", claim=CLAIM, kind="beyond", paper=0, value=r["median_abs_rel_error"],
                 tolerance=tol, tolerance_reason=err_why(tol))
    ex.check("validation.predicted.spearman", f"width {w_new}, predicted from the other widths' constants: rank "
             "(Spearman)", claim=CLAIM, kind="beyond", paper=1.0, value=held_agree["spearman"], tolerance=rank_tol,
             tolerance_reason=rank_why)
    tol = TARGET["median_abs_rel_error"] if not ex.quick else 0.30
    ex.check("validation.predicted.rel_error", f"width {w_new}, predicted: median |relative error|", claim=CLAIM,
             kind="beyond", paper=0, value=held_agree["median_abs_rel_error"], tolerance=tol,
             tolerance_reason=err_why(tol))

    return ex.finish({"mode": mode, "config": cfg, "per_width": {str(w): results[w] for w in cfg["fit_widths"]},
                      "trend": {"N0_over_eta": [scale_law.prefactor, scale_law.exponent],
                                "N0": [N0_law.prefactor, N0_law.exponent]},
                      "held_out": {"width": w_new, "eta": eta_new, "N0": N0_new,
                                   **held_agree, "refit": held_refit},
                      "predicted": held_table["predicted"].values, "measured": held_table["median"].values})


if __name__ == "__main__":
    raise SystemExit(main())
