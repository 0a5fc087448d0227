r"""Derivation: learning-curve collapse in the MSE Resource model (C = I, before clipping).

Derives the collapse that arXiv:2501.12391, Fig. 7 (top) plots as u_i^(1/p_i): every skill has the same
*relative* rate per unit frequency,

    (1/p_i) d ln l_i / dt = -eta / (sum_j p_j l_j + N0)    (independent of i)  =  -dtau/dt,

so ln(l_i / l0_i) / p_i = -tau for every i, i.e. (l_i / l0_i)^(1/p_i) = exp(-tau): all learning curves
collapse onto one when each is raised to the power 1/p_i.

Checks:

* symbolic (`check_symbolic`): the relative rates are equal and equal -dtau/dt; on the tau-time closed form
  every (l_i / l0_i)^(1/p_i) simplifies to exp(-tau).
* shipped (`check_shipped`), both via `skillode.symbolic.verify_lowered` at 20 seeded random points, n = 3:
  `skillode.closed_form.collapse` equals the SymPy (l_i / l0_i)^(1/p_i) at random (l, p, l0), to rtol 1e-12;
  and `collapse` of `mse_tau_solution`'s l equals the collapsed SymPy form exp(-tau) for every skill, to rtol
  1e-12 (the power 1/p_i multiplies the ~1 ulp error of e^{-p_i tau} by 1/p_i <= 20).
* numeric (`check_numeric`): DOP853 on the t-time ODE: the spread of ln(l_i)/p_i across skills stays at
  round-off, for N0 = 0, 0.01, 1.

Run: python derivations/curve_collapse.py
"""

import jax.numpy as jnp
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.closed_form import collapse, mse_tau_solution
from skillode.symbolic import (
    resource_equations,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
    verify_lowered,
)

SEED = 7007
N_POINTS = 20
RTOL = 1e-12  # x^(1/p) with p >= 0.05: at most ~20 ulps of x's round-off, ~1e-14


def check_symbolic(n=3):
    """Equal relative rates, equal to -dtau/dt; (l_i/l0_i)^(1/p_i) = exp(-tau) on the closed form."""
    s = resource_symbols(n)
    eqs = resource_equations(n)
    rates = [sp.simplify(e.rhs / (s.p[i] * s.l[i](s.t))) for i, e in enumerate(eqs)]
    verify(all(sp.simplify(r - rates[0]) == 0 for r in rates), f"relative rates differ: {rates}")
    dtau_dt = s.eta / (sp.Add(*[p * f(s.t) for p, f in zip(s.p, s.l)]) + s.N0)
    verify(sp.simplify(rates[0] + dtau_dt) == 0, "common rate is not -dtau/dt")
    collapsed = collapsed_exprs(n)
    verify(all(c == sp.exp(-s.tau) for c in collapsed), f"collapse fails: {collapsed}")
    return {"common_relative_rate": str(rates[0]), "collapsed": str(collapsed[0])}


def collapsed_exprs(n):
    """(l_i/l0_i)^(1/p_i) on the closed form l_i = l0_i e^{-p_i tau}, simplified (l0_i > 0)."""
    s = resource_symbols(n)
    l, _ = resource_tau_solution_expr(n)
    positive = {x: sp.Symbol(x.name, positive=True) for x in s.l0}
    return [sp.simplify(sp.powsimp((li / l0) ** (1 / p), force=True).subs(positive))
            for li, l0, p in zip(l, s.l0, s.p)]


def check_shipped(seed=SEED, n=3):
    """`collapse` equals its SymPy definition, and maps `mse_tau_solution` onto the SymPy exp(-tau)."""
    rng = np.random.default_rng(seed)
    s = resource_symbols(n)
    ls = sp.symbols(f"l_1:{n + 1}", positive=True)
    definition = [(ls[i] / s.l0[i]) ** (1 / s.p[i]) for i in range(n)]
    args = [*ls, *s.p, *s.l0]

    def shipped_definition(*x):
        l, p, l0 = x[:n], x[n:2 * n], x[2 * n:]
        return collapse(jnp.array(l), jnp.array(p), jnp.array(l0))

    points = [(*rng.uniform(1e-3, 1.0, n), *rng.uniform(0.05, 1.0, n), *rng.uniform(0.5, 2.0, n))
              for _ in range(N_POINTS)]
    worst_definition = verify_lowered(definition, args, shipped_definition, points, rtol=RTOL,
                                      claim="collapse vs (l_i/l0_i)^(1/p_i)")

    collapsed = collapsed_exprs(n)
    args_tau = [s.tau, *s.p, *s.l0, s.eta, s.N0]

    def shipped_on_solution(tau, *x):
        p, l0, (eta, N0) = jnp.array(x[:n]), jnp.array(x[n:2 * n]), x[2 * n:]
        l, _ = mse_tau_solution(tau, p, eta, N0, l0=l0)
        return collapse(l, p, l0)

    points_tau = [(rng.uniform(0.0, 30.0), *rng.uniform(0.05, 1.0, n), *rng.uniform(0.5, 2.0, n),
                   10 ** rng.uniform(-3, 0), rng.uniform(0.0, 1.0)) for _ in range(N_POINTS)]
    worst_solution = verify_lowered(collapsed, args_tau, shipped_on_solution, points_tau, rtol=RTOL,
                                    claim="collapse(mse_tau_solution) vs exp(-tau)")
    return {"definition": worst_definition, "on_closed_form": worst_solution}


def check_numeric():
    """The spread of ln(l_i)/p_i across skills along DOP853 solutions of the t-time ODE."""
    spreads = {}
    p = skillode.zipf(5, 2.0)
    eta = 0.02
    # end times keep tau below ~300, where every l_i is still a normal float64
    for N0, t_end in ((0.0, 0.8 * 5 / eta), (0.01, 400.0), (1.0, 2000.0)):
        sol = solve_ivp(lambda _, x: -eta * p * x / (p @ x + N0), (0, t_end), np.ones(5), method="DOP853",
                        t_eval=np.linspace(0, t_end, 50), rtol=1e-13, atol=1e-300)
        # compare ln(l_i)/p_i = -tau (l_i^(1/p_i) itself underflows for rare skills at late times)
        minus_tau = np.log(sol.y[:, 1:]) / p[:, None]  # shape (skill, t)
        spread = np.max(np.abs(minus_tau - minus_tau[0]) / np.abs(minus_tau[0]))
        spreads[N0] = float(spread)
        verify(spread < 1e-8, f"N0={N0}: ln(l_i)/p_i differ across skills by {spread:.1e} (relative)")
    return {"max_relative_spread": spreads}


def main():
    return {**check_symbolic(), "shipped_vs_sympy": check_shipped(), **check_numeric()}


if __name__ == "__main__":
    out = main()
    print("(1/p_i) dln l_i/dt =", out["common_relative_rate"], "for every skill i")
    print("(l_i/l0_i)^(1/p_i) =", out["collapsed"], "on the closed form")
    for name, err in out["shipped_vs_sympy"].items():
        print(f"  collapse vs SymPy ({name}): worst relative difference {err:.1e}")
    for N0, spread in out["max_relative_spread"].items():
        print(f"  N0={N0}: max relative spread of ln(l_i)/p_i across skills = {spread:.1e}")
