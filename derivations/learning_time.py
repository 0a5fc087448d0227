"""Derivation: closed-form learning times of the Resource model (MSE, C = I), and the paper's numbers.

Skill i reaches deficit eps (skill level s* = 1 - eps) when l0_i exp(-p_i tau) = eps, i.e. at
tau_i = ln(l0_i / eps) / p_i. Putting tau_i into t(tau) gives

    t_i(eps) = (1/eta) [ sum_j l0_j (1 - (eps / l0_i)^(p_j / p_i)) + N0 ln(l0_i / eps) / p_i ].

Checked symbolically (SymPy solves l_i(tau) = eps and matches `learning_time_expr`), numerically (event
times of scipy's DOP853 on the t-time ODE), and against PAPER §6.1 item 2: alpha = 2, n = 10, N0 = 0,
eta = 2 * 3e-4 * sqrt(1000): the formula gives 104.3, 211.5, ..., 516.7 at threshold s* = 0.9 (eps = 0.1).
The paper's simulated 103, 211, ..., 516 are the paper's discrete map (Euler, dt = 1, clip at 0) counted as the
0-based index of the first update after which s > 0.9 (that is, updates - 1).
Run: python derivations/learning_time.py
"""

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.symbolic import (
    learning_time_expr,
    resource_learning_time,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
)

PAPER_FORMULA = {1: 104.3, 2: 211.5, 10: 516.7}  # PAPER §6.1 item 2 (first, second, last skill)
PAPER_SIMULATION = {1: 103, 2: 211, 10: 516}


def symbolicverify(n=2):
    s = resource_symbols(n)
    l, t = resource_tau_solution_expr(n)
    for i in range(n):
        (tau_i,) = sp.solve(sp.Eq(l[i], s.epsilon), s.tau)
        # MSE deficits are positive: tell SymPy, so (eps/l0)^x and exp(x ln(eps/l0)) are the same thing
        positive = {x: sp.Symbol(x.name, positive=True) for x in s.l0}
        diff = (t.subs(s.tau, tau_i) - learning_time_expr(n, i)).subs(positive)
        diff = sp.simplify(sp.powsimp(sp.expand_log(diff, force=True), force=True))
        verify(diff == 0, f"learning time of skill {i} does not match: {diff}")
    return True


def discrete_map_updates(p, eta, N0, threshold, max_updates=100_000):
    """Number of updates of the paper's map l <- max(l - eta c/(sum c + N0), 0) until s_i > threshold."""
    l = np.ones_like(p)
    counts = np.zeros(len(p), dtype=int)
    for k in range(1, max_updates + 1):
        c = p * l
        den = c.sum() + N0
        l = np.maximum(l - eta * c / den, 0.0) if den > 0 else l
        counts[(counts == 0) & (1.0 - l > threshold)] = k
        if counts.all():
            return counts
    raise AssertionError("discrete map did not learn every skill")


def ode_event_times(p, eta, N0, eps, t_end, l0=1.0):
    n = len(p)

    def rhs(_, x):
        c = p * x
        return -eta * c / (c.sum() + N0)

    events = [lambda _, x, i=i: x[i] - eps for i in range(n)]
    sol = solve_ivp(rhs, (0.0, t_end), np.full(n, l0), method="DOP853", events=events, rtol=1e-13, atol=1e-15)
    return np.array([e[0] for e in sol.t_events])


def main():
    symbolicverify()
    p = skillode.zipf(10, 2.0)
    eta = 2 * 3e-4 * np.sqrt(1000)
    formula = np.asarray(resource_learning_time(p, eta, 0.0, threshold=0.9))
    discrete = discrete_map_updates(p, eta, 0.0, 0.9)
    for i, v in PAPER_FORMULA.items():
        verify(round(formula[i - 1], 1) == v, f"skill {i}: formula {formula[i - 1]:.2f}, paper {v}")
    for i, v in PAPER_SIMULATION.items():
        verify(discrete[i - 1] - 1 == v, f"skill {i}: discrete map {discrete[i - 1]} updates, paper {v}")

    # the continuous formula against the discrete map for the paper's other N0: within about one step
    gaps = {}
    for N0 in (0.003, 0.01, 0.1):
        gaps[N0] = float(np.max(np.abs(np.asarray(resource_learning_time(p, eta, N0, 0.9))
                                       - discrete_map_updates(p, eta, N0, 0.9))))
        verify(gaps[N0] < 1.5, f"N0={N0}: formula and discrete map differ by {gaps[N0]:.2f} steps")

    # against an independent ODE integration (event location), general l0 and N0 > 0
    p4 = skillode.zipf(4, 1.5)
    closed = np.asarray(resource_learning_time(p4, 0.02, 0.01, threshold=0.95, l0=0.8))
    ode = ode_event_times(p4, 0.02, 0.01, 0.05, t_end=1.5 * closed.max(), l0=0.8)
    rel = float(np.max(np.abs(ode - closed) / closed))
    verify(rel < 1e-9, f"closed form vs ODE event times: relative error {rel:.1e}")
    return {
        "formula": formula,
        "discrete_updates": discrete,
        "paper_index": discrete - 1,
        "max_gap_steps_by_N0": gaps,
        "ode_relative_error": rel,
    }


if __name__ == "__main__":
    out = main()
    np.set_printoptions(precision=1, suppress=True)
    print("alpha=2, n=10, N0=0, eta=2*3e-4*sqrt(1000), threshold s*=0.9 (eps=0.1)")
    print("  formula      :", out["formula"])
    print("  discrete map :", out["paper_index"], "(0-based update index, as the paper counts)")
    print("  max |formula - discrete| for N0 = 0.003, 0.01, 0.1:", out["max_gap_steps_by_N0"])
    print(f"  closed form vs ODE event times: relative error {out['ode_relative_error']:.1e}")
