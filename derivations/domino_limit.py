"""Derivation: the Domino limit of the Resource model (MSE, C = I, N0 -> 0), PAPER §6.1 items 3-5.

1. Summing the ODE with N0 = 0: d(sum_i l_i)/dt = -eta sum_i p_i l_i / sum_j p_j l_j = -eta, exactly. The
   total deficit falls at a constant rate; every skill is done at T = sum_i l0_i / eta = n / eta = n t0
   (t0 = 1/eta), whatever the frequencies: t(tau -> inf) = sum_j l0_j / eta.
2. Two skills, N0 = 0, eps = 1 - s*: t2/t1 = (2 - eps - eps^(p1/p2)) / (2 - eps - eps^(p2/p1))
   -> (2 - eps)/(1 - eps) as p1/p2 -> inf, which is 2 in the limit eps -> 0 (2.11 at s* = 0.9).
3. Large N0: t_i -> N0 ln(1/eps) / (eta p_i), so t2/t1 -> p1/p2 (independent exponentials, quanta-like).
4. Well-separated frequencies: t_i -> (i - eps) t0, the Domino model's time for skill i to reach 1 - eps.

Numbers (PAPER §6.1 items 3-4, eta = 2 * 3e-4 * sqrt(1000)): 10 Zipf(2) skills are all done at 527 steps
(n/eta = 527.05; the discrete map's last skill hits l = 0 at 0-based update 527); two skills with p1 = 0.9,
0.95, 0.99 give t2/t1 = 1.69, 1.89, 2.08 from the discrete map at s* = 0.9 (0-based step indices), and
1.688, 1.874, 2.059 from the closed form.
Run: python derivations/domino_limit.py
"""

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.symbolic import (
    domino_equations,
    learning_time_expr,
    resource_equations,
    resource_learning_time,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
)

ETA_PAPER = 2 * 3e-4 * np.sqrt(1000)
PAPER_T2_OVER_T1 = {0.9: 1.69, 0.95: 1.89, 0.99: 2.08}


def symbolic_checks(n=3):
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

    # Domino model: s_i reaches s* at (i - 1 + s*) t0
    t0 = sp.Symbol("t_0", positive=True)
    for i, e in enumerate(domino_equations(3), start=1):
        s_star = sp.Rational(9, 10)
        verify(e.rhs.subs(e.lhs.args[0], (i - 1 + s_star) * t0) == s_star, "domino learning time")
    return {"two_skill_separated_limit": (2 - eps) / (1 - eps), "large_N0_limit": limit_N0}


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


def main():
    sym = symbolic_checks()
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
        tc = np.asarray(resource_learning_time(p2, ETA_PAPER, 0.0, 0.9))
        ratios_closed[p1] = float(tc[1] / tc[0])
        verify(round(ratios_discrete[p1], 2) == paper, f"p1={p1}: t2/t1 {ratios_discrete[p1]:.3f}, paper {paper}")
        verify(abs(ratios_closed[p1] - paper) < 0.03, f"p1={p1}: closed form {ratios_closed[p1]:.3f}")

    # limits, numerically: separated frequencies -> (2 - eps)/(1 - eps); huge N0 -> p1/p2; Domino times
    sep = np.asarray(resource_learning_time(np.array([1.0, 1e-6]), 1.0, 0.0, 0.9))
    verify(abs(sep[1] / sep[0] - 1.9 / 0.9) < 1e-4, "separated two-skill ratio")
    big = np.asarray(resource_learning_time(np.array([0.8, 0.2]), 1.0, 1e8, 0.9))
    verify(abs(big[1] / big[0] - 4.0) < 1e-6, "large-N0 ratio")
    p_sep = 100.0 ** -np.arange(1, 5)
    t_sep = np.asarray(resource_learning_time(p_sep / p_sep.sum(), 1.0, 0.0, 0.999))
    domino = np.arange(1, 5) - 0.001
    verify(np.max(np.abs(t_sep - domino)) < 0.25, f"separated skills {t_sep} vs Domino {domino}")
    return {
        "all_done_update": int(done.max() - 1),
        "n_over_eta": n / ETA_PAPER,
        "sum_l_max_error": slope_err,
        "t2_over_t1_discrete": ratios_discrete,
        "t2_over_t1_closed_form": ratios_closed,
        "separated_times_over_t0": t_sep.tolist(),
        **{k: str(v) for k, v in sym.items()},
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}: {value}")
