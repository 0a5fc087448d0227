r"""Derivation: the Domino limit of the MSE Resource model (C = I, N0 -> 0), and the Domino model's times.

Derives (the limits behind arXiv:2501.12391, Fig. 4 (t2/t1 saturates at 2 under SignGD) and Fig. 9 (serial
Domino model); the derivations themselves are done here):

1. Summing the ODE with N0 = 0: d(sum_i l_i)/dt = -eta sum_i p_i l_i / sum_j p_j l_j = -eta, exactly. The
   total deficit falls at a constant rate; every skill is done at T = sum_i l0_i / eta = n / eta = n t0
   (t0 = 1/eta), whatever the frequencies: t(tau -> inf) = sum_j l0_j / eta.
2. Two skills, N0 = 0, eps = 1 - s*: t2/t1 = (2 - eps - eps^(p1/p2)) / (2 - eps - eps^(p2/p1))
   -> (2 - eps)/(1 - eps) as p1/p2 -> inf, which is 2 in the limit eps -> 0 (2.11 at s* = 0.9).
3. Large N0: t_i -> N0 ln(1/eps) / (eta p_i), so t2/t1 -> p1/p2 (independent exponentials, quanta-like).
4. Well-separated frequencies (p = (1, r, r^2), r -> 0, N0 = 0, l0 = 1): t_i -> (i - eps)/eta = (i - 1 + s*) t0,
   exactly the Domino model's time for skill i to reach s* (s_i(t) = clip((t - (i - 1) t0)/t0, 0, 1)).

Checks:

* symbolic (`check_symbolic`): items 1-4 with SymPy limits of `learning_time_expr`; the Domino learning time is
  solved from `domino_equations`.
* shipped (`check_shipped`): `skillode.closed_form.domino_learning_times` equals the SymPy Domino time, and the
  SymPy limit of item 4 (with t0 = 1/eta), at 20 seeded random (t0 or eta, s*), to rtol 1e-12
  (`skillode.symbolic.verify_lowered`); `mse_learning_times` at p = (1, r, r^2) approaches
  `domino_learning_times` linearly in r (the first correction is O(r ln(1/eps))).
* numeric (`check_numeric`): the paper's discrete map (eta = 2 * 3e-4 * sqrt(1000)): 10 Zipf(2) skills all
  done at 0-based update 527 (n/eta = 527.05); two skills with p1 = 0.9, 0.95, 0.99 give t2/t1 = 1.69, 1.89,
  2.08 at s* = 0.9 (0-based step indices), and 1.688, 1.874, 2.059 from `mse_learning_times`; sum_i l_i falls
  as n - eta t along a DOP853 solution; the separated and large-N0 ratios from `mse_learning_times`.

Run: python derivations/domino_limit.py
"""

import jax.numpy as jnp
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.closed_form import domino_learning_times, mse_learning_times
from skillode.symbolic import (
    domino_equations,
    learning_time_expr,
    resource_equations,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
    verify_lowered,
)

SEED = 9009
N_POINTS = 20
RTOL = 1e-12  # (i - 1 + s*) t0 on both sides: a couple of roundings
N_SEPARATED = 3
ETA_PAPER = 2 * 3e-4 * np.sqrt(1000)
PAPER_T2_OVER_T1 = {0.9: 1.69, 0.95: 1.89, 0.99: 2.08}


def domino_time_exprs(n):
    """The Domino learning times solved from `domino_equations`: s_i(t_i) = s* on the ramp, t_i = (i-1+s*) t0."""
    t0, s_star = sp.Symbol("t_0", positive=True), sp.Symbol("s^*", positive=True)
    times = []
    for i, e in enumerate(domino_equations(n), start=1):
        t = e.lhs.args[0]
        (t_i,) = sp.solve(sp.Eq((t - (i - 1) * t0) / t0, s_star), t)  # the ramp of s_i, between 0 and 1
        verify(sp.simplify(t_i - (i - 1 + s_star) * t0) == 0, f"Domino time of skill {i}: {t_i}")
        at = e.rhs.subs(t, t_i).subs(s_star, sp.Rational(9, 10))  # a level strictly inside (0, 1)
        verify(at == sp.Rational(9, 10), f"s_{i}(t_i) = {at}, not s*")
        times.append(t_i)
    return times, (t0, s_star)


