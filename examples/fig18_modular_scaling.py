"""Fig18: modular against non-modular scaling in the Geometry model (loss against N and against steps).

The paper (arXiv:2501.12391, Fig. 18): the Fig. 10 settings (n = 1000 Zipf(alpha) skills, CE, B = 1024, lr = 0.01,
SignGD, N = 20..1000, alpha in {0.5, 1.0, ..., 2.0}, 4 seeds, 1e5 steps) with two kinds of task vectors: random
unit vectors (non-modular: the Fig. 10 SignGD data) and one-hot vectors (modular: t_i = e_i for i <= N, 0 beyond,
so the skills past N can never be learned). The grid, its parts and the modes are those of fig10_scaling.py
(examples/_scaling_grid.py); with the same ``--store`` the two scripts share the non-modular parts.

What is checked:

- the modular final loss against its closed form log 2 · sum_{i>N} p_i (skillode.closed_form.modular_ce_loss), at
  every (alpha, N) where the run has converged: every skill i <= N at skill level >= 0.999 in every seed (then the
  learned skills add at most 1e-3 · sum_{i<=N} p_i to the loss); the paper's 0.36 (N = 20) and 0.21 (N = 100) at
  alpha = 1;
- against steps at N = 100, the loss ratio non-modular / modular: below 1 early (the modular model is slower: each
  skill has one coordinate, which SignGD moves by lr per step, while a random-unit skill is pushed along all N),
  above 1 late; the step where it crosses 1 at every alpha = 1.0 … 2.0 (with each seed's own crossing) against the
  paper's one range ≈300–500, and the late ratio (at the last step), next to the paper's;
- the ratio against N at the last step with *matching* alphas. The paper's N panels appear to divide non-modular
  alpha_(k-1) by modular alpha_k (an off-by-one in the row labels, see docs/paper.md); that version is printed too.

The Chinchilla form L(N, S) = E + A N^-a + B S^-b (skillode.fit.fit_chinchilla) is fitted per alpha >= 1 and per
kind over the runs with N = 20..300 and steps S from 100 to the end of the run. Weighting: least squares on log L
(every point counts by its relative error, since the losses span decades), at 8 log-spaced records per decade of S
for every run, so each run and each decade of S weigh the same. S starts at 100: before that the loss is still
near log 2 at the small N (the first skills are learned after tens of steps at N = 20) and the curve is not a
power law; this matches the start of the paper's alpha_S window (80). N stops at 300: with n = 1000 random-unit
constraints the non-modular loss collapses towards 0 once N approaches n/2 (why Fig. 10 fits N <= 220). The
bootstrap resamples whole runs (a run's loss curve is one correlated unit); alpha = 0.5 is not fitted (its Zipf
tail sum_{i>N} p_i ∝ n^(1/2) - N^(1/2) is no power law in N). The quick mode (3 runs per alpha) fits nothing: five
parameters and a run bootstrap need more runs. The modular loss against steps is not a power law either (every
skill with B p_i >~ 1 moves at the same lr per step): its fitted b only describes the window.

    python examples/fig18_modular_scaling.py [--out DIR] [--quick | --paper] [--dry-run] [--store DIR] [--workers K]
"""

from __future__ import annotations

import math

import numpy as np
from _common import Example
from _scaling_grid import (
    ALPHAS,
    N_SKILLS,
    PROGRAM,
    add_grid_flags,
    describe,
    grid_of,
    held,
    loglog_at,
    median_curve,
    run,
    study_of,
)
from matplotlib.lines import Line2D

from skillode import zipf
from skillode.closed_form import modular_ce_loss
from skillode.plotting import legend_outside, new_axes, plain_log_ticks, skill_colors
from skillode.scaling import CHINCHILLA, fit_chinchilla, reference_exponents, two_point_exponent
from skillode.sweeps import format_dry_run

