"""Derivation: learning-curve collapse in the Resource model (MSE, C = I, before clipping), PAPER §6.1 item 1.

Every skill has the same *relative* rate per unit frequency:

    (1/p_i) d ln l_i / dt = -eta / (sum_j p_j l_j + N0)    (independent of i)  =  -dtau/dt,

so ln(l_i / l0_i) / p_i = -tau for every i, i.e. (l_i / l0_i)^(1/p_i) = exp(-tau): all learning curves
collapse onto one when each is raised to the power 1/p_i.
Checked symbolically (SymPy) and numerically (DOP853 on the t-time ODE: the spread of ln(l_i)/p_i across
skills stays at round-off).
Run: python derivations/curve_collapse.py
"""

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.symbolic import resource_equations, resource_symbols, resource_tau_solution_expr, verify


def symbolicverify(n=3):
    s = resource_symbols(n)
    eqs = resource_equations(n)
    rates = [sp.simplify(e.rhs / (s.p[i] * s.l[i](s.t))) for i, e in enumerate(eqs)]
    verify(all(sp.simplify(r - rates[0]) == 0 for r in rates), f"relative rates differ: {rates}")
    dtau_dt = s.eta / (sp.Add(*[p * f(s.t) for p, f in zip(s.p, s.l)]) + s.N0)
    verify(sp.simplify(rates[0] + dtau_dt) == 0, "common rate is not -dtau/dt")
    l, _ = resource_tau_solution_expr(n)
    positive = {x: sp.Symbol(x.name, positive=True) for x in s.l0}
    collapsed = [sp.simplify(sp.powsimp((li / l0) ** (1 / p), force=True).subs(positive))
                 for li, l0, p in zip(l, s.l0, s.p)]
    verify(all(c == sp.exp(-s.tau) for c in collapsed), f"collapse fails: {collapsed}")
    return str(rates[0])


def main():
    common_rate = symbolicverify()
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
    return {"common_relative_rate": common_rate, "max_relative_spread": spreads}


if __name__ == "__main__":
    out = main()
    print("(1/p_i) dln l_i/dt =", out["common_relative_rate"], "for every skill i")
    for N0, spread in out["max_relative_spread"].items():
        print(f"  N0={N0}: max relative spread of ln(l_i)/p_i across skills = {spread:.1e}")
