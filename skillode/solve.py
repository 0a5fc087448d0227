"""Solver backends for `skillode.ResourceModel`: ``"exact"``, ``"diffrax"``, ``"scipy"``, ``"discrete"``.

Each backend maps ``(model, ts, **options) -> l`` with ``l`` of shape ``(n, T)``, the model's state at the
requested times. They are reached through `ResourceModel.states` / `.solve`; this module is where the numerics
live, so the model file stays a description of the equations.

- ``exact``: the tau-time closed form (see `skillode.resource`), inverted by monotone Newton iteration; gradients
  flow through one final Newton step (the implicit-function derivative), so it is differentiable.
- ``diffrax``: Kvaerno5, an implicit (L-stable) Runge–Kutta method, so the stiffness that appears as
  ``N0 -> 0`` (decay rates ``eta p_i / N0``) costs no tiny steps; PID step-size control.
- ``scipy``: ``solve_ivp`` (LSODA by default, or Radau/BDF) with a jitted JAX Jacobian; runs on the host.
- ``discrete``: the paper's map ``l <- max(l + dl/dt, 0)`` (Euler, ``dt = 1``, clipping for MSE) as a ``lax.scan``.

Every backend checks its result: a solver that fails raises with the reason instead of returning garbage.
"""

from __future__ import annotations

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate

__all__ = ["BACKENDS", "exact_supported", "closed_form_learning_times", "default_horizon"]

_NEWTON_MAX_ITER = 200
_LEXP_ITERS = 12


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


# ---------------------------------------------------------------------------------------------- exact
def exact_supported(model) -> str | None:
    """``None`` if ``method="exact"`` applies to ``model``, else the reason it does not."""
    if model.gates is not None:
        return "gated models are not linear in tau time; use method='diffrax', 'scipy' or 'discrete'"
    if model.loss == "ce":
        if model.C is not None:
            return "the CE closed form needs C = I (C=None); use method='diffrax' or 'scipy'"
        return None
    if model.C is not None and _concrete(model.C):
        C = np.asarray(model.C)
        if not np.allclose(C, C.T, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(C).max())):
            return "the exact solution needs a symmetric C; use method='diffrax' or 'scipy'"
        ev = np.linalg.eigvalsh(0.5 * (C + C.T))
        if ev.min() < -1e-10 * max(1.0, np.abs(ev).max()):
            return "the exact solution needs a positive semi-definite C (e.g. a Gram matrix T T^T)"
    return None


def _mse_modes(model):
    """Modal form of the gate-free MSE model: rates ``lam``, weights ``a``, coefficients ``b``, basis ``V``."""
    p, l0 = model.p, model.l0
    if model.C is None:
        return p, p * l0, l0, None
    s = jnp.sqrt(p)
    B = s[:, None] * model.C * s[None, :]
    lam, Q = jnp.linalg.eigh(0.5 * (B + B.T))
    # Numerical rank: eigenvalues at round-off level of a PSD matrix are exact zeros (null modes).
    tol = lam.shape[0] * jnp.finfo(lam.dtype).eps * jnp.max(jnp.abs(lam))
    lam = jnp.where(jnp.abs(lam) <= tol, 0.0, lam)
    b = Q.T @ (s * l0)
    a = (Q.T @ s) * b
    return lam, a, b, Q / s[:, None]


def _decay(lam, tau):
    """``exp(-lam tau)`` with ``exp(-0 * inf) = 1`` for null modes."""
    return jnp.where(lam == 0, 1.0, jnp.exp(-lam * tau))


def _phi(lam, tau):
    """``(1 - exp(-lam tau)) / lam``, equal to ``tau`` for ``lam = 0``."""
    safe = jnp.where(lam == 0, 1.0, lam)
    return jnp.where(lam == 0, tau, -jnp.expm1(-safe * tau) / safe)