CLAIM = "arXiv:2501.12391, Fig. 18"
KINDS = {"random_unit": "non-modular", "one_hot": "modular"}
LEVEL = 0.999  # a run has converged at N when every skill i <= N has reached this skill level in every seed
CLOSED_FORM_TOL = 1e-3  # relative
PAPER_MOD = {20: 0.36, 100: 0.21}  # modular final loss, alpha = 1 (read from the plot)
PAPER_EARLY = (0.2, 100)  # the lowest ratio and its step, alpha = 2
# The lowest ratio at N = 100, alpha = 2, measured once per seed over seeds 0-7 (this grid's settings, 3000 steps):
# 0.223 to 0.329, median 0.256, at steps 120-140 (the ratio of the median curves: 0.256 at 130, 0.267 at 100).
# The modular loss is the same in every seed to 0.1% there (fixed one-hot vectors; only the batches differ).
EARLY_SEEDS_MEASURED = (0.223, 0.329, 0.256)
PAPER_CROSS = (300, 500)
# Each seed's own crossing step at N = 100, seeds 0-7 (this grid's settings, 3000 steps), min and max, measured once;
# the ratio of the median curves over the 8 seeds crosses at 88, 140, 201, 269, 341, 417 for alpha = 1.0 … 2.0
CROSS_SEEDS_MEASURED = {1.0: (72, 110), 1.2: (124, 165), 1.4: (184, 229), 1.6: (249, 299), 1.8: (319, 375),
                        2.0: (392, 454)}
PAPER_LATE = {1.0: 1.7, 2.0: 2.9}
FIG10_SIGNGD = {"alpha_N": (0.35, 0.48, 0.63, 0.79, 0.95, 0.97), "alpha_S": (0.18, 0.30, 0.45, 0.62, 0.81, 1.03)}
TABLE_ALPHAS = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
FIT_N, FIT_S0, PER_DECADE = (20, 300), 100, 8
N_BOOT = {"quick": 0, "default": 200, "paper": 400}
SHOWN = (1.0, 1.4, 2.0)


# -------------------------------------------------------------------------------------------- the closed form
def closed_form_check(mod) -> dict:
    out = {"alpha": [], "N": [], "measured": [], "closed": [], "rel_err_max_seed": [], "converged": []}
    for ai, a in enumerate(ALPHAS):
        p = zipf(N_SKILLS, a)
        for i, N in enumerate(mod.Ns):
            if N >= N_SKILLS:
                continue  # nothing left to miss: the closed form is 0
            finals = mod.final()[i, :, ai]
            ok = np.isfinite(finals)
            closed = float(modular_ce_loss(p, int(N)))
            levels = mod.final_level[i, ok, ai, :N]
            out["alpha"].append(a)
            out["N"].append(int(N))
            out["measured"].append(float(np.median(finals[ok])))
            out["closed"].append(closed)
            out["rel_err_max_seed"].append(float(np.max(np.abs(finals[ok] - closed)) / closed))
            out["converged"].append(bool(np.all(levels >= LEVEL)))
    return out


def print_closed_form(cf: dict) -> None:
    print(f"\nmodular final loss against log 2 · sum_(i>N) p_i (max relative error over seeds; * = converged: every "
          f"skill i <= N at level >= {LEVEL} in every seed)")
    Ns = sorted(set(cf["N"]))
    print("  alpha \\ N " + "".join(f"{N:>10d}" for N in Ns))
    for a in ALPHAS:
        row = ""
        for N in Ns:
            k = [j for j in range(len(cf["N"])) if cf["N"][j] == N and cf["alpha"][j] == a]
            row += f"{cf['rel_err_max_seed'][k[0]]:9.1e}{'*' if cf['converged'][k[0]] else ' '}" if k else " " * 10
        print(f"  {a:9.1f} " + row)


# -------------------------------------------------------------------------------------------- ratios
def crossover(t, ratio) -> dict:
    """The lowest ratio (and its step), the first step after it with ratio >= 1 (log-t interpolation), the last."""
    ok = (t > 0) & np.isfinite(ratio)
    t, r = t[ok], ratio[ok]
    k = int(np.argmin(r))
    cross = math.nan
    for j in range(k, r.size - 1):
        if r[j] < 1 <= r[j + 1]:
            f = (1 - r[j]) / (r[j + 1] - r[j])
            cross = float(math.exp(math.log(t[j]) + f * (math.log(t[j + 1]) - math.log(t[j]))))
            break
    return {"min_ratio": float(r[k]), "min_step": float(t[k]), "cross_step": cross, "late_ratio": float(r[-1]),
            "late_step": float(t[-1]), "ratio_at_1000": loglog_at(t, r, 1000.0) if t[-1] >= 1000 else math.nan}


