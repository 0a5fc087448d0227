r"""The symbolic side of skillode: the Resource and Domino models as SymPy systems, their closed forms, LaTeX.

The Resource model (arXiv:2501.12391, Figs. 6–8 and 17) in optimizer time $t$:

$$
\text{MSE: } \frac{dl_i}{dt} = -\eta \frac{(C c)_i}{\sum_j c_j + N_0},\ c_j = g_j p_j l_j; \qquad
\text{CE: } \frac{dl_i}{dt} = +\eta \frac{(C c)_i}{\sum_j c_j + N_0},\ c_j = p_j \sigma(-l_j),
$$

with gates $g_j$ (1 for ungated skills). In the internal time $\tau$, $d\tau/dt = \eta/(\sum_j c_j + N_0)$, the
MSE system is linear, $dl/d\tau = -C\,\mathrm{diag}(p)\,l$, so $l(\tau) = e^{-\tau C \mathrm{diag}(p)} l^0$ and, for
$C = I$, $t(\tau) = \frac{1}{\eta}[\sum_j l^0_j(1 - e^{-p_j\tau}) + N_0\tau]$; the CE system with $C = I$ separates
as $l + e^l = p\tau + l^0 + e^{l^0}$, i.e. $l = y - W(e^y)$ (Lambert W).

This module is SymPy only: `resource_equations`, `domino_equations`, `resource_tau_solution_expr`,
`learning_time_expr`, `loss_exponent_expr`, with symbols named as in the paper (`resource_symbols`), printable with
``sympy.latex``. `to_jax` lowers an expression to JAX. The shipped JAX closed forms live in `skillode.closed_form`;
the scripts in ``derivations/`` derive each result here and assert that the shipped function equals the lowered
SymPy expression at random points, to round-off (`verify`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp

from ._validate import LOSS_KINDS, check_choice, check_int
from .closed_form import lambertw
from .dependencies import SkillGraph

__all__ = [
    "ResourceSymbols",
    "resource_symbols",
    "resource_equations",
    "domino_equations",
    "resource_tau_solution_expr",
    "learning_time_expr",
    "loss_exponent_expr",
    "to_jax",
    "verify",
    "verify_lowered",
]


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

    Examples:
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
    return check_int(n, "n (number of skills)")


def _check_loss(loss_kind) -> str:
    return check_choice(loss_kind, "loss_kind", LOSS_KINDS)


# ---------------------------------------------------------------------------------------------------------
# Gates (arXiv:2501.12391, Fig. 17)
# ---------------------------------------------------------------------------------------------------------


def _gate_exprs(gates: SkillGraph, n: int, l_of: Sequence[sp.Expr], a: sp.Expr) -> list[sp.Expr]:
    r"""The gate $g_i$ of every skill: AND $\prod_j (1 - l_j^a)$, OR $\max_j (1 - l_j^a)$, chain $1 - l_j^a$."""
    if gates.n != n:
        raise ValueError(f"gates describe {gates.n} skills but n = {n}")
    out = [sp.Integer(1)] * n
    for i, kind, pre in gates.index_spec():
        opens = [1 - l_of[j] ** a for j in pre]
        out[i] = sp.Max(*opens) if kind == "or" else sp.Mul(*opens)
    return out


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
    loss_kind: str = "mse",
    C=None,
    gates: SkillGraph | None = None,
    gate_exponent=None,
    numeric_p=None,
    eta=None,
    N0=None,
    time: str = "t",
) -> list[sp.Eq]:
    r"""The Resource model as a list of SymPy ODEs ``Eq(Derivative(l_i(t), t), rhs)``.

    $$
    \frac{dl_i}{dt} = \mp \eta \frac{(C c)_i}{\sum_j c_j + N_0},\qquad
    c_j = g_j p_j l_j \ (\text{MSE, sign } -),\qquad c_j = \frac{p_j}{1 + e^{l_j}} \ (\text{CE, sign } +).
    $$

    **Arguments:**

    - `n`: number of skills.
    - `loss_kind`: ``"mse"`` (``l`` is the skill deficit) or ``"ce"`` (``l`` is a logit).
    - `C`: ``None`` (identity, orthogonal skills), ``"symbolic"`` (symmetric with unit diagonal and symbols
      ``C_ij``, as ``C = T T^T`` for unit task vectors), or an ``(n, n)`` array/SymPy matrix.
    - `gates`: an optional `skillode.SkillGraph` over the ``n`` skills (MSE only).
    - `gate_exponent`: the gates' exponent: ``None`` (the graph's ``a``), ``"symbolic"`` (the symbol ``a``), or a
      number / SymPy expression.
    - `numeric_p`, `eta`, `N0`: optional numbers substituted for ``p_1..p_n`` (shape ``(n,)``), ``eta``,
      ``N_0``; left symbolic when omitted.
    - `time`: ``"t"`` (optimizer steps) or ``"tau"`` (internal time). In ``tau`` the equations read
      ``dl_i/dtau = -+(C c)_i`` and an ``(n+1)``-th equation ``dt/dtau = (sum_j c_j + N0)/eta`` is appended.

    **Returns:** a list of ``n`` (or ``n + 1``) ``sympy.Eq``.

    Examples:
        >>> eqs = resource_equations(2)
        >>> eqs[0].rhs
        -eta*p_1*l_1(t)/(N_0 + p_1*l_1(t) + p_2*l_2(t))
        >>> import sympy; sympy.latex(eqs[0].lhs)
        '\\frac{d}{d t} l_{1}{\\left(t \\right)}'
    """
    sym = resource_symbols(n)
    loss = _check_loss(loss_kind)
    if time not in ("t", "tau"):
        raise ValueError(f"time must be 't' or 'tau', got {time!r}")
    var = sym.t if time == "t" else sym.tau
    l_of = [f(var) for f in sym.l]

    gate = [sp.Integer(1)] * n
    if gates is not None:
        if not isinstance(gates, SkillGraph):
            raise ValueError(f"gates must be a skillode.SkillGraph or None, got {type(gates).__name__}")
        if loss != "mse":
            raise ValueError("gates are defined for loss_kind='mse' only")
        if gate_exponent is None:
            a = sp.nsimplify(gates.a)
        elif isinstance(gate_exponent, str):
            check_choice(gate_exponent, "gate_exponent", ("symbolic",))
            a = sym.a
        else:
            a = sp.sympify(gate_exponent)
            if not a.is_positive:
                raise ValueError(f"gate_exponent must be > 0, got {gate_exponent!r}")
        gate = _gate_exprs(gates, n, l_of, a)

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
    r"""The Domino model (arXiv:2501.12391, Fig. 9): skill ``i`` is learned in the window ``[(i-1) t0, i t0]``.

    $$
    s_i(t) = \min\!\left(\max\!\left(\frac{t - (i-1) t_0}{t_0}, 0\right), 1\right)
    $$

    **Arguments:** `n` skills; `t0` the time per skill, a number ``> 0`` or ``None`` for the symbol ``t_0``.

    **Returns:** ``n`` equations ``Eq(s_i(t), ...)``. Learning time to level ``s*``: ``(i - 1 + s*) t0``.

    Examples:
        >>> tuple(e.rhs.subs(e.lhs.args[0], 7) for e in domino_equations(2, t0=5))
        (1, 2/5)
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


