r"""Derivation: closed form of the cross-entropy Resource model (C = I) via the Lambert W function.

Derives (the CE Resource model of arXiv:2501.12391, Fig. 8, bottom; the closed form is derived here): in internal
time (dtau/dt = eta / (sum_j c_j + N0), c_j = p_j sigmoid(-l_j)) the CE system separates,

    dl/dtau = p sigmoid(-l) = p / (1 + e^l)   =>   (1 + e^l) dl = p dtau   =>   l + e^l = p tau + l0 + e^{l0}.

With y = p tau + l0 + e^{l0}, the solution of l + e^l = y is l = y - W(e^y) (principal Lambert W; SymPy's
solve and dsolve both give it). Time follows from dt/dtau = (sum_j c_j + N0)/eta = (sum_j dl_j/dtau + N0)/eta:

    t(tau) = (1/eta) [ sum_j (l_j(tau) - l0_j) + N0 tau ].

Learning time to skill level s* (sigmoid(l_i) = s*): l* = ln(s*/(1 - s*)),
tau_i = (l* + s*/(1 - s*) - l0_i - e^{l0_i}) / p_i, and t_i = t(tau_i).

Checks:

* symbolic (`check_symbolic`): substitution into the tau-time ODE (parametrised by w = W(e^y)), l(0) = l0,
  dt/dtau, and SymPy's own solve/dsolve.
* shipped (`check_shipped`): `skillode.closed_form.ce_tau_solution` equals `resource_tau_solution_expr(n,
  loss_kind="ce")` and `ce_learning_times` equals `learning_time_expr(n, i, loss_kind="ce")` at 20 seeded random
  points each (n = 3), via `skillode.symbolic.verify_lowered`, to rtol 1e-12 (the lowered SymPy form
  y - W(e^y) loses about |y| / |l| ulps to cancellation, ~1e-14 here; the shipped Newton solve does not).
* numeric (`check_numeric`): the shipped trajectory and learning times against DOP853 on the t-time CE ODE and
  its event times.

Run: python derivations/ce_lambert.py
"""

import jax.numpy as jnp
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.closed_form import ce_learning_times, ce_tau_solution
from skillode.symbolic import (
    learning_time_expr,
    resource_equations,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
    verify_lowered,
)

SEED = 8002
N_POINTS = 20
# The SymPy form l = y - W(e^y), lowered, cancels when l << y (y up to ~60 here, l ~ ln y): a relative error of
# a few |y|/|l| ulps, ~1e-14, well inside rtol 1e-12.
RTOL = 1e-12


def check_symbolic(n=2):
    """l = y - W(e^y) solves the tau-time CE system; t(tau) solves dt/dtau; SymPy finds W on its own."""
    s = resource_symbols(n)
    l, t = resource_tau_solution_expr(n, loss_kind="ce")
    eqs = resource_equations(n, loss_kind="ce", time="tau")
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

    # learning time: t(tau_i) with sigmoid(l_i(tau_i)) = s*
    t_i = learning_time_expr(n, 0, loss_kind="ce")
    verify(t_i.has(sp.LambertW) and not t_i.has(s.tau), "CE learning time expression")
    return {"dsolve": str(general), "l_1": str(l[0])}


def check_shipped(seed=SEED, n=3):
    """`ce_tau_solution` and `ce_learning_times` equal their SymPy expressions at random points.

    Returns the worst relative differences and the absolute error at tau = 0 (l = l0, t = 0).
    """
    rng = np.random.default_rng(seed)
    s = resource_symbols(n)

    l, t = resource_tau_solution_expr(n, loss_kind="ce")
    args = [s.tau, *s.p, *s.l0, s.eta, s.N0]

    def shipped_traj(tau, *x):
        p, l0, (eta, N0) = x[:n], x[n:2 * n], x[2 * n:]
        l_, t_ = ce_tau_solution(tau, jnp.array(p), eta, N0, l0=jnp.array(l0))
        return jnp.concatenate([l_, t_[None]])

    # tau >= 1 and p >= 0.05 keep l - l0 well away from 0 (t is a sum of such differences)
    traj_points = [(rng.uniform(1.0, 60.0), *rng.uniform(0.05, 1.0, n), *rng.uniform(-2.0, 2.0, n),
                    10 ** rng.uniform(-3, 0), rng.choice([0.0, 10 ** rng.uniform(-3, 0)])) for _ in range(N_POINTS)]
    worst_traj = verify_lowered([*l, t], args, shipped_traj, traj_points, rtol=RTOL,
                                claim="ce_tau_solution vs SymPy")
    # tau = 0: l = l0 and t = 0 up to the Newton solve's round-off (absolute: t(0) = 0 has no relative scale)
    l_0, t_0 = ce_tau_solution(0.0, jnp.array([0.5, 0.3, 0.2]), 0.1, 0.01, l0=jnp.array([0.0, -1.0, 1.0]))
    start = float(max(np.max(np.abs(np.asarray(l_0) - [0.0, -1.0, 1.0])), 0.1 * abs(float(t_0))))
    verify(start < 1e-14, f"ce_tau_solution at tau = 0: |l - l0| or eta |t| = {start:.1e}")

    exprs = [learning_time_expr(n, i, loss_kind="ce") for i in range(n)]
    args_t = [*s.p, *s.l0, s.eta, s.N0, s.s_star]

    def shipped_times(*x):
        p, l0, (eta, N0, level) = x[:n], x[n:2 * n], x[2 * n:]
        return ce_learning_times(jnp.array(p), eta, N0, threshold=level, l0=jnp.array(l0))

    # l0 in [-1, 1] and s* >= 0.8 (l* >= ln 4 > 1): every skill starts below the threshold
    time_points = [(*rng.uniform(0.05, 1.0, n), *rng.uniform(-1.0, 1.0, n), 10 ** rng.uniform(-3, 0),
                    rng.choice([0.0, 10 ** rng.uniform(-3, 0)]), rng.uniform(0.8, 0.99)) for _ in range(N_POINTS)]
    worst_times = verify_lowered(exprs, args_t, shipped_times, time_points, rtol=RTOL,
                                 claim="ce_learning_times vs SymPy")
    return {"ce_tau_solution": worst_traj, "ce_learning_times": worst_times}, start


def check_numeric():
    """The shipped CE trajectory and learning times against DOP853 on the t-time ODE."""
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

    # learning times to s* = 0.9 against event location
    closed = np.asarray(ce_learning_times(p, eta, N0, threshold=0.9, l0=l0))
    l_star = np.log(9.0)
    events = [lambda _, x, i=i: x[i] - l_star for i in range(4)]
    ev = solve_ivp(rhs, (0, 1.5 * closed.max()), l0, method="DOP853", events=events, rtol=1e-13, atol=1e-14)
    ode = np.array([e[0] for e in ev.t_events])
    err_time = float(np.max(np.abs(ode - closed) / closed))
    verify(err_time < 1e-9, f"CE learning times vs ODE events: relative {err_time:.1e}")
    return {"trajectory_error": err_traj, "learning_time_relative_error": err_time,
            "learning_times": closed.tolist()}


def main():
    shipped, start = check_shipped()
    return {**check_symbolic(), "shipped_vs_sympy": shipped, "tau_0_absolute_error": start, **check_numeric()}


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}: {value}")
