r"""Derivation: closed-form learning times of the MSE Resource model (C = I), at the paper's setting.

Derives: skill i reaches deficit eps (skill level s* = 1 - eps) when l0_i exp(-p_i tau) = eps, i.e. at
tau_i = ln(l0_i / eps) / p_i. Putting tau_i into t(tau) (derivations/tau_time_solution.py) gives

    t_i(eps) = (1/eta) [ sum_j l0_j (1 - (eps / l0_i)^(p_j / p_i)) + N0 ln(l0_i / eps) / p_i ].

Checks:

* symbolic (`check_symbolic`): SymPy solves l_i(tau) = eps, and t(tau_i) equals `learning_time_expr`.
* shipped (`check_shipped`): `skillode.closed_form.mse_learning_times` equals `learning_time_expr` at 20 seeded
  random points (n = 3; p, l0, eta, N0, s*), to rtol 1e-12, via `skillode.symbolic.verify_lowered`.
* numeric (`check_numeric`): the shipped times against event times of scipy's DOP853 on the t-time ODE, and
  the paper's setting (the Resource model of arXiv:2501.12391, Fig. 6: alpha = 2, n = 10, N0 = 0,
  eta = 2 * 3e-4 * sqrt(1000), s* = 0.9): the formula (derived, not printed in the paper) gives 104.3, 211.5,
  ..., 516.7. The paper's discrete map (Euler, dt = 1, clip at 0), re-simulated, gives 103, 211, ..., 516,
  counted as the 0-based index of the first update after which s > 0.9 (updates - 1); for N0 = 0.003, 0.01, 0.1
  map and formula agree within about one step.

Run: python derivations/learning_time.py
"""

import jax.numpy as jnp
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.closed_form import mse_learning_times
from skillode.symbolic import (
    learning_time_expr,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
    verify_lowered,
)

SEED = 6001
N_POINTS = 20
RTOL = 1e-12  # same elementary functions on both sides (powers vs expm1 of logs): round-off is ~1e-15
ETA_PAPER = 2 * 3e-4 * np.sqrt(1000)
PAPER_FORMULA = {1: 104.3, 2: 211.5, 10: 516.7}  # first, second and last of 10 Zipf(2) skills
PAPER_SIMULATION = {1: 103, 2: 211, 10: 516}


def check_symbolic(n=2):
    """t(tau_i), with tau_i solving l_i(tau) = eps, is `learning_time_expr` for every skill."""
    s = resource_symbols(n)
    l, t = resource_tau_solution_expr(n)
    solved = []
    for i in range(n):
        (tau_i,) = sp.solve(sp.Eq(l[i], s.epsilon), s.tau)
        solved.append(tau_i)
        # MSE deficits are positive: tell SymPy, so (eps/l0)^x and exp(x ln(eps/l0)) are the same thing
        positive = {x: sp.Symbol(x.name, positive=True) for x in s.l0}
        diff = (t.subs(s.tau, tau_i) - learning_time_expr(n, i)).subs(positive)
        diff = sp.simplify(sp.powsimp(sp.expand_log(diff, force=True), force=True))
        verify(diff == 0, f"learning time of skill {i} does not match: {diff}")
    return {"tau_1": str(solved[0]), "t_1": str(learning_time_expr(n, 0))}