def resource_tau_solution_expr(n: int, *, loss_kind: str = "mse") -> tuple[list, sp.Expr]:
    r"""Exact solution of the Resource model in internal time ``tau``: ``(l(tau), t(tau))``.

    - MSE, ``C = None``: ``l_i = l_i^0 e^{-p_i tau}``, ``t = (1/eta)[sum_j l_j^0 (1 - e^{-p_j tau}) + N0 tau]``.
    - CE, ``C = None``: ``l_i = y_i - W(e^{y_i})`` with ``y_i = p_i tau + l_i^0 + e^{l_i^0}``,
      ``t = (1/eta)[sum_j (l_j - l_j^0) + N0 tau]``.
    - MSE with a coupling ``C``: ``l = expm(-tau C diag p) l0`` has no useful elementwise SymPy form for
      symbolic ``C``; use `skillode.closed_form.mse_tau_solution` (JAX, any PSD ``C``, singular included).
      The identity behind its ``t(tau)`` is verified in ``derivations/tau_time_solution.py``.

    **Returns:** ``(l, t)``: a list of ``n`` expressions ``l_i(tau)`` and the expression ``t(tau)``.

    Examples:
        >>> l, t = resource_tau_solution_expr(2)
        >>> l[0]
        l_1^0*exp(-p_1*tau)
    """
    sym = resource_symbols(n)
    loss = _check_loss(loss_kind)
    if loss == "mse":
        l = [sym.l0[i] * sp.exp(-sym.p[i] * sym.tau) for i in range(n)]
        t = (sp.Add(*[sym.l0[j] - l[j] for j in range(n)]) + sym.N0 * sym.tau) / sym.eta
    else:
        y = [sym.p[i] * sym.tau + sym.l0[i] + sp.exp(sym.l0[i]) for i in range(n)]
        l = [y[i] - sp.LambertW(sp.exp(y[i])) for i in range(n)]
        t = (sp.Add(*[l[j] - sym.l0[j] for j in range(n)]) + sym.N0 * sym.tau) / sym.eta
    return l, t


