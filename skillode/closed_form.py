r"""Every closed form of skillode, lowered to JAX: one home, pure functions that ``jit``, ``vmap`` and ``grad``.

The Resource model becomes solvable in its *internal time* $\tau$, $d\tau/dt = \eta / (\sum_j c_j + N_0)$
(the Resource model of arXiv:2501.12391, Figs. 6–8; the tau-time form is derived in
``derivations/tau_time_solution.py``). For the MSE model
$dl/d\tau = -C\,\mathrm{diag}(p)\, l$ is linear:

$$
l(\tau) = e^{-\tau C \mathrm{diag}(p)} l^0, \qquad
t(\tau) = \frac{1}{\eta}\Big[p^\top\!\int_0^\tau l(s)\,ds + N_0\tau\Big],
$$

which for $C = I$ reads $l_i = l^0_i e^{-p_i\tau}$, $t = \frac{1}{\eta}[\sum_j l^0_j(1 - e^{-p_j\tau}) + N_0\tau]$.
The CE model with $C = I$ separates too: $l_i + e^{l_i} = p_i\tau + l^0_i + e^{l^0_i}$, i.e.
$l_i = y_i - W(e^{y_i})$ (Lambert W).

What lives here:

| closed form | function |
|---|---|
| tau-time solution, MSE (any symmetric PSD $C$ through its modes) | `mse_tau_solution`, `mse_modes`, `phi`, `decay` |
| tau-time solution, CE ($C = I$) | `ce_tau_solution`, `log_lambertw_exp`, `lambertw` |
| learning times $t_i$ at a skill level ($C = I$), in bounded memory | `mse_learning_times`, `ce_learning_times` |
| Domino learning times $t_i = (i - 1 + s^*)\,t_0$ | `domino_learning_times` |
| curve collapse $(l_i/l^0_i)^{1/p_i} = e^{-\tau}$ | `collapse` |
| modular (one-hot) final CE loss $\log 2 \sum_{i>N} p_i$ | `modular_ce_loss` |
| loss-vs-time exponents (Domino, parallel limits) | `loss_exponent` |

The reference values these are compared with (`skillode.scaling.CHINCHILLA`,
`skillode.scaling.reference_exponents`) live in `skillode.scaling`; the same names here are re-exports.

The SymPy derivations (`skillode.symbolic`, ``derivations/``) assert that these functions equal the SymPy
expressions they come from, at random points, to round-off. Inputs are validated where they are concrete (see
`skillode._validate`); traced values pass through unchecked.
"""

from __future__ import annotations

import math
import os

import jax
import jax.numpy as jnp
import numpy as np

from ._validate import (
    check_array,
    check_choice,
    check_int,
    check_level,
    check_positive_vector,
    check_scalar,
    is_concrete,
)
from .scaling import CHINCHILLA as CHINCHILLA
from .scaling import reference_exponents as reference_exponents

__all__ = [
    "ce_learning_times",
    "ce_tau_solution",
    "collapse",
    "decay",
    "domino_learning_times",
    "lambertw",
    "log_lambertw_exp",
    "loss_exponent",
    "mse_learning_times",
    "mse_modes",
    "modular_ce_loss",
    "mse_tau_solution",
    "phi",
    "psd_problem",
]

_LAMBERT_ITERS = 12  # Newton steps for l + e^l = y from the asymptotic start: quadratic, round-off by ~6
_BLOCK_ENTRIES = 2**22  # (block, n) entries per block of the O(n^2) learning-time sum: 32 MiB in float64
_BYTES_PER_SKILL = 8 * 16  # float64 arrays of length n alive at once in the learning-time sum (inputs, outputs)


# ------------------------------------------------------------------------------------------ validation
def _check_p(p):
    return jnp.asarray(check_positive_vector(p, "p (skill frequencies)"), dtype=jnp.float64)


def _check_rates(eta, N0):
    check_scalar(eta, "eta (effective learning rate)", low=0.0, strict=True)
    check_scalar(N0, "N0 (wasted resources)", low=0.0)