def ratios(nonmod, mod) -> dict:
    t = mod.t
    curves = {"t": t, "alpha": list(ALPHAS), "ratio": [], "crossover": []}
    if nonmod.has(100) and mod.has(100):
        r = median_curve(nonmod, 100) / median_curve(mod, 100)
        curves["ratio"] = r
        curves["crossover"] = [crossover(t, r[ai]) for ai in range(len(ALPHAS))]
        # each seed's own ratio (non-modular seed s over modular seed s), where both runs are in the store
        a, b = nonmod.loss[nonmod.index(100)], mod.loss[mod.index(100)]  # (seed, alpha, t)
        pairs = [(int(np.flatnonzero(nonmod.seeds == sd)[0]), j) for j, sd in enumerate(mod.seeds)
                 if sd in nonmod.seeds]
        pairs = [(i, j) for i, j in pairs if np.isfinite(a[i, 0, -1]) and np.isfinite(b[j, 0, -1])]
        curves["cross_seeds"] = [[crossover(t, a[i, ai] / b[j, ai])["cross_step"] for i, j in pairs]
                                 for ai in range(len(ALPHAS))]
        # the crossings if the modular model were as far behind early as the paper's, at every alpha: each ratio
        # scaled by the paper's lowest ratio over skillode's ratio at alpha = 2 and the paper's step (100)
        scale = PAPER_EARLY[0] / loglog_at(t, r[ALPHAS.index(2.0)], PAPER_EARLY[1])
        curves["early_scale"] = scale
        curves["cross_scaled"] = [crossover(t, scale * r[ai])["cross_step"] for ai in range(len(ALPHAS))]
    common = np.array([N for N in mod.Ns if nonmod.has(N)])
    nm = {N: np.nanmedian(nonmod.final()[nonmod.index(N)], axis=0) for N in common}  # (alpha,)
    md = {N: np.nanmedian(mod.final()[mod.index(N)], axis=0) for N in common}
    curves["N"] = common
    curves["N_ratio"] = np.array([[nm[N][ai] / md[N][ai] for N in common] for ai in range(len(ALPHAS))])
    # the paper's N panels (probable off-by-one): non-modular alpha_(k-1) over modular alpha_k
    curves["N_ratio_shifted"] = np.array([[nm[N][ai - 1] / md[N][ai] for N in common]
                                          for ai in range(1, len(ALPHAS))])
    return curves


def print_ratios(rat: dict) -> None:
    if len(rat["crossover"]):
        print("\nN = 100, loss ratio non-modular / modular against steps (median over seeds):")
        print("  alpha | lowest ratio at step | crosses 1 at step [seeds min–max] | ratio at 1000 | at the last step "
              "| paper (crossing: ≈300–500 for the curves alpha = 1 … 2)")
        for ai, a in enumerate(ALPHAS):
            c = rat["crossover"][ai]
            seeds = np.asarray(rat["cross_seeds"][ai], dtype=float)
            rng = (f"[{np.nanmin(seeds):4.0f}–{np.nanmax(seeds):4.0f}]" if np.isfinite(seeds).any() else "     —     ")
            paper = {1.0: "late ≈1.7", 2.0: "lowest ≈0.2 at ≈100, late ≈2.9"}.get(a, "")
            print(f"  {a:5.1f} | {c['min_ratio']:8.3f} at {c['min_step']:6.0f} | {c['cross_step']:8.0f} {rng}      | "
                  f"{c['ratio_at_1000']:10.3f}    | {c['late_ratio']:7.3f} (t = {c['late_step']:.0f}) | {paper}")
        scaled = ", ".join(f"{v:.0f}" for v in rat["cross_scaled"][1:])
        print(f"  (with every ratio scaled by {rat['early_scale']:.2f}, the paper's lowest ratio over skillode's at "
              f"alpha = 2: crossings {scaled} for alpha = 1.0 … 2.0)")
    if rat["N"].size:
        print("\nloss ratio non-modular / modular at the last step against N, matching alphas (and, in brackets, the "
              "paper's N-panel pairing: non-modular alpha_(k-1) over modular alpha_k):")
        print("  alpha \\ N " + "".join(f"{N:>14d}" for N in rat["N"]))
        for ai, a in enumerate(ALPHAS):
            row = "".join(f"{rat['N_ratio'][ai, j]:6.2f}" + (f" [{rat['N_ratio_shifted'][ai - 1, j]:5.2f}]" if ai
                                                            else " " * 8) for j in range(rat["N"].size))
            print(f"  {a:9.1f} " + row)


