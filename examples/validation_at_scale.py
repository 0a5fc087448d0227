"""Beyond the paper: does the Resource model predict when each of 100 skills is learned, across network widths?

The quantization model's multitask sparse parity (Michaud et al. 2023): n_control one-hot control bits pick one of
n_control tasks, each a k-bit parity of its own subset of n_data data bits, with Zipf(alpha) task frequencies p_i
and fresh samples every step. ReLU MLPs [n_control + n_data, width, 2] are trained with Adam and cross-entropy at
several widths and seeds (one `skillode.networks.TrainingSweep` over seeds per width, one zarr store per width),
and every skill's level (2·accuracy − 1 on held-out samples per task) is logged. The measured learning time t_i is
the first crossing of skill level 0.9 (interpolated between logged steps); its median over seeds counts a seed
that never learned the skill as later than all that did.

The Resource model's closed-form learning times (`ResourceModel.learning_times`, p fixed to the Zipf law),
t_i = (A_i + N0 tau_i) / eta, have two constants per width, eta and N0. They are fitted per width by least
squares in log t (`skillode.fit.fit_learning_times`, which profiles N0 over all of [0, inf]: where the best is
the limit N0 -> inf, t_i = (N0/eta) tau_i, only the time scale N0/eta is identified, and the fit says so with a
one-sided bound "N0 >= x at 95%"), and the script reports, per width, the Spearman rank correlation and the
median |relative error| against the measured medians, next to ablations that say which assumption limits the
agreement: the curve fit of earlier versions (eta, N0 fitted to the skill curves), the CE variant of the model,
other learning-time definitions (skill level 0.5; per-skill loss), N0 -> inf (independent skills, one constant),
a free power law t = A p^-beta (two constants, no Resource model), and the seed-resampling noise of the measured
medians (what a perfect model would still miss).

Predict, then measure: the identified constants' trend with width (power laws in width: the time scale N0/eta at
every width, N0 at the widths where it is finite; with N0 finite at fewer than two widths the held-out width is
predicted in the N0 -> inf limit, t_i = (N0/eta) tau_i) predicts the learning times of a width left out of the
fit, which is trained afterwards. Its uncertainty is a seed bootstrap (`bootstrap_trend`): the seeds of each fitted
width are resampled (a numpy Generator with the explicit seed BOOT_SEED), the per-width constants refitted, the
trend refitted and the held-out width's times predicted; adding, per resample, a log residual drawn from that
resample's per-width fits (the scatter of the measured medians about the fitted model) makes a per-skill 90%
prediction interval. The script checks the held-out width's median |relative error| and the interval's coverage
of its measured per-skill medians, and reports the trend exponents with their bootstrap CIs.

Modes: --quick (CI, one to three minutes: 20 skills, widths 128-512 fitted, 1024 predicted), the default (CPU,
about two hours: 100 skills, widths 128-1024 fitted with 8 seeds and 2048 predicted with 4, 8,000-20,000 steps),
--paper (GPU or cluster: widths up to 4096, 16 seeds, 50,000 steps). Results go to --store (a `skillode.sweeps.Study`:
one part per width, each its own zarr store); a rerun, or a run with more widths, trains only what is missing;
--dry-run estimates it.

Not a figure of the paper: a test of its Resource model (arXiv:2501.12391, Figs. 6-8) on a network it did not study.

    python examples/validation_at_scale.py [--out DIR] [--quick | --paper] [--dry-run] [--store DIR] [--workers K]
"""

from __future__ import annotations

import dataclasses
import time

import jax.numpy as jnp
import numpy as np
from _common import Example
from scipy import stats

import skillode as sk
from skillode.fit import LearningTimeFit, fit_learning_times, measured_learning_times, median_learning_times
from skillode.networks import MLP, QuantizedSparseParity, TrainingSweep
from skillode.networks.compare import compare_learning_times, fit_to_network, rank_agreement
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, skill_colors
from skillode.resource import ResourceModel
from skillode.scaling import fit_power_law
from skillode.sweeps import Part, Study, format_dry_run

