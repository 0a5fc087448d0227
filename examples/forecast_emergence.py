"""Beyond the paper: predict, then measure. Forecast when the skills not yet learned will be learned.

A run is cut at the step where 25% (then 50%) of its skills have been learned; `skillode.forecast` fits the
Resource model's closed-form learning times (two constants, eta and N0) to what the run showed by then (the
learning times of the skills already learned; the others are censored: not learned by the cut) and forecasts every
other skill's learning time with a 90% interval. The full run then says when those skills were learned: the median
relative error of the forecasts and the coverage of their intervals are the scores.

Two sources, each run forecast on its own (one run is what a user watching a training run has): (a) Geometry-model
runs (SignGD, Zipf(1.5) frequencies over 100 skills, N = 1000, batch 1024; 8 seeds) and (b) the quantization-model
networks of ``validation_at_scale.py`` (100 skills, Zipf(1) tasks, ReLU MLPs trained with Adam; two widths, 8 seeds
each: the very runs of validation_at_scale's default mode, so that under one ``--store``, as ``skillode report
--full`` gives, they are trained once for both scripts). Targets, fixed before the runs: at the 50% cut, median
relative error <= 15% and 90%-interval coverage >= 80% on both sources; the 25% cut is reported as measured. The
scores are also given split by whether a skill levelled off below s = 0.95 by the end of the full run (a floor the
Resource model does not have: the step size's in the Geometry runs, capacity's in the narrow networks); that split
was chosen after the first full run missed on the Geometry runs, and a miss counts as explained by it only where the
other skills meet the target. A second measurement, added after the second full run, says whether the Resource model
can describe a run at all: the slope of ln t against ln p of the times seen by the cut against the shallowest slope
the model's closed form gives over those skills for any N0 (`shallowest_model_slope`). The Geometry runs with SignGD
are shallower than the model can be (about p^-0.43 against p^-0.50), then steepen in the rare skills (p^-0.89); a
miss on a run the model cannot fit is shown as a difference with those slopes, not as a failure of the forecast.

The forecast's method was chosen on development runs kept apart from these (Geometry seeds 100-102, the quick
networks): see `skillode.forecast`. Modes: --quick (CI: 50 Geometry skills, 3 seeds; the 20-skill networks of
validation_at_scale's quick mode, width 512, 5 seeds), the default (CPU, tens of minutes for the networks; a rerun reads
them from --store).

    python examples/forecast_emergence.py [--out DIR] [--quick] [--store DIR] [--workers K]
"""

from __future__ import annotations

import jax
import numpy as np
from _common import Example
from validation_at_scale import MODES as NETWORK_MODES
from validation_at_scale import width_part

import skillode as sk
from skillode.forecasting import forecast
from skillode.geometry import GeometryModel, simulate_many
from skillode.plotting import new_axes, plain_log_ticks, skill_colors
from skillode.sweeps import Study

CLAIM = "beyond arXiv:2501.12391: its Resource model forecasting the skills a run has not learned yet"
LEVEL = 0.9
CUTS = (0.25, 0.5)
TARGET = {"median_rel_error": 0.15, "coverage": 0.80}  # at the 50% cut; fixed before the runs
FLOOR = 0.95  # a skill whose level over the last 20% of the full run stays below this has levelled off (no s -> 1)
MODES = {
    "quick": dict(geometry=dict(n=50, alpha=1.5, N=1000, batch=1024, lr=1e-3, steps=1500, record=5, seeds=3),
                  networks=NETWORK_MODES["quick"], widths=(512,)),
    "default": dict(geometry=dict(n=100, alpha=1.5, N=1000, batch=1024, lr=1e-3, steps=3000, record=5, seeds=8),
                    networks=NETWORK_MODES["default"], widths=(512, 1024)),  # validation_at_scale's parts
}


def geometry_runs(cfg):
    """Geometry-model runs (seeds 0..K-1): a trajectory with dims (seed, skill, t)."""
    p = sk.zipf(cfg["n"], cfg["alpha"])
    model = GeometryModel.sample(jax.random.key(1), p=p, N=cfg["N"], batch_size=cfg["batch"])
    return simulate_many(model, "signgd", cfg["steps"], learning_rate=cfg["lr"], seeds=list(range(cfg["seeds"])),
                         record_every=cfg["record"], record_aligned=False)