# -------------------------------------------------------------------------------------------- Chinchilla
def fit_points(study, ai):
    """(N, S, L, groups) of every run with N in FIT_N, at PER_DECADE log-spaced records per decade of S >= FIT_S0."""
    t = study.t
    end = t[-1]
    want = np.geomspace(FIT_S0, end, max(3, int(round(PER_DECADE * math.log10(end / FIT_S0))) + 1))
    cols = np.unique([int(np.argmin(np.abs(np.log(t[1:]) - math.log(w)))) + 1 for w in want])
    Ns, Ss, Ls, gs = [], [], [], []
    for i, N in enumerate(study.Ns):
        if not FIT_N[0] <= N <= FIT_N[1]:
            continue
        for j in range(study.seeds.size):
            y = study.loss[i, j, ai, cols]
            if not np.all(np.isfinite(y)):
                continue  # this (N, seed) is not in the store
            Ns.append(np.full(cols.size, float(N)))
            Ss.append(t[cols])
            Ls.append(y)
            gs.append(np.full(cols.size, len(gs)))
    if not Ls:
        return None
    return np.concatenate(Ns), np.concatenate(Ss), np.concatenate(Ls), np.concatenate(gs).astype(int)


def chinchilla_fits(studies, n_boot) -> dict:
    out = {}
    for kind, st in studies.items():
        out[kind] = {}
        for a in TABLE_ALPHAS:
            pts = fit_points(st, ALPHAS.index(a))
            if pts is None or np.unique(pts[0]).size < 4 or np.unique(pts[3]).size < 8:
                out[kind][a] = {"skipped": "fewer than 4 N values or 8 runs in the window"}
                continue
            N, S, L, g = pts
            try:
                fit = fit_chinchilla(N, S, L, groups=g, n_boot=n_boot, seed=0)
            except RuntimeError as err:
                out[kind][a] = {"skipped": str(err)}
                continue
            out[kind][a] = {**fit.params, "ci": fit.ci, "rms": fit.rms, "n_points": fit.n_points,
                            "n_boot": fit.n_boot, "runs": int(np.unique(g).size), "weighting": fit.weighting}
    return out


def print_fits(fits: dict, mod_closed_slope: dict) -> None:
    print(f"\nChinchilla form L = E + A N^-a + B S^-b per kind and alpha (N = {FIT_N[0]}..{FIT_N[1]}, "
          f"S = {FIT_S0}..end, {PER_DECADE} records per decade of S per run; least squares on log L; "
          "95% CI from bootstrapping runs)")
    print(f"  Chinchilla: a = {CHINCHILLA['alpha_N']}, b = {CHINCHILLA['alpha_S']}")
    for kind, per in fits.items():
        print(f"  {KINDS[kind]}:")
        print("    alpha |    E       a  [CI]            b  [CI]         | rms log | runs pts | paper α_N α_S | "
              + ("α-1  (α-1)/α" if kind == "random_unit" else "α-1  closed-form α_N (40→220)"))
        for a, f in per.items():
            ref = reference_exponents(a)
            if "skipped" in f:
                print(f"    {a:5.1f} | skipped: {f['skipped']}")
                continue
            k = TABLE_ALPHAS.index(a)
            paper = (f"{FIG10_SIGNGD['alpha_N'][k]:.2f} {FIG10_SIGNGD['alpha_S'][k]:.2f}" if kind == "random_unit"
                     else "   —    —")
            tail = (f"{ref['quanta_N']:4.2f} {ref['quanta_S']:5.2f}" if kind == "random_unit"
                    else f"{ref['quanta_N']:4.2f} {mod_closed_slope[a]:6.3f}")
            print(f"    {a:5.1f} | {f['E']:7.4f} {f['a']:6.3f} [{f['ci']['a'][0]:5.2f},{f['ci']['a'][1]:5.2f}] "
                  f"{f['b']:6.3f} [{f['ci']['b'][0]:5.2f},{f['ci']['b'][1]:5.2f}] | {f['rms']:7.3f} | {f['runs']:4d} "
                  f"{f['n_points']:4d} |    {paper} | {tail}")


