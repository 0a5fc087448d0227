"""The core results of the Resource and Domino models, computed and set next to the paper's numbers.

`write_report` runs every section, writes one PNG per section and ``report.md`` (Markdown tables: each computed
number beside the value in the paper's spec, PAPER.md). Each section is a function
``section(outdir, *, quick) -> dict`` that returns its numbers and writes its figure, so tests and notebooks can
call one at a time. Only machine-independent numbers are reported.

Sections:

a. Resource-model trajectories, Zipf(2), n = 10, several ``N0``: serial -> parallel (PAPER §4.4, Fig6).
b. Closed-form learning times vs the paper's discrete map; all skills done at ``n/eta`` for ``N0 = 0`` (§6.1.2-3).
c. Backends: exact vs diffrax vs scipy (and the discrete map) — maximum differences.
d. Curve collapse ``u_i^{1/p_i} = e^{-tau}`` (§6.1.1).
e. Two skills: ``t2/t1`` vs ``p1/p2`` -> 2 as ``N0 -> 0`` and -> ``p1/p2`` for large ``N0`` (§6.1.4-5).
f. The Domino limit ``t_i = (i - 1 + threshold) t0``, ``t0 = 1/eta`` (§5, §6.1.3).
g. The three gated Fig17 cases on the discrete map (§4.6).
h. Loss-vs-time exponents: Domino/serial and parallel limits vs ``alpha - 1`` and ``(alpha - 1)/alpha`` (§6.2).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from . import paper
from .domino import DominoModel
from .frequencies import exponential, zipf
from .plotting import new_axes, plot_collapse, plot_learning_times, plot_trajectory, skill_colors
from .resource import ResourceModel
from .scaling import reference_exponents, scaling_exponent
from .sweep import Sweep
from .trajectory import make_trajectory

__all__ = ["SECTIONS", "write_report"] + [f"section_{k}" for k in "abcdefgh"]

THRESHOLD = paper.THRESHOLD
ETA = paper.lr_eff(paper.LR, paper.DIM)  # 2 * 3e-4 * sqrt(1000) = 0.018974: the paper's default lr_eff


def _default_model(N0: float, n: int = paper.N_SKILLS, alpha: float = paper.ALPHA) -> ResourceModel:
    return ResourceModel(p=zipf(n, alpha), eta=ETA, N0=N0)


def _save(fig, outdir: Path, name: str) -> str:
    fig.savefig(outdir / name, dpi=110)
    return name


# ---------------------------------------------------------------------------------------------- (a)
def section_a(outdir: Path, *, quick: bool = False) -> dict:
    """Trajectories for ``N0`` from 0 to 1 (one `Sweep`): serial at small ``N0``, parallel and slow at large."""
    N0s = [0.0, 1e-3, 3e-3, 1e-2, 0.1, 1.0]
    horizon = 3000
    ts = np.linspace(0.0, horizon, 301 if quick else 1501)
    sweep = Sweep(axes={"N0": N0s}, n=paper.N_SKILLS, alpha=paper.ALPHA, eta=ETA)
    ds = sweep.run(ts, progress=False, variables=("skill_level", "loss"))
    times = sweep.learning_times(THRESHOLD)
    fig, axes = new_axes(3, 2, size=(3.6, 2.8))
    for ax, N0 in zip(axes.ravel(), N0s):
        plot_trajectory(ds.sel(N0=N0), ax=ax, legend=N0 == N0s[0])
        ax.set_title(f"N0 = {N0:g}")
    fig.suptitle(f"Resource model, Zipf(2), n = 10, eta = {ETA:.4g}")
    rows = []
    for N0 in N0s:
        t = times.sel(N0=N0).values
        final = ds.skill_level.sel(N0=N0).isel(t=-1).values
        rows.append(
            {
                "N0": N0,
                "t1": float(t[0]),
                "t10": float(t[-1]),
                "t10/t1": float(t[-1] / t[0]),
                f"s >= 0.9 by {horizon}": int((final >= THRESHOLD).sum()),
                f"s >= 0.99 by {horizon}": int((final >= 0.99).sum()),
            }
        )
    return {"figure": _save(fig, outdir, "a_trajectories.png"), "rows": rows, "eta": ETA}


# ---------------------------------------------------------------------------------------------- (b)
PAPER_B_CLOSED = {1: 104.3, 2: 211.5, 10: 516.7}
PAPER_B_DISCRETE = {1: 103, 2: 211, 10: 516}


def section_b(outdir: Path, *, quick: bool = False) -> dict:
    """Closed-form times vs the discrete map (first step with ``s >= 0.9``), and the all-done step ``n/eta``."""
    model = _default_model(0.0)
    closed = model.learning_times(THRESHOLD)
    discrete = model.learning_times(THRESHOLD, method="discrete")
    l = np.asarray(model.states(np.arange(0.0, 800.0), "discrete"))
    all_done = int(np.argmax((l == 0).all(axis=0)))
    agreement = {}
    for N0 in [0.003] if quick else [0.003, 0.01, 0.1]:
        m = _default_model(N0)
        diff = m.learning_times(THRESHOLD, method="discrete").values - m.learning_times(THRESHOLD).values
        agreement[N0] = float(np.max(np.abs(diff)))
    fig, ax = new_axes()
    plot_learning_times(closed, ax=ax, reference=discrete.values)
    ax.lines[0].set_label("closed form")
    ax.lines[1].set_label("discrete map (first step)")
    ax.axhline(model.n / float(model.eta), color="0.5", ls=":", label="n / eta")
    ax.legend(fontsize="small")
    ax.set_title("N0 = 0: closed form vs discrete map")
    return {
        "figure": _save(fig, outdir, "b_learning_times.png"),
        "closed": closed.values.tolist(),
        "discrete": discrete.values.tolist(),
        "all_done_step": all_done,
        "n_over_eta": model.n / float(model.eta),
        "max_abs_diff_by_N0": agreement,
    }


# ---------------------------------------------------------------------------------------------- (c)
def section_c(outdir: Path, *, quick: bool = False) -> dict:
    """Maximum skill-level differences between the backends, on ``t in [0, 1000]``.

    For ``N0 = 0`` the range crosses n/eta = 527, where every deficit reaches 0 and the field ``p_i l_i / sum_j p_j
    l_j`` is 0/0: the model defines the rate there as 0, and the adaptive solvers must stop at (diffrax: an event)
    or step over (scipy) that point and hold the final state.
    """
    rows = []
    fig, ax = new_axes()
    ts = np.linspace(0.0, 1000.0, 1001)
    for N0 in [0.003] if quick else [0.0, 0.003, 0.1]:
        model = _default_model(N0)
        exact = np.asarray(model.skill_levels(ts, "exact"))
        diffrax_ = np.asarray(model.skill_levels(ts, "diffrax"))
        scipy_ = np.asarray(model.skill_levels(ts, "scipy"))
        discrete = np.asarray(model.skill_levels(ts, "discrete"))
        rows.append(
            {
                "N0": N0,
                "max abs(diffrax − exact)": float(np.abs(diffrax_ - exact).max()),
                "max abs(scipy − exact)": float(np.abs(scipy_ - exact).max()),
                "max abs(discrete − exact)": float(np.abs(discrete - exact).max()),
            }
        )
        ax.semilogy(ts, np.abs(diffrax_ - exact).max(0) + 1e-18, label=f"diffrax, N0={N0:g}")
        ax.semilogy(ts, np.abs(scipy_ - exact).max(0) + 1e-18, ls="--", label=f"scipy LSODA, N0={N0:g}")
    ax.set_xlabel("steps")
    ax.set_ylabel("max over skills |s - s_exact|")
    ax.legend(fontsize="x-small")
    ax.set_title("backends vs the exact solution")
    return {"figure": _save(fig, outdir, "c_backends.png"), "rows": rows}


# ---------------------------------------------------------------------------------------------- (d)
def section_d(outdir: Path, *, quick: bool = False) -> dict:
    """Collapse: ``-ln(u_i)/p_i`` is the same ``tau`` for every skill (exact); its spread on the discrete map."""
    model = _default_model(paper.FIG6_N0["default"])
    ts = np.arange(0.0, 1001.0)
    spreads, spreads_early = {}, {}
    fig, axes = new_axes(2, 1)
    for ax, method in zip(axes.ravel(), ["exact", "discrete"]):
        # The deficit straight from the solver: 1 - skill_level would lose all digits once l < 1e-16.
        l = np.asarray(model.states(ts, method))
        ds = make_trajectory(ts, 1.0 - l, p=np.asarray(model.p))
        ok = (l > 0).all(axis=0)  # before the discrete map clips a deficit to exactly 0
        tau_i = -np.log(l[:, ok]) / np.asarray(model.p)[:, None]
        with np.errstate(invalid="ignore"):
            rel = (tau_i.max(0) - tau_i.min(0)) / np.where(tau_i.mean(0) > 0, tau_i.mean(0), np.nan)
        spreads[method] = float(np.nanmax(rel))
        early = (l[:, ok] > 0.01).all(axis=0)  # every skill still >= 1% from done
        spreads_early[method] = float(np.nanmax(rel[early]))
        plot_collapse(ds, ax=ax)
        ax.set_yscale("log")
        ax.set_title(f"{method}: max rel. spread {spreads[method]:.1e}")
    return {
        "figure": _save(fig, outdir, "d_collapse.png"),
        "max_relative_spread": spreads,
        "max_relative_spread_deficits_above_0.01": spreads_early,
    }


# ---------------------------------------------------------------------------------------------- (e)
PAPER_E = {0.9: 1.69, 0.95: 1.89, 0.99: 2.08}


def section_e(outdir: Path, *, quick: bool = False) -> dict:
    """Two skills: ``t2/t1`` against ``p1/p2``; a Sweep over ``N0 x alpha`` with ``n = 2`` (``p1/p2 = 2^alpha``)."""
    rows = []
    for p1 in PAPER_E:
        model = ResourceModel(p=[p1, 1 - p1], eta=ETA, N0=0.0)
        closed = model.learning_times(THRESHOLD).values
        disc = model.learning_times(THRESHOLD, method="discrete").values
        big = ResourceModel(p=[p1, 1 - p1], eta=ETA, N0=100.0).learning_times(THRESHOLD).values
        rows.append(
            {
                "p1": p1,
                "p1/p2": p1 / (1 - p1),
                "closed N0=0": float(closed[1] / closed[0]),
                "discrete N0=0": float(disc[1] / disc[0]),
                "paper N0->0": PAPER_E[p1],
                "closed N0=100": float(big[1] / big[0]),
            }
        )
    N0s = [0.0, 1e-3, 1e-2, 0.1, 1.0, 10.0]
    alphas = np.linspace(0.0, 7.0, 29 if quick else 71)
    times = Sweep(axes={"N0": N0s, "alpha": alphas}, n=2, eta=ETA).learning_times(THRESHOLD)
    ratio = times.isel(skill=1) / times.isel(skill=0)
    fig, ax = new_axes()
    x = 2.0**alphas
    for N0, color in zip(N0s, skill_colors(len(N0s), "plasma")):
        ax.loglog(x, ratio.sel(N0=N0).values, color=color, label=f"N0 = {N0:g}")
    ax.loglog(x, x, "k:", label="p1/p2")
    ax.axhline(1.9 / 0.9, color="k", ls="--", lw=0.8, label="1.9/0.9 (Domino, s = 0.9)")
    ax.set_xlabel("p1 / p2")
    ax.set_ylabel("t2 / t1")
    ax.legend(fontsize="x-small")
    return {
        "figure": _save(fig, outdir, "e_two_skills.png"),
        "rows": rows,
        "limit_N0_0_at_max_ratio": float(ratio.sel(N0=0.0).values[-1]),
        "max_p1_over_p2": float(x[-1]),
        "large_N0_ratio_over_p1p2": float(ratio.sel(N0=10.0).values[-1] / x[-1]),
        "serial_limit": (2.0 - (1 - THRESHOLD)) / THRESHOLD,
    }


# ---------------------------------------------------------------------------------------------- (f)
def section_f(outdir: Path, *, quick: bool = False) -> dict:
    """Resource model with ``N0 = 0`` against the Domino model ``t_i = (i - 1 + threshold)/eta`` as frequencies
    separate: Zipf(2), then ``p_i ∝ b^{-i}`` with ``b = 10, 100, 1000``."""
    n = paper.N_SKILLS
    cases = {"Zipf(2)": zipf(n, 2.0), **{f"b = {b}": exponential(n, float(b)) for b in (10, 100, 1000)}}
    rows = []
    fig, axes = new_axes(2, 1)
    domino = None
    for (name, p), color in zip(cases.items(), skill_colors(len(cases), "plasma")):
        model = ResourceModel(p=p, eta=ETA, N0=0.0)
        domino = DominoModel.from_resource(model)
        t_res = model.learning_times(THRESHOLD).values
        t_dom = domino.learning_times(THRESHOLD).values
        t0 = float(domino.t0)
        rows.append(
            {
                "frequencies": name,
                "max abs(t_res − t_domino) / t0": float(np.max(np.abs(t_res - t_dom)) / t0),
                "t_n (resource)": float(t_res[-1]),
                "t_n (domino)": float(t_dom[-1]),
            }
        )
        axes[0, 0].plot(np.arange(1, n + 1), t_res, "o-", color=color, label=name)
    axes[0, 0].plot(np.arange(1, n + 1), domino.learning_times(THRESHOLD).values, "k--", label="Domino")
    axes[0, 0].set_xlabel("skill")
    axes[0, 0].set_ylabel("learning time [steps]")
    axes[0, 0].legend(fontsize="x-small")
    ts = np.linspace(0.0, 1.2 * n / ETA, 301)
    plot_trajectory(ResourceModel(p=cases["b = 100"], eta=ETA, N0=0.0).solve(ts), ax=axes[0, 1], legend=False)
    plot_trajectory(domino.solve(ts), ax=axes[0, 1], legend=False, ls=":", lw=1)
    axes[0, 1].set_title("b = 100 (solid) vs Domino (dotted)")
    return {"figure": _save(fig, outdir, "f_domino.png"), "rows": rows, "t0": 1.0 / ETA}


# ---------------------------------------------------------------------------------------------- (g)
PAPER_G = {
    1: {"X1": 908, "X2": 2368, "X3": 4036},
    2: {"X3": 1899, "X1": 2466, "X4": 3595, "X2": 3915, "X6": 5599, "X5": 6322, "X7": 8330},
    3: {"X3": 1228, "X4": 2827, "X1": 3531, "X6": 4360, "X7": 5952, "X2": 6112, "X5": 8836},
}


def section_g(outdir: Path, *, quick: bool = False) -> dict:
    """Fig17's gated cases on the discrete map: first step with ``s >= 0.9`` per skill (`skillode.paper.fig17_case`).

    Our step count is the number of map steps taken (``t = 0`` is the initial state), one more than an index that
    starts counting at the first update — hence the expected ``+1`` against PAPER §4.6.
    """
    cases = {}
    fig, axes = new_axes(3, 1, size=(3.8, 2.8))
    for case, ax in zip((1, 2, 3), axes.ravel()):
        model, steps = paper.fig17_case(case)
        ds = model.solve(np.arange(0.0, steps + 1.0), "discrete")
        from .timing import learning_times

        times = learning_times(ds, THRESHOLD, interpolate=False)
        ours = {str(s): float(v) for s, v in zip(times.skill_name.values, times.values)}
        cases[case] = {
            name: {"ours": ours[name], "paper": ref, "diff": ours[name] - ref} for name, ref in PAPER_G[case].items()
        }
        plot_trajectory(ds.sel(t=slice(0, 10000)), ax=ax)
        ax.set_title(f"Fig17 case {case}\n{model.gates.describe()}", fontsize="xx-small")
    return {"figure": _save(fig, outdir, "g_fig17.png"), "cases": cases}


# ---------------------------------------------------------------------------------------------- (h)
def _loss_exponent(t, loss, window):
    return scaling_exponent(t, loss, window, n_boot=200, seed=0)


def section_h(outdir: Path, *, quick: bool = False) -> dict:
    """``L(t) ∝ t^{-alpha_S}`` with ``L = sum_i p_i (1 - s_i)^2`` and Zipf(alpha) skills, in three models:

    - Domino (``t_i = i t0``): predicted ``alpha - 1``;
    - Resource, ``N0 = 0`` (its Domino limit): predicted ``alpha - 1``;
    - Resource, ``N0 = 1000`` (parallel limit, ``l_i = exp(-eta p_i t / N0)``): predicted ``(alpha - 1)/alpha``.

    The window keeps the number of learned skills ``k`` within ``[10, n/10]``: far from the first skills and from
    the finite-``n`` cut-off.
    """
    n = 2000 if quick else 10000
    alphas = [2.0] if quick else [1.5, 2.0, 2.5, 3.0]
    rows = []
    fig, axes = new_axes(3, 1)
    k_lo, k_hi = 10.0, n / 10.0
    for alpha, color in zip(alphas, skill_colors(len(alphas), "plasma")):
        p = zipf(n, alpha)
        ref = reference_exponents(alpha)
        # Domino model with t0 = 1: k(t) = t.
        t_dom = np.geomspace(1.0, 2.0 * k_hi, 80)
        s = np.asarray(DominoModel(n=n, t0=1.0).skill_levels(t_dom))
        L_dom = (p[:, None] * (1.0 - s) ** 2).sum(0)
        e_dom = _loss_exponent(t_dom, L_dom, (k_lo, k_hi))
        # Resource N0 = 0: the total deficit falls at rate eta, so k(t) ≈ eta t.
        serial = ResourceModel(p=p, eta=ETA, N0=0.0)
        t_ser = np.geomspace(1.0, 2.0 * k_hi, 80) / ETA
        L_ser = np.asarray(serial.solve(t_ser).loss.values)
        e_ser = _loss_exponent(t_ser, L_ser, (k_lo / ETA, k_hi / ETA))
        # Resource N0 large: skill k is learned when p_k eta t / N0 ≈ 1.
        N0 = 1000.0
        par = ResourceModel(p=p, eta=ETA, N0=N0)
        t_of_k = lambda k: N0 / (ETA * p[0] * k**-alpha)  # noqa: E731 - p_k = p_1 k^-alpha
        t_par = np.geomspace(t_of_k(1.0), t_of_k(2.0 * k_hi), 80)
        L_par = np.asarray(par.solve(t_par).loss.values)
        e_par = _loss_exponent(t_par, L_par, (t_of_k(k_lo), t_of_k(k_hi)))
        rows.append(
            {
                "alpha": alpha,
                "domino": e_dom.lsq,
                "resource N0=0": e_ser.lsq,
                "alpha-1": ref["domino_S"],
                "resource N0=1000": e_par.lsq,
                "(alpha-1)/alpha": ref["quanta_S"],
            }
        )
        axes[0, 0].loglog(t_dom, L_dom, color=color, label=f"alpha = {alpha:g}")
        axes[0, 1].loglog(t_ser, L_ser, color=color)
        axes[0, 2].loglog(t_par, L_par, color=color)
    for ax, title in zip(axes.ravel(), ["Domino (t0 = 1)", "Resource, N0 = 0", "Resource, N0 = 1000"]):
        ax.set_title(title)
        ax.set_xlabel("steps")
    axes[0, 0].set_ylabel("loss sum_i p_i (1 - s_i)^2")
    axes[0, 0].legend(fontsize="x-small")
    return {"figure": _save(fig, outdir, "h_loss_exponents.png"), "rows": rows, "n": n}


SECTIONS = {
    "a": ("Resource-model trajectories: serial to parallel", section_a),
    "b": ("Learning times: closed form vs the paper's discrete map", section_b),
    "c": ("Backends: exact vs diffrax vs scipy", section_c),
    "d": ("Curve collapse u_i^(1/p_i)", section_d),
    "e": ("Two skills: t2/t1 vs p1/p2", section_e),
    "f": ("The Domino limit", section_f),
    "g": ("Fig17: gated skills on the discrete map", section_g),
    "h": ("Loss-vs-time exponents", section_h),
}


# ---------------------------------------------------------------------------------------------- markdown
def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if np.isnan(v):
        return "—"
    if v == 0:
        return "0"
    if abs(v) < 1e-3 or abs(v) >= 1e5:
        return f"{v:.2e}"
    return f"{v:.4g}"


def _table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_fmt(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def _markdown(key: str, res: dict) -> str:
    title = SECTIONS[key][0]
    out = [f"## ({key}) {title}", "", f"![{title}]({res['figure']})", ""]
    if key == "a":
        out += [
            f"Zipf(2), n = 10, eta = lr_eff(3e-4, 1000) = {res['eta']:.6g}; learning time = first t with "
            "s >= 0.9 (closed form). Paper (PAPER §7 Fig6): small N0 is serial, all skills done by ≈550 steps; "
            "N0 >= 0.1 is slow, parallel and unfinished by 3000 steps (read from its figure, which sets theory "
            "next to a Geometry-model run). In the Resource model itself N0 = 0.1 still brings all ten skills to "
            "s = 0.9 by ≈2400 steps, though not to 0.99; N0 = 1 leaves most skills unlearned.",
            "",
            _table(res["rows"]),
        ]
    elif key == "b":
        rows = [
            {
                "skill": i + 1,
                "closed form": c,
                "paper closed form": PAPER_B_CLOSED.get(i + 1, float("nan")),
                "discrete map (first step)": d,
                "paper discrete": PAPER_B_DISCRETE.get(i + 1, float("nan")),
            }
            for i, (c, d) in enumerate(zip(res["closed"], res["discrete"]))
        ]
        out += [
            "N0 = 0. The paper lists 104.3, 211.5, …, 516.7 (closed form) and 103, 211, …, 516 (its "
            "simulation); our discrete map counts steps taken, so expect +1 on the simulation.",
            "",
            _table(rows),
            "",
            f"All skills exactly learned (every deficit clipped to 0) at step **{res['all_done_step']}**; "
            f"n/eta = {res['n_over_eta']:.2f} (paper: 527 ≈ 10·t0 = 527).",
            "",
            _table(
                [{"N0": k, "max abs(discrete − closed form) [steps]": v} for k, v in res["max_abs_diff_by_N0"].items()]
            ),
            "",
            "Paper: agree within about 1 step for N0 = 0.003, 0.01, 0.1.",
        ]
    elif key == "c":
        out += [
            "Max over skills and t of |s - s_exact|. Tolerances: diffrax Kvaerno5 and scipy LSODA "
            "at rtol = 1e-10, atol = 1e-12. The discrete map is a different object (Euler, dt = 1, clipped): "
            "its distance is the discretisation gap, not an error. t in [0, 1000]; for N0 = 0 this crosses "
            "n/eta = 527, where every deficit reaches 0 and the field is 0/0 (defined as 0; diffrax stops there on "
            "an event and holds the state). Paper: no values (new here).",
            "",
            _table(res["rows"]),
        ]
    elif key == "d":
        out += [
            "Relative spread across skills of tau_i = -ln(u_i)/p_i, maximised over t in [0, 1000] "
            "(N0 = 0.003). Paper (§6.1.1): u_i^(1/p_i) = e^(-tau) is identical for every skill; exact → round-off "
            "level; the discrete map only approximately.",
            "",
            _table(
                [
                    {
                        "method": k,
                        "max relative spread (all t before clipping)": v,
                        "while every deficit > 0.01": res["max_relative_spread_deficits_above_0.01"][k],
                    }
                    for k, v in res["max_relative_spread"].items()
                ]
            ),
        ]
    elif key == "e":
        out += [
            "t2/t1 at threshold 0.9, eta = 0.018974. Paper (§6.1.4) [V]: 1.69, 1.89, 2.08 at p1 = 0.9, 0.95, "
            "0.99 for N0 → 0, saturating at 2; large N0: t2/t1 → p1/p2.",
            "",
            _table(res["rows"]),
            "",
            f"Sweep over N0 × alpha (n = 2, p1/p2 = 2^alpha up to {res['max_p1_over_p2']:.0f}): at the largest "
            f"ratio, N0 = 0 gives t2/t1 = **{res['limit_N0_0_at_max_ratio']:.4f}** (→ 1.9/0.9, see below) and "
            f"N0 = 10 gives (t2/t1)/(p1/p2) = **{res['large_N0_ratio_over_p1p2']:.4f}** (→ 1).",
            "",
            "Note: at threshold 0.9 the N0 = 0 limit is not exactly 2 but (2 − eps)/(1 − eps) = 1.9/0.9 = "
            f"**{res['serial_limit']:.4f}** (eps = 0.1; the Domino times (i − 1 + 0.9) t0); it is 2 for "
            "completion times (threshold → 1). Our p1 = 0.95 and 0.99 ratios sit 0.02 below the spec's "
            "re-simulation values; the spec does not record the eta or threshold convention of that re-simulation.",
        ]
    elif key == "f":
        out += [
            f"Domino model t_i = (i − 1 + 0.9) t0 with t0 = 1/eta = {res['t0']:.2f} steps (paper: 52.7). "
            "Resource model with N0 = 0 approaches it as the frequencies separate (PAPER §6.1.3).",
            "",
            _table(res["rows"]),
        ]
    elif key == "g":
        out += [
            "First step with s >= 0.9 on the discrete map (paper's presets: eta = N0 = 1e-3). Paper values from "
            "PAPER §4.6 [V]. Expected difference +1 (our t counts steps taken).",
            "",
        ]
        for case, skills in res["cases"].items():
            out += [f"**Case {case}**", "", _table([{"skill": k, **v} for k, v in skills.items()]), ""]
        odd = [
            f"case {c} {k} ({v['diff']:+g})" for c, sk in res["cases"].items() for k, v in sk.items() if v["diff"] != 1
        ]
        if odd:
            out += [
                "Not the expected +1: " + ", ".join(odd) + ". These skills sit behind AND gates whose "
                "prerequisites are still clipping to 0; with a = 1e-3 the gate leaks (1 − u^a ≈ a ln(1/u)), "
                "so the cascade is sensitive to the last steps of its prerequisites. Open question (not "
                "resolved here) whether the spec's re-simulation differs in the gate or clip order.",
                "",
            ]
    elif key == "h":
        out += [
            f"Least-squares log–log slope of L(t) = sum_i p_i (1 − s_i)^2, n = {res['n']} Zipf(alpha) skills, "
            "over the window where 10 ≤ k(t) ≤ n/10 skills are learned. Paper (§6.2): Domino alpha_S = alpha − 1; "
            "quanta/parallel (alpha − 1)/alpha; Resource interpolates between them.",
            "",
            _table(res["rows"]),
        ]
    return "\n".join(out) + "\n"


def write_report(outdir="report", *, quick: bool = False, sections: str = "abcdefgh", progress: bool = True) -> Path:
    """Run the report's sections and write PNGs plus ``report.md`` into ``outdir``; return the path of report.md.

    ``quick=True`` uses smaller grids and fewer cases (for tests); ``sections`` picks a subset, e.g. ``"abg"``.
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown report sections {sorted(unknown)}; choose from {''.join(SECTIONS)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    parts = [
        "# skillode report: the Resource and Domino models against the paper",
        "",
        "Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*, arXiv:2501.12391. Every number below is "
        "computed by skillode (float64) and set next to the paper's value as recorded in the project's spec of the "
        f"paper (PAPER.md). Mode: {'quick' if quick else 'full'}.",
        "",
    ]
    wall = {}
    for key in sections:
        start = time.perf_counter()
        if progress:
            print(f"[report] ({key}) {SECTIONS[key][0]} ...", flush=True)
        res = SECTIONS[key][1](outdir, quick=quick)
        wall[key] = time.perf_counter() - start
        parts.append(_markdown(key, res))
    parts += [
        "---",
        "",
        "Wall time per section (machine-dependent, for information only): "
        + ", ".join(f"({k}) {v:.1f} s" for k, v in wall.items()),
        "",
    ]
    path = outdir / "report.md"
    path.write_text("\n".join(parts))
    return path