def check_shipped(seed=SEED, n=3):
    """`mse_learning_times` equals `learning_time_expr` (eps = 1 - s*) at random points."""
    rng = np.random.default_rng(seed)
    s = resource_symbols(n)
    exprs = [learning_time_expr(n, i).subs(s.epsilon, 1 - s.s_star) for i in range(n)]
    args = [*s.p, *s.l0, s.eta, s.N0, s.s_star]

    def shipped(*x):
        p, l0, (eta, N0, level) = x[:n], x[n:2 * n], x[2 * n:]
        return mse_learning_times(jnp.array(p), eta, N0, threshold=level, l0=jnp.array(l0))

    # l0 >= 0.5 > eps = 1 - s* <= 0.4: every skill starts below the threshold (the formula's range)
    points = [(*rng.uniform(0.02, 1.0, n), *rng.uniform(0.5, 2.0, n), 10 ** rng.uniform(-3, 0),
               rng.choice([0.0, 10 ** rng.uniform(-3, 0)]), rng.uniform(0.6, 0.99)) for _ in range(N_POINTS)]
    return verify_lowered(exprs, args, shipped, points, rtol=RTOL, claim="mse_learning_times vs SymPy")


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
    """Times at which DOP853 on dl/dt = -eta p l / (p.l + N0) crosses l_i = eps."""
    n = len(p)

    def rhs(_, x):
        c = p * x
        return -eta * c / (c.sum() + N0)

    events = [lambda _, x, i=i: x[i] - eps for i in range(n)]
    sol = solve_ivp(rhs, (0.0, t_end), np.full(n, l0), method="DOP853", events=events, rtol=1e-13, atol=1e-15)
    return np.array([e[0] for e in sol.t_events])


def check_numeric():
    """The paper's setting: the discrete map and ODE event times, all against `mse_learning_times`."""
    p = skillode.zipf(10, 2.0)
    formula = np.asarray(mse_learning_times(p, ETA_PAPER, 0.0, threshold=0.9))
    discrete = discrete_map_updates(p, ETA_PAPER, 0.0, 0.9)
    for i, v in PAPER_FORMULA.items():
        verify(round(formula[i - 1], 1) == v, f"skill {i}: formula {formula[i - 1]:.2f}, paper {v}")
    for i, v in PAPER_SIMULATION.items():
        verify(discrete[i - 1] - 1 == v, f"skill {i}: discrete map {discrete[i - 1]} updates, paper {v}")

    # the continuous formula against the discrete map for the paper's other N0: within about one step
    gaps = {}
    for N0 in (0.003, 0.01, 0.1):
        gaps[N0] = float(np.max(np.abs(np.asarray(mse_learning_times(p, ETA_PAPER, N0, 0.9))
                                       - discrete_map_updates(p, ETA_PAPER, N0, 0.9))))
        verify(gaps[N0] < 1.5, f"N0={N0}: formula and discrete map differ by {gaps[N0]:.2f} steps")

    # against an independent ODE integration (event location), general l0 and N0 > 0
    p4 = skillode.zipf(4, 1.5)
    closed = np.asarray(mse_learning_times(p4, 0.02, 0.01, threshold=0.95, l0=0.8))
    ode = ode_event_times(p4, 0.02, 0.01, 0.05, t_end=1.5 * closed.max(), l0=0.8)
    rel = float(np.max(np.abs(ode - closed) / closed))
    verify(rel < 1e-9, f"closed form vs ODE event times: relative error {rel:.1e}")
    return {"formula": formula, "discrete_updates": discrete, "paper_index": discrete - 1,
            "max_gap_steps_by_N0": gaps, "ode_relative_error": rel}


def main():
    return {**check_symbolic(), "shipped_vs_sympy": check_shipped(), **check_numeric()}


if __name__ == "__main__":
    out = main()
    np.set_printoptions(precision=1, suppress=True)
    print("tau_1 =", out["tau_1"], "; t_1 =", out["t_1"])
    print(f"mse_learning_times vs SymPy: worst relative difference {out['shipped_vs_sympy']:.1e}")
    print("alpha=2, n=10, N0=0, eta=2*3e-4*sqrt(1000), threshold s*=0.9 (eps=0.1)")
    print("  formula      :", out["formula"])
    print("  discrete map :", out["paper_index"], "(0-based update index, as the paper counts)")
    print("  max |formula - discrete| for N0 = 0.003, 0.01, 0.1:", out["max_gap_steps_by_N0"])
    print(f"  closed form vs ODE event times: relative error {out['ode_relative_error']:.1e}")
