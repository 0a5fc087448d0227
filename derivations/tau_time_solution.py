r"""Derivation: the MSE Resource model is linear in internal time tau, and solves in closed form.

Derives (for the Resource model of arXiv:2501.12391, Figs. 6–8; the tau-time form itself is derived here): with
dtau/dt = eta / (sum_j p_j l_j + N0) the chain rule turns

    dl_i/dt = -eta (C diag(p) l)_i / (sum_j p_j l_j + N0)     into     dl/dtau = -C diag(p) l,

so l(tau) = expm(-tau C diag p) l0 and t(tau) = (1/eta)[p^T int_0^tau l(s) ds + N0 tau]; for C = I,
l_i = l0_i exp(-p_i tau) and t = (1/eta)[sum_j l0_j (1 - exp(-p_j tau)) + N0 tau].

Checks:

* symbolic (`check_symbolic`): the chain rule for C = I and a symbolic symmetric C; the closed form solves the
  tau-time ODE and dt/dtau and starts at l0, t = 0; for general C, d/dtau [p^T A^{-1}(l0 - l)] = p^T l.
* shipped (`check_shipped`): `skillode.closed_form.mse_tau_solution` equals the SymPy expression at 20 seeded
  random points (C = I, n = 3), and the exact SymPy matrix exponential for two rational 2 x 2 overlaps (one
  singular), to rtol 1e-12 (`skillode.symbolic.verify_lowered`); for random and singular 4 x 4 PSD C it equals
  scipy's `expm` of the augmented matrix [[-C diag p, 0], [p^T, 0]] (no eigendecomposition, no inverse).
* numeric (`check_numeric`): the shipped closed form against scipy's DOP853 on the t-time ODE.

Run: python derivations/tau_time_solution.py
"""

import jax.numpy as jnp
import numpy as np
import scipy.linalg
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.closed_form import mse_tau_solution
from skillode.symbolic import (
    resource_equations,
    resource_symbols,
    resource_tau_solution_expr,
    verify,
    verify_lowered,
)

SEED = 20250121
N_POINTS = 20
RTOL = 1e-12  # both sides evaluate the same elementary functions in float64: round-off is ~1e-15
EXPM_RTOL = 1e-12  # eigh-based modes vs Pade expm: different algorithms, each accurate to a few n eps ||A||


def check_symbolic(n=2):
    """The tau-time system is linear (chain rule), and its closed form solves it (C = I and general C)."""
    s = resource_symbols(n)
    for C in (None, "symbolic"):
        eqs_t = resource_equations(n, C=C)
        eqs_tau = resource_equations(n, C=C, time="tau")
        dt_dtau = eqs_tau[-1].rhs
        for et, etau in zip(eqs_t, eqs_tau):
            # chain rule: dl/dtau = dl/dt * dt/dtau, with l_i(t) renamed l_i(tau)
            lhs = (et.rhs * dt_dtau).subs({f(s.t): f(s.tau) for f in s.l})
            verify(sp.simplify(lhs - etau.rhs) == 0, f"chain rule fails for C={C}")
        verify(all(e.rhs.is_polynomial(*[f(s.tau) for f in s.l]) for e in eqs_tau[:-1]),
               "tau-time system is not linear")

    # C = I: substitute the closed form into the tau-time ODE and dt/dtau
    l, t = resource_tau_solution_expr(n)
    eqs_tau = resource_equations(n, time="tau")
    on_solution = {f(s.tau): li for f, li in zip(s.l, l)}
    for li, e in zip(l, eqs_tau[:-1]):
        verify(sp.simplify(sp.diff(li, s.tau) - e.rhs.subs(on_solution)) == 0, "l(tau) does not solve the ODE")
    verify(sp.simplify(sp.diff(t, s.tau) - eqs_tau[-1].rhs.subs(on_solution)) == 0, "t(tau) fails dt/dtau")
    verify(all(sp.simplify(li.subs(s.tau, 0) - l0) == 0 for li, l0 in zip(l, s.l0)), "l(0) != l0")
    verify(t.subs(s.tau, 0) == 0, "t(0) != 0")

    # general C: with A = C diag(p) and dl/dtau = -A l, d/dtau [p^T A^{-1} (l0 - l)] = p^T l
    c12 = sp.Symbol("C_12", real=True)
    A = sp.Matrix([[1, c12], [c12, 1]]) * sp.diag(*s.p)
    lv = sp.Matrix([f(s.tau) for f in s.l])
    form = (sp.Matrix(s.p).T * A.inv() * (sp.Matrix(s.l0) - lv))[0, 0]
    d = sp.diff(form, s.tau).subs({sp.Derivative(lv[i], s.tau): (-A * lv)[i] for i in range(n)})
    verify(sp.simplify(d - (sp.Matrix(s.p).T * lv)[0, 0]) == 0, "general-C t(tau) identity fails")
    return {"tau_system": str(eqs_tau[0].rhs), "l_1": str(l[0]), "t": str(t)}