# -------------------------------------------------------------------------------------------- figure
def figure(ex, studies, rat, fits):
    fig, axes = new_axes(2, 2, size=(4.2, 3.3))
    ax_n, ax_s, ax_r, ax_nr = axes.ravel()
    colors = dict(zip(SHOWN, skill_colors(len(SHOWN))))
    style = {"random_unit": "o-", "one_hot": "s--"}
    end = studies["one_hot"].steps
    for kind, st in studies.items():
        med = st.median_final()
        for a in SHOWN:
            ai = ALPHAS.index(a)
            ok = np.isfinite(med[ai]) & (med[ai] > 0)
            ax_n.loglog(st.Ns[ok], med[ai, ok], style[kind], color=colors[a], ms=3, lw=1,
                        label=f"{KINDS[kind]}, $\\alpha$ = {a}")
            if st.has(100):
                ax_s.loglog(st.t[1:], median_curve(st, 100)[ai, 1:], style[kind][1:], color=colors[a], lw=1.2)
            f = fits.get(kind, {}).get(a) if fits else None
            if f and "skipped" not in f:
                Ns = np.geomspace(FIT_N[0], FIT_N[1], 40)
                ax_n.loglog(Ns, f["E"] + f["A"] * Ns ** -f["a"] + f["B"] * end ** -f["b"], ":", color="k", lw=0.9)
                Ss = np.geomspace(FIT_S0, end, 40)
                ax_s.loglog(Ss, f["E"] + f["A"] * 100.0 ** -f["a"] + f["B"] * Ss ** -f["b"], ":", color="k", lw=0.9)
    Ns = np.arange(15, int(max(st.Ns.max() for st in studies.values())) + 1)
    for a in SHOWN:
        ax_n.loglog(Ns, np.asarray(modular_ce_loss(zipf(N_SKILLS, a), Ns)), color=colors[a], lw=3, alpha=0.25)
    cols = skill_colors(len(TABLE_ALPHAS))
    if len(rat["ratio"]):
        t = rat["t"]
        for k, a in enumerate(TABLE_ALPHAS):
            ax_r.semilogx(t[1:], rat["ratio"][ALPHAS.index(a), 1:], color=cols[k], label=f"$\\alpha$ = {a}")
        ax_r.axhline(1.0, color="k", lw=0.8)
        ax_r.axvspan(*PAPER_CROSS, color="0.9", lw=0, zorder=0, label="paper: crosses 1 (300–500)")
        for a, v in PAPER_LATE.items():
            ax_r.plot([t[-1]], [v], "<", color=cols[TABLE_ALPHAS.index(a)], ms=7, alpha=0.5)
        ax_r.plot([PAPER_EARLY[1]], [PAPER_EARLY[0]], "x", color=cols[-1], ms=7, label="paper (markers)")
        ax_r.legend(loc="upper left", fontsize="x-small", frameon=False, title="N = 100", title_fontsize="x-small")
    if rat["N"].size:
        for k, a in enumerate(TABLE_ALPHAS):
            ai = ALPHAS.index(a)
            ax_nr.semilogx(rat["N"], rat["N_ratio"][ai], "o-", color=cols[k], ms=3, label=f"$\\alpha$ = {a}")
            ax_nr.semilogx(rat["N"], rat["N_ratio_shifted"][ai - 1], ":", color=cols[k], lw=0.9)
        ax_nr.axhline(1.0, color="k", lw=0.8)
        ax_nr.plot([], [], "k:", lw=0.9, label="paper's pairing\n(non-modular $\\alpha_{k-1}$)")
        legend_outside(ax_nr, title="ratio at the end")
    ax_n.set(xlabel="parameters N", ylabel=f"loss at step {end} (median over seeds)",
             title="loss against N (thick: log 2 Σ$_{i>N}$ $p_i$)")
    ax_s.set(xlabel="steps S (N = 100)", ylabel="loss", title="loss against steps")
    ax_r.set(xlabel="steps S (N = 100)", ylabel="non-modular / modular", title="ratio against steps")
    ax_nr.set(xlabel="parameters N", ylabel="non-modular / modular", title="ratio against N (matching $\\alpha$)")
    for ax in (ax_n, ax_s, ax_r, ax_nr):
        ax.title.set_fontsize("medium")
        plain_log_ticks(ax)
    handles = [Line2D([], [], color="0.3", marker="o", ms=3, label="non-modular (random unit)"),
               Line2D([], [], color="0.3", ls="--", marker="s", ms=3, label="modular (one-hot)")]
    handles += [Line2D([], [], color="k", ls=":", label="Chinchilla fit")] if fits else []
    handles += [Line2D([], [], color=colors[a], label=f"$\\alpha$ = {a}") for a in SHOWN]
    ax_s.legend(handles=handles, loc="lower left", fontsize="x-small", frameon=False)
    fig.suptitle(f"Modular (one-hot) against non-modular (random-unit) Geometry model, SignGD, {end} steps",
                 fontsize="small")
    ex.save_figure(fig)