CLAIM = "beyond arXiv:2501.12391: its Resource model on a quantization-model network"
LEVEL = 0.9
MODES = {  # steps and seeds: one value, or width -> value (wide networks learn faster)
    "quick": dict(n_control=20, n_data=12, k=3, alpha=1.0, fit_widths=(128, 256, 512), held_out=1024, seeds=5,
                  steps=3000, batch=512, lr=3e-3, record_every=25),
    # Four fitted widths, so the width trend of the constants rests on more than three points. Width 128 gets
    # the 20,000 steps of width 256: narrower networks learn the rare skills later (the trend of N0/eta with
    # width), and a skill learned by at most half of the seeds has no median and drops out of the fit.
    # The held-out width 2048 is trained with 4 seeds, not 8: one part trains its seeds vmapped on one core, and
    # the cost per step grows with width x seeds (measured on 2 CPU cores: 0.26 s per step at width 512 and
    # 0.47 s at 1024, 8 seeds each, while learning times were tracked at every step; tracked on the record grid,
    # as now, a step costs 2.3x less, `width_part`), so 8 seeds x 8,000 steps at 2048 took about 2 hours alone and
    # the whole full report about 4 h, against its 3 h budget; 4 seeds took about 1 hour. Its 8,000 steps stay:
    # every skill must be learned by 3 of the 4 seeds (the rarest skill's median was about 6,500 steps at
    # 1024). The prediction interval widens for the noisier 4-seed median (`bootstrap_trend`'s `extra_sd`).
    "default": dict(n_control=100, n_data=16, k=3, alpha=1.0, fit_widths=(128, 256, 512, 1024), held_out=2048,
                    seeds={128: 8, 256: 8, 512: 8, 1024: 8, 2048: 4},
                    steps={128: 20_000, 256: 20_000, 512: 20_000, 1024: 12_000, 2048: 8_000}, batch=1024,
                    lr=3e-3, record_every=50),
    "paper": dict(n_control=100, n_data=16, k=3, alpha=1.0, fit_widths=(256, 512, 1024, 2048), held_out=4096,
                  seeds=16, steps=50_000, batch=1024, lr=3e-3, record_every=50),
}
TARGET = {"spearman": 0.95, "median_abs_rel_error": 0.10}
BOOT_SEED = 20250121  # the numpy Generator seed of the seed bootstrap (same seed, same intervals)
N_BOOT = 200  # seed-bootstrap resamples: about 4 s in quick mode (3 widths x 200 one-dimensional fits)
PI_LEVEL = 0.9  # the per-skill prediction interval of the held-out width
RESIDUAL_DRAWS = 10  # log residuals drawn per resample: 2,000 draws per skill for the interval's 5% and 95% points
# Coverage tolerance, chosen before any result: with m independent skills the coverage of a 90% interval has
# standard error sqrt(0.09 / m) (0.03 at 100 skills, 0.07 at 20), but the skills share one trend, so their misses
# are correlated and the effective m is smaller: 0.15 (five binomial standard errors at 100 skills) in the default
# mode, 0.25 (between three and four at 20 skills) in quick mode.
COVERAGE_TOL = {"quick": 0.25, "default": 0.15, "paper": 0.15}


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


def seeds_of(cfg, width) -> int:
    return cfg["seeds"][width] if isinstance(cfg["seeds"], dict) else cfg["seeds"]


def width_part(cfg, width, check_every=None) -> Part:
    """One width, every seed (vmapped): the part of the study with coordinates (width, seeds, steps).

    The learning times are read from the kept curves (every record; the interpolated crossing of `LEVEL`), so
    the plan tracks crossings on the record grid (``check_every = record_every``, the stored ``learning_time``
    resolved to it, attribute ``resolution``), not at every step: a check evaluates 100 skills x 64 samples, as
    much work as a training step, and tracking to the step made a part twice as slow (``bench/tracking_cost.py``).
    """
    task_values = {k: cfg[k] for k in ("n_control", "n_data", "k", "alpha")}
    seeds = seeds_of(cfg, width)
    sweep = TrainingSweep(axes={"seed": list(range(seeds))}, make_model=ParityMLP(cfg["n_control"] +
                          cfg["n_data"]), make_task=make_task, task_values=task_values, width=width,
                          learning_rate=cfg["lr"], optimizer="adam", batch_size=cfg["batch"])
    steps = steps_of(cfg, width)
    plan = sweep.plan(steps, record_every=cfg["record_every"], spacing="all", curves=("skill_level", "skill_loss"),
                      threshold=LEVEL, check_every=cfg["record_every"] if check_every is None else check_every)
    return Part({"width": width, "seeds": seeds, "steps": steps}, plan)


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
        out[name] = {**fit.params, "N0/eta": fit.time_scale, "limit": fit.limit, "N0_interval": fit.N0_interval,
                     **agreement(ds, fit.model, threshold)}
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