def network_runs(ex, cfg, widths, client):
    """The networks of validation_at_scale at `widths` (one study part each): {width: trajectory (seed, skill, t)}."""
    tag = f"n{cfg['n_control']}-d{cfg['n_data']}-k{cfg['k']}-a{cfg['alpha']}-B{cfg['batch']}-lr{cfg['lr']}"
    study = Study(ex.study_root("validation_at_scale", tag), [width_part(cfg, w) for w in widths])
    study.run(client=client, progress=not (ex.quick or ex.args.no_progress))
    return {dict(part.coords)["width"]: study.open_part(dict(part.coords)).load() for part in study.parts}


def cut_step(truth: np.ndarray, frac: float) -> float:
    """The step by which ceil(frac * n) skills were learned (from the full run's learning times)."""
    learned = np.sort(truth[np.isfinite(truth)])
    k = int(np.ceil(frac * truth.size))
    if learned.size < k:
        raise RuntimeError(f"the full run learned {learned.size} skills, fewer than the {k} of a {frac:.0%} cut")
    return float(learned[k - 1])


N0_GRID = np.geomspace(1e-8, 1e4, 25)  # the Resource model's N0 range, for the slopes it can produce


def log_slope(p, t) -> float:
    """The least-squares slope of ln t against ln p (t ~ p^slope)."""
    return float(np.polyfit(np.log(p), np.log(t), 1)[0])


def shallowest_model_slope(template, skills) -> float:
    """The shallowest (largest) slope of ln t_i against ln p_i over `skills` that the Resource model's closed form
    gives for any N0 on `N0_GRID` (eta only shifts ln t): a run whose learning times are shallower than this
    cannot be described by the model."""
    p = np.asarray(template.p)
    return max(log_slope(p[skills], np.asarray(sk.ResourceModel(p=p, eta=1.0, N0=N0, loss_kind=template.loss_kind)
                                               .closed_form_learning_times(sk.Threshold(LEVEL)))[skills])
               for N0 in N0_GRID)


def predict_then_measure(ds, template, run_dim="seed") -> dict:
    """Per cut: every run forecast alone at its cut, scored against its own full-run learning times; with the
    slopes of ln t against ln p that say whether the model can describe the run (`shallowest_model_slope`): the
    slope of the times seen by the cut, the model's shallowest over those skills, and the full run's slope over
    the skills forecast, and the median ratio full run / forecast."""
    full = sk.learning_times(ds, LEVEL).transpose(run_dim, "skill").values
    p = np.asarray(template.p)
    t = ds.t.values
    final = ds.skill_level.isel(t=t >= t[0] + 0.8 * (t[-1] - t[0])).mean("t").transpose(run_dim, "skill").values
    out = {}
    for frac in CUTS:
        rel, covered, beyond, forecasts, level = [], [], 0, [], []
        slopes = {"seen": [], "model_shallowest": [], "ahead": [], "late": []}
        for r in range(ds.sizes[run_dim]):
            at = cut_step(full[r], frac)
            fc = forecast(ds.isel({run_dim: r}), template, at=at, threshold=LEVEL, seed=r)
            ahead = ~fc.observed.values
            truth = full[r]
            scored = ahead & np.isfinite(truth)
            beyond += int((ahead & ~np.isfinite(truth)).sum())  # not learned by the end of the full run
            rel += list(np.abs(fc.learning_time.values[scored] - truth[scored]) / truth[scored])
            covered += list((fc.lower.values[scored] <= truth[scored]) & (truth[scored] <= fc.upper.values[scored]))
            level += list(final[r][scored])
            forecasts.append(fc)
            seen = fc.observed.values
            slopes["seen"].append(log_slope(p[seen], fc.learning_time.values[seen]))
            slopes["model_shallowest"].append(shallowest_model_slope(template, seen))
            slopes["ahead"].append(log_slope(p[scored], truth[scored]))
            slopes["late"].append(float(np.median(truth[scored] / fc.learning_time.values[scored])))
        out[frac] = {"rel_error": np.asarray(rel), "covered": np.asarray(covered, dtype=float),
                     "final_level": np.asarray(level),
                     "not_learned_in_full_run": beyond, "forecasts": forecasts, "truth": full,
                     "slopes": {k: np.asarray(v) for k, v in slopes.items()}}
    return out