def learning_time_expr(n: int, i: int, *, loss_kind: str = "mse") -> sp.Expr:
    r"""Closed-form learning time of skill ``i`` (0-based) for ``C = I``.

    - MSE, deficit threshold ``epsilon = 1 - s*`` (derived in ``derivations/learning_time.py``, with general ``l^0``):

        $$
        t_i(\epsilon) = \frac{1}{\eta}\Big[\sum_j l_j^0\big(1 - (\epsilon/l_i^0)^{p_j/p_i}\big)
            + N_0 \ln(l_i^0/\epsilon)/p_i\Big]
        $$

    - CE, skill-level threshold ``s*`` (``sigmoid(l_i) = s*``): ``tau_i = (l* + e^{l*} - l_i^0 - e^{l_i^0})/p_i``
      with ``l* = ln(s*/(1 - s*))``, and ``t_i = t(tau_i)`` from `resource_tau_solution_expr` (Lambert W).

    Valid while the skill starts below the threshold (``epsilon < l_i^0``; ``sigmoid(l_i^0) < s*``).

    Examples:
        >>> learning_time_expr(1, 0)
        (N_0*log(l_1^0/epsilon)/p_1 + l_1^0*(-epsilon/l_1^0 + 1))/eta
    """
    sym = resource_symbols(n)
    loss = _check_loss(loss_kind)
    i = check_int(i, "i (skill index, 0-based)", 0, n - 1)
    p, l0, eps = sym.p, sym.l0, sym.epsilon
    if loss == "mse":
        total = sp.Add(*[l0[j] * (1 - (eps / l0[i]) ** (p[j] / p[i])) for j in range(n)])
        return (total + sym.N0 * sp.log(l0[i] / eps) / p[i]) / sym.eta
    s = sym.s_star
    l_star = sp.log(s / (1 - s))
    tau_i = (l_star + s / (1 - s) - l0[i] - sp.exp(l0[i])) / p[i]
    l, t = resource_tau_solution_expr(n, loss_kind="ce")
    return t.subs(sym.tau, tau_i)


