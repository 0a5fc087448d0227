r"""Derivation: loss-vs-time exponents of the MSE Resource model for Zipf skills, and the reference exponents.

Derives the exponents that arXiv:2501.12391, Figs. 10 and 18 draw as references (quanta: alpha_N = alpha - 1,
alpha_S = (alpha - 1)/alpha; Domino: alpha_N = alpha_S = alpha - 1), from the Resource model (derived here).
Skills p_i = i^(-alpha) / Z (alpha > 1), n -> infinity, C = I, l0 = 1; loss L = sum_i p_i l_i^m (m = 2 in the
paper; the exponents do not depend on m). In tau time l_i = exp(-p_i tau), and the sums over skills become
integrals over x = i (Laplace-type, dominated by x ~ (tau/Z)^(1/alpha)):

    sum_i (1 - e^{-p_i tau})  ~  int_0^inf (1 - e^{-A x^-alpha}) dx  =  A^(1/alpha) Gamma(1 - 1/alpha),   A = tau/Z
    sum_i p_i e^{-m p_i tau}  ~  (1/Z) int_0^inf x^-alpha e^{-B x^-alpha} dx
                              =  (1/(alpha Z)) B^(1/alpha - 1) Gamma(1 - 1/alpha),                        B = m tau/Z

(substitute u = A x^-alpha; the first needs one integration by parts). Hence L ~ tau^-(alpha-1)/alpha and

* Domino limit, N0 = 0:    eta t = Gamma(1 - 1/alpha) (tau/Z)^(1/alpha)  =>  L ~ t^-(alpha - 1);
* parallel limit, large N0: eta t ~ N0 tau                                 =>  L ~ t^-(alpha - 1)/alpha.

(With n = infinity any N0 > 0 eventually wins, since N0 tau outgrows tau^(1/alpha): the Domino exponent holds
for eta t below the crossover ~ (Gamma(1 - 1/alpha) / (N0 Z^(1/alpha)))^(alpha/(alpha-1)) / eta.)
The N-exponent of both references is that of the unlearned tail: sum_{i>k} p_i ~ k^-(alpha - 1)/((alpha - 1) Z).

Checks:

* symbolic (`check_symbolic`): substitution, integration by parts, the Gamma integral, the exponent algebra
  (equal to `skillode.symbolic.loss_exponent_expr`), and the tail integral.
* shipped (`check_shipped`): `skillode.closed_form.loss_exponent` equals `loss_exponent_expr` and
  `reference_exponents` equals the derived exponents (and the Chinchilla constants 0.34, 0.28), at 20 seeded
  random alpha in (1, 4), to rtol 1e-12 (`skillode.symbolic.verify_lowered`).
* numeric (`check_numeric`): log-log slopes of the exact loss from `mse_tau_solution` at n = 10^5 and the
  asymptotic prefactor; the log-log slope of `modular_ce_loss` (the unlearned tail) against alpha - 1.

Run: python derivations/loss_exponents.py
"""

import numpy as np
import sympy as sp

import skillode
from skillode.closed_form import loss_exponent, modular_ce_loss, mse_tau_solution
from skillode.scaling import CHINCHILLA, reference_exponents
from skillode.symbolic import loss_exponent_expr, verify, verify_lowered

SEED = 1012
N_POINTS = 20
RTOL = 1e-12  # alpha - 1 and (alpha - 1)/alpha: one or two roundings
ALPHA = sp.Symbol("alpha", positive=True)


def check_symbolic():
    """The continuum sums, the two limits' exponents (= `loss_exponent_expr`), and the tail exponent."""
    b = sp.Symbol("b", positive=True)
    alpha = 1 + b  # alpha > 1
    x, u, A, tau, Z, eta, N0, m, k = sp.symbols("x u A tau Z eta N_0 m k", positive=True)
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
        beta = sp.simplify(-slope).subs(b, ALPHA - 1)
        verify(sp.simplify(beta - loss_exponent_expr(name)) == 0, f"{name}: exponent {beta}")
        exps[name] = beta

    # the unlearned tail after k skills: int_k^oo x^-alpha dx / Z = k^(1-alpha) / ((alpha - 1) Z)
    tail = sp.integrate(x ** -alpha, (x, k, sp.oo), conds="none") / Z
    verify(sp.simplify(tail - k ** -b / (b * Z)) == 0, f"tail integral gave {tail}")
    tail_exp = sp.simplify(-k * sp.diff(tail, k) / tail).subs(b, ALPHA - 1)
    verify(sp.simplify(tail_exp - (ALPHA - 1)) == 0, f"tail exponent {tail_exp}")
    exps["tail"] = tail_exp
    return exps