def trend(widths, fits: list[LearningTimeFit]) -> dict:
    """Power laws in width of what the per-width fits identify, and the rule that predicts another width.

    The time scale c = N0/eta is identified at every width with N0 > 0 (also in the limit N0 -> inf); N0 only
    where it is finite (an interior minimum). Rule: with N0 finite at two widths or more, both are trended and
    t_i(w) = c(w) (tau_i + A_i / N0(w)) (the same as (A_i + N0 tau_i) / eta); otherwise, with c > 0 at two widths
    or more, the held-out width is predicted in the limit N0 -> inf, t_i(w) = c(w) tau_i; otherwise (N0 -> 0
    nearly everywhere) eta is trended and t_i(w) = A_i / eta(w). A width in the N0 -> inf limit adds to the trend
    of c, not to that of N0 (its N0 is a bound, not a value; read the N0 trend with that in mind).
    """
    widths = np.asarray(widths, float)
    c = np.array([f.time_scale for f in fits])
    N0 = np.array([f["N0"] for f in fits])
    finite = np.array([f.limit is None for f in fits])
    has_c = c > 0
    if finite.sum() >= 2:
        return {"rule": "N0 finite: trend N0/eta and N0", "c": fit_power_law(widths[has_c], c[has_c], n_boot=0),
                "N0": fit_power_law(widths[finite], N0[finite], n_boot=0)}
    if has_c.sum() >= 2:
        return {"rule": "N0 -> inf: trend N0/eta only", "c": fit_power_law(widths[has_c], c[has_c], n_boot=0)}
    eta = np.array([f["eta"] for f in fits])
    return {"rule": "N0 -> 0: trend eta only", "eta": fit_power_law(widths, eta, n_boot=0)}


def trend_times(tr: dict, width, A, tau) -> np.ndarray:
    """The learning times ``(n,)`` the trend predicts at `width` (closed form: A, tau from the template)."""
    if "N0" in tr:
        return float(tr["c"](width)) * (tau + A / float(tr["N0"](width)))
    if "c" in tr:
        return float(tr["c"](width)) * tau
    return A / float(tr["eta"](width))


def trend_model(tr: dict, width, p, A, tau) -> ResourceModel:
    """A `ResourceModel` (MSE) with the trend's constants at `width`; under the N0 -> inf rule a stand-in whose N0
    is so large (1e12 max A_i/tau_i) that its times equal the limit's to relative 1e-12 (as `fit_learning_times`
    represents that limit), with eta = N0 / c(width)."""
    if "c" in tr:
        N0 = float(tr["N0"](width)) if "N0" in tr else 1e12 * float(np.max(A / tau))
        return ResourceModel(p=p, eta=N0 / float(tr["c"](width)), N0=N0)
    return ResourceModel(p=p, eta=float(tr["eta"](width)), N0=0.0)


def extra_median_noise(times: dict, seeds_new: int) -> float:
    """The extra log-scale noise of a median over `seeds_new` seeds against the fitted widths' medians.

    The pooled residuals of `bootstrap_trend` hold the measurement noise of a median over the fitted widths'
    seeds k_w: variance (pi/2) sigma^2 / k_w for a per-seed log spread sigma (a median of k normal draws). A
    held-out median over fewer seeds adds sd = sigma sqrt(pi/2 (1/seeds_new - mean_w 1/k_w)); sigma is the median
    over the fitted widths' learned skills of their seed spread of ln t (`times[w]`, dims ``(seed, skill)``), known
    before the held-out width is trained. 0 when the held-out width has as many seeds or more (the interval is
    not narrowed below the fits' scatter)."""
    inv_k = np.mean([1.0 / t.sizes["seed"] for t in times.values()])
    if 1.0 / seeds_new <= inv_k:
        return 0.0
    with np.errstate(invalid="ignore"):
        spread = [np.nanstd(np.log(t.transpose("seed", "skill").values), axis=0, ddof=1) for t in times.values()]
    sigma = float(np.nanmedian(np.concatenate(spread)))
    return sigma * float(np.sqrt(np.pi / 2 * (1.0 / seeds_new - inv_k)))