def psd_problem(C) -> str | None:
    """Why a concrete task-overlap matrix ``C`` (shape ``(n, n)``) is not a Gram matrix, or ``None``.

    ``C`` must be symmetric and positive semi-definite (a Gram matrix $T T^\top$ of task vectors), to round-off
    relative to the matrix's size: symmetric to ``1e-12`` of its largest entry, smallest eigenvalue ``>= -1e-10``
    of its spectral norm. The Resource model refuses any other ``C`` (`skillode.ResourceModel`), and the modal
    closed form (`mse_modes`) needs it.
    """
    C = np.asarray(C, dtype=np.float64)
    scale = float(np.abs(C).max(initial=0.0))
    asym = np.abs(C - C.T)
    if np.any(asym > 1e-12 * scale):
        i, j = np.unravel_index(int(np.argmax(asym)), C.shape)
        return (f"C (task-overlap matrix) must be symmetric (a Gram matrix T T^T), but C[{i}, {j}] = {C[i, j]:.6g} "
                f"and C[{j}, {i}] = {C[j, i]:.6g}")
    eigenvalues = np.linalg.eigvalsh(0.5 * (C + C.T))
    smallest = float(eigenvalues.min(initial=0.0))
    if smallest < -1e-10 * float(np.abs(eigenvalues).max(initial=0.0)):
        return (f"C (task-overlap matrix) must be positive semi-definite (a Gram matrix T T^T), but its smallest "
                f"eigenvalue is {smallest:.3g}")
    return None


def _l0(l0, n):
    return jnp.broadcast_to(jnp.asarray(l0, dtype=jnp.float64), (n,))


# ------------------------------------------------------------------------------------------ MSE, tau time
def decay(lam, tau):
    r"""$e^{-\lambda\tau}$, with $e^{-0\cdot\infty} = 1$ for null modes ($\lambda = 0$). Broadcasts."""
    return jnp.where(lam == 0, 1.0, jnp.exp(-lam * tau))


def phi(lam, tau):
    r"""$\int_0^\tau e^{-\lambda s} ds = (1 - e^{-\lambda\tau})/\lambda$, $= \tau$ at $\lambda = 0$; broadcasts."""
    safe = jnp.where(lam == 0, 1.0, lam)
    return jnp.where(lam == 0, tau, -jnp.expm1(-safe * tau) / safe)


def mse_modes(p, l0, C=None):
    r"""Modal form of the gate-free MSE Resource model: rates $\lambda_k$, weights $a_k$, coefficients $b_k$, basis $V$.

    With $D = \mathrm{diag}(p)$ and $B = D^{1/2} C D^{1/2} = Q\Lambda Q^\top$ (symmetric PSD $C$),

    $$
    l(\tau) = V e^{-\Lambda\tau} b, \quad V = D^{-1/2} Q, \quad b = Q^\top D^{1/2} l^0, \qquad
    t(\tau) = \frac{1}{\eta}\Big[\sum_k a_k \phi(\lambda_k, \tau) + N_0\tau\Big], \quad a_k = (Q^\top\sqrt p)_k b_k .
    $$

    For ``C = None`` (identity) the modes are the skills: $\lambda = p$, $a = p\,l^0$, $b = l^0$, $V = I$ (returned
    as ``None``). Eigenvalues at round-off level are set to exact zeros (null modes of a singular $C$).

    **Arguments:** `p` shape ``(n,)``; `l0` shape ``(n,)``; `C` ``None`` or shape ``(n, n)``.

    **Returns:** ``(lam, a, b, V)`` with shapes ``(n,)``, ``(n,)``, ``(n,)`` and ``(n, n)`` or ``None``.
    """
    if C is None:
        return p, p * l0, l0, None
    s = jnp.sqrt(p)
    B = s[:, None] * C * s[None, :]
    lam, Q = jnp.linalg.eigh(0.5 * (B + B.T))
    tol = lam.shape[0] * jnp.finfo(lam.dtype).eps * jnp.max(jnp.abs(lam))
    lam = jnp.where(jnp.abs(lam) <= tol, 0.0, lam)
    b = Q.T @ (s * l0)
    return lam, (Q.T @ s) * b, b, Q / s[:, None]