def draw(ax_curves, ax_times, ds, result, title, run_dim="seed"):
    """One run at the 50% cut: curves seen (solid), forecasts with intervals, the later truth (open points)."""
    fc = result[0.5]["forecasts"][0]
    truth = result[0.5]["truth"][0]
    run = ds.isel({run_dim: 0})
    at = float(fc.attrs["at"])
    colors = skill_colors(run.sizes["skill"])
    t = run.t.values
    seen = t <= at
    for i in range(run.sizes["skill"]):
        ax_curves.plot(t[seen], run.skill_level.values[i, seen], color=colors[i], lw=0.8)
        ax_curves.plot(t[~seen], run.skill_level.values[i, ~seen], color=colors[i], lw=0.5, alpha=0.25)
    ax_curves.axvline(at, color="k", lw=0.8, ls="--")
    ax_curves.axhline(LEVEL, color="0.5", lw=0.6)
    ax_curves.set(xlabel="step", ylabel="skill level", title=f"{title}: seen up to step {at:.0f}")
    p = run.p.values
    obs = fc.observed.values
    ax_times.loglog(p[obs], fc.learning_time.values[obs], "o", ms=3, color="k", label="learned by the cut")
    ahead = ~obs
    mid = fc.learning_time.values[ahead]
    yerr = np.vstack([mid - fc.lower.values[ahead], fc.upper.values[ahead] - mid])
    ax_times.errorbar(p[ahead], mid, yerr=yerr, fmt="s", ms=3, color="tab:blue", elinewidth=0.8,
                      label="forecast, 90% interval")
    ax_times.loglog(p[ahead], truth[ahead], "o", ms=4, mfc="none", color="tab:red", label="full run (truth)")
    ax_times.axhline(at, color="k", lw=0.8, ls="--")
    ax_times.set(xlabel="skill frequency $p_i$", ylabel="learning time [steps]", title=f"{title}: forecasts")
    plain_log_ticks(ax_times)
    ax_times.legend(fontsize="small", loc="upper right")