def _newton_monotone(step, tau0, converged_tol=1e-14):
    """Iterate ``tau <- step(tau)`` (a monotone Newton map) until the update is at round-off level.

    In exact arithmetic every update of a Newton map approaching its root from the left is ``>= 0``; an update
    that is tiny or negative therefore means round-off level, and the iteration stops there.
    """

    def cond(carry):
        _, active, k = carry
        return jnp.any(active) & (k < _NEWTON_MAX_ITER)

    def body(carry):
        tau, active, k = carry
        new = step(tau)
        moved = new - tau > converged_tol * jnp.maximum(jnp.abs(tau), 1e-300)
        return jnp.where(active, new, tau), active & moved, k + 1

    tau, active, _ = jax.lax.while_loop(cond, body, (tau0, jnp.ones(tau0.shape, bool), 0))
    tau = eqx.error_if(
        tau, jnp.any(active), "exact solver: the tau(t) inversion did not converge in 200 Newton steps"
    )
    return tau


def _implicit(tau_star, ts, t_of, rate):
    """``tau_star`` (the root of ``t(tau) = ts``) with the implicit-function derivative attached.

    The value is exactly ``tau_star``; the derivative is that of one Newton step, ``-(dt/dtheta) / (dt/dtau)``.
    """
    g = (ts - t_of(tau_star)) / rate(tau_star)
    return tau_star + (g - jax.lax.stop_gradient(g))


def _exact_mse(model, ts):
    lam, a, b, V = _mse_modes(model)
    if model.C is not None and _concrete(a) and np.any(np.asarray(a) < -1e-12 * np.abs(np.asarray(a)).max()):
        raise ValueError("method='exact' needs non-negative modal weights a_k (true for l0 = 1); use 'diffrax'")
    eta, N0 = model.eta, model.N0
    pos = lam > 0
    M = N0 + jnp.sum(jnp.where(pos, 0.0, a))  # slope of eta*t(tau) at large tau
    finite = M <= 0  # then t(tau) -> t_inf < inf: all learnable deficit is gone by t_inf
    K = jnp.sum(jnp.where(pos, a / jnp.where(pos, lam, 1.0), 0.0))
    t_inf = K / eta

    def t_of(tau):
        return (jnp.sum(a * _phi(lam, tau[:, None]), axis=-1) + N0 * tau) / eta

    def rate(tau):  # dt/dtau
        return (jnp.sum(a * _decay(lam, tau[:, None]), axis=-1) + N0) / eta

    def h_of(tau):  # t_inf - t(tau), without cancellation
        w = jnp.where(pos, a / jnp.where(pos, lam, 1.0), 0.0)
        return jnp.sum(w * _decay(lam, tau[:, None]) * pos, axis=-1) / eta

    reach = finite & (ts >= t_inf)
    # Unused branches get harmless values, so that no NaN leaks into gradients through jnp.where.
    target_h = jnp.where(finite & ~reach, t_inf - ts, 1.0)

    def step(tau):
        tp = rate(tau)
        infinite_step = (ts - t_of(tau)) / tp
        h = jnp.where(finite, h_of(tau), 1.0)
        finite_step = (jnp.log(h) - jnp.log(target_h)) * h / tp
        delta = jnp.where(finite, finite_step, infinite_step)
        return jnp.where(reach, tau, tau + delta)

    # Lower bounds of the root: t(tau) <= tau t'(0) and t(tau) <= (K + M tau) / eta.
    lb = eta * ts / (jnp.sum(a) + N0)
    lb = jnp.maximum(lb, jnp.where(M > 0, (eta * ts - K) / jnp.where(M > 0, M, 1.0), 0.0))
    lb = jnp.where(reach, 0.0, jnp.maximum(lb, 0.0))
    tau_star = jax.lax.stop_gradient(_newton_monotone(step, jax.lax.stop_gradient(lb)))
    tau = _implicit(tau_star, ts, t_of, rate)
    # Past t_inf (N0 = 0) only null modes remain: the limit tau -> inf, taken explicitly.
    modes = jnp.where(reach[:, None], jnp.where(lam == 0, 1.0, 0.0) * b, _decay(lam, tau[:, None]) * b)  # (T, n)
    l = modes.T if V is None else V @ modes.T
    return l


