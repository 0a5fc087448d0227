"""Derivation: loss-vs-time exponents of the Resource model for Zipf skills, PAPER §6.2.

Skills p_i = i^(-alpha) / Z (alpha > 1), n -> infinity, C = I, l0 = 1; loss L = sum_i p_i l_i^m (the paper
reports m = 2; the exponents do not depend on m). In tau time l_i = exp(-p_i tau), and the sums over skills
become integrals over x = i (Laplace-type, dominated by x ~ (tau/Z)^(1/alpha)):

    sum_i (1 - e^{-p_i tau})  ~  int_0^inf (1 - e^{-A x^-alpha}) dx  =  A^(1/alpha) Gamma(1 - 1/alpha),   A = tau/Z
    sum_i p_i e^{-m p_i tau}  ~  (1/Z) int_0^inf x^-alpha e^{-B x^-alpha} dx
                              =  (1/(alpha Z)) B^(1/alpha - 1) Gamma(1 - 1/alpha),                        B = m tau/Z

(substitute u = A x^-alpha; the first needs one integration by parts). Hence L ~ tau^-(alpha-1)/alpha and

* Domino limit, N0 = 0:    eta t = Gamma(1 - 1/alpha) (tau/Z)^(1/alpha)  =>  L ~ t^-(alpha - 1);
* parallel limit, large N0: eta t ~ N0 tau                                 =>  L ~ t^-(alpha - 1)/alpha.

(With n = infinity any N0 > 0 eventually wins, since N0 tau outgrows tau^(1/alpha): the Domino exponent holds
for eta t below the crossover ~ (Gamma(1 - 1/alpha) / (N0 Z^(1/alpha)))^(alpha/(alpha-1)) / eta.)
Checked symbolically (SymPy: substitution, integration by parts, Gamma integrals, exponent algebra) and
numerically (log-log slopes of the exact closed-form loss at n = 10^5, and the asymptotic prefactor).
Run: python derivations/loss_exponents.py
"""

import numpy as np
import sympy as sp

import skillode
from skillode.symbolic import loss_exponent, resource_tau_solution, verify


def symbolic_derivation():
    b = sp.Symbol("b", positive=True)
    alpha = 1 + b  # alpha > 1
    x, u, A, tau, Z, eta, N0, m = sp.symbols("x u A tau Z eta N_0 m", positive=True)
    s = 1 / alpha

    # substitution u = A x^-alpha, x = (A/u)^(1/alpha): both integrands transform as claimed
    x_of_u = (A / u) ** s
    jac = -sp.diff(x_of_u, u)  # the minus sign flips the limits (x: 0 -> oo  <=>  u: oo -> 0)
    f1 = (1 - sp.exp(-A * x ** -alpha)).subs(x, x_of_u) * jac
    verify(sp.simplify(sp.powsimp(f1 - A ** s / alpha * (1 - sp.exp(-u)) * u ** (-s - 1), force=True)) == 0,
           "substitution in the first integral")
    f2 = (x ** -alpha * sp.exp(-A * x ** -alpha)).subs(x, x_of_u) * jac
    verify(sp.simplify(sp.powsimp(f2 - A ** (s - 1) / alpha * u ** -s * sp.exp(-u), force=True)) == 0,
           "substitution in the second integral")

    # int_0^oo (1 - e^-u) u^(-s-1) du by parts = Gamma(1 - s)/s: boundary terms vanish, the rest is Gamma
    boundary = -(1 - sp.exp(-u)) * u ** -s / s
    verify(sp.simplify(sp.diff(boundary, u) + sp.exp(-u) * u ** -s / s - (1 - sp.exp(-u)) * u ** (-s - 1)) == 0,
           "integration by parts")
    verify(sp.limit(boundary, u, sp.oo) == 0 and sp.limit(boundary, u, 0, "+") == 0, "boundary terms")
    gamma = sp.integrate(sp.exp(-u) * u ** -s, (u, 0, sp.oo), conds="none")
    verify(sp.simplify(gamma - sp.gamma(1 - s)) == 0, f"Gamma integral gave {gamma}")

    t_sum = A ** s / alpha * gamma / s  # sum_i (1 - e^{-p_i tau}), A = tau/Z
    loss = A ** (s - 1) / alpha * gamma / Z  # sum_i p_i e^{-m p_i tau} at A = m tau / Z
    verify(sp.simplify(t_sum - A ** s * sp.gamma(1 - s)) == 0, "t(tau) asymptote")
    L_tau = loss.subs(A, m * tau / Z)
    exps = {}
    for name, eta_t in (("domino", t_sum.subs(A, tau / Z)), ("parallel", N0 * tau)):
        slope = sp.simplify(sp.diff(sp.log(L_tau), tau) / sp.diff(sp.log(eta_t / eta), tau))  # dlnL/dlnt
        beta = sp.simplify(-slope)
        a = sp.Symbol("alpha", positive=True)
        verify(sp.simplify(beta.subs(b, a - 1) - loss_exponent(name)) == 0, f"{name}: exponent {beta}")
        exps[name] = beta.subs(b, a - 1)
    return exps


def numeric_slopes(alpha, n=100_000, k_window=(30.0, 300.0)):
    """Fitted -dlnL/dlnt of the exact closed-form loss, over the window where k(tau) skills are learned."""
    p = skillode.zipf(n, alpha)
    Z = float(np.sum(np.arange(1, n + 1, dtype=float) ** -alpha))
    taus = Z * np.geomspace(*k_window, 24) ** alpha
    out = {}
    for name, N0 in (("domino", 0.0), ("parallel", 100.0)):
        l, t = resource_tau_solution(taus, p, 1.0, N0)
        L = np.asarray(np.sum(p * np.asarray(l) ** 2, axis=-1))
        out[name] = float(-np.polyfit(np.log(np.asarray(t)), np.log(L), 1)[0])
        if name == "domino":  # the asymptotic prefactor, not just the slope
            g = float(sp.gamma(1 - 1 / alpha))
            t_asym = g * (taus / Z) ** (1 / alpha)
            L_asym = g / (alpha * Z) * (2 * taus / Z) ** (1 / alpha - 1)
            out["prefactor_error"] = float(max(np.max(np.abs(t_asym / np.asarray(t) - 1)),
                                               np.max(np.abs(L_asym / L - 1))))
    return out


def main():
    exps = symbolic_derivation()
    fitted = {}
    # finite-n corrections scale like (k/n)^(alpha - 1): slow for alpha = 1.5, hence its looser tolerance
    for alpha, rtol in ((1.5, 0.1), (2.0, 0.03), (3.0, 0.03)):
        got = numeric_slopes(alpha)
        fitted[alpha] = got
        for name in ("domino", "parallel"):
            want = loss_exponent(name, alpha)
            verify(abs(got[name] - want) < rtol * want, f"alpha={alpha} {name}: fitted {got[name]:.3f}, theory {want}")
        verify(got["prefactor_error"] < 0.1, f"alpha={alpha}: asymptote off by {got['prefactor_error']:.2%}")
    return {"exponents": {k: str(v) for k, v in exps.items()}, "fitted": fitted}


if __name__ == "__main__":
    out = main()
    print("L(t) ~ t^-beta:", out["exponents"])
    for alpha, got in out["fitted"].items():
        print(f"  alpha={alpha}: fitted domino {got['domino']:.3f} (theory {loss_exponent('domino', alpha):.3f}), "
              f"parallel {got['parallel']:.3f} (theory {loss_exponent('parallel', alpha):.3f}), "
              f"prefactor error {got['prefactor_error']:.1%}")
