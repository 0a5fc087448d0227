"""The exact solver of the gate-free Resource model: the tau-time closed form, inverted at the requested times.

The closed form itself (`skillode.closed_form`) gives ``l`` and ``t`` as functions of the internal time ``tau``;
what is numerical is ``tau(t)``: ``t(tau)`` is increasing and concave, and is inverted to round-off per time:

1. a table of ``t(tau)`` at ``_TABLE_SIZE`` log-spaced ``tau`` gives each time a start (cubic Hermite in
   ``log tau`` against ``log t``, relative error ~1e-7), `_table_guess`;
2. one Halley step, then Newton steps until the update is round-off sized (`_invert`; raises if it is not);
3. the state from one ``exp(-lam tau)`` per (mode, time);
4. the implicit-function derivative (`_implicit`), so ``grad`` w.r.t. ``eta``, ``N0``, ``p``, ``C`` works.

Reached through `skillode.Exact`; `exact_supported` says when it applies.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._validate import is_concrete
from .closed_form import decay, log_lambertw_exp, mse_modes, phi, psd_problem

__all__ = ["exact_supported", "exact_states"]

_NEWTON_MAX_ITER = 200
_NEWTON_TOL = 1e-15  # relative error of tau left after the last Newton step
_STEP_TOL = 1e-8  # largest relative last step (first-order corrections of exp(-lam tau) stay at round-off)
_TABLE_SIZE = 128  # nodes of the t(tau) table that gives the inversion its starting points


def exact_supported(model) -> str | None:
    """``None`` if the exact solver applies to ``model``, else the reason it does not (and what to use instead)."""
    if model.gates is not None:
        return "gated models are not linear in tau time; use skillode.Diffrax(), Scipy() or DiscreteMap()"
    if model.loss_kind == "ce":
        if model.C is not None:
            return "the CE closed form needs C = I (C=None); use skillode.Diffrax() or Scipy()"
        return None
    if model.C is not None and is_concrete(model.C):
        problem = psd_problem(model.C)
        if problem is not None:
            return f"{problem}; use skillode.Diffrax() or Scipy() otherwise"
        if is_concrete(model.p) and is_concrete(model.l0):
            _, a, _, _ = mse_modes(model.p, model.l0, model.C)
            a = np.asarray(a)
            if np.any(a < -1e-12 * np.abs(a).max()):
                return "the exact solution needs non-negative modal weights a_k (true for l0 = 1); use Diffrax()"
    return None


def exact_states(model, ts):
    """The state ``l(t)``, shape ``(n, T)``, of a model `exact_supported` accepts (raises ``ValueError`` otherwise)."""
    reason = exact_supported(model)
    if reason is not None:
        raise ValueError(f"skillode.Exact() does not apply to this model: {reason}")
    return _exact_kernel(model, jnp.asarray(ts, dtype=jnp.float64))


@eqx.filter_jit
def _exact_kernel(model, ts):
    return _exact_mse(model, ts) if model.loss_kind == "mse" else _exact_ce(model, ts)


def _table_guess(u_of_tau, u, lb, lo, hi):
    """Starting points for the inversion: ``log tau`` as a function of ``u``, cubic Hermite on a log-spaced table.

    ``u_of_tau(tau) -> (u, d log(tau) / du)`` maps taus to an increasing, smooth coordinate (``log t``, or
    ``log t - log(t_inf - t)``) and gives the slope from the same ``exp`` calls; ``u`` are the targets' coordinates.
    ``[lo, hi]`` brackets the roots, ``lb`` are lower bounds of them, used where the table gives nothing finite.
    Costs ``_TABLE_SIZE`` evaluations of ``t(tau)`` per model, not per time; relative error ~1e-7 and below.
    """
    lo = jnp.where(jnp.isfinite(lo) & (lo > 0), lo, 1.0)
    hi = jnp.where(jnp.isfinite(hi) & (hi > 2.0 * lo), hi, 2.0 * lo)
    x = jnp.linspace(jnp.log(lo), jnp.log(hi), _TABLE_SIZE)  # log tau at the nodes
    un, slope = u_of_tau(jnp.exp(x))
    un = jnp.where(jnp.isnan(un), jnp.inf, un)  # round-off may leave it non-monotone: only a worse start
    k = jnp.clip(jnp.searchsorted(un, u) - 1, 0, _TABLE_SIZE - 2)
    u0, u1 = un[k], un[k + 1]
    width = u1 - u0
    s = jnp.clip((u - u0) / jnp.where(width > 0, width, 1.0), 0.0, 1.0)
    m0, m1 = slope[k] * width, slope[k + 1] * width
    h00, h10, h01, h11 = (1 + 2 * s) * (1 - s) ** 2, s * (1 - s) ** 2, s**2 * (3 - 2 * s), s**2 * (s - 1)
    guess = jnp.exp(h00 * x[k] + h10 * m0 + h01 * x[k + 1] + h11 * m1)
    return jnp.where(jnp.isfinite(guess), jnp.maximum(guess, lb), lb)


def _invert(evaluate, tau0, frozen):
    """Solve ``F(tau) = y`` per row for a concave increasing ``F``, starting from ``tau0`` on either side of the root.

    ``evaluate(tau) -> (F - y, F', F'', aux)``; ``aux`` (arrays with a trailing row axis, e.g. the CE logits, or
    ``()``) is handed back from the last evaluation so the caller needs no further work there. Rows in ``frozen``
    are not iterated.

    The first step is Halley's (cubic convergence, safeguarded to at most twice Newton's step): from a table guess
    it lands at round-off level, and the second evaluation only confirms it.
    Later steps are Newton's, clamped to ``tau >= 0`` (where ``F <= y``): for concave ``F`` a Newton step lands left
    of the root from either side and Newton from the left is monotone, so from the third evaluation on an update
    that is tiny or negative means round-off level and the row stops; before that a row stops only on a tiny update.
    Returns ``(tau, delta, aux)``: the last iterate (where ``aux`` was evaluated) and its round-off sized update.
    Raises (`eqx.error_if`) if some row has not converged in ``_NEWTON_MAX_ITER`` steps.
    """

    def newton_update(tau, g, d1, d2, k):
        step = -g / d1
        bad = ~jnp.isfinite(step) & ~frozen  # e.g. exp underflow far right of the root: restart from tau = 0
        delta = jnp.where(frozen, 0.0, jnp.where(bad, -tau, jnp.maximum(tau + step, 0.0) - tau))
        scale = jnp.maximum(jnp.abs(tau), 1e-300)
        # Done when the final Newton step (delta, applied by the caller) lands at round-off: its error
        # |F''| delta^2 / (2 F') is below _NEWTON_TOL * tau, and delta itself is small enough (_STEP_TOL * tau)
        # for a first-order correction at the last iterate (the CE logits).
        done = (jnp.abs(delta) <= _STEP_TOL * scale) & (jnp.abs(d2) * delta**2 <= 2.0 * _NEWTON_TOL * d1 * scale)
        return delta, bad | (~done & ((k < 2) | (delta > 0)))

    # Evaluation 0 and the Halley step.
    g, d1, d2, aux = evaluate(tau0)
    denom = 1.0 - 0.5 * g * d2 / d1**2
    halley = denom >= 0.5
    step = -g / d1 / jnp.where(halley, denom, 1.0)
    tau1 = jnp.where(frozen, tau0, jnp.where(jnp.isfinite(step), jnp.maximum(tau0 + step, 0.0), 0.0))
    g, d1, d2, aux = evaluate(tau1)
    delta, active = newton_update(tau1, g, d1, d2, 1)
    active = active & ~frozen

    def cond(carry):
        *_, active, k = carry
        return jnp.any(active) & (k < _NEWTON_MAX_ITER)

    def body(carry):
        tau, delta, aux, active, k = carry
        new_tau = tau + delta
        g, d1, d2, new_aux = evaluate(new_tau)
        new_delta, still = newton_update(new_tau, g, d1, d2, k + 1)
        tau, delta, aux = jax.tree.map(
            lambda x, y: jnp.where(active, x, y), (new_tau, new_delta, new_aux), (tau, delta, aux)
        )
        return tau, delta, aux, active & still, k + 1

    tau, delta, aux, active, _ = jax.lax.while_loop(cond, body, (tau1, delta, aux, active, 1))
    tau = eqx.error_if(
        tau, jnp.any(active), f"exact solver: the tau(t) inversion did not converge in {_NEWTON_MAX_ITER} steps"
    )
    return tau, delta, aux


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _implicit(t_of, rate, tau_star, params, ts):
    """``tau_star`` (the root of ``t_of(params, tau) = ts``) with the implicit-function derivative attached.

    The value is exactly ``tau_star`` (computed without gradients); the derivative is
    ``-(dt/dtheta) / (dt/dtau)``. As a `jax.custom_jvp` it costs nothing unless differentiated.
    """
    return tau_star


@_implicit.defjvp
def _implicit_jvp(t_of, rate, primals, tangents):
    tau_star, params, ts = primals
    _, params_dot, ts_dot = tangents
    _, t_dot = jax.jvp(lambda q, s: t_of(q, tau_star) - s, (params, ts), (params_dot, ts_dot))
    return tau_star, -t_dot / rate(params, tau_star)


def _mse_t(params, tau):
    lam, a, N0, eta = params
    return (jnp.sum(a[:, None] * phi(lam[:, None], tau), axis=0) + N0 * tau) / eta


def _mse_rate(params, tau):
    lam, a, N0, eta = params
    return (jnp.sum(a[:, None] * decay(lam[:, None], tau), axis=0) + N0) / eta


def _exact_mse(model, ts):
    """The MSE closed form at times ``ts``: ``l(t) = V e^{-Lambda tau(t)} b``, with ``tau(t)`` by inverting ``t(tau)``.

    Method (vectorised over all times; ``ts`` need not be uniform or sorted):

    1. a table of ``t(tau)`` at ``_TABLE_SIZE`` log-spaced ``tau`` between bounds of the roots gives each time a
       starting point: ``log tau`` against ``log t``, cubic Hermite (slopes from the same ``exp``), error ~1e-6;
    2. `_invert`: one Halley step from there; the residual at the new point gives a Newton update that must be
       round-off sized, else Newton iterates until it is (or raises). Each evaluation is a reduction over modes
       (``exp`` and ``expm1`` fused into it), so nothing of shape (mode, time) is stored while iterating;
    3. the state: one ``exp(-lam tau)`` per (mode, time), nothing sequential over times;
    4. `_implicit` attaches the implicit-function derivative (eta, N0, p, C).

    With ``N0 = 0`` and no null mode carrying weight, ``t(tau) -> t_inf`` as ``tau -> inf``: for ``t >= t_inf`` the
    state is the limit (only null modes remain); below it the inversion works on ``-log(t_inf - t(tau))``, which is
    concave in ``tau`` too and resolves times arbitrarily close to ``t_inf``.
    """
    lam, a, b, V = mse_modes(model.p, model.l0, model.C)
    eta, N0 = model.eta, model.N0
    pos = lam > 0
    lam_pos = jnp.where(pos, lam, 1.0)
    w = jnp.where(pos, a / lam_pos, 0.0)  # t_inf - t(tau) = sum_k w_k exp(-lam_k tau) / eta
    M = N0 + jnp.sum(jnp.where(pos, 0.0, a))  # slope of eta*t(tau) at large tau
    finite = M <= 0  # then t(tau) -> t_inf < inf: all learnable deficit is gone by t_inf
    t_inf = jnp.sum(w) / eta
    reach = finite & (ts >= t_inf)
    # The root-finding sees no live values (the derivative comes from `_implicit`); unused rows get harmless values.
    target_h = jax.lax.stop_gradient(jnp.where(finite & ~reach, t_inf - ts, 1.0))

    sg = jax.lax.stop_gradient
    lam_s, a_s, w_s, N0_s, eta_s, t_inf_s, ts_s, M_s = map(sg, (lam, a, w, N0, eta, t_inf, ts, M))
    # Layout (mode, time): the long time axis is the vectorised one.
    lam_c = lam_s[:, None]

    A_null = jnp.sum(jnp.where(pos, 0.0, a_s))
    weights = jnp.stack([w_s, a_s, lam_s * a_s])  # (3, n): sums of weights * exp(-lam tau)
    # t_inf - t from exp (relative accuracy near t_inf); t itself from expm1 (no cancellation at small tau).

    def evaluate(tau):  # F = t (infinite horizon) or -log(t_inf - t) (finite), both concave increasing
        x = -lam_c * tau
        H, S1, S2 = jnp.sum(weights[:, :, None] * jnp.exp(x)[None], axis=1) / eta_s  # t_inf - t, sum aE, sum lam aE
        t = t_from_expm1(tau, jnp.expm1(x))
        g = jnp.where(finite, jnp.log(target_h) - jnp.log(H), t - ts_s)
        d1 = jnp.where(finite, (S1 - A_null / eta_s) / H, S1 + N0_s / eta_s)
        d2 = jnp.where(finite, d1**2 - S2 / H, -S2)
        return g, d1, d2, ()

    def t_from_expm1(tau, em1):
        return (M_s * tau - jnp.sum(w_s[:, None] * em1, axis=0)) / eta_s

    def u_of_tau(tau):  # u = log t (- log(t_inf - t)) and d log(tau) / du
        E = jnp.exp(-lam_c * tau)
        H, r = jnp.sum(w_s[:, None] * E, axis=0) / eta_s, (jnp.sum(a_s[:, None] * E, axis=0) + N0_s) / eta_s
        t = jnp.where(finite, t_inf_s - H, t_from_expm1(tau, jnp.expm1(-lam_c * tau)))
        du = r / t + jnp.where(finite, r / H, 0.0)
        return jnp.log(t) - jnp.where(finite, jnp.log(H), 0.0), 1.0 / (tau * du)

    # Bounds of the roots: t(tau) <= tau t'(0) and t(tau) <= (K + M tau) / eta from above; t(tau) >= M tau / eta
    # and t_inf - t(tau) <= t_inf exp(-lam_min tau) (lam_min: slowest mode with weight) from below.
    lb = eta_s * ts_s / (jnp.sum(a_s) + N0_s)
    lb = jnp.maximum(lb, jnp.where(M > 0, (eta_s * ts_s - eta_s * t_inf_s) / jnp.where(M > 0, M, 1.0), 0.0))
    lb = jnp.where(reach, 0.0, jnp.maximum(sg(lb), 0.0))
    t_lo = jnp.min(jnp.where(ts_s > 0, ts_s, jnp.inf))
    t_hi = jnp.max(jnp.where(reach, 0.0, ts_s))
    lam_min = jnp.min(jnp.where(pos & (w_s > 0), lam_s, jnp.inf))
    hi_linear = jnp.where(M > 0, eta_s * t_hi / jnp.where(M > 0, M, 1.0), jnp.inf)
    below = t_hi < t_inf_s
    hi_decay = jnp.where(below, jnp.log(t_inf_s / jnp.where(below, t_inf_s - t_hi, 1.0)) / lam_min, jnp.inf)
    u = jnp.log(ts_s) - jnp.where(finite, jnp.log(target_h), 0.0)
    guess = _table_guess(u_of_tau, u, lb, sg(eta * t_lo / (jnp.sum(a) + N0)), sg(jnp.minimum(hi_linear, hi_decay)))
    tau0 = jnp.where((ts_s > 0) & ~reach, guess, 0.0)
    tau_k, delta, _ = _invert(evaluate, sg(tau0), reach)

    tau = _implicit(_mse_t, _mse_rate, tau_k + delta, (lam, a, N0, eta), ts)
    # One exp per (mode, time), written straight into the output (live in tau: carries the derivative).
    e = decay(lam[:, None], jnp.where(reach, 0.0, tau)[None, :])
    # Past t_inf (N0 = 0) only null modes remain: the limit tau -> inf, taken explicitly.
    modes = jnp.where(reach, jnp.where(lam == 0, 1.0, 0.0)[:, None] * b[:, None], e * b[:, None])  # (n, T)
    return modes if V is None else V @ modes


def _ce_t(params, tau):
    p, c0, l0, N0, eta = params
    return (jnp.sum(log_lambertw_exp(p[:, None] * tau + c0[:, None]) - l0[:, None], axis=0) + N0 * tau) / eta


def _ce_rate(params, tau):
    p, c0, l0, N0, eta = params
    return (jnp.sum(p[:, None] * jax.nn.sigmoid(-log_lambertw_exp(p[:, None] * tau + c0[:, None])), axis=0) + N0) / eta


def _exact_ce(model, ts):
    """The CE closed form: ``l_i + e^{l_i} = p_i tau + l0_i + e^{l0_i}``, ``tau(t)`` inverted as in `_exact_mse`.

    ``t(tau) = (1/eta)[sum_j (l_j(tau) - l0_j) + N0 tau]`` is concave increasing (unbounded also for ``N0 = 0``):
    table guess, `_invert`, and the logits of the last evaluation corrected to first order.
    """
    p, l0, eta, N0 = model.p, model.l0, model.eta, model.N0
    c0 = l0 + jnp.exp(l0)
    sg = jax.lax.stop_gradient
    p_s, l0_s, c0_s, eta_s, N0_s, ts_s = map(sg, (p, l0, c0, eta, N0, ts))
    p_c, l0_c, c0_c = p_s[:, None], l0_s[:, None], c0_s[:, None]  # layout (skill, time)

    def t_of(tau):
        l = log_lambertw_exp(p_c * tau + c0_c)  # inputs are stop_gradient'ed: no live values
        return (jnp.sum(l - l0_c, axis=0) + N0_s * tau) / eta_s, l

    def evaluate(tau):
        t, l = t_of(tau)
        q = jax.nn.sigmoid(-l)  # dl/dtau = p q
        d1 = (jnp.sum(p_c * q, axis=0) + N0_s) / eta_s
        d2 = -jnp.sum(p_c**2 * q**2 * (1.0 - q), axis=0) / eta_s
        return t - ts_s, d1, d2, l

    lb = eta_s * ts_s / (jnp.sum(p_s * jax.nn.sigmoid(-l0_s)) + N0_s)
    t_lo = jnp.min(jnp.where(ts_s > 0, ts_s, jnp.inf))
    t_hi = jnp.max(ts_s)
    # Upper bounds of tau(t_hi): t >= N0 tau / eta, and t >= (l_j - l0_j) / eta for each j, l_j increasing in tau.
    big_l = l0_s + eta_s * t_hi
    hi = jnp.min((big_l + jnp.exp(big_l) - c0_s) / p_s)
    hi = jnp.minimum(hi, jnp.where(N0_s > 0, eta_s * t_hi / jnp.where(N0_s > 0, N0_s, 1.0), jnp.inf))
    lo = eta_s * t_lo / (jnp.sum(p_s * jax.nn.sigmoid(-l0_s)) + N0_s)

    def u_of_tau(tau):  # u = log t and d log(tau) / du
        t, l = t_of(tau)
        r = (jnp.sum(p_c * jax.nn.sigmoid(-l), axis=0) + N0_s) / eta_s
        return jnp.log(t), t / (tau * r)

    guess = _table_guess(u_of_tau, jnp.log(ts_s), lb, lo, hi)
    tau0 = jnp.where(ts_s > 0, guess, 0.0)
    tau_k, delta, l = _invert(evaluate, tau0, jnp.zeros(ts.shape, bool))

    tau = _implicit(_ce_t, _ce_rate, tau_k + delta, (p, c0, l0, N0, eta), ts)
    # l(y), y = p tau + c0, to first order around the last evaluation: dl/dy = 1 / (1 + e^l); the live difference
    # carries the derivative.
    y = p[:, None] * tau + c0[:, None]
    return l + jax.nn.sigmoid(-l) * (y - (p_c * tau_k + c0_c))