def _solve_lexp(y):
    """Solve ``l + e^l = y`` (``y >= 1``) by Newton from the right; the real branch of ``y - W(e^y)``."""
    y = jax.lax.stop_gradient(y)
    l = jnp.log(y)
    for _ in range(_LEXP_ITERS):
        l = l - (l + jnp.exp(l) - y) / (1.0 + jnp.exp(l))
    return l


def _lexp(y):
    l_star = _solve_lexp(y)
    return l_star - (l_star + jnp.exp(l_star) - y) / (1.0 + jnp.exp(l_star))  # live step for gradients


def _exact_ce(model, ts):
    p, l0, eta, N0 = model.p, model.l0, model.eta, model.N0
    c0 = l0 + jnp.exp(l0)

    def logits(tau):  # (T, n)
        return _lexp(p * tau[:, None] + c0)

    def step(tau):
        l = logits(tau)
        t_tau = (jnp.sum(l - l0, axis=-1) + N0 * tau) / eta
        tp = (jnp.sum(p * jax.nn.sigmoid(-l), axis=-1) + N0) / eta
        return tau + (ts - t_tau) / tp

    lb = eta * ts / (jnp.sum(p * jax.nn.sigmoid(-l0)) + N0)
    tau_star = jax.lax.stop_gradient(_newton_monotone(step, jax.lax.stop_gradient(lb)))

    def t_of(tau):
        return (jnp.sum(logits(tau) - l0, axis=-1) + N0 * tau) / eta

    def rate(tau):
        return (jnp.sum(p * jax.nn.sigmoid(-logits(tau)), axis=-1) + N0) / eta

    return logits(_implicit(tau_star, ts, t_of, rate)).T


def _exact(model, ts):
    reason = exact_supported(model)
    if reason is not None:
        raise ValueError(f"method='exact' does not apply: {reason}")
    return _exact_mse(model, ts) if model.loss == "mse" else _exact_ce(model, ts)


# ---------------------------------------------------------------------------------------------- diffrax
def _diffrax(model, ts, *, rtol=1e-10, atol=1e-12, max_steps=100_000, solver=None):
    # With N0 -> 0 the field has a finite-time singularity where every skill is learned (sum_j c_j + N0 -> 0):
    # stop there (an event) and hold the final state, which is the exact solution's value (deficits ~ 1e-12).
    scale = jnp.sum(model.competitiveness(model.l0)) + model.N0
    exhausted = diffrax.Event(
        lambda t, y, args, **kw: jnp.sum(model.competitiveness(y)) + model.N0 <= 1e-12 * scale
    )
    t1 = jnp.maximum(ts[-1], 1e-12)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(model.vector_field),
        diffrax.Kvaerno5() if solver is None else solver,
        t0=0.0,
        t1=t1,
        dt0=None,
        y0=model.l0,
        saveat=diffrax.SaveAt(ts=ts, t1=True),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
        max_steps=max_steps,
        event=exhausted,
        throw=True,
    )
    # Saved rows: the ts reached before the end, then the final state, then inf for ts after an event.
    n_saved = jnp.sum(jnp.isfinite(sol.ts)) - 1
    y_end = sol.ys[n_saved]
    ys = jnp.where((jnp.arange(ts.shape[0]) < n_saved)[:, None], sol.ys[:-1], y_end)
    ys = eqx.error_if(ys, ~jnp.all(jnp.isfinite(ys)), "diffrax solve produced non-finite values")
    return ys.T