def mse_tau_solution(tau, p, eta, N0, l0=1.0, C=None):
    r"""Exact MSE Resource-model trajectory at internal times ``tau``: ``(l, t)``.

    $$
    l(\tau) = e^{-\tau C\,\mathrm{diag}(p)}\, l^0, \qquad
    t(\tau) = \frac{1}{\eta}\Big[p^\top \!\int_0^\tau e^{-s C\,\mathrm{diag}(p)} ds\; l^0 + N_0 \tau\Big].
    $$

    For ``C = None`` this is $l_i = l^0_i e^{-p_i\tau}$ and $t = \frac{1}{\eta}[\sum_j (l^0_j - l_j) + N_0\tau]$.
    A matrix ``C`` (symmetric PSD, singular allowed) goes through `mse_modes`, so no inverse of ``C`` is needed.

    **Arguments:**

    - `tau`: internal times $\ge 0$, any shape ``S``.
    - `p`: frequencies, shape ``(n,)``. `eta` $> 0$, `N0` $\ge 0$: scalars.
    - `l0`: initial deficits, scalar or shape ``(n,)`` (default 1).
    - `C`: ``None`` (identity) or a symmetric PSD matrix of shape ``(n, n)``.

    **Returns:** ``l`` of shape ``S + (n,)`` and ``t`` of shape ``S``.

    Examples:
        >>> l, t = mse_tau_solution(jnp.linspace(0.0, 50.0, 6), jnp.array([0.8, 0.2]), eta=0.01, N0=0.0)
        >>> l.shape, t.shape
        ((6, 2), (6,))
    """
    p = _check_p(p)
    _check_rates(eta, N0)
    n = p.shape[0]
    tau = jnp.asarray(tau, dtype=jnp.float64)
    l0 = _l0(l0, n)
    if C is not None:
        C = jnp.asarray(check_array(C, "C (task-overlap matrix)", (n, n)), dtype=jnp.float64)
        problem = psd_problem(C) if is_concrete(C) else None
        if problem is not None:
            raise ValueError(problem)
    lam, a, b, V = mse_modes(p, l0, C)
    x = tau[..., None]
    modes = decay(lam, x) * b
    l = modes if V is None else modes @ V.T
    t = (jnp.sum(a * phi(lam, x), axis=-1) + N0 * tau) / eta
    return l, t


# ------------------------------------------------------------------------------------------ CE, Lambert W
@jax.custom_jvp
def log_lambertw_exp(y):
    r"""The root $l$ of $l + e^l = y$, i.e. $\ln W(e^y) = y - W(e^y)$, for any real $y$ (no overflow at large $y$).

    Newton's method from the asymptotic start ($l \approx y - e^y$ as $y \to -\infty$, $l \approx \ln(y - \ln y)$
    as $y \to \infty$); $f(l) = l + e^l - y$ is increasing and convex, so it converges after at most one overshoot.
    Derivative $dl/dy = 1/(1 + e^l)$ (attached as a `jax.custom_jvp`). Elementwise; $y = -\infty$ gives $-\infty$.
    """
    y = jnp.asarray(y, dtype=jnp.float64)
    at_zero = y == -jnp.inf
    y_raw, y = y, jnp.where(at_zero, 0.0, y)
    big = y > 1.0
    safe_big = jnp.where(big, y, 2.0)
    l = jnp.where(big, jnp.log(safe_big - jnp.log(safe_big)), y - jnp.log1p(jnp.exp(jnp.minimum(y, 1.0))))
    for _ in range(_LAMBERT_ITERS):
        el = jnp.exp(l)
        l = l - (l + el - y) / (1.0 + el)
    return jnp.where(at_zero, y_raw, l)


@log_lambertw_exp.defjvp
def _log_lambertw_exp_jvp(primals, tangents):
    (y,), (y_dot,) = primals, tangents
    l = log_lambertw_exp(y)
    return l, jax.nn.sigmoid(-l) * y_dot


def lambertw(x):
    r"""Principal branch $W(x)$ of the Lambert W function for real $x \ge 0$ (``exp(log_lambertw_exp(log x))``).

    Examples:
        >>> round(float(lambertw(1.0)), 12)  # the omega constant
        0.56714329041
    """
    return jnp.exp(log_lambertw_exp(jnp.log(jnp.asarray(x, dtype=jnp.float64))))


def ce_tau_solution(tau, p, eta, N0, l0=0.0):
    r"""Exact CE Resource-model trajectory ($C = I$) at internal times ``tau``: logits ``l`` and ``t``.

    $$
    l_i + e^{l_i} = p_i \tau + l^0_i + e^{l^0_i} \;\Rightarrow\; l_i(\tau) = y_i - W(e^{y_i}),\qquad
    t(\tau) = \frac{1}{\eta}\Big[\sum_j (l_j - l^0_j) + N_0 \tau\Big].
    $$

    **Arguments:** `tau` any shape ``S``; `p` shape ``(n,)``; `eta` $> 0$; `N0` $\ge 0$; `l0` initial logits,
    scalar or ``(n,)`` (default 0, skill level 1/2).

    **Returns:** ``l`` of shape ``S + (n,)`` (skill level ``sigmoid(l)``) and ``t`` of shape ``S``.
    """
    p = _check_p(p)
    _check_rates(eta, N0)
    tau = jnp.asarray(tau, dtype=jnp.float64)
    l0 = _l0(l0, p.shape[0])
    l = log_lambertw_exp(p * tau[..., None] + l0 + jnp.exp(l0))
    t = (jnp.sum(l - l0, axis=-1) + N0 * tau) / eta
    return l, t