def bootstrap_trend(times: dict, template, threshold, widths, w_new, A, tau, *, n_boot: int, seed: int,
                    level: float = PI_LEVEL, draws: int = RESIDUAL_DRAWS, extra_sd: float = 0.0) -> dict:
    """The trend's uncertainty by a seed bootstrap, and the held-out width's per-skill prediction interval.

    Per resample b (``numpy.random.default_rng(seed)``): the seeds of each width's learning times ``times[w]``
    (dims ``(seed, skill)``) are drawn with replacement, `fit_learning_times` refits each width, `trend` refits
    the power laws (the same rule as the point estimate), and the held-out times mu_b ``(n,)`` are predicted
    (`trend_times`, with the template's ``A``, ``tau`` ``(n,)``). The prediction interval adds the scatter about
    the model: `draws` log residuals e = ln(t_hat / t_fit) drawn from resample b's per-width fits (all fitted
    skills of all widths, pooled: exchangeable across skills and widths, an assumption the coverage tests), so a
    draw is ln mu_b,i + e (+ a normal draw of sd `extra_sd` when the held-out median is noisier than the fitted
    ones: `extra_median_noise`). Returns ``mu`` ``(B, n)``; ``draws`` ``(B * draws, n)`` of log times; ``interval``
    ``(2, n)``, the (1 - level)/2 and (1 + level)/2 points of the draws; ``confidence`` ``(2, n)``, the same
    points of mu alone (the trend's uncertainty without the scatter); the per-resample constants ``c`` (N0/eta)
    and ``N0`` ``(B, widths)``; the trend ``exponents``, ``laws`` and ``rules`` per resample; ``failed``, the
    resamples whose fit raised (e.g. fewer than three skills learned), counted, not hidden.
    """
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng([seed, 1])  # the extra_sd draws: a stream of their own, the resamples unchanged
    mu, logs, c, N0, exps, laws, rules, failed = [], [], [], [], {"c": [], "N0": []}, [], [], 0
    for _ in range(n_boot):
        fits, resid = [], []
        try:
            for w in widths:
                t = times[w]
                sample = t.isel(seed=rng.integers(0, t.sizes["seed"], t.sizes["seed"]))
                fit = fit_learning_times(sample, template, threshold=threshold)
                med = median_learning_times(sample, threshold)
                resid.append(np.log(med[fit.fitted] / fit.predict()[fit.fitted]))
                fits.append(fit)
            tr = trend(widths, fits)
        except ValueError:
            failed += 1
            continue
        m = trend_times(tr, w_new, A, tau)
        pool = np.concatenate(resid)
        mu.append(m)
        logs.append(np.log(m)[None, :] + pool[rng.integers(0, pool.size, (draws, m.size))])
        if extra_sd > 0:
            logs[-1] += noise.normal(0.0, extra_sd, (draws, m.size))
        c.append([f.time_scale for f in fits])
        N0.append([f["N0"] for f in fits])
        rules.append(tr["rule"])
        laws.append(tr)
        for k in exps:
            if k in tr:
                exps[k].append(tr[k].exponent)
    mu, logs = np.array(mu), np.concatenate(logs)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    return {"mu": mu, "draws": logs, "interval": np.exp(np.percentile(logs, q, axis=0)),
            "confidence": np.percentile(mu, q, axis=0), "c": np.array(c), "N0": np.array(N0),
            "exponents": {k: np.array(v) for k, v in exps.items()}, "laws": laws, "rules": rules,
            "failed": failed, "n_boot": n_boot, "level": level}


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
        print(f"width {width}: {seeds_of(cfg, width)} seeds x {steps_of(cfg, width)} steps "
              f"{'read from the store' if width in stored else 'trained'}", flush=True)
        if width == cfg["held_out"]:
            continue  # predicted below before it is compared
        results[width], best[width] = analyse_width(ds, cfg, curve_fit=mode != "quick")
    if len(stored) < len(study.parts):
        print(f"({len(study.parts) - len(stored)} widths trained in {wall:.0f} s)")
    p = np.asarray(runs[cfg["fit_widths"][0]]["p"].values, np.float64)

    # The constants' trend with width, and the held-out width predicted from it (`trend`: power laws in width of
    # what each width's fit identifies; the time scale N0/eta everywhere, N0 where it is finite), with a seed
    # bootstrap for its uncertainty and the held-out width's per-skill prediction interval.
    widths = np.array(cfg["fit_widths"], float)
    fits = [best[w] for w in cfg["fit_widths"]]
    A, tau = fits[0].base, fits[0].tau  # t_i = (A_i + N0 tau_i) / eta: the template's closed-form parts
    tr = trend(cfg["fit_widths"], fits)
    w_new = cfg["held_out"]
    held = runs[w_new]
    predicted_model = trend_model(tr, w_new, p, A, tau)
    held_table = compare_learning_times(held, predicted_model, threshold=th)
    held_agree = rank_agreement(held_table)
    refit = fit_learning_times(held, ResourceModel(p=p, eta=1.0, N0=0.1), threshold=th)
    held_refit = agreement(held, refit.model, th)
    template = ResourceModel(p=p, eta=1.0, N0=0.1)
    times = {w: measured_learning_times(runs[w], th).transpose("seed", "skill") for w in cfg["fit_widths"]}
    start = time.perf_counter()
    extra_sd = extra_median_noise(times, seeds_of(cfg, w_new))
    boot = bootstrap_trend(times, template, th, cfg["fit_widths"], w_new, A, tau, n_boot=N_BOOT, seed=BOOT_SEED,
                           extra_sd=extra_sd)
    boot_wall = time.perf_counter() - start
    measured_new = median_learning_times(held, th)
    ok_new = np.isfinite(measured_new)
    lo_pi, hi_pi = boot["interval"]
    inside = (measured_new >= lo_pi) & (measured_new <= hi_pi)
    coverage = float(inside[ok_new].mean())
    lo_ci, hi_ci = boot["confidence"]
    coverage_ci = float(((measured_new >= lo_ci) & (measured_new <= hi_ci))[ok_new].mean())

    def ci(values, q=95.0):
        v = np.asarray(values, float)
        return (float(np.percentile(v, 50 - q / 2)), float(np.percentile(v, 50 + q / 2))) if v.size else (np.nan,) * 2

    # The held-out width refitted on itself, against the trend's values there (with their bootstrap 95% band): where
    # the model fits the width itself but its constants lie outside the band, the width law is what fails.
    refit_c = {"c": refit.time_scale, "N0": float(refit["N0"])}
    law_band = {k: ci([law[k](w_new) for law in boot["laws"] if k in law]) for k in ("c", "N0") if k in tr}
    law_off = {k: not (lo <= refit_c[k] <= hi) for k, (lo, hi) in law_band.items()}
    last = cfg["fit_widths"][-1]
    local = {k: float(np.log(refit_c[k] / (best[last].time_scale if k == "c" else best[last]["N0"])) /
                      np.log(w_new / last)) for k in law_band}
    law_text = "; ".join(f"{'N0/eta' if k == 'c' else 'N0'}: trend {float(tr[k](w_new)):.3g} [{lo:.3g}, {hi:.3g}], "
                         f"refitted {refit_c[k]:.3g} (from width {last} to {w_new} it goes as width^{local[k]:.2f}, "
                         f"the trend as width^{tr[k].exponent:.2f})" for k, (lo, hi) in law_band.items())
    exps = {k: {"point": tr[k].exponent if k in tr else None, "ci95": ci(v), "n": int(v.size)}
            for k, v in boot["exponents"].items()}
    rule_counts = {r: boot["rules"].count(r) for r in sorted(set(boot["rules"]))}
    exp_text = "; ".join(f"{'N0/eta' if k == 'c' else 'N0'} ~ width^{e['point']:.3f} [95% CI {e['ci95'][0]:.3f}, "
                         f"{e['ci95'][1]:.3f}] ({e['n']} of {N_BOOT} resamples)"
                         for k, e in exps.items() if e["point"] is not None)

    # ------------------------------------------------------------------ print
    print(f"\nquantization-model sparse parity: {cfg['n_control']} skills (Zipf alpha {cfg['alpha']}), {cfg['n_data']} "
          f"data bits, k = {cfg['k']}; Adam lr {cfg['lr']}, batch {cfg['batch']}, steps {cfg['steps']}, seeds "
          f"{cfg['seeds']} (per width); learning time = first crossing of skill level {LEVEL}")
    variants = list(results[cfg["fit_widths"][0]].keys())[1:]
    for w in cfg["fit_widths"]:
        r = results[w]
        print(f"\nwidth {w}: {r['n_learned']} / {cfg['n_control']} skills learned in more than half of the seeds")
        print(f"  {'variant':45s} | Spearman | median |rel err| | constants")
        for v in variants:
            row = r[v]
            consts = ", ".join(f"{k} = {row[k]:.4g}" for k in ("eta", "N0", "N0/eta", "c", "A", "beta", "r2")
                               if k in row)
            if row.get("limit") == "N0 -> inf":
                consts += f" (the limit N0 -> inf: N0 >= {row['N0_interval'][0]:.3g} at 95%, only N0/eta fitted)"
            elif row.get("limit") == "N0 -> 0":
                consts += f" (the end N0 = 0: N0 <= {row['N0_interval'][1]:.3g} at 95%)"
            rho = row.get("spearman", float("nan"))
            print(f"  {v:45s} | {rho:8.3f} | {row['median_abs_rel_error']:16.1%} | {consts}")
    limits = {w: best[w].limit for w in cfg["fit_widths"] if best[w].limit}
    laws = ", ".join(f"{name} = {tr[k].prefactor:.4g} width^{tr[k].exponent:.3f}"
                     for k, name in (("c", "N0/eta"), ("N0", "N0"), ("eta", "eta")) if k in tr)
    print(f"\nbest variant (time fit, MSE, s* = 0.9), trend over widths {list(cfg['fit_widths'])}: {laws}"
          f" [{tr['rule']}]" + (f"; limits at widths {limits}" if limits else ""))
    print(f"seed bootstrap ({N_BOOT} resamples, Generator seed {BOOT_SEED}, {boot_wall:.1f} s, "
          f"{boot['failed']} failed; rules {rule_counts}): {exp_text}")
    print(f"predict, then measure: width {w_new} (not in the fit): predicted eta = {float(predicted_model.eta):.4g}, "
          f"N0 = {float(predicted_model.N0):.4g}" + (" (a stand-in for N0 -> inf)" if "N0" not in tr else "") +
          f"; Spearman {held_agree['spearman']:.3f}, median |rel err| {held_agree['median_abs_rel_error']:.1%} over "
          f"{held_agree['n_skills']} skills (refitted on itself: {held_refit['spearman']:.3f}, "
          f"{held_refit['median_abs_rel_error']:.1%}, eta = {refit['eta']:.4g}, N0 = {refit['N0']:.4g})")
    print(f"  the held-out width's constants, trend (bootstrap 95%) against refitted: {law_text}")
    print(f"  {PI_LEVEL:.0%} prediction interval (trend + scatter): covers {coverage:.1%} of the {int(ok_new.sum())} "
          f"measured medians (median width hi/lo = {np.median(hi_pi / lo_pi):.2f}); the trend's {PI_LEVEL:.0%} "
          f"confidence band alone covers {coverage_ci:.1%}" + (f"; the interval adds sd {extra_sd:.3f} in ln t for "
          f"the held-out median over {seeds_of(cfg, w_new)} seeds" if extra_sd else ""))

    # ------------------------------------------------------------------ figure
    all_w = (*cfg["fit_widths"], w_new)
    colors = dict(zip(all_w, skill_colors(len(all_w))))
    fig, axes = new_axes(4, 1, size=(4.0, 3.6))
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

    # the trend panel: per-width constants with their bootstrap 90% intervals, the power laws with their bands
    ax = axes[2]
    wg = np.geomspace(widths.min(), w_new, 50)
    q = [(1 - PI_LEVEL) / 2 * 100, (1 + PI_LEVEL) / 2 * 100]
    for key, name, color, marker in (("c", "$N_0/\\eta$ [steps]", "tab:blue", "o"), ("N0", "$N_0$", "tab:red", "s")):
        values = np.array([f.time_scale if key == "c" else f["N0"] for f in fits])
        finite = np.isfinite(values) & (values > 0)
        band = np.percentile(boot[key], q, axis=0, method="inverted_cdf")[:, finite]  # sample values: inf stays
        open_top = ~np.isfinite(band[1])  # resamples in the N0 -> inf limit: the band is open upwards
        err = np.abs(np.where(np.isfinite(band), band, 10.0 * values[finite]) - values[finite])
        ax.errorbar(widths[finite], values[finite], yerr=err, fmt=marker, color=color, capsize=2, ms=4,
                    uplims=False, label=f"{name} (fitted, bootstrap {PI_LEVEL:.0%})")
        for w, v in zip(widths[finite][open_top], values[finite][open_top]):
            ax.annotate("→∞", (w, 10.0 * v), fontsize="x-small", color=color, ha="left", va="bottom")
        if key == "N0" and (~finite).any():  # N0 -> inf: the one-sided profile bound N0 >= x, an arrow up
            bound = np.array([f.N0_interval[0] for f in fits])[~finite]
            ax.errorbar(widths[~finite], bound, yerr=[np.zeros_like(bound), 2.0 * bound], lolims=True, fmt="s",
                        mfc="none", color=color, capsize=3, label="$N_0 \\to \\infty$: $N_0 \\geq$ bound (95%)")
        if key in tr:
            curves = np.array([law[key](wg) for law in boot["laws"] if key in law])
            ax.loglog(wg, tr[key](wg), "-", color=color, lw=0.8)
            if len(curves):
                ax.fill_between(wg, *np.percentile(curves, q, axis=0), color=color, alpha=0.15, lw=0,
                                label=f"power law in width, bootstrap {PI_LEVEL:.0%} band" if key == "c" else None)
                pred = np.array([law[key](w_new) for law in boot["laws"] if key in law])
                mid = float(tr[key](w_new))
                ax.errorbar([w_new], [mid], yerr=[[mid - np.percentile(pred, q[0])], [np.percentile(pred, q[1]) - mid]],
                            fmt="*", color=color, ms=9, capsize=3,
                            label=f"predicted for width {w_new}" if key == "c" else None)
    ax.set(xscale="log", yscale="log", xlabel="width", ylabel="fitted constant")
    ax.set_title("the constants against width", fontsize="medium")

    # the held-out width: per-skill prediction interval and the measured medians
    ax = axes[3]
    mu0 = trend_times(tr, w_new, A, tau)
    ax.errorbar(p, mu0, yerr=[mu0 - lo_pi, hi_pi - mu0], fmt="none", ecolor="0.7", elinewidth=3,
                label=f"{PI_LEVEL:.0%} prediction interval")
    ax.errorbar(p, mu0, yerr=[mu0 - lo_ci, hi_ci - mu0], fmt="_", color="k", ecolor="0.35", elinewidth=1, ms=6,
                label=f"predicted (trend), its own {PI_LEVEL:.0%} band")
    hit, miss = ok_new & inside, ok_new & ~inside
    ax.loglog(p[hit], measured_new[hit], "*", color=colors[w_new], ms=6, label="measured median, inside")
    ax.loglog(p[miss], measured_new[miss], "*", mfc="none", color="tab:red", ms=7, label="measured median, outside")
    ax.set(xscale="log", yscale="log", xlabel="skill frequency $p_i$", ylabel="learning time $t_i$ [steps]")
    ax.set_title(f"width {w_new}, predicted: coverage {coverage:.0%}", fontsize="medium")
    for ax in axes:
        plain_log_ticks(ax)
    axes[0].legend(loc="upper left", fontsize="x-small", frameon=False)
    legend_outside(axes[2])
    legend_outside(axes[3])
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
        med_w = median_learning_times(runs[w], th)
        ok_w = np.isfinite(med_w)
        (slope, _), cov = np.polyfit(np.log(p[ok_w]), np.log(med_w[ok_w]), 1, cov=True)
        beta, beta_se = -float(slope), float(np.sqrt(cov[0, 0]))
        steeper = beta - 1.0 > 2.0 * beta_se  # the Resource model's steepest: t = c / p (N0 -> inf), beta = 1
        capacity = (f"width {w} learns its rare skills later than 1/p: t ~ p^-beta with beta = {beta:.2f} ± "
                    f"{beta_se:.2f} over its {int(ok_w.sum())} learned skills, steeper than any Resource model with "
                    "these frequencies can make (at most beta = 1, the limit N0 -> inf, t = c/p): a capacity effect "
                    "of narrow networks the model does not have (seen before this run: beta = 1.18 at 256, 1.43 at "
                    "128; this automatic rule, beta above 1 by two standard errors, was added after the run)"
                    if steeper else None)
        ex.check(f"validation.w{w}.spearman", f"width {w}: the fitted Resource model ranks the learning times "
                 "(Spearman; 1 = the same order)", claim=CLAIM, kind="beyond", paper=1.0, value=r["spearman"],
                 tolerance=rank_tol, tolerance_reason=rank_why)
        tol = TARGET["median_abs_rel_error"] if not ex.quick else 0.25
        ex.check(f"validation.w{w}.rel_error", f"width {w}: median |relative error| of the closed-form times "
                 "(two constants)", claim=CLAIM, kind="beyond", paper=0, value=r["median_abs_rel_error"],
                 tolerance=tol, tolerance_reason=err_why(tol), explanation=capacity,
                 detail=f"free power law: beta = {beta:.2f} ± {beta_se:.2f}")
    width_law = (f"width {w_new} refitted on itself is described to {held_refit['median_abs_rel_error']:.1%} (two "
                 "constants), but its constants are not where the power laws in width put them: " + law_text +
                 ". The constants are identified (finite N0) at only two fitted widths, and their width dependence "
                 "changes beyond them, so the trend's seed-bootstrap band, which holds the seed noise of a power law "
                 "that is right, misses the form (this explanation, and its rule: the refit meets the target while "
                 "a refitted constant lies outside the trend's 95% band, were added after the run)"
                 if held_refit["median_abs_rel_error"] <= TARGET["median_abs_rel_error"] and any(law_off.values())
                 and not ex.quick else None)
    ex.check("validation.predicted.spearman", f"width {w_new}, predicted from the other widths' constants: rank "
             "(Spearman)", claim=CLAIM, kind="beyond", paper=1.0, value=held_agree["spearman"], tolerance=rank_tol,
             tolerance_reason=rank_why)
    tol = TARGET["median_abs_rel_error"] if not ex.quick else 0.30
    ex.check("validation.predicted.rel_error", f"width {w_new}, predicted: median |relative error|", claim=CLAIM,
             kind="beyond", paper=0, value=held_agree["median_abs_rel_error"], tolerance=tol,
             tolerance_reason=err_why(tol), detail=f"trend {laws} [{tr['rule']}]; {exp_text}",
             explanation=width_law)
    cov_tol = COVERAGE_TOL[mode]
    ex.check("validation.predicted.coverage", f"width {w_new}, predicted: the {PI_LEVEL:.0%} per-skill prediction "
             "interval (seed bootstrap of the width trend + the fits' scatter) covers the measured medians",
             claim=CLAIM, kind="beyond", paper=PI_LEVEL, value=coverage, tolerance=cov_tol,
             tolerance_reason=f"chosen before the run: the coverage of {int(ok_new.sum())} skills has binomial "
             f"standard error {np.sqrt(PI_LEVEL * (1 - PI_LEVEL) / max(int(ok_new.sum()), 1)):.3f}, and the skills "
             "share one trend, so their misses are correlated (fewer effective skills): "
             f"{cov_tol} = " + ("five standard errors at 100 skills" if mode != "quick" else
                                "three to four standard errors at 20 skills"),
             detail=f"{N_BOOT} resamples (seed {BOOT_SEED}); exponents {exp_text}; trend alone covers "
             f"{coverage_ci:.0%}", explanation=width_law)

    return ex.finish({"mode": mode, "config": cfg, "per_width": {str(w): results[w] for w in cfg["fit_widths"]},
                      "trend": {"rule": tr["rule"],
                                **{("N0_over_eta" if k == "c" else k): [tr[k].prefactor, tr[k].exponent]
                                   for k in ("c", "N0", "eta") if k in tr},
                                "exponents_bootstrap": {("N0_over_eta" if k == "c" else k): e
                                                        for k, e in exps.items()},
                                "bootstrap": {"n_boot": N_BOOT, "seed": BOOT_SEED, "failed": boot["failed"],
                                              "rules": rule_counts, "wall_s": boot_wall, "extra_sd": extra_sd}},
                      "held_out": {"width": w_new, "eta": float(predicted_model.eta),
                                   "N0": float(predicted_model.N0) if "N0" in tr else None,
                                   **held_agree, "refit": {**held_refit, "eta": float(refit["eta"]),
                                                           "N0": float(refit["N0"])},
                                   "law_vs_refit": {("N0_over_eta" if k == "c" else k): {
                                       "trend": float(tr[k](w_new)), "band95": law_band[k], "refit": refit_c[k],
                                       "local_exponent": local[k]} for k in law_band}, "coverage": coverage,
                                   "coverage_trend_alone": coverage_ci, "level": PI_LEVEL},
                      "predicted": held_table["predicted"].values, "measured": held_table["median"].values,
                      "interval": boot["interval"]})


if __name__ == "__main__":
    raise SystemExit(main())