# ---------------------------------------------------------------------------------------------- scipy
def _scipy(model, ts, *, rtol=1e-10, atol=1e-12, scipy_method="LSODA"):
    ts_np = np.asarray(ts, dtype=np.float64)
    f = jax.jit(lambda t, l: model.vector_field(t, l))
    jac = jax.jit(jax.jacfwd(lambda l: model.vector_field(0.0, l)))
    t1 = max(float(ts_np[-1]), 1e-12)
    sol = scipy.integrate.solve_ivp(
        lambda t, y: np.asarray(f(t, y)),
        (0.0, t1),
        np.asarray(model.l0),
        method=scipy_method,
        t_eval=ts_np,
        rtol=rtol,
        atol=atol,
        jac=lambda t, y: np.asarray(jac(y)),
    )
    if not sol.success:
        raise RuntimeError(f"scipy solve_ivp ({scipy_method}) failed: {sol.message}")
    if sol.y.shape[1] != ts_np.size or not np.all(np.isfinite(sol.y)):
        raise RuntimeError(f"scipy solve_ivp ({scipy_method}) returned incomplete or non-finite output")
    return jnp.asarray(sol.y)


# ---------------------------------------------------------------------------------------------- discrete
def _discrete(model, ts, *, clip=None):
    if clip is None:
        clip = model.loss == "mse"
    if clip and model.loss == "ce":
        raise ValueError("clip=True applies to the MSE deficit only; the CE map (logits) is never clipped")
    if not _concrete(ts):
        raise ValueError("method='discrete' needs concrete integer steps ts (not traced values)")
    ts_np = np.asarray(ts)
    if not np.all(ts_np == np.round(ts_np)):
        raise ValueError("method='discrete' needs integer steps ts (the paper's map has dt = 1)")
    n_steps = int(ts_np[-1])

    def body(l, _):
        new = l + model.vector_field(0.0, l)
        new = jnp.maximum(new, 0.0) if clip else new
        return new, new

    _, path = jax.lax.scan(body, model.l0, None, length=n_steps)
    path = jnp.concatenate([model.l0[None, :], path], axis=0)
    return path[ts_np.astype(np.int64)].T


BACKENDS = {"exact": _exact, "diffrax": _diffrax, "scipy": _scipy, "discrete": _discrete}


# ---------------------------------------------------------------------------------------------- timings
def closed_form_learning_times(model, threshold):
    """Closed-form learning times, shape ``(n,)``, for gate-free models with ``C = I`` (see `ResourceModel`)."""
    if model.gates is not None or model.C is not None:
        raise ValueError("closed-form learning times need C = I and no gates")
    p, l0, eta, N0 = model.p, model.l0, model.eta, model.N0
    if model.loss == "mse":
        eps = 1.0 - threshold
        done = l0 <= eps
        tau_i = jnp.log(jnp.where(done, 1.0, l0 / eps)) / p  # (n,)
        t_i = (jnp.sum(l0 * -jnp.expm1(-p * tau_i[:, None]), axis=-1) + N0 * tau_i) / eta
    else:
        l_star = jnp.log(threshold) - jnp.log1p(-threshold)
        done = l0 >= l_star
        tau_i = jnp.where(done, 0.0, (l_star + jnp.exp(l_star) - l0 - jnp.exp(l0)) / p)
        l_all = _lexp(p * tau_i[:, None] + (l0 + jnp.exp(l0)))  # (n_i, n_j)
        t_i = (jnp.sum(l_all - l0, axis=-1) + N0 * tau_i) / eta
    return jnp.where(done, 0.0, t_i)


def default_horizon(model, threshold) -> float:
    """A time by which every learnable skill of a comparable ungated, ``C = I`` model is learned, times a margin."""
    plain = type(model)(p=model.p, eta=model.eta, N0=model.N0, loss=model.loss, l0=model.l0, normalized=False)
    base = float(np.max(np.asarray(closed_form_learning_times(plain, max(threshold, 0.99)))))
    factor = 2.0 if model.gates is None else 2.0 * model.n
    return factor * base + 10.0 / float(model.eta)