def exact_coupled_expr(C, p, l0):
    """SymPy l(tau) = expm(-tau C diag p) l0 and t(tau) = (1/eta)[p^T int_0^tau l ds + N0 tau], exactly."""
    s = resource_symbols(2)
    u = sp.Symbol("u", nonnegative=True)
    A = sp.Matrix(C) * sp.diag(*p)
    E = (-u * A).exp()
    verify(sp.simplify(sp.diff(E, u) + A * E) == sp.zeros(2, 2), "expm does not solve dl/dtau = -A l")
    l_u = E * sp.Matrix(l0)
    flow = sp.integrate((sp.Matrix(p).T * l_u)[0, 0], (u, 0, s.tau))
    l_tau = [sp.simplify(li.subs(u, s.tau)) for li in l_u]
    return l_tau, (flow + s.N0 * s.tau) / s.eta, (s.tau, s.eta, s.N0)


def check_shipped(seed=SEED):
    """`mse_tau_solution` equals the SymPy closed form (C = I) and the exact SymPy expm (rational 2 x 2 C)."""
    rng = np.random.default_rng(seed)
    n = 3
    s = resource_symbols(n)
    l, t = resource_tau_solution_expr(n)
    args = [s.tau, *s.p, *s.l0, s.eta, s.N0]

    def shipped_identity(tau, *rest):
        p, l0, (eta, N0) = rest[:n], rest[n:2 * n], rest[2 * n:]
        l_, t_ = mse_tau_solution(tau, jnp.array(p), eta, N0, l0=jnp.array(l0))
        return jnp.concatenate([l_, t_[None]])

    # tau >= 0.1 keeps p tau >= 5e-3: the SymPy form l0 - l0 e^{-p tau} cancels there (~1e-13 relative at worst)
    points = [(rng.uniform(0.1, 50.0), *rng.uniform(0.05, 1.0, n), *rng.uniform(0.1, 2.0, n),
               10 ** rng.uniform(-3, 0), rng.choice([0.0, 10 ** rng.uniform(-3, 0)])) for _ in range(N_POINTS)]
    points.append((0.0, 0.5, 0.3, 0.2, 1.0, 1.0, 1.0, 0.1, 0.01))  # tau = 0: l = l0, t = 0 on both sides
    worst = {"identity": verify_lowered([*l, t], args, shipped_identity, points, rtol=RTOL,
                                        claim="mse_tau_solution (C = I) vs SymPy")}

    # exact SymPy matrix exponentials: an invertible and a singular (rank 1) overlap, p = (3/4, 1/4)
    p, l0 = (sp.Rational(3, 4), sp.Rational(1, 4)), (1, sp.Rational(1, 2))
    half = sp.Rational(1, 2)
    for name, C in (("coupled_2x2", [[1, half], [half, 1]]), ("singular_2x2", [[1, 1], [1, 1]])):
        l_c, t_c, args_c = exact_coupled_expr(C, p, l0)
        C_num = jnp.array(np.array(C, dtype=float))

        def shipped_coupled(tau, eta, N0, C_num=C_num):
            l_, t_ = mse_tau_solution(tau, jnp.array([0.75, 0.25]), eta, N0, l0=jnp.array([1.0, 0.5]), C=C_num)
            return jnp.concatenate([l_, t_[None]])

        pts = [(rng.uniform(0.1, 40.0), 10 ** rng.uniform(-3, 0), rng.choice([0.0, rng.uniform(0, 1)]))
               for _ in range(N_POINTS)]
        worst[name] = verify_lowered([*l_c, t_c], args_c, shipped_coupled, pts, rtol=RTOL,
                                     claim=f"mse_tau_solution ({name}) vs exact SymPy expm")
    return worst