def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="about a minute: 50 Geometry skills, 20-skill networks, one width")
    ex.add_sweep_flags()
    args = ex.parse(argv)
    cfg = MODES["quick" if args.quick else "default"]
    if args.dry_run:
        ex.not_run("forecast.geometry.median_rel_error_50", "Geometry runs: forecast error at the 50% cut",
                   claim=CLAIM, kind="beyond", reason="--dry-run")

        return ex.finish({"config": cfg})

    geo = geometry_runs(cfg["geometry"])
    geo_result = predict_then_measure(geo, sk.ResourceModel(p=geo.p.values, eta=1.0, N0=0.0, loss_kind="mse"))
    with ex.client() as client:
        nets = network_runs(ex, cfg["networks"], cfg["widths"], client)
    net_result = {w: predict_then_measure(ds, sk.ResourceModel(p=ds.p.values, eta=1.0, N0=0.0, loss_kind="mse"))
                  for w, ds in nets.items()}

    # scores: Geometry pooled over seeds; networks pooled over widths and seeds
    def pooled(results, frac, levelled=None):
        """Median |rel. error|, coverage and count; `levelled` True/False: only skills that did / did not level off
        below FLOOR by the end of the full run."""
        rel, cov, final = (np.concatenate([r[frac][k] for r in results])
                           for k in ("rel_error", "covered", "final_level"))
        keep = np.ones(rel.size, bool) if levelled is None else (final < FLOOR) == levelled
        if not keep.any():
            return float("nan"), float("nan"), 0
        return float(np.median(rel[keep])), float(np.mean(cov[keep])), int(keep.sum())

    scores = {}
    print(f"\npredict, then measure (threshold s* = {LEVEL}; 90% intervals):")
    print(f"  {'source':34s} | cut | forecast skills | median |rel err| | coverage | not learned by the end")
    per_width = [(f"network width {w}", [net_result[w]]) for w in nets] if len(nets) > 1 else []
    for source, results in (("geometry", [geo_result]), *per_width,
                            ("networks (every width)", list(net_result.values()))):
        for frac in CUTS:
            med, cov, k = pooled(results, frac)
            missing = sum(r[frac]["not_learned_in_full_run"] for r in results)
            (flat_med, flat_cov, flat_k), (rest_med, rest_cov, _) = (pooled(results, frac, b) for b in (True, False))
            slope = {k: float(np.median(np.concatenate([r[frac]["slopes"][k] for r in results])))
                     for k in ("seen", "model_shallowest", "ahead", "late")}
            scores[(source, frac)] = {"median_rel_error": med, "coverage": cov, "n_forecast": k,
                                      "not_learned_in_full_run": missing, "levelled_off": flat_k,
                                      "levelled_off_median_rel_error": flat_med, "levelled_off_coverage": flat_cov,
                                      "others_median_rel_error": rest_med, "others_coverage": rest_cov,
                                      "slopes": slope}
            print(f"  {source:34s} | {frac:.0%} | {k:15d} | {med:16.1%} | {cov:8.0%} | {missing}")
            if flat_k:
                print(f"  {'':34s} |     | {flat_k:5d} levelled off below s = {FLOOR}: {flat_med:.1%}, {flat_cov:.0%};"
                      f" the others {rest_med:.1%}, {rest_cov:.0%}")
            print(f"  {'':34s} |     | t ~ p^slope: seen by the cut {slope['seen']:.2f} (the model's shallowest "
                  f"{slope['model_shallowest']:.2f}), the skills forecast in the full run {slope['ahead']:.2f}; "
                  f"full run / forecast {slope['late']:.2f} (medians over runs)")

    fig, axes = new_axes(2, 2, size=(4.6, 3.4))
    draw(axes[0, 0], axes[1, 0], geo, geo_result, "Geometry model")
    w = cfg["widths"][-1]
    draw(axes[0, 1], axes[1, 1], nets[w], net_result[w], f"network, width {w}")
    fname = ex.save_figure(fig)

    for key, source in (("geometry", "geometry"), ("networks", "networks (every width)")):
        for frac in CUTS:
            s = scores[(source, frac)]
            tag = f"{int(frac * 100)}"
            late = ("" if frac == 0.5 else
                    "cut at 25%: the forecast extrapolates over three quarters of the skills, from the most frequent "
                    "quarter alone; the targets were set for the 50% cut and are shown here for comparison")
            split, floor_explains = None, {"median_rel_error": False, "coverage": False}
            if s["levelled_off"]:  # measured in this run; found as the cause after the first full run
                split = (f"{s['levelled_off']} of the {s['n_forecast']} skills forecast levelled off below s = {FLOOR} "
                         f"(mean over the last 20% of the full run): median error "
                         f"{s['levelled_off_median_rel_error']:.0%}, coverage {s['levelled_off_coverage']:.0%}; "
                         f"the others {s['others_median_rel_error']:.0%}, {s['others_coverage']:.0%}")
                floor_explains = {"median_rel_error": s["others_median_rel_error"] <= TARGET["median_rel_error"],
                                  "coverage": s["others_coverage"] >= TARGET["coverage"]}

            sl = s["slopes"]
            misfit = (f"the run's learning times up to the cut fall as p^{sl['seen']:.2f}, shallower than the "
                      f"Resource model can make them for any N0 (its shallowest over those skills: "
                      f"p^{sl['model_shallowest']:.2f}), so the fit sits near N0 -> 0 and carries a shallow slope "
                      f"into the rare skills, whose full-run times fall as p^{sl['ahead']:.2f}: learned a median "
                      f"{sl['late']:.2f} times later than forecast. The interval holds the uncertainty of a model "
                      f"that is right (its constants and scatter), not the error of one that cannot fit the run "
                      f"(this measurement and rule were added after the second full run)"
                      if sl["seen"] > sl["model_shallowest"] else "")

            def why(metric):
                """The explanation of a miss: the 25% cut; skills that level off (only where, without them, the
                target is met; that split was chosen after the first full run, and is said so); or a run whose
                learning times up to the cut are shallower in p than the Resource model can make (chosen after the
                second full run, and said so)."""
                floor = (f"the misses are on skills that level off below s = {FLOOR}, a floor the Resource model "
                         f"does not have (their s* = {LEVEL} crossing comes late or never); on the others the target "
                         f"is met (the split, chosen after the first full run, is in the detail)"
                         if floor_explains[metric] else "")
                return "; ".join(filter(None, (late, floor, misfit))) or None

            ex.check(f"forecast.{key}.median_rel_error_{tag}",
                     f"{source}: median relative error of the forecasts made at the {frac:.0%} cut "
                     f"({s['n_forecast']} skills)", claim=CLAIM, kind="beyond", paper=0.0,
                     value=s["median_rel_error"], tolerance=TARGET["median_rel_error"],
                     tolerance_reason="target fixed before the runs: median relative error <= 15% (at the 50% cut)",
                     explanation=why("median_rel_error"), detail=split, figure=fname)
            ex.check(f"forecast.{key}.coverage_{tag}",
                     f"{source}: share of the full run's learning times inside the 90% forecast intervals "
                     f"({frac:.0%} cut)", claim=CLAIM, kind="beyond", paper=1.0, value=s["coverage"],
                     tolerance=1.0 - TARGET["coverage"],
                     tolerance_reason="target fixed before the runs: coverage >= 80% (at the 50% cut)",
                     explanation=why("coverage"), detail=split, figure=fname)
    return ex.finish({"config": {k: v for k, v in cfg.items()},
                      "scores": {f"{s}|{f}": v for (s, f), v in scores.items()}})


if __name__ == "__main__":
    raise SystemExit(main())