def separated_limit_exprs(n=N_SEPARATED):
    """lim_{r -> 0+} t_i of `learning_time_expr` at p = (1, r, r^2, ...), N0 = 0, l0 = 1, eps = e^{-k}."""
    s = resource_symbols(n)
    r, k = sp.symbols("r k", positive=True)
    subs = {**{s.p[j]: r**j for j in range(n)}, **{x: 1 for x in s.l0}, s.N0: 0, s.epsilon: sp.exp(-k)}
    limits = []
    for i in range(n):
        t_i = sp.powsimp(sp.expand_power_base(learning_time_expr(n, i).subs(subs), force=True), force=True)
        lim = sp.limit(t_i, r, 0, "+")
        want = (i + 1 - sp.exp(-k)) / s.eta
        verify(sp.simplify(lim - want) == 0, f"separated limit of t_{i + 1}: {lim}, not {want}")
        limits.append(sp.simplify(lim.subs(k, -sp.log(1 - s.s_star))))
    return limits, (s.eta, s.s_star)


def check_symbolic(n=3):
    """Items 1-4 of the module docstring, with SymPy."""
    s = resource_symbols(n)
    total_rate = sp.Add(*[e.rhs for e in resource_equations(n, N0=0)])
    verify(sp.simplify(total_rate + s.eta) == 0, f"d(sum l)/dt = {total_rate}, not -eta")
    _, t = resource_tau_solution_expr(n)
    T = sp.limit(t.subs(s.N0, 0), s.tau, sp.oo)
    verify(sp.simplify(T - sp.Add(*s.l0) / s.eta) == 0, f"all-done time {T}")

    # two skills, l0 = 1, eps = exp(-k) with k > 0, r = p2/p1 -> 0+
    s2 = resource_symbols(2)
    k, r = sp.symbols("k r", positive=True)
    unit = {x: 1 for x in s2.l0}
    t1, t2 = (learning_time_expr(2, i).subs(unit) for i in (0, 1))
    ratio = sp.simplify((t2 / t1).subs(s2.N0, 0))
    limit_sep = sp.limit(ratio.subs({s2.p[1]: r * s2.p[0], s2.epsilon: sp.exp(-k)}), r, 0, "+")
    eps = s2.epsilon
    verify(sp.simplify(limit_sep.subs(k, -sp.log(eps)) - (2 - eps) / (1 - eps)) == 0, f"p1/p2 -> oo: {limit_sep}")
    verify(sp.limit(limit_sep, k, sp.oo) == 2, "t2/t1 does not tend to 2 as eps -> 0")
    limit_N0 = sp.limit(t2 / t1, s2.N0, sp.oo)
    verify(sp.simplify(limit_N0 - s2.p[0] / s2.p[1]) == 0, f"large-N0 limit {limit_N0}")

    limits, _ = separated_limit_exprs()
    domino, _ = domino_time_exprs(N_SEPARATED)
    t0 = sp.Symbol("t_0", positive=True)
    for lim, dom in zip(limits, domino):
        verify(sp.simplify(lim - dom.subs(t0, 1 / s.eta)) == 0, f"separated limit {lim} is not Domino {dom}")
    return {"two_skill_separated_limit": str((2 - eps) / (1 - eps)), "large_N0_limit": str(limit_N0),
            "separated_limit": [str(x) for x in limits], "domino_times": [str(x) for x in domino]}


def check_shipped(seed=SEED, n=N_SEPARATED):
    """`domino_learning_times` equals the SymPy Domino times and the separated limit of the MSE times."""
    rng = np.random.default_rng(seed)
    domino, args_d = domino_time_exprs(n)
    points_d = [(10 ** rng.uniform(-1, 3), rng.uniform(0.05, 0.99)) for _ in range(N_POINTS)]
    worst_domino = verify_lowered(domino, args_d, lambda t0, s: domino_learning_times(n, t0, s), points_d,
                                  rtol=RTOL, claim="domino_learning_times vs SymPy")

    limits, args_l = separated_limit_exprs(n)
    points_l = [(10 ** rng.uniform(-3, 0), rng.uniform(0.6, 0.99)) for _ in range(N_POINTS)]
    worst_limit = verify_lowered(limits, args_l, lambda eta, s: domino_learning_times(n, 1.0 / eta, s), points_l,
                                 rtol=RTOL, claim="domino_learning_times vs the separated limit of t_i (SymPy)")

    # and the shipped MSE times approach the shipped Domino times, linearly in r
    eta, level = 0.05, 0.9
    domino_t = np.asarray(domino_learning_times(n, 1.0 / eta, level))
    gaps = {}
    for r in (1e-3, 1e-4, 1e-5, 1e-6):
        t = np.asarray(mse_learning_times(jnp.array([r**j for j in range(n)]), eta, 0.0, threshold=level))
        gaps[r] = float(np.max(np.abs(t - domino_t) / domino_t))
        # the leading correction is r ln(1/eps) / (1 - eps) relative to t_1: bound it by twice that
        verify(gaps[r] < 2 * r * np.log(1 / (1 - level)) / level, f"r={r}: MSE times {t} vs Domino {domino_t}")
    return {"domino_learning_times": worst_domino, "separated_limit": worst_limit,
            "mse_to_domino_gap_by_r": gaps}