# -------------------------------------------------------------------------------------------- checks
def checks(ex, grid, cf, rat, fits, mod):
    conv = [k for k in range(len(cf["N"])) if cf["converged"][k]]
    worst = max((cf["rel_err_max_seed"][k] for k in conv), default=math.nan)
    where = f"{len(conv)} of {len(cf['N'])} (alpha, N) points converged" if conv else "no converged point"
    ex.check("fig18.modular_closed_form", f"modular final loss = log 2 · sum_(i>N) p_i where every skill i <= N is "
             f"learned (max relative error over seeds; {where})", claim=CLAIM, kind="derived", paper=0.0, value=worst,
             tolerance=CLOSED_FORM_TOL, tolerance_reason=f"a run counts as converged once every learned skill "
             f"reaches s = {LEVEL}: a residual loss of order 1e-3")
    a1 = ALPHAS.index(1.0)
    read = "the paper's value read off its plot to two digits: ±0.01"
    for N, v in PAPER_MOD.items():
        cid, desc = f"fig18.modular_loss_N{N}", f"modular final loss at alpha = 1, N = {N}"
        if not mod.has(N):
            ex.not_run(cid, desc, claim=CLAIM, kind="paper", paper=v, tolerance=0.01, tolerance_reason=read,
                       reason=f"N = {N} is not in the store")
            continue
        ex.check(cid, desc, claim=CLAIM, kind="paper", paper=v,
                 value=float(np.nanmedian(mod.final()[mod.index(N), :, a1])), tolerance=0.01, tolerance_reason=read)
    ids = ("fig18.slower_early", "fig18.early_ratio_alpha2", "fig18.crossover", "fig18.late_ratio_alpha1",
           "fig18.late_ratio_alpha2")
    if not len(rat["crossover"]):
        for cid in ids:
            ex.not_run(cid, "the ratio against steps at N = 100", claim=CLAIM, kind="paper",
                       reason="N = 100 is not in the store")
    else:
        cr = rat["crossover"]
        mins = [cr[ALPHAS.index(a)]["min_ratio"] for a in TABLE_ALPHAS]
        ex.check("fig18.slower_early", "N = 100: the modular model is worse early (alphas, of 1.0 … 2.0, whose lowest "
                 "ratio non-modular / modular is not below 1)", claim=CLAIM, kind="paper", paper=0,
                 value=float(sum(not v < 1 for v in mins)),
                 detail="lowest ratios " + ", ".join(f"{v:.2f}" for v in mins),
                 tolerance=0, tolerance_reason="a count: exact")
        c2 = cr[ALPHAS.index(2.0)]
        one_seed = f" ({len(grid['seeds'])} seed(s): no seed spread measured)" if len(grid["seeds"]) < 3 else ""
        ex.check("fig18.early_ratio_alpha2", f"N = 100, alpha = 2: the lowest ratio (at step {c2['min_step']:.0f}; "
                 "paper ≈100)", claim=CLAIM, kind="paper", paper=PAPER_EARLY[0], value=c2["min_ratio"],
                 tolerance="5%", tolerance_reason="precision of a value read off the paper's plot: ±5%" + one_seed,
                 explanation="skillode's modular model is less far behind early than the paper's: measured over 8 "
                 f"seeds, the lowest ratio per seed is {EARLY_SEEDS_MEASURED[0]}–{EARLY_SEEDS_MEASURED[1]} "
                 f"(median {EARLY_SEEDS_MEASURED[2]}) at steps 120–140, so the paper's ≈0.2 (a median over its 4 "
                 "seeds) lies below every seed; the modular loss is the same in every seed to 0.1% there, and the "
                 "settings (one-hot vectors, B = 1024, lr 0.01, SignGD, CE, x = 0 at the start) are the authors' "
                 "script's; the cause is not found (see docs/paper.md)")
        table = [ALPHAS.index(a) for a in TABLE_ALPHAS]
        cross = [cr[i]["cross_step"] for i in table]
        seeds = [np.asarray(rat["cross_seeds"][i], dtype=float) for i in table]
        ranges = [[float(np.nanmin(v)), float(np.nanmax(v))] if np.isfinite(v).any() else [math.nan, math.nan]
                  for v in seeds]
        half = (PAPER_CROSS[1] - PAPER_CROSS[0]) / 2
        outside = [TABLE_ALPHAS[k] for k, v in enumerate(cross) if not abs(v - sum(PAPER_CROSS) / 2) <= half]
        mins = ", ".join(f"{cr[i]['min_ratio']:.2f}" for i in table)
        scaled = ", ".join(f"{rat['cross_scaled'][i]:.0f}" for i in table)
        why_cross = (f"skillode's crossing grows with alpha, so the paper's one range fits only some of the curves "
                     f"(outside at alpha = {', '.join(f'{a:g}' for a in outside)}). Not the seeds: each seed's own "
                     f"crossing spans {ranges[0][0]:.0f}–{ranges[0][1]:.0f} steps at alpha = 1 and "
                     f"{ranges[-1][0]:.0f}–{ranges[-1][1]:.0f} at alpha = 2 ({seeds[0].size} seed(s); 8 seeds, "
                     f"measured once: {CROSS_SEEDS_MEASURED[1.0][0]}–{CROSS_SEEDS_MEASURED[1.0][1]} and "
                     f"{CROSS_SEEDS_MEASURED[2.0][0]}–{CROSS_SEEDS_MEASURED[2.0][1]}). It follows how far behind the "
                     f"modular model starts: the lowest ratio is {mins} for alpha = 1.0 … 2.0, and a shallow dip "
                     "crosses early. Not the documented early-ratio difference either: with every ratio scaled by the "
                     f"paper's lowest ratio over skillode's at alpha = 2 ({rat['early_scale']:.2f}) the curves would "
                     f"cross at {scaled} steps. The paper states one range and the dip of the alpha = 2 curve only")
        ex.check("fig18.crossover", "N = 100: the modular model wins after ≈300–500 steps (the step where the ratio of "
                 "the median curves crosses 1, each of alpha = 1.0 … 2.0)", claim=CLAIM, kind="paper",
                 paper=[sum(PAPER_CROSS) / 2] * len(table), value=cross, spread=ranges,
                 spread_label="min–max over seeds of each seed's own crossing", tolerance=half,
                 tolerance_reason="the paper's range 300–500 for the curves alpha = 1 … 2: midpoint ± half-width, at "
                 "every alpha (stated before the all-alpha measurement; the earlier alpha = 2 row was chosen after "
                 "seeing the data)", explanation=why_cross if outside else None)
        for a, v in PAPER_LATE.items():
            c = cr[ALPHAS.index(a)]
            # a ratio still moving by more than the tolerance between step 1000 and the last step has not settled
            moving = math.isfinite(c["ratio_at_1000"]) and abs(c["late_ratio"] / c["ratio_at_1000"] - 1) > 0.05
            ex.check(f"fig18.late_ratio_alpha{a:g}", f"N = 100, alpha = {a:g}: the ratio settles (at step "
                     f"{c['late_step']:.0f})", claim=CLAIM, kind="paper", paper=v, value=c["late_ratio"],
                     tolerance="5%", tolerance_reason="precision of a value read off the paper's plot: ±5%" + one_seed,
                     explanation=(f"the ratio has not settled by this run's last step: {c['ratio_at_1000']:.2f} at "
                                  f"step 1000, {c['late_ratio']:.2f} at step {c['late_step']:.0f} (the paper's runs "
                                  "go on to 1e5 steps)") if moving else None)

    if rat["N"].size:
        sel = [j for j, N in enumerate(rat["N"]) if 40 <= N <= 220]
        vals = rat["N_ratio"][[ALPHAS.index(a) for a in TABLE_ALPHAS]][:, sel]
        ex.check("fig18.N_ratio_matching_alpha", "at the last step the modular model is better at every N = 40..220 "
                 "(with matching alphas, alpha = 1.0 … 2.0: the (alpha, N) points whose ratio is not above 1; the "
                 "paper plots ≈2–10× with its alphas shifted by one)", claim=CLAIM, kind="paper", paper=0,
                 value=float(np.sum(~(vals > 1))) if vals.size else math.nan,
                 detail=f"lowest ratio {np.min(vals):.2f}" if vals.size else None, tolerance=0,
                 tolerance_reason="a count: exact")
    claim = "arXiv:2501.12391, Figs. 10 and 18 (abstract: Chinchilla scaling)"
    desc = "non-modular, alpha = 1: the Chinchilla fit's N exponent a is Chinchilla-like (Chinchilla's 0.34)"
    chin_why = ("±0.05, the precision of the paper's Fig. 10 exponents (its alpha_N at alpha = 1 is 0.35), plus the "
                "fit's 95% bootstrap CI (half-width)")
    if grid["mode"] == "quick":
        ex.not_run("fig18.chinchilla_nonmodular_a_at_1", desc, claim=claim, kind="paper", paper=CHINCHILLA["alpha_N"],
                   reason="quick mode fits nothing (3 runs per alpha)")
    else:
        f = fits["random_unit"][1.0]
        ok = "skipped" not in f
        half = (f["ci"]["a"][1] - f["ci"]["a"][0]) / 2 if ok and np.all(np.isfinite(f["ci"]["a"])) else 0.0
        ex.check("fig18.chinchilla_nonmodular_a_at_1", desc, claim=claim, kind="paper", paper=CHINCHILLA["alpha_N"],
                 value=f["a"] if ok else math.nan, spread=list(f["ci"]["a"]) if ok else None,
                 spread_label="95% CI, bootstrap over runs", tolerance=0.05 + float(half), tolerance_reason=chin_why)



