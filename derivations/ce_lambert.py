"""Derivation: closed form of the cross-entropy Resource model (C = I) via the Lambert W function.

In internal time (dtau/dt = eta / (sum_j c_j + N0), c_j = p_j sigmoid(-l_j)) the CE system separates:

    dl/dtau = p sigmoid(-l) = p / (1 + e^l)   =>   (1 + e^l) dl = p dtau   =>   l + e^l = p tau + l0 + e^{l0}.

With y = p tau + l0 + e^{l0}, the solution of l + e^l = y is l = y - W(e^y) (principal Lambert W; SymPy's
solve and dsolve both give it). Time follows from dt/dtau = (sum_j c_j + N0)/eta = (sum_j dl_j/dtau + N0)/eta:

    t(tau) = (1/eta) [ sum_j (l_j(tau) - l0_j) + N0 tau ].

Learning time to skill level s* (sigmoid(l_i) = s*): l* = ln(s*/(1 - s*)),
tau_i = (l* + s*/(1 - s*) - l0_i - e^{l0_i}) / p_i, and t_i = t(tau_i).
Checked symbolically (substitution into the ODE, SymPy's own solve/dsolve) and numerically (lowered to JAX,
against DOP853 on the t-time CE ODE and its event times).
Run: python derivations/ce_lambert.py
"""

import jax
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.symbolic import (
    ce_learning_time,
    ce_tau_solution,
    learning_time_expr,
    resource_equations,
    resource_symbols,
    resource_tau_solution_expr,
    to_jax,
    verify,
)


def symbolic_checks(n=2):
    s = resource_symbols(n)
    l, t = resource_tau_solution_expr(n, loss="ce")
    eqs = resource_equations(n, loss="ce", time="tau")
    on_solution = {f(s.tau): li for f, li in zip(s.l, l)}
    # SymPy does not simplify W(e^y) by itself; parametrise by w = W(e^y) > 0 instead (y = w + ln w, so
    # e^y = w e^w and W(w e^w) = w by definition of the principal branch)
    w = sp.Symbol("w", positive=True)
    for i, (li, e) in enumerate(zip(l, eqs[:-1])):
        residual = sp.diff(li, s.tau) - e.rhs.subs(on_solution)
        at_w = residual.subs(s.tau, (w + sp.log(w) - s.l0[i] - sp.exp(s.l0[i])) / s.p[i])
        at_w = at_w.subs(sp.LambertW(w * sp.exp(w)), w)
        verify(sp.simplify(at_w) == 0, f"l(tau) does not solve dl/dtau = p sigmoid(-l): {at_w}")
        l_at_0 = li.subs(s.tau, 0).subs(sp.LambertW(sp.exp(s.l0[i] + sp.exp(s.l0[i]))), sp.exp(s.l0[i]))
        verify(sp.simplify(l_at_0 - s.l0[i]) == 0, "l(0) != l0")
    # dt/dtau = (sum_j c_j + N0)/eta and sum_j c_j = sum_j dl_j/dtau, whatever l(tau) is
    lf = [f(s.tau) for f in s.l]
    t_generic = (sp.Add(*[lf[j] - s.l0[j] for j in range(n)]) + s.N0 * s.tau) / s.eta
    dt = sp.diff(t_generic, s.tau).subs({sp.Derivative(lf[j], s.tau): eqs[j].rhs for j in range(n)})
    verify(sp.simplify(dt - eqs[-1].rhs) == 0, "t(tau) fails dt/dtau")
    verify(sp.simplify(t - t_generic.subs(on_solution)) == 0, "t(tau) is not the sum of l_j - l0_j")

    # SymPy finds the same thing on its own: the implicit solution and dsolve
    x, y = sp.symbols("x y", real=True)
    verify(sp.solve(sp.Eq(x + sp.exp(x), y), x) == [y - sp.LambertW(sp.exp(y))], "solve(l + e^l = y)")
    p, tau = s.p[0], s.tau
    f = sp.Function("l")
    general = sp.dsolve(sp.Eq(f(tau).diff(tau), p / (1 + sp.exp(f(tau)))), f(tau)).rhs
    verify(general.has(sp.LambertW), f"dsolve gave {general}")

    # learning time: l_i(tau_i) = l*
    t_i = learning_time_expr(n, 0, loss="ce")
    verify(t_i.has(sp.LambertW) and not t_i.has(s.tau), "CE learning time expression")
    return str(general)


def main():
    general = symbolic_checks()
    p = skillode.zipf(4, 1.5)
    eta, N0, l0 = 0.05, 0.01, np.array([0.0, -0.5, 0.3, 1.0])
    taus = np.linspace(0.0, 60.0, 31)
    l, t = (np.asarray(a) for a in ce_tau_solution(taus, p, eta, N0, l0))

    def rhs(_, x):
        c = p / (1.0 + np.exp(x))
        return eta * c / (c.sum() + N0)

    sol = solve_ivp(rhs, (0, t[-1]), l0, method="DOP853", t_eval=t, rtol=1e-13, atol=1e-14)
    err_traj = float(np.max(np.abs(sol.y.T - l)))
    verify(err_traj < 1e-8, f"CE closed form vs DOP853: {err_traj:.1e}")

    # the SymPy expression lowered to JAX agrees with the hand-written JAX closed form
    s = resource_symbols(4)
    l_expr, t_expr = resource_tau_solution_expr(4, loss="ce")
    f = jax.jit(to_jax([*l_expr, t_expr], [s.tau, *s.p, *s.l0, s.eta, s.N0]))
    lowered = np.stack([np.asarray(f(tau, *p, *l0, eta, N0)) for tau in taus[:10]])
    err_lower = float(np.max(np.abs(lowered - np.column_stack([l[:10], t[:10]]))))
    verify(err_lower < 1e-9, f"lowered SymPy vs ce_tau_solution: {err_lower:.1e}")

    # learning times to s* = 0.9 against event location
    closed = np.asarray(ce_learning_time(p, eta, N0, threshold=0.9, l0=l0))
    l_star = np.log(9.0)
    events = [lambda _, x, i=i: x[i] - l_star for i in range(4)]
    ev = solve_ivp(rhs, (0, 1.5 * closed.max()), l0, method="DOP853", events=events, rtol=1e-13, atol=1e-14)
    ode = np.array([e[0] for e in ev.t_events])
    err_time = float(np.max(np.abs(ode - closed) / closed))
    verify(err_time < 1e-9, f"CE learning times vs ODE events: relative {err_time:.1e}")
    return {"dsolve": general, "trajectory_error": err_traj, "lowering_error": err_lower,
            "learning_time_relative_error": err_time, "learning_times": closed.tolist()}


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}: {value}")
