r"""The symbolic side of the Resource and Domino models: SymPy systems, closed forms, lowering to JAX.

The Resource model (PAPER §4.1–4.2, §4.6) in optimizer time ``t``::

    MSE:  dl_i/dt = -eta (C c)_i / (sum_j c_j + N0),   c_j = g_j p_j l_j           (l = skill deficit)
    CE:   dl_i/dt = +eta (C c)_i / (sum_j c_j + N0),   c_j = p_j sigmoid(-l_j)     (l = logit)

with gates ``g_j`` (1 for ungated skills). The key fact (DESIGN.md) is the *internal time* ``tau``,

    dtau/dt = eta / (sum_j c_j + N0),

in which the MSE system is linear, ``dl/dtau = -C diag(p) l``, so that

    l(tau) = expm(-tau C diag(p)) l0,
    t(tau) = (1/eta) [ p^T int_0^tau l(s) ds + N0 tau ]
           = (1/eta) [ p^T (C diag(p))^{-1} (l0 - l(tau)) + N0 tau ]        (C invertible),

and for ``C = I``: ``l_i = l0_i exp(-p_i tau)``, ``t = (1/eta) [sum_j l0_j (1 - exp(-p_j tau)) + N0 tau]``.
The CE system with ``C = I`` separates in ``tau`` too: ``l + e^l = p tau + l0 + e^{l0}``, whose solution is
``l = y - W(e^y)`` (Lambert W; equivalently ``y - omega(y)`` with the Wright omega function).

This module has two halves:

* **SymPy** — `resource_equations`, `domino_equations`, `resource_tau_solution_expr`, `learning_time_expr`,
  `loss_exponent`. Symbols carry the paper's names (`resource_symbols`) and print with ``sympy.latex``.
* **JAX** — the same closed forms as pure functions that ``jit`` and ``vmap``: `resource_tau_solution`,
  `resource_learning_time`, `ce_tau_solution`, `ce_learning_time`, and `to_jax` to lower any expression
  built here (``sympy.lambdify`` with a JAX Lambert W).

Everything is ``float64`` when skillode is imported (it switches on ``jax_enable_x64``).

The derivations behind each closed form live in ``derivations/`` as runnable scripts that verify them with
SymPy and against independent numeric integration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

__all__ = [
    "GateSpec",
    "ResourceSymbols",
    "resource_symbols",
    "resource_equations",
    "domino_equations",
    "resource_tau_solution_expr",
    "learning_time_expr",
    "loss_exponent",
    "to_jax",
    "lambertw",
    "resource_tau_solution",
    "resource_learning_time",
    "ce_tau_solution",
    "ce_learning_time",
    "verify",
]

_LOSSES = ("mse", "ce")
_GATE_KINDS = ("and", "or", "chain")


# ---------------------------------------------------------------------------------------------------------
# Symbols
# ---------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ResourceSymbols:
    """The SymPy symbols of an ``n``-skill Resource model, named as in the paper.

    Fields: ``t`` (optimizer steps), ``tau`` (internal time), ``eta`` (the paper's lr_eff), ``N0`` (printed
    ``N_0``), ``a`` (gate exponent), ``epsilon`` (deficit threshold), ``s_star`` (skill-level threshold),
    ``alpha`` (Zipf exponent), and tuples of length ``n``: ``p`` (``p_1..p_n``), ``l0`` (initial values
    ``l_i^0``), ``l`` (functions ``l_i``, unapplied). Skill indices in names are 1-based as in the paper.
    """

    n: int
    t: sp.Symbol
    tau: sp.Symbol
    eta: sp.Symbol
    N0: sp.Symbol
    a: sp.Symbol
    epsilon: sp.Symbol
    s_star: sp.Symbol
    alpha: sp.Symbol
    p: tuple
    l0: tuple
    l: tuple


def resource_symbols(n: int) -> ResourceSymbols:
    """Symbols of an ``n``-skill Resource model (SymPy caches symbols by name, so calls agree).

    Example:
        >>> s = resource_symbols(2)
        >>> s.p, s.eta, s.N0
        ((p_1, p_2), eta, N_0)
    """
    n = _check_n(n)
    return ResourceSymbols(
        n=n,
        t=sp.Symbol("t", nonnegative=True),
        tau=sp.Symbol("tau", nonnegative=True),
        eta=sp.Symbol("eta", positive=True),
        N0=sp.Symbol("N_0", nonnegative=True),
        a=sp.Symbol("a", positive=True),
        epsilon=sp.Symbol("epsilon", positive=True),
        s_star=sp.Symbol("s^*", positive=True),
        alpha=sp.Symbol("alpha", positive=True),
        p=tuple(sp.Symbol(f"p_{i}", positive=True) for i in range(1, n + 1)),
        l0=tuple(sp.Symbol(f"l_{i}^0", real=True) for i in range(1, n + 1)),
        l=tuple(sp.Function(f"l_{i}", real=True) for i in range(1, n + 1)),
    )


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n (number of skills) must be an integer >= 1, got {n!r}")
    return int(n)


def _check_loss(loss) -> str:
    if loss not in _LOSSES:
        raise ValueError(f"loss must be one of {_LOSSES}, got {loss!r}")
    return loss


# ---------------------------------------------------------------------------------------------------------
# Gates (PAPER §4.6)
# ---------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GateSpec:
    """Description of one skill's gate ``g_i`` on its prerequisites (PAPER §4.6).

    - ``kind="and"``: ``g = prod_j (1 - l_j^a)``; ``kind="or"``: ``g = max_j (1 - l_j^a)``;
      ``kind="chain"``: ``g = 1 - l_j^a`` with exactly one prerequisite ``j``.
    - ``prerequisites``: 0-based skill indices ``j``.
    - ``a``: gate exponent ``> 0`` (a number or SymPy expression); ``None`` uses the symbol ``a``.
    """

    kind: str
    prerequisites: tuple
    a: Any = None

    def __post_init__(self):
        if self.kind not in _GATE_KINDS:
            raise ValueError(f"gate kind must be one of {_GATE_KINDS}, got {self.kind!r}")
        prereq = tuple(int(j) for j in np.atleast_1d(np.asarray(self.prerequisites)))
        object.__setattr__(self, "prerequisites", prereq)
        if not prereq:
            raise ValueError("gate prerequisites must name at least one skill")
        if self.kind == "chain" and len(prereq) != 1:
            raise ValueError(f"a 'chain' gate has exactly one prerequisite, got {prereq}")
        if self.a is not None and not isinstance(self.a, sp.Basic):
            a = float(self.a)
            if not (np.isfinite(a) and a > 0):
                raise ValueError(f"gate exponent a must be finite and > 0, got {self.a!r}")


def _as_gate(spec) -> GateSpec:
    if isinstance(spec, GateSpec):
        return spec
    if isinstance(spec, Mapping):
        return GateSpec(**spec)
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return GateSpec(*spec)
    if all(hasattr(spec, f) for f in ("kind", "prerequisites")):  # any object with the same fields
        return GateSpec(spec.kind, spec.prerequisites, getattr(spec, "a", None))
    raise ValueError(f"gate must be a GateSpec, a (kind, prerequisites, a) tuple or a mapping, got {spec!r}")


def _gate_expr(gate: GateSpec, l_of: Sequence[sp.Expr], default_a: sp.Symbol) -> sp.Expr:
    a = default_a if gate.a is None else sp.sympify(gate.a)
    opens = [1 - l_of[j] ** a for j in gate.prerequisites]
    if gate.kind == "or":
        return sp.Max(*opens)
    return sp.Mul(*opens)


# ---------------------------------------------------------------------------------------------------------
# Equations
# ---------------------------------------------------------------------------------------------------------


def _coupling_matrix(C, n: int) -> sp.Matrix | None:
    if C is None:
        return None
    if isinstance(C, str):
        if C != "symbolic":
            raise ValueError(f"C must be None, 'symbolic' or an (n, n) matrix, got {C!r}")
        entries = [[1 if i == j else sp.Symbol(f"C_{min(i, j) + 1}{max(i, j) + 1}", real=True) for j in range(n)]
                   for i in range(n)]
        return sp.Matrix(entries)
    M = sp.Matrix(C) if isinstance(C, sp.MatrixBase) else sp.Matrix(np.asarray(C).tolist())
    if M.shape != (n, n):
        raise ValueError(f"C must have shape ({n}, {n}), got {M.shape}")
    return M


def _substitute_numbers(sym: ResourceSymbols, numeric_p, eta, N0) -> dict:
    subs = {}
    if numeric_p is not None:
        p = np.asarray(numeric_p, dtype=object).ravel()
        if p.shape != (sym.n,):
            raise ValueError(f"numeric_p must have shape ({sym.n},), got {np.shape(numeric_p)}")
        for ps, v in zip(sym.p, p):
            v = sp.sympify(v)
            if not (v.is_positive and v.is_finite):
                raise ValueError(f"numeric_p must be finite and > 0 for every skill, got {list(p)}")
            subs[ps] = v
    if eta is not None:
        v = sp.sympify(eta)
        if not v.is_positive:
            raise ValueError(f"eta (effective learning rate) must be > 0, got {eta!r}")
        subs[sym.eta] = v
    if N0 is not None:
        v = sp.sympify(N0)
        if not v.is_nonnegative:
            raise ValueError(f"N0 (wasted resources) must be >= 0, got {N0!r}")
        subs[sym.N0] = v
    return subs


def resource_equations(
    n: int,
    *,
    loss: str = "mse",
    C=None,
    gates: Mapping[int, Any] | None = None,
    numeric_p=None,
    eta=None,
    N0=None,
    time: str = "t",
) -> list[sp.Eq]:
    r"""The Resource model as a list of SymPy ODEs ``Eq(Derivative(l_i(t), t), rhs)``.

    .. math::
        \frac{dl_i}{dt} = \mp \eta \frac{(C c)_i}{\sum_j c_j + N_0},\qquad
        c_j = g_j p_j l_j \ (\text{MSE, sign } -),\qquad c_j = \frac{p_j}{1 + e^{l_j}} \ (\text{CE, sign } +).

    **Arguments:**

    - `n`: number of skills.
    - `loss`: ``"mse"`` (``l`` is the skill deficit, PAPER §4.1) or ``"ce"`` (``l`` is a logit, §4.2).
    - `C`: ``None`` (identity, orthogonal skills), ``"symbolic"`` (symmetric with unit diagonal and symbols
      ``C_ij``, as ``C = T T^T`` for unit task vectors), or an ``(n, n)`` array/SymPy matrix.
    - `gates`: optional mapping ``{skill index (0-based): GateSpec | (kind, prerequisites, a)}`` (MSE only).
    - `numeric_p`, `eta`, `N0`: optional numbers substituted for ``p_1..p_n`` (shape ``(n,)``), ``eta``,
      ``N_0``; left symbolic when omitted.
    - `time`: ``"t"`` (optimizer steps) or ``"tau"`` (internal time). In ``tau`` the equations read
      ``dl_i/dtau = -+(C c)_i`` and an ``(n+1)``-th equation ``dt/dtau = (sum_j c_j + N0)/eta`` is appended.

    **Returns:** a list of ``n`` (or ``n + 1``) ``sympy.Eq``.

    Example:
        >>> eqs = resource_equations(2)
        >>> eqs[0].rhs
        -eta*p_1*l_1(t)/(N_0 + p_1*l_1(t) + p_2*l_2(t))
        >>> import sympy; sympy.latex(eqs[0].lhs)
        '\\frac{d}{d t} l_{1}{\\left(t \\right)}'
    """
    sym = resource_symbols(n)
    loss = _check_loss(loss)
    if time not in ("t", "tau"):
        raise ValueError(f"time must be 't' or 'tau', got {time!r}")
    var = sym.t if time == "t" else sym.tau
    l_of = [f(var) for f in sym.l]

    gate = [sp.Integer(1)] * n
    if gates:
        if loss != "mse":
            raise ValueError("gates are defined for loss='mse' only (PAPER §4.6)")
        for i, spec in gates.items():
            i = int(i)
            if not 0 <= i < n:
                raise ValueError(f"gated skill index must lie in [0, {n - 1}], got {i}")
            g = _as_gate(spec)
            if any(not 0 <= j < n or j == i for j in g.prerequisites):
                raise ValueError(f"prerequisites of skill {i} must be other skills in [0, {n - 1}], got "
                                 f"{g.prerequisites}")
            gate[i] = _gate_expr(g, l_of, sym.a)

    if loss == "mse":
        c = [gate[j] * sym.p[j] * l_of[j] for j in range(n)]
        sign = -1
    else:
        c = [sym.p[j] / (1 + sp.exp(l_of[j])) for j in range(n)]
        sign = 1
    Cm = _coupling_matrix(C, n)
    Cc = c if Cm is None else list(Cm * sp.Matrix(c))
    denom = sp.Add(*c) + sym.N0

    if time == "t":
        eqs = [sp.Eq(sp.Derivative(l_of[i], var), sign * sym.eta * Cc[i] / denom) for i in range(n)]
    else:
        eqs = [sp.Eq(sp.Derivative(l_of[i], var), sign * Cc[i]) for i in range(n)]
        t_of_tau = sp.Function("t", nonnegative=True)(var)
        eqs.append(sp.Eq(sp.Derivative(t_of_tau, var), denom / sym.eta))
    subs = _substitute_numbers(sym, numeric_p, eta, N0)
    return [e.subs(subs) for e in eqs] if subs else eqs


def domino_equations(n: int, t0=None) -> list[sp.Eq]:
    r"""The Domino model (PAPER §5): skill ``i`` is learned in the window ``[(i-1) t0, i t0]``.

    .. math:: s_i(t) = \min\!\left(\max\!\left(\frac{t - (i-1) t_0}{t_0}, 0\right), 1\right)

    **Arguments:** `n` skills; `t0` the time per skill, a number ``> 0`` or ``None`` for the symbol ``t_0``.

    **Returns:** ``n`` equations ``Eq(s_i(t), ...)``. Learning time to level ``s*``: ``(i - 1 + s*) t0``.

    Example:
        >>> [e.rhs.subs(e.lhs.args[0], 7) for e in domino_equations(2, t0=5)]
        [1, 2/5]
    """
    n = _check_n(n)
    t = sp.Symbol("t", nonnegative=True)
    if t0 is None:
        t0 = sp.Symbol("t_0", positive=True)
    else:
        t0 = sp.sympify(t0)
        if not t0.is_positive:
            raise ValueError(f"t0 (time per skill) must be > 0, got {t0!r}")
    return [
        sp.Eq(sp.Function(f"s_{i}")(t), sp.Min(sp.Max((t - (i - 1) * t0) / t0, 0), 1)) for i in range(1, n + 1)
    ]


# ---------------------------------------------------------------------------------------------------------
# Closed forms (SymPy)
# ---------------------------------------------------------------------------------------------------------


def resource_tau_solution_expr(n: int, *, loss: str = "mse") -> tuple[list, sp.Expr]:
    r"""Exact solution of the Resource model in internal time ``tau``: ``(l(tau), t(tau))``.

    - MSE, ``C = None``: ``l_i = l_i^0 e^{-p_i tau}``, ``t = (1/eta)[sum_j l_j^0 (1 - e^{-p_j tau}) + N0 tau]``.
    - CE, ``C = None``: ``l_i = y_i - W(e^{y_i})`` with ``y_i = p_i tau + l_i^0 + e^{l_i^0}``,
      ``t = (1/eta)[sum_j (l_j - l_j^0) + N0 tau]``.
    - MSE with a coupling ``C``: ``l = expm(-tau C diag p) l0`` has no useful elementwise SymPy form for
      symbolic ``C``; use `resource_tau_solution` (JAX, any ``C``, singular included). The identity behind its
      ``t(tau)`` is verified in ``derivations/tau_time_solution.py``.

    **Returns:** ``(l, t)``: a list of ``n`` expressions ``l_i(tau)`` and the expression ``t(tau)``.

    Example:
        >>> l, t = resource_tau_solution_expr(2)
        >>> l[0]
        l_1^0*exp(-p_1*tau)
    """
    sym = resource_symbols(n)
    loss = _check_loss(loss)
    if loss == "mse":
        l = [sym.l0[i] * sp.exp(-sym.p[i] * sym.tau) for i in range(n)]
        t = (sp.Add(*[sym.l0[j] - l[j] for j in range(n)]) + sym.N0 * sym.tau) / sym.eta
    else:
        y = [sym.p[i] * sym.tau + sym.l0[i] + sp.exp(sym.l0[i]) for i in range(n)]
        l = [y[i] - sp.LambertW(sp.exp(y[i])) for i in range(n)]
        t = (sp.Add(*[l[j] - sym.l0[j] for j in range(n)]) + sym.N0 * sym.tau) / sym.eta
    return l, t


def learning_time_expr(n: int, i: int, *, loss: str = "mse") -> sp.Expr:
    r"""Closed-form learning time of skill ``i`` (0-based) for ``C = I``.

    - MSE, deficit threshold ``epsilon = 1 - s*`` (PAPER §6.1 item 2, with general ``l^0``):

      .. math:: t_i(\epsilon) = \frac{1}{\eta}\Big[\sum_j l_j^0\big(1 - (\epsilon/l_i^0)^{p_j/p_i}\big)
                + N_0 \ln(l_i^0/\epsilon)/p_i\Big]

    - CE, skill-level threshold ``s*`` (``sigmoid(l_i) = s*``): ``tau_i = (l* + e^{l*} - l_i^0 - e^{l_i^0})/p_i``
      with ``l* = ln(s*/(1 - s*))``, and ``t_i = t(tau_i)`` from `resource_tau_solution_expr` (Lambert W).

    Valid while the skill starts below the threshold (``epsilon < l_i^0``; ``sigmoid(l_i^0) < s*``).

    Example:
        >>> learning_time_expr(1, 0)
        (N_0*log(l_1^0/epsilon)/p_1 + l_1^0*(-epsilon/l_1^0 + 1))/eta
    """
    sym = resource_symbols(n)
    loss = _check_loss(loss)
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
        raise ValueError(f"i (skill index, 0-based) must be an integer in [0, {n - 1}], got {i!r}")
    p, l0, eps = sym.p, sym.l0, sym.epsilon
    if loss == "mse":
        total = sp.Add(*[l0[j] * (1 - (eps / l0[i]) ** (p[j] / p[i])) for j in range(n)])
        return (total + sym.N0 * sp.log(l0[i] / eps) / p[i]) / sym.eta
    s = sym.s_star
    l_star = sp.log(s / (1 - s))
    tau_i = (l_star + s / (1 - s) - l0[i] - sp.exp(l0[i])) / p[i]
    l, t = resource_tau_solution_expr(n, loss="ce")
    return t.subs(sym.tau, tau_i)


def loss_exponent(limit: str, alpha=None):
    r"""Exponent ``beta`` of the Resource-model loss curve ``L(t) ~ t^{-beta}`` for Zipf(``alpha``) skills.

    - ``limit="domino"`` (``N0 = 0``): ``beta = alpha - 1``;
    - ``limit="parallel"`` (``N0`` large, independent exponentials, quanta-like): ``beta = (alpha - 1)/alpha``.

    Derived in ``derivations/loss_exponents.py`` (continuum sum over skills, ``n -> infinity``, ``alpha > 1``);
    both hold for ``L = sum_i p_i l_i^m`` with any ``m > 0``.

    **Returns:** a SymPy expression in ``alpha`` when `alpha` is None, else a float.

    Example:
        >>> loss_exponent("parallel", 2.0)
        0.5
    """
    a = sp.Symbol("alpha", positive=True)
    exprs = {"domino": a - 1, "parallel": (a - 1) / a}
    if limit not in exprs:
        raise ValueError(f"limit must be 'domino' or 'parallel', got {limit!r}")
    if alpha is None:
        return exprs[limit]
    alpha = float(alpha)
    if not (np.isfinite(alpha) and alpha > 1):
        raise ValueError(f"alpha (Zipf exponent) must be finite and > 1 for a power law, got {alpha!r}")
    return float(exprs[limit].subs(a, alpha))


# ---------------------------------------------------------------------------------------------------------
# Lowering to JAX
# ---------------------------------------------------------------------------------------------------------


def _log_lambertw_exp(y):
    """``ln W(e^y)`` (= ``y - omega(y)``, the root ``l`` of ``l + e^l = y``), without overflow for large ``y``."""
    y = jnp.asarray(y, dtype=float)
    at_zero = y == -jnp.inf  # W(0) = 0, ln W = -inf; keep the iteration finite there
    y_raw, y = y, jnp.where(at_zero, 0.0, y)
    big = y > 1.0
    safe_big = jnp.where(big, y, 2.0)
    # starts: l ~ y - e^y for y -> -inf; l ~ ln(y - ln y) for y -> +inf. f(l) = l + e^l - y is increasing and
    # convex, so Newton converges from either side after at most one overshoot.
    l = jnp.where(big, jnp.log(safe_big - jnp.log(safe_big)), y - jnp.log1p(jnp.exp(jnp.minimum(y, 1.0))))

    def newton(_, l):
        el = jnp.exp(l)
        return l - (l + el - y) / (1.0 + el)

    return jnp.where(at_zero, y_raw, jax.lax.fori_loop(0, 40, newton, l))


def lambertw(x):
    """Principal branch ``W(x)`` of the Lambert W function for real ``x >= 0`` (JAX, jit/vmap-able).

    Solves ``w e^w = x`` by Newton iteration on ``ln w + w = ln x``. Used by `to_jax` for ``sympy.LambertW``.

    Example:
        >>> round(float(lambertw(1.0)), 12)  # the omega constant
        0.56714329041
    """
    x = jnp.asarray(x)
    return jnp.exp(_log_lambertw_exp(jnp.log(x)))


def to_jax(expr, args: Sequence) -> Callable:
    """Lower a SymPy expression (or list of them) to a pure JAX function of ``args``.

    A thin ``sympy.lambdify(args, expr, modules="jax")`` that also maps ``LambertW`` to `lambertw`. The result
    jits and vmaps; arrays broadcast as in NumPy.

    Example:
        >>> import jax
        >>> s = resource_symbols(1)
        >>> l, t = resource_tau_solution_expr(1)
        >>> f = jax.jit(to_jax(t, [s.tau, s.p[0], s.l0[0], s.eta, s.N0]))
        >>> round(float(f(1.0, 0.5, 1.0, 2.0, 0.0)), 6)
        0.196735
    """
    return sp.lambdify(args, expr, modules=[{"LambertW": lambertw}, "jax"])


# ---------------------------------------------------------------------------------------------------------
# Closed forms (JAX)
# ---------------------------------------------------------------------------------------------------------


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def _check_params(p, eta, N0):
    p = jnp.asarray(p, dtype=float)
    if p.ndim != 1 or p.shape[0] == 0:
        raise ValueError(f"p (skill frequencies) must be a non-empty 1-D array, got shape {p.shape}")
    if _concrete(p) and not bool(jnp.all(p > 0) & jnp.all(jnp.isfinite(p))):
        raise ValueError(f"p (skill frequencies) must be finite and > 0, got {p}")
    if _concrete(eta) and not float(eta) > 0:
        raise ValueError(f"eta (effective learning rate) must be > 0, got {eta!r}")
    if _concrete(N0) and not float(N0) >= 0:
        raise ValueError(f"N0 (wasted resources) must be >= 0, got {N0!r}")
    return p


def _check_threshold(threshold):
    if _concrete(threshold) and not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold (skill level s*) must lie in the open interval (0, 1), got {threshold!r}")


def resource_tau_solution(tau, p, eta, N0, l0=1.0, C=None):
    r"""Exact MSE Resource-model trajectory at internal times ``tau`` (no clipping): ``(l, t)``.

    .. math::
        l(\tau) = e^{-\tau C\,\mathrm{diag}(p)}\, l^0, \qquad
        t(\tau) = \frac{1}{\eta}\Big[p^\top \!\int_0^\tau e^{-s C\,\mathrm{diag}(p)} ds\; l^0 + N_0 \tau\Big]

    For ``C = None`` this is ``l_i = l0_i e^{-p_i tau}`` and ``t = (1/eta)[sum_j (l0_j - l_j) + N0 tau]``.
    For a matrix ``C`` (singular allowed) the integral comes from one matrix exponential of the augmented
    matrix ``[[-C diag p, l0], [0, 0]]`` (Van Loan), so no inverse of ``C`` is needed.

    **Arguments:**

    - `tau`: internal times ``>= 0``, any shape ``S``.
    - `p`: frequencies, shape ``(n,)``. `eta` > 0, `N0` >= 0: scalars.
    - `l0`: initial deficits, scalar or shape ``(n,)`` (default 1).
    - `C`: ``None`` (identity) or coupling matrix of shape ``(n, n)``.

    **Returns:** ``l`` of shape ``S + (n,)`` and ``t`` of shape ``S``. Valid for MSE before any deficit hits
    0 (with ``C = I`` deficits stay positive, so it is exact until the Domino end time).

    Example:
        >>> l, t = resource_tau_solution(jnp.linspace(0.0, 50.0, 6), jnp.array([0.8, 0.2]), eta=0.01, N0=0.0)
        >>> l.shape, t.shape
        ((6, 2), (6,))
    """
    p = _check_params(p, eta, N0)
    n = p.shape[0]
    tau = jnp.asarray(tau, dtype=float)
    l0 = jnp.broadcast_to(jnp.asarray(l0, dtype=float), (n,))
    if C is None:
        l = l0 * jnp.exp(-p * tau[..., None])
        t = (jnp.sum(l0 - l, axis=-1) + N0 * tau) / eta
        return l, t
    C = jnp.asarray(C, dtype=float)
    if C.shape != (n, n):
        raise ValueError(f"C (coupling matrix) must have shape ({n}, {n}), got {C.shape}")
    M = jnp.zeros((n + 1, n + 1)).at[:n, :n].set(-C * p[None, :]).at[:n, n].set(l0)

    def one(s):
        E = jax.scipy.linalg.expm(s * M)
        integral = E[:n, n]
        return E[:n, :n] @ l0, (p @ integral + N0 * s) / eta

    l, t = jax.vmap(one)(tau.reshape(-1))
    return l.reshape(tau.shape + (n,)), t.reshape(tau.shape)


def resource_learning_time(p, eta, N0, threshold=0.9, l0=1.0):
    r"""Closed-form MSE learning times (``C = I``, PAPER §6.1 item 2): first ``t`` with ``1 - l_i = s*``.

    .. math:: t_i = \frac{1}{\eta}\Big[\sum_j l^0_j \big(1 - (\epsilon/l^0_i)^{p_j/p_i}\big)
              + \frac{N_0}{p_i}\ln\frac{l^0_i}{\epsilon}\Big],\qquad \epsilon = 1 - s^*

    **Arguments:** `p` of shape ``(n,)``; `eta` > 0; `N0` >= 0; `threshold` the skill level ``s*`` in
    ``(0, 1)``; `l0` initial deficits (scalar or ``(n,)``, default 1).

    **Returns:** shape ``(n,)``; 0 for a skill that starts at or above the threshold.

    Example:
        >>> import skillode as sk
        >>> t = resource_learning_time(sk.zipf(10), eta=2 * 3e-4 * 1000**0.5, N0=0.0, threshold=0.9)
        >>> [round(float(x), 1) for x in t[:2]]
        [104.3, 211.5]
    """
    p = _check_params(p, eta, N0)
    _check_threshold(threshold)
    l0 = jnp.broadcast_to(jnp.asarray(l0, dtype=float), p.shape)
    eps = 1.0 - threshold
    ratio = jnp.minimum(eps / l0, 1.0)  # ratio = 1 means "already learned": t = 0 exactly, not a clip of data
    powers = ratio[:, None] ** (p[None, :] / p[:, None])
    t = (jnp.sum(l0[None, :] * (1.0 - powers), axis=-1) - N0 * jnp.log(ratio) / p) / eta
    return t


def ce_tau_solution(tau, p, eta, N0, l0=0.0):
    r"""Exact CE Resource-model trajectory (``C = I``) at internal times ``tau``: logits ``l`` and ``t``.

    .. math::
        l_i + e^{l_i} = p_i \tau + l^0_i + e^{l^0_i} \;\Rightarrow\; l_i(\tau) = y_i - W(e^{y_i}),\qquad
        t(\tau) = \frac{1}{\eta}\Big[\sum_j (l_j - l^0_j) + N_0 \tau\Big]

    **Arguments:** `tau` any shape ``S``; `p` shape ``(n,)``; `eta` > 0; `N0` >= 0; `l0` initial logits,
    scalar or ``(n,)`` (default 0, i.e. skill level 1/2).

    **Returns:** ``l`` of shape ``S + (n,)`` (skill level ``sigmoid(l)``) and ``t`` of shape ``S``.
    """
    p = _check_params(p, eta, N0)
    tau = jnp.asarray(tau, dtype=float)
    l0 = jnp.broadcast_to(jnp.asarray(l0, dtype=float), p.shape)
    y = p * tau[..., None] + l0 + jnp.exp(l0)
    l = _log_lambertw_exp(y)
    t = (jnp.sum(l - l0, axis=-1) + N0 * tau) / eta
    return l, t


def ce_learning_time(p, eta, N0, threshold=0.9, l0=0.0):
    r"""Closed-form CE learning times (``C = I``): first ``t`` with ``sigmoid(l_i) = s*``.

    .. math:: \tau_i = \frac{l^* + e^{l^*} - l^0_i - e^{l^0_i}}{p_i},\quad l^* = \ln\frac{s^*}{1-s^*},\qquad
              t_i = t(\tau_i) \text{ from } `ce_tau_solution`

    **Arguments:** as `ce_tau_solution`, plus `threshold` ``s*`` in ``(0, 1)``.

    **Returns:** shape ``(n,)``; 0 for a skill that starts at or above the threshold.
    """
    p = _check_params(p, eta, N0)
    _check_threshold(threshold)
    l0 = jnp.broadcast_to(jnp.asarray(l0, dtype=float), p.shape)
    l_star = jnp.log(threshold) - jnp.log1p(-threshold)
    tau_i = jnp.maximum((l_star + jnp.exp(l_star) - l0 - jnp.exp(l0)) / p, 0.0)
    _, t = ce_tau_solution(tau_i, p, eta, N0, l0)
    return t


# ---------------------------------------------------------------------------------------------------------
# Checking a derivation
# ---------------------------------------------------------------------------------------------------------


def verify(condition, claim: str) -> None:
    """Raise ``AssertionError(claim)`` unless ``condition`` holds.

    The check the scripts in ``derivations/`` use for their symbolic and numeric claims; unlike ``assert`` it is
    not stripped by ``python -O``.
    """
    if not condition:
        raise AssertionError(claim)