# ------------------------------------------------------------------------------------------ learning times
def _block_size(n: int) -> int:
    return max(1, min(n, _BLOCK_ENTRIES // n))


def _check_memory(n: int) -> None:
    need = n * _BYTES_PER_SKILL + _block_size(n) * n * 8 * 4
    try:
        avail = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not on this platform: no check
        return
    if need > avail:
        raise MemoryError(
            f"learning times of n = {n} skills need about {need / 2**30:.1f} GiB of memory, "
            f"but only {avail / 2**30:.1f} GiB are available"
        )


def _sum_over_skills(tau_i, q, term):
    r"""$\sum_j \mathrm{term}(q_j, \tau_i)$ for every $i$, shape ``(n,)``, in blocks of rows (never ``(n, n)``).

    ``q`` holds per-skill parameters with the skill axis last (shape ``(k, n)``).
    """
    n = tau_i.shape[0]
    block = _block_size(n)
    if is_concrete(tau_i):
        _check_memory(n)
    pad = -n % block
    rows = jnp.concatenate([tau_i, jnp.zeros(pad, tau_i.dtype)]).reshape(-1, block)
    sums = jax.lax.map(lambda r: jnp.sum(term(q[None], r[:, None]), axis=-1), rows)
    return sums.reshape(-1)[:n]


def mse_learning_times(p, eta, N0, threshold=0.9, l0=1.0):
    r"""Closed-form MSE learning times ($C = I$, no gates): the first $t$ with skill level $1 - l_i = s^*$.

    $$
    t_i = \frac{1}{\eta}\Big[\sum_j l^0_j \big(1 - (\epsilon/l^0_i)^{p_j/p_i}\big)
          + \frac{N_0}{p_i}\ln\frac{l^0_i}{\epsilon}\Big], \qquad \epsilon = 1 - s^*
    $$

    (derived in ``derivations/learning_time.py``), i.e. $t_i = t(\tau_i)$ at $\tau_i = \ln(l^0_i/\epsilon)/p_i$.
    The $O(n^2)$ sum
    runs in blocks of rows (`jax.lax.map`), so memory stays $O(n)$: $n = 10^5$ skills take well under 1 GB.

    **Arguments:** `p` shape ``(n,)``; `eta` $> 0$; `N0` $\ge 0$; `threshold` the skill level $s^*$ in
    $(0, 1)$ (may be traced); `l0` initial deficits (scalar or ``(n,)``, default 1).

    **Returns:** shape ``(n,)``; 0 for a skill that starts at or above the threshold.

    Raises:
        MemoryError: if even the $O(n)$ arrays do not fit in the available memory (the message gives both sizes).

    Examples:
        >>> import skillode as sk
        >>> t = mse_learning_times(sk.zipf(10), eta=2 * 3e-4 * 1000**0.5, N0=0.0, threshold=0.9)
        >>> tuple(round(float(x), 1) for x in t[:2])
        (104.3, 211.5)
    """
    p = _check_p(p)
    _check_rates(eta, N0)
    check_level(threshold)
    l0 = _l0(l0, p.shape[0])
    eps = 1.0 - threshold
    done = l0 <= eps
    tau_i = jnp.log(jnp.where(done, 1.0, l0 / eps)) / p
    sums = _sum_over_skills(tau_i, jnp.stack([p, l0]), _mse_term)
    return jnp.where(done, 0.0, (sums + N0 * tau_i) / eta)


def _mse_term(q, tau):
    p, l0 = q[..., 0, :], q[..., 1, :]
    return l0 * -jnp.expm1(-p * tau)


def _ce_term(q, tau):
    p, l0 = q[..., 0, :], q[..., 1, :]
    return log_lambertw_exp(p * tau + l0 + jnp.exp(l0)) - l0


def ce_learning_times(p, eta, N0, threshold=0.9, l0=0.0):
    r"""Closed-form CE learning times ($C = I$, no gates): the first $t$ with $\mathrm{sigmoid}(l_i) = s^*$.

    $$
    \tau_i = \frac{l^* + e^{l^*} - l^0_i - e^{l^0_i}}{p_i},\quad l^* = \ln\frac{s^*}{1-s^*},\qquad
    t_i = t(\tau_i) = \frac{1}{\eta}\Big[\sum_j \big(l_j(\tau_i) - l^0_j\big) + N_0\tau_i\Big]
    $$

    with $l_j(\tau)$ from `ce_tau_solution`; the sum runs in blocks as in `mse_learning_times`.

    **Arguments:** as `mse_learning_times` (default `l0` = 0 logits).

    **Returns:** shape ``(n,)``; 0 for a skill that starts at or above the threshold.
    """
    p = _check_p(p)
    _check_rates(eta, N0)
    check_level(threshold)
    l0 = _l0(l0, p.shape[0])
    l_star = jnp.log(threshold) - jnp.log1p(-threshold)
    tau_i = jnp.maximum((l_star + jnp.exp(l_star) - l0 - jnp.exp(l0)) / p, 0.0)
    sums = _sum_over_skills(tau_i, jnp.stack([p, l0]), _ce_term)
    return (sums + N0 * tau_i) / eta


def domino_learning_times(n: int, t0, threshold=0.9):
    r"""Domino-model learning times $t_i = (i - 1 + s^*)\,t_0$, $i = 1..n$, shape ``(n,)`` (arXiv:2501.12391 Fig. 9)."""
    n = check_int(n, "n (number of skills)")
    check_level(threshold)
    check_scalar(t0, "t0 (time per skill)", low=0.0, strict=True)
    return (jnp.arange(n, dtype=jnp.float64) + threshold) * t0


def collapse(l, p, l0=1.0):
    r"""Curve collapse of the gate-free MSE model with $C = I$: $(l_i/l^0_i)^{1/p_i} = e^{-\tau}$ for every skill.

    **Arguments:** `l` deficits of shape ``(..., n)`` (e.g. a trajectory's state transposed to ``(T, n)``);
    `p` shape ``(n,)``; `l0` scalar or ``(n,)``. **Returns:** shape ``(..., n)``: equal across the last axis on
    the exact solution (the spread across skills measures how far a solver or the discrete map is from it).
    """
    p = _check_p(p)
    return (jnp.asarray(l, dtype=jnp.float64) / _l0(l0, p.shape[0])) ** (1.0 / p)


# ------------------------------------------------------------------------------------------ modular loss
def modular_ce_loss(p, N) -> jax.Array:
    r"""Exact final CE loss of the modular (one-hot) Geometry model: $L(N) = \log 2 \sum_{i > N} p_i$.

    Tasks beyond the dimension $N$ have no parameter of their own and are never learned (arXiv:2501.12391,
    Fig. 18); each contributes its frequency times the CE loss at zero logit, $\log 2$.

    **Arguments:** `p` skill frequencies, shape ``(n,)``, in the tasks' order; `N` dimension(s), integers
    ``>= 0`` (scalar or array). **Returns:** array with the shape of `N`.

    Examples:
        >>> from skillode import zipf
        >>> round(float(modular_ce_loss(zipf(1000, 1.0), 100)), 3)
        0.213
    """
    p = _check_p(p)
    N = jnp.asarray(N)
    if not jnp.issubdtype(N.dtype, jnp.integer) or (is_concrete(N) and bool(jnp.any(N < 0))):
        raise ValueError(f"N (dimension) must be integer(s) >= 0, got {N}")
    tail = jnp.concatenate([jnp.cumsum(p[::-1])[::-1], jnp.zeros(1)])  # tail[k] = sum_{i >= k} p_i (0-based)
    return math.log(2.0) * tail[jnp.minimum(N, p.shape[0])]


# ------------------------------------------------------------------------------------------ exponents
def loss_exponent(limit: str, alpha) -> float:
    r"""Exponent $\beta$ of the Resource-model loss curve $L(t) \propto t^{-\beta}$ for Zipf($\alpha$) skills.

    - ``limit="domino"`` ($N_0 \to 0$): $\beta = \alpha - 1$;
    - ``limit="parallel"`` ($N_0$ large, independent exponentials, quanta-like): $\beta = (\alpha - 1)/\alpha$.

    Derived in ``derivations/loss_exponents.py`` (continuum sum over skills, $n \to \infty$, $\alpha > 1$).

    Examples:
        >>> loss_exponent("parallel", 2.0)
        0.5
    """
    check_choice(limit, "limit", ("domino", "parallel"))
    alpha = check_scalar(alpha, "alpha (Zipf exponent)", low=1.0, strict=True)
    return alpha - 1.0 if limit == "domino" else (alpha - 1.0) / alpha