def augmented_expm(tau, p, eta, N0, l0, C):
    """(l, t) from scipy's expm of M = [[-C diag p, 0], [p^T, 0]]: d/dtau [l; q] = M [l; q], q = p^T int l."""
    n = len(p)
    M = np.zeros((n + 1, n + 1))
    M[:n, :n] = -C * p[None, :]
    M[n, :n] = p
    x = scipy.linalg.expm(tau * M) @ np.append(l0, 0.0)
    return x[:n], (x[n] + N0 * tau) / eta


def check_expm(p, eta, N0, C, taus, l0):
    """Worst relative difference of the shipped (l, t) from `augmented_expm`, scaled by max(|value|, |l0|)."""
    l, t = (np.asarray(a) for a in mse_tau_solution(taus, p, eta, N0, l0=l0, C=C))
    worst = 0.0
    for k, tau in enumerate(taus):
        l_ref, t_ref = augmented_expm(tau, p, eta, N0, l0, C)
        worst = max(worst, float(np.max(np.abs(l[k] - l_ref)) / np.max(np.abs(l0))),
                    abs(t[k] - t_ref) / max(abs(t_ref), 1e-300))
    verify(worst < EXPM_RTOL, f"mse_tau_solution vs scipy expm: relative difference {worst:.2e}")
    return worst


def check_numeric(p, eta, N0, C, tau_max, l0=1.0):
    """Max |l_closed - l_ode| on a tau grid, the ODE integrated in t by DOP853 at t(tau)."""
    n = len(p)
    taus = np.linspace(0.0, tau_max, 41)
    l, t = (np.asarray(a) for a in mse_tau_solution(taus, p, eta, N0, l0=l0, C=C))
    Cm = np.eye(n) if C is None else np.asarray(C)

    def rhs(_, x):
        c = p * x
        return -eta * (Cm @ c) / (c.sum() + N0)

    sol = solve_ivp(rhs, (0.0, t[-1]), np.broadcast_to(l0, (n,)).astype(float), method="DOP853", t_eval=t,
                    rtol=1e-13, atol=1e-15)
    verify(sol.success, "solve_ivp failed")
    err = float(np.max(np.abs(sol.y.T - l)))
    verify(err < 1e-8, f"closed form vs DOP853: max error {err:.2e}")
    return err


def main():
    symbolic = check_symbolic()
    shipped = check_shipped()

    p = skillode.zipf(4, 2.0)
    rng = np.random.default_rng(SEED)
    T = rng.normal(size=(4, 6))
    T /= np.linalg.norm(T, axis=1, keepdims=True)
    C_random = T @ T.T  # unit task vectors: symmetric PSD with unit diagonal
    C_singular = np.ones((4, 4))  # four copies of one task vector: rank 1
    l0 = rng.uniform(0.5, 1.5, 4)
    taus = np.linspace(0.0, 30.0, 16)
    expm = {
        "random_C": check_expm(p, 0.02, 0.01, C_random, taus, l0),
        "singular_C": check_expm(p, 0.02, 0.01, C_singular, taus, l0),
    }
    ode = {
        "identity_N0_0.01": check_numeric(p, 0.02, 0.01, None, 30.0),
        "identity_N0_0": check_numeric(p, 0.02, 0.0, None, 30.0),
        "random_C": check_numeric(p, 0.02, 0.01, C_random, 10.0),
        "singular_C": check_numeric(p, 0.02, 0.01, C_singular, 10.0),
    }
    return {"symbolic": symbolic, "shipped_vs_sympy": shipped, "shipped_vs_expm": expm, "max_error": ode}


if __name__ == "__main__":
    out = main()
    print("tau-time system: dl_1/dtau =", out["symbolic"]["tau_system"])
    print("closed form: l_1 =", out["symbolic"]["l_1"], "; t =", out["symbolic"]["t"])
    for name, err in out["shipped_vs_sympy"].items():
        print(f"  mse_tau_solution vs SymPy ({name:12s}): worst relative difference {err:.1e}")
    for name, err in out["shipped_vs_expm"].items():
        print(f"  mse_tau_solution vs scipy expm ({name:10s}): worst relative difference {err:.1e}")
    for name, err in out["max_error"].items():
        print(f"  closed form vs DOP853 ({name:16s}): max |l_closed - l_ode| = {err:.1e}")