def loss_exponent_expr(limit: str) -> sp.Expr:
    r"""Exponent $\beta$ of the Resource-model loss curve $L(t) \propto t^{-\beta}$ for Zipf($\alpha$) skills.

    - ``limit="domino"`` ($N_0 = 0$): $\beta = \alpha - 1$;
    - ``limit="parallel"`` ($N_0$ large, independent exponentials, quanta-like): $\beta = (\alpha - 1)/\alpha$.

    Derived in ``derivations/loss_exponents.py`` (continuum sum over skills, $n \to \infty$, $\alpha > 1$); both
    hold for $L = \sum_i p_i l_i^m$ with any $m > 0$. Lowered: `skillode.closed_form.loss_exponent`.

    Examples:
        >>> loss_exponent_expr("parallel")
        (alpha - 1)/alpha
    """
    a = sp.Symbol("alpha", positive=True)
    check_choice(limit, "limit", ("domino", "parallel"))
    return a - 1 if limit == "domino" else (a - 1) / a


# ---------------------------------------------------------------------------------------------------------
# Lowering to JAX
# ---------------------------------------------------------------------------------------------------------


def to_jax(expr, args: Sequence) -> Callable:
    """Lower a SymPy expression (or list of them) to a pure JAX function of ``args``.

    A thin ``sympy.lambdify(args, expr, modules="jax")`` that also maps ``LambertW`` to
    `skillode.closed_form.lambertw`. The result
    jits and vmaps; arrays broadcast as in NumPy.

    Examples:
        >>> import jax
        >>> s = resource_symbols(1)
        >>> l, t = resource_tau_solution_expr(1)
        >>> f = jax.jit(to_jax(t, [s.tau, s.p[0], s.l0[0], s.eta, s.N0]))
        >>> round(float(f(1.0, 0.5, 1.0, 2.0, 0.0)), 6)
        0.196735
    """
    return sp.lambdify(args, expr, modules=[{"LambertW": lambertw}, "jax"])


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


def verify_lowered(expr, args: Sequence, shipped: Callable, points: Sequence, *, rtol: float = 1e-12,
                   atol: float = 0.0, claim: str = "") -> float:
    """Assert that a shipped JAX function equals a SymPy expression at the given points, to round-off.

    The expression (or list of them) is lowered once with `to_jax` and evaluated, like ``shipped``, at every
    point of ``points`` (each a tuple of values for ``args``); the two must agree to ``rtol``/``atol``.
    This is how the derivations check the code that ships, not a copy of it.

    **Returns:** the largest relative difference found. **Raises:** ``AssertionError`` naming ``claim``.

    Examples:
        >>> s = resource_symbols(1)
        >>> l, t = resource_tau_solution_expr(1)
        >>> from skillode.closed_form import mse_tau_solution
        >>> shipped = lambda tau, p, eta: mse_tau_solution(tau, [p], eta, 0.0)[1]
        >>> verify_lowered(t.subs({s.l0[0]: 1, s.N0: 0}), [s.tau, s.p[0], s.eta], shipped, [(2.0, 1.0, 0.5)]) < 1e-15
        True
    """
    lowered = to_jax(expr, list(args))
    worst = 0.0
    for point in points:
        want = np.asarray(lowered(*point), dtype=np.float64)
        got = np.asarray(shipped(*point), dtype=np.float64)
        if want.shape != got.shape:
            raise AssertionError(f"{claim}: shapes differ, SymPy {want.shape} vs shipped {got.shape}")
        diff = np.abs(got - want)
        if not np.all(diff <= atol + rtol * np.abs(want)):
            raise AssertionError(f"{claim}: shipped function differs from the SymPy expression at {point}: "
                                 f"{got} vs {want}")
        # relative to the value, or to the absolute tolerance's scale where the value is ~0 (no 1e290 "errors")
        scale = np.maximum(np.abs(want), max(atol / rtol if rtol > 0 else 0.0, np.finfo(np.float64).tiny))
        worst = max(worst, float(np.max(diff / scale)))
    return worst