def main(argv=None) -> int:
    ex = Example(__file__, __doc__, quick_help="N = 20, 100, 220, one seed, 3000 steps, no Chinchilla fit (CI)")
    add_grid_flags(ex, what="one-hot and random-unit task vectors, SignGD")
    ex.parser.add_argument("--n-boot", type=int, default=None,
                           help="bootstrap resamples of the Chinchilla fits (default 200, paper 400)")
    args = ex.parse(argv)
    grid = grid_of(args, "fig18")
    n_boot = args.n_boot if args.n_boot is not None else N_BOOT[grid["mode"]]
    print(f"grid ({grid['mode']}): N = {', '.join(map(str, grid['Ns']))}; seeds {grid['seeds']}; {grid['steps']} "
          f"steps; alphas {', '.join(map(str, ALPHAS))}; SignGD; one-hot and random-unit task vectors")
    numbers = {"grid": {**grid, "alphas": ALPHAS}}
    study = study_of(ex, [(kind, "signgd") for kind in KINDS], grid)
    if args.dry_run:
        info = study.dry_run(workers=args.workers or 1, by=PROGRAM)
        print("\nthe study's dry run (skillode.sweeps.Study.dry_run):\n  " + format_dry_run(info).replace("\n", "\n  "))
        numbers["dry_run"] = info
        ex.not_run("fig18.modular_closed_form", "modular final loss = log 2 · sum_(i>N) p_i (not computed: --dry-run)",
                   claim=CLAIM, kind="derived", reason="--dry-run")
        return ex.finish(numbers)

    with ex.client() as client:
        numbers["parts"] = run(study, client, progress=not args.no_progress)
    print("\nthe store holds (the analysis reads all of it):")
    studies = {kind: held(study.root, kind, "signgd", grid["steps"], final_level=kind == "one_hot") for kind in KINDS}
    for st in studies.values():
        print("  " + describe(st))
    numbers["store"] = {kind: {"parts": st.paths, "bytes_on_disk": st.bytes_on_disk, "N": st.Ns,
                               "seeds_per_N": st.n_seeds()} for kind, st in studies.items()}
    nonmod, mod = studies["random_unit"], studies["one_hot"]
    cf = closed_form_check(mod)
    print_closed_form(cf)
    numbers["closed_form"] = cf
    rat = ratios(nonmod, mod)
    print_ratios(rat)
    numbers["ratios"] = {k: v for k, v in rat.items() if k != "t"}
    mod_slope = {a: two_point_exponent(np.array([40.0, 220.0]),
                                       np.asarray(modular_ce_loss(zipf(N_SKILLS, a), np.array([40, 220]))), 40, 220)
                 for a in TABLE_ALPHAS}
    fits = {}
    if grid["mode"] == "quick":
        print("\n(Chinchilla fits: default mode and --paper; the quick mode has 3 runs per alpha)")
    else:
        fits = chinchilla_fits(studies, n_boot)
        print_fits(fits, mod_slope)
    numbers["chinchilla"] = {kind: {str(a): f for a, f in per.items()} for kind, per in fits.items()}
    numbers["modular_closed_form_alpha_N_40_220"] = mod_slope
    figure(ex, studies, rat, fits)
    checks(ex, grid, cf, rat, fits, mod)
    return ex.finish(numbers)


if __name__ == "__main__":
    raise SystemExit(main())