def discrete_map(p, eta, N0, threshold, max_updates=100_000):
    """Paper's map l <- max(l - eta c/(sum c + N0), 0): updates until s_i > threshold, and until l_i = 0."""
    l = np.ones_like(p)
    first = np.zeros(len(p), dtype=int)
    done = np.zeros(len(p), dtype=int)
    for k in range(1, max_updates + 1):
        c = p * l
        den = c.sum() + N0
        if den > 0:
            l = np.maximum(l - eta * c / den, 0.0)
        first[(first == 0) & (1.0 - l > threshold)] = k
        done[(done == 0) & (l == 0.0)] = k
        if done.all():
            return first, done
    raise AssertionError("discrete map did not finish")


def check_numeric():
    """The paper's discrete-map numbers, the constant total rate, and the limits, from the shipped times."""
    n = 10
    p = skillode.zipf(n, 2.0)
    _, done = discrete_map(p, ETA_PAPER, 0.0, 0.9)
    verify(done.max() - 1 == 527, f"all done at 0-based update {done.max() - 1}, paper 527")
    verify(abs(n / ETA_PAPER - 527.05) < 0.01, "n/eta")

    # total deficit falls at exactly eta (ODE, N0 = 0, before the end)
    ts = np.linspace(0.0, 0.9 * n / ETA_PAPER, 10)
    sol = solve_ivp(lambda _, x: -ETA_PAPER * p * x / (p @ x), (0, ts[-1]), np.ones(n), method="DOP853",
                    t_eval=ts, rtol=1e-12, atol=1e-14)
    slope_err = float(np.max(np.abs(sol.y.sum(axis=0) - (n - ETA_PAPER * ts))))
    verify(slope_err < 1e-8, f"sum l deviates from n - eta t by {slope_err:.1e}")

    ratios_discrete, ratios_closed = {}, {}
    for p1, paper in PAPER_T2_OVER_T1.items():
        p2 = np.array([p1, 1 - p1])
        first, _ = discrete_map(p2, ETA_PAPER, 0.0, 0.9)
        ratios_discrete[p1] = float((first[1] - 1) / (first[0] - 1))
        tc = np.asarray(mse_learning_times(p2, ETA_PAPER, 0.0, 0.9))
        ratios_closed[p1] = float(tc[1] / tc[0])
        verify(round(ratios_discrete[p1], 2) == paper, f"p1={p1}: t2/t1 {ratios_discrete[p1]:.3f}, paper {paper}")
        verify(abs(ratios_closed[p1] - paper) < 0.03, f"p1={p1}: closed form {ratios_closed[p1]:.3f}")

    # limits, numerically: separated frequencies -> (2 - eps)/(1 - eps); huge N0 -> p1/p2; Domino times
    sep = np.asarray(mse_learning_times(np.array([1.0, 1e-6]), 1.0, 0.0, 0.9))
    verify(abs(sep[1] / sep[0] - 1.9 / 0.9) < 1e-4, "separated two-skill ratio")
    big = np.asarray(mse_learning_times(np.array([0.8, 0.2]), 1.0, 1e8, 0.9))
    verify(abs(big[1] / big[0] - 4.0) < 1e-6, "large-N0 ratio")
    p_sep = 100.0 ** -np.arange(1, 5)
    t_sep = np.asarray(mse_learning_times(p_sep / p_sep.sum(), 1.0, 0.0, 0.999))
    domino = np.asarray(domino_learning_times(4, 1.0, 0.999))
    verify(np.max(np.abs(t_sep - domino)) < 0.25, f"separated skills {t_sep} vs Domino {domino}")
    return {
        "all_done_update": int(done.max() - 1),
        "n_over_eta": n / ETA_PAPER,
        "sum_l_max_error": slope_err,
        "t2_over_t1_discrete": ratios_discrete,
        "t2_over_t1_closed_form": ratios_closed,
        "t2_over_t1_separated": float(sep[1] / sep[0]),
        "t2_over_t1_large_N0": float(big[1] / big[0]),
        "separated_times_over_t0": t_sep.tolist(),
    }


def main():
    return {**check_symbolic(), "shipped_vs_sympy": check_shipped(), **check_numeric()}


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}: {value}")