def check_shipped(exps, seed=SEED):
    """`loss_exponent` and `reference_exponents` equal the SymPy exponents at random alpha."""
    rng = np.random.default_rng(seed)
    points = [(rng.uniform(1.01, 4.0),) for _ in range(N_POINTS)]
    worst = {}
    for name in ("domino", "parallel"):
        worst[name] = verify_lowered(loss_exponent_expr(name), [ALPHA], lambda a, name=name: loss_exponent(name, a),
                                     points, rtol=RTOL, claim=f"loss_exponent({name!r}) vs SymPy")
    # quanta: alpha_N from the tail, alpha_S the parallel limit; Domino: both alpha_N and alpha_S = alpha - 1
    keys = ("quanta_N", "quanta_S", "domino_N", "domino_S")
    derived = [exps["tail"], exps["parallel"], exps["tail"], exps["domino"]]
    worst["reference_exponents"] = verify_lowered(
        derived, [ALPHA], lambda a: np.array([reference_exponents(a)[key] for key in keys]), points, rtol=RTOL,
        claim="reference_exponents vs SymPy")
    ref = reference_exponents(2.0)
    verify((ref["chinchilla_N"], ref["chinchilla_S"]) == (0.34, 0.28) == (CHINCHILLA["alpha_N"],
                                                                          CHINCHILLA["alpha_S"]),
           "Chinchilla exponents (Hoffmann et al. 2022) are 0.34 and 0.28")
    return worst


def numeric_slopes(alpha, n=100_000, k_window=(30.0, 300.0)):
    """Fitted -dlnL/dlnt of the exact closed-form loss, over the window where k(tau) skills are learned."""
    p = skillode.zipf(n, alpha)
    Z = float(np.sum(np.arange(1, n + 1, dtype=float) ** -alpha))
    taus = Z * np.geomspace(*k_window, 24) ** alpha
    out = {}
    for name, N0 in (("domino", 0.0), ("parallel", 100.0)):
        l, t = (np.asarray(a) for a in mse_tau_solution(taus, p, 1.0, N0))
        L = np.sum(p * l**2, axis=-1)
        out[name] = float(-np.polyfit(np.log(t), np.log(L), 1)[0])
        if name == "domino":  # the asymptotic prefactor, not just the slope
            g = float(sp.gamma(1 - 1 / alpha))
            t_asym = g * (taus / Z) ** (1 / alpha)
            L_asym = g / (alpha * Z) * (2 * taus / Z) ** (1 / alpha - 1)
            out["prefactor_error"] = float(max(np.max(np.abs(t_asym / t - 1)), np.max(np.abs(L_asym / L - 1))))
    # the unlearned tail (modular one-hot model: tasks beyond N are never learned), L(N) ~ N^-(alpha - 1)
    N = np.geomspace(30, 300, 12).astype(int)
    tail = np.asarray(modular_ce_loss(skillode.zipf(n, alpha), N))
    out["tail"] = float(-np.polyfit(np.log(N), np.log(tail), 1)[0])
    return out


def check_numeric():
    """Fitted exponents against `loss_exponent` (and alpha - 1 for the tail) for alpha = 1.5, 2, 3."""
    fitted = {}
    # finite-n corrections scale like (k/n)^(alpha - 1): slow for alpha = 1.5, hence its looser tolerance
    for alpha, rtol in ((1.5, 0.1), (2.0, 0.03), (3.0, 0.03)):
        got = numeric_slopes(alpha)
        fitted[alpha] = got
        want = {"domino": loss_exponent("domino", alpha), "parallel": loss_exponent("parallel", alpha),
                "tail": reference_exponents(alpha)["quanta_N"]}
        for name, w in want.items():
            verify(abs(got[name] - w) < rtol * w, f"alpha={alpha} {name}: fitted {got[name]:.3f}, theory {w}")
        verify(got["prefactor_error"] < 0.1, f"alpha={alpha}: asymptote off by {got['prefactor_error']:.2%}")
    return fitted


def main():
    exps = check_symbolic()
    return {"exponents": {k: str(v) for k, v in exps.items()}, "shipped_vs_sympy": check_shipped(exps),
            "fitted": check_numeric()}


if __name__ == "__main__":
    out = main()
    print("L(t) ~ t^-beta, tail ~ k^-beta:", out["exponents"])
    for name, err in out["shipped_vs_sympy"].items():
        print(f"  {name} vs SymPy: worst relative difference {err:.1e}")
    for alpha, got in out["fitted"].items():
        print(f"  alpha={alpha}: fitted domino {got['domino']:.3f} (theory {loss_exponent('domino', alpha):.3f}), "
              f"parallel {got['parallel']:.3f} (theory {loss_exponent('parallel', alpha):.3f}), "
              f"tail {got['tail']:.3f} (theory {alpha - 1:.3f}), prefactor error {got['prefactor_error']:.1%}")
