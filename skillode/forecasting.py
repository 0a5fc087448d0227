r"""Forecast when the skills not yet learned will be learned, from the part of a run seen so far.

The Resource model's learning times are closed forms of two constants, $t_i(q) = T_i(q; N_0)/\eta$, for any skill
level $q$ (`skillode.closed_form`). `forecast` fits $\eta$ and $N_0$ to what a run has shown by step $T$ and
predicts the rest, with an interval:

**Data.** For every run $r$, skill $i$ and level $q_k$ of a ladder (default: the threshold $s^*$ alone), the first
crossing $\hat t_{rik}$ of $q_k$ by the skill level, where it happened by $T$. A skill that has not reached $q_k$
by $T$ is *censored*: all we know is $\hat t_{rik} > T$. Lower rungs (``levels=``) bring in the partial progress of
the skills not yet learned (a skill halfway to $s^*$ has crossed the rung halfway); they help only where the
model's curve shape matches the data's. On the development runs of ``examples/forecast_emergence.py`` (Geometry
model, seeds kept apart from the scorecard's; quantization-model networks) the rung halfway to $s^*$ made the
forecasts worse (the model's early-curve shape is its weakest part: first skills reach low levels up to 2.4 times
later than the model says, against 1.85 times at $s^*$), so the default is $s^*$ alone and the partial progress
of a skill not yet learned enters as "not learned by $T$", which every forecast is conditioned on.

**Model.** Crossing times scatter log-normally about the model's:
$\ln \hat t_{rik} = \ln T_i(q_k; N_0) - \ln\eta + \varepsilon_{rik}$, $\varepsilon \sim N(0, \sigma^2)$, so the
log-likelihood is

$$
\sum_{\text{crossed}} \Big[\ln\varphi\Big(\frac{\ln\hat t - m}{\sigma}\Big) - \ln\sigma\Big]
+ \sum_{\text{censored}} \ln\Big[1 - \Phi\Big(\frac{\ln T - m}{\sigma}\Big)\Big],
\qquad m = \ln T_i(q_k; N_0) - \ln\eta ,
$$

maximised over $(\ln\eta, \ln N_0, \ln\sigma)$ (a scan over $\ln N_0$, then L-BFGS-B with JAX gradients). Every
run shares the constants; run-to-run scatter is part of $\sigma$.

**Intervals.** A forecast time is a draw of the constants from the likelihood's Laplace (normal) approximation at
its maximum (the parameter uncertainty; in the coordinates $(\ln t_{\rm ref}, \ln N_0, \ln\sigma)$, with
$t_{\rm ref}$ the model's geometric-mean time over the crossed points, where the likelihood is closest to normal:
when only $N_0/\eta$ is identified, $\ln\eta$ and $\ln N_0$ lie on a curved ridge),
plus the scatter $\varepsilon \sim N(0, \sigma^2)$ *conditioned on the
skill not being learned by* $T$ (it is not), so every forecast lies after $T$. The reported time is the median of
the draws; the interval their central ``interval`` quantiles. Why not the bootstrap over runs: it needs several
runs, and a user watching one run has one. Where $N_0$ runs to its lower bound ($N_0 \to 0$: the data cannot tell
it from 0) it is held there and the interval carries the uncertainty of $\eta$ and $\sigma$ only
(``attrs["N0_at_bound"]``); where the scatter is below what the data resolve ($\sigma$ at its floor $10^{-4}$,
e.g. data made by the model itself) it is held at the floor.

**What it cannot know.** The model's $p_i$ are the skills' frequencies *now*; a skill whose frequency changes
later, or a network that runs out of capacity before it learns the rare skills, breaks the forecast. The scatter
$\sigma$ is estimated from the skills seen so far (the frequent ones); if rare skills deviate from the model more,
the intervals are too narrow.
"""

from __future__ import annotations

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from scipy import optimize as _optimize
from scipy import special as _special

from ._validate import check_int, check_level, check_scalar
from .resource import ResourceModel
from .timing import Threshold, as_threshold, first_crossing, with_learned
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = ["forecast"]

_N0_RANGE = (1e-8, 1e4)


def _template_of(ds: xr.Dataset, template) -> ResourceModel:
    if template is not None:
        if not isinstance(template, ResourceModel):
            raise ValueError(f"template must be a skillode.ResourceModel, got {type(template).__name__}")
        if template.n != ds.sizes[SKILL]:
            raise ValueError(f"the trajectory has {ds.sizes[SKILL]} skills but the template has {template.n}")
        return template
    if "p" not in ds.coords:
        raise ValueError("forecast needs the skills' frequencies: give the trajectory a 'p' coordinate "
                         "(skillode.from_curves(..., p=...)) or pass a template ResourceModel(p=...)")
    loss_kind = str(ds.attrs.get("loss_kind", "none"))
    if loss_kind not in ("mse", "ce"):
        raise ValueError("forecast needs the loss the run was trained with: the trajectory records none "
                         "(skillode.from_curves(..., loss_kind='ce' or 'mse')); or pass a template ResourceModel")
    return ResourceModel(p=np.asarray(ds["p"].values, np.float64), eta=1.0, N0=0.0, loss_kind=loss_kind)


def _start_level(template: ResourceModel) -> float:
    """The model's skill level at t = 0 (the largest over skills)."""
    return float(np.max(np.asarray(template.skill_level_of(template.l0))))


@eqx.filter_jit
def _log_unit_times(template, log_N0, levels):
    """``ln T_i(q_k; N0)`` at eta = 1, shape ``(K, n)``."""
    model = eqx.tree_at(lambda m: (m.eta, m.N0), template, (jnp.float64(1.0), jnp.exp(log_N0)))
    return jnp.log(jax.vmap(lambda q: model.closed_form_learning_times(Threshold(q)))(levels))


def _nll(theta, template, levels, log_t, crossed, log_T, weight):
    """Negative log-likelihood of the censored log-normal model; arrays ``(R, K, n)``."""
    log_eta, log_N0, log_sigma = theta
    m = _log_unit_times(template, log_N0, levels)[None] - log_eta
    sigma = jnp.exp(log_sigma)
    z_obs = (log_t - m) / sigma
    z_cen = (log_T[:, None, None] - m) / sigma
    ll = jnp.where(crossed, -0.5 * z_obs**2 - log_sigma, jax.scipy.special.log_ndtr(-z_cen))
    return -jnp.sum(weight * ll)


def _log_eta_of(phi, template, levels, crossed):
    """``ln eta`` from ``phi = (ln t_ref, ln N0, ...)``: ``t_ref`` is the model's geometric-mean time over the crossed
    points, the combination the data pin down best (along ``N0 -> inf`` only ``N0/eta`` is identified, a curved
    ridge in ``(ln eta, ln N0)`` but a straight one in ``(ln t_ref, ln N0)``)."""
    log_unit = _log_unit_times(template, phi[1], levels)[None]
    mask = jnp.broadcast_to(crossed, jnp.broadcast_shapes(crossed.shape, log_unit.shape))
    count = jnp.sum(mask, dtype=log_unit.dtype)
    return jnp.sum(jnp.where(crossed, log_unit, 0.0)) / count - phi[0]


def _nll_ref(phi, template, levels, log_t, crossed, log_T, weight):
    """`_nll` in the coordinates ``phi = (ln t_ref, ln N0, ln sigma)`` (`_log_eta_of`)."""
    theta = jnp.stack([_log_eta_of(phi, template, levels, crossed), phi[1], phi[2]])
    return _nll(theta, template, levels, log_t, crossed, log_T, weight)


_value_and_grad = jax.jit(jax.value_and_grad(_nll))
_hessian_ref = jax.jit(jax.hessian(_nll_ref))
_log_eta_draws = jax.jit(jax.vmap(_log_eta_of, in_axes=(0, None, None, None)))


def forecast(
    trajectory: xr.Dataset,
    template: ResourceModel | None = None,
    *,
    at: float | None = None,
    threshold: float | Threshold = 0.9,
    levels=None,
    interval: float = 0.9,
    n_draws: int = 4000,
    seed: int = 0,
) -> xr.Dataset:
    r"""Fit the Resource model to a run seen up to step `at` and forecast each skill's learning time.

    See the module docstring for the method (a censored log-normal likelihood of crossing times, intervals from
    its Laplace approximation plus the scatter, conditioned on the skill not learned yet).

    **Arguments:**

    - `trajectory`: a trajectory Dataset with ``skill_level`` of dims ``(*runs, skill, t)`` (one run or many: runs
      share the constants), e.g. from `skillode.from_curves`.
    - `template`: a `skillode.ResourceModel` with the run's ``p`` and ``loss_kind`` (its ``eta`` and ``N0`` are
      fitted); it needs closed-form learning times (no ``C``, no gates). Default: built from the trajectory's
      ``p`` coordinate and ``attrs["loss_kind"]``.
    - `at`: use the run up to this step only (default: all of it); the forecast is made "at step `at`".
    - `threshold`: the skill level $s^*$ at which a skill counts as learned (a number or a skill-level
      `skillode.Threshold`).
    - `levels`: the ladder of levels whose crossings are fitted, increasing, each above the model's starting level
      and at most $s^*$; default $s^*$ alone (see the module docstring).
    - `interval`: the central probability of the interval, in $(0, 1)$ (default 0.9: 5% and 95% quantiles).
    - `n_draws`: Monte Carlo draws for the forecast distribution (>= 100).
    - `seed`: seed of those draws (same seed, same numbers).

    **Returns:** a Dataset with dims ``(*runs, skill)``: ``learning_time`` (the observed crossing of $s^*$ where it
    happened by `at`, else the forecast median), ``lower`` and ``upper`` (the interval; equal to the time where
    observed), ``model_time`` (the fitted model's time, no scatter), and the coordinates ``observed`` (bool) and
    ``learned`` (finite time). ``attrs``: ``eta``, ``N0``, ``sigma``, ``N0_at_bound``, ``at``, ``interval``,
    ``levels``, the threshold's attrs, the counts of crossed and censored points, and ``method``.

    Examples:
        >>> import numpy as np, skillode as sk
        >>> truth = sk.ResourceModel(p=sk.zipf(8, 1.5), eta=0.05, N0=0.05, loss_kind="ce")
        >>> run = truth.solve(np.arange(0.0, 3001.0, 10.0))
        >>> fc = sk.forecast(run, at=800.0)
        >>> bool(fc.observed[0]), bool(fc.observed[-1]), bool(fc.upper[-1] > fc.lower[-1] > 800)
        (True, False, True)
    """
    validate_trajectory(trajectory)
    if "skill_level" not in trajectory:
        raise ValueError("forecast reads the skill levels; the trajectory has no 'skill_level' variable")
    template = _template_of(trajectory, template)
    if not template.has_closed_form_learning_times(Threshold(0.9)):
        raise ValueError("forecast needs closed-form learning times: a template without C and without gates")
    threshold = as_threshold(threshold)
    if threshold.on != "skill_level":
        raise ValueError(f"forecast takes a threshold on the skill level, got on={threshold.on!r}")
    s_star = float(threshold.level)
    s0 = _start_level(template)
    if not s_star > s0:
        raise ValueError(f"the threshold {s_star} must lie above the model's starting skill level {s0:.4g}")
    if levels is None:
        levels = (s_star,)
    levels = np.asarray([check_level(q, "levels (skill levels)") for q in np.atleast_1d(levels)], np.float64)
    if np.any(np.diff(levels) <= 0) or levels[-1] > s_star or levels[0] <= s0:
        raise ValueError(f"levels must increase, lie above the starting level {s0:.4g} and end at most at the "
                         f"threshold {s_star}; got {levels.tolist()}")
    interval = check_level(interval, "interval (central probability)")
    n_draws = check_int(n_draws, "n_draws", 100)
    seed = check_int(seed, "seed", 0)

    da = trajectory["skill_level"].transpose(..., SKILL, TIME)
    t = np.asarray(da[TIME].values, np.float64)
    if at is None:
        at = float(t[-1])
    at = check_scalar(at, "at (forecast step)", low=float(t[0]))
    keep = t <= at
    if keep.sum() < 2:
        raise ValueError(f"at = {at:g} leaves fewer than two logged steps (the first is {t[0]:g})")
    values = np.asarray(da.values, np.float64).reshape(-1, da.sizes[SKILL], t.size)[..., keep]
    t_seen = t[keep]
    n_runs, n = values.shape[:2]
    horizon = float(t_seen[-1])

    # crossing times (R, K, n); a crossing at the first logged step is left-censored: no information, left out
    cross = np.stack([first_crossing(values, t_seen, Threshold(q)) for q in levels], axis=1)
    first = np.stack([values[..., 0] >= q for q in levels], axis=1)
    crossed = np.isfinite(cross) & ~first & (cross > 0)
    censored = ~np.isfinite(cross)
    weight = (crossed | censored).astype(np.float64)
    if crossed[:, -1].sum() < 2:
        raise ValueError(f"by step {horizon:g} fewer than two skills have reached the threshold {s_star} (in all runs "
                         "together): there is too little to fit; forecast later in the run")
    log_t = np.log(np.where(crossed, cross, 1.0))
    log_T = np.full(n_runs, np.log(horizon))
    args = (template, jnp.asarray(levels), jnp.asarray(log_t), jnp.asarray(crossed), jnp.asarray(log_T),
            jnp.asarray(weight))

    # scan ln N0 with eta, sigma from the crossed points, then maximise the full likelihood
    lo, hi = np.log(_N0_RANGE[0]), np.log(_N0_RANGE[1])
    best = None
    for g in np.linspace(lo, hi, 49):
        m = np.asarray(_log_unit_times(template, g, jnp.asarray(levels)))[None].repeat(n_runs, 0)
        r = (m - log_t)[crossed]
        log_eta = float(np.mean(r))
        sigma = float(np.sqrt(np.mean((r - log_eta) ** 2))) + 1e-3
        theta = np.array([log_eta, g, np.log(sigma)])
        f = float(_nll(jnp.asarray(theta), *args))
        if np.isfinite(f) and (best is None or f < best[0]):
            best = (f, theta)
    if best is None:
        raise RuntimeError("forecast: the likelihood is not finite for any N0 in the scan; check the trajectory")

    def fun(theta):
        f, g = _value_and_grad(jnp.asarray(theta), *args)
        return float(f), np.asarray(g, np.float64)

    bounds = [(None, None), (lo, hi), (np.log(1e-4), np.log(10.0))]
    res = _optimize.minimize(fun, best[1], jac=True, method="L-BFGS-B", bounds=bounds)
    theta = res.x if res.fun <= best[0] else best[1]
    if not np.all(np.isfinite(theta)):
        raise RuntimeError(f"forecast: the fit did not converge ({res.message})")
    if not res.success:
        warnings.warn(f"forecast: L-BFGS-B stopped without its convergence test ({res.message}); the maximum may be "
                      "approximate (attrs['converged'] = 0)", RuntimeWarning, stacklevel=2)
    at_bound = bool(theta[1] <= lo + 1e-6 or theta[1] >= hi - 1e-6)
    levels_j, crossed_j = jnp.asarray(levels), jnp.asarray(crossed)
    log_unit_hat = np.asarray(_log_unit_times(template, theta[1], levels_j), np.float64)
    phi = np.array([np.mean(np.broadcast_to(log_unit_hat, crossed.shape)[crossed]) - theta[0], theta[1], theta[2]])
    sigma_floor = bool(theta[2] <= bounds[2][0] + 1e-6)  # no scatter the data resolve (e.g. exact model data)
    fixed = [i for i, flag in ((1, at_bound), (2, sigma_floor)) if flag]
    cov = _covariance(np.asarray(_hessian_ref(jnp.asarray(phi), *args), np.float64), fixed=fixed)

    # draws of the constants (in phi), then of the scatter conditioned on "not learned by the horizon"
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(phi, cov, size=n_draws, method="eigh")
    draws[:, 1] = np.clip(draws[:, 1], lo, hi)  # ln N0 stays in the range the likelihood was maximised over
    log_eta = np.asarray(_log_eta_draws(jnp.asarray(draws), template, levels_j, crossed_j), np.float64)
    log_unit = np.asarray(jax.vmap(lambda g: _log_unit_times(template, g, levels_j[-1:]))(
        jnp.asarray(draws[:, 1])), np.float64)[:, 0]  # (D, n)
    m = log_unit - log_eta[:, None]  # (D, n)
    sigma = np.exp(draws[:, 2:3])
    a = (np.log(horizon) - m) / sigma  # the scatter must exceed a (in sigma units)
    tail = _special.ndtr(-a)  # P(eps > a)
    u = rng.uniform(size=(n_draws, n_runs, n))
    z = -_special.ndtri(np.clip(tail[:, None] * u, 1e-300, 1.0))  # inverse survival function
    z = np.maximum(z, a[:, None])  # where the tail underflows, the draw sits at the horizon
    log_times = m[:, None] + sigma[:, None] * z  # (D, R, n)
    q_lo, q_hi = (1.0 - interval) / 2.0, (1.0 + interval) / 2.0
    med, low, up = (np.exp(np.quantile(log_times, q, axis=0)) for q in (0.5, q_lo, q_hi))

    if not (np.all(np.isfinite(med)) and np.all(np.isfinite(low)) and np.all(np.isfinite(up))):
        raise RuntimeError("forecast: the forecast distribution is not finite (the fit's curvature is degenerate); "
                           "forecast later in the run or with more runs")
    observed = np.isfinite(cross[:, -1])
    lt = np.where(observed, cross[:, -1], med)
    lower = np.where(observed, cross[:, -1], low)
    upper = np.where(observed, cross[:, -1], up)
    eta, N0, sig = (float(np.exp(v)) for v in theta)
    model_time = np.exp(np.asarray(_log_unit_times(template, theta[1], jnp.asarray(levels[-1:])))[0] - theta[0])
    shape = da.shape[:-1]
    coords = {k: c for k, c in da.coords.items() if TIME not in c.dims}
    dims = da.dims[:-1]
    out = xr.Dataset(
        {
            "learning_time": (dims, lt.reshape(shape)),
            "lower": (dims, lower.reshape(shape)),
            "upper": (dims, upper.reshape(shape)),
            "model_time": ((SKILL,), model_time),
        },
        coords={**coords, "observed": (dims, observed.reshape(shape))},
        attrs={
            **threshold.attrs(), "at": horizon, "interval": interval, "levels": levels, "eta": eta, "N0": N0,
            "sigma": sig, "N0_at_bound": int(at_bound), "n_crossed": int(crossed.sum()),
            "n_censored": int(censored.sum()), "n_runs": n_runs, "seed": seed, "n_draws": n_draws,
            "converged": int(res.success), "loss_kind": template.loss_kind, "units": "steps",
            "method": "censored log-normal likelihood of crossing times (Resource-model closed form); intervals: "
                      "Laplace approximation of the constants plus the scatter, conditioned on not learned by 'at'",
        },
    )
    return with_learned(out)


def _covariance(hessian: np.ndarray, fixed: list[int]) -> np.ndarray:
    """The inverse of the Hessian of the negative log-likelihood; parameters in `fixed` get no variance.

    Raises if the free block is not positive definite (the maximum is not one the data determine)."""
    k = hessian.shape[0]
    free = [i for i in range(k) if i not in fixed]
    h = hessian[np.ix_(free, free)]
    h = 0.5 * (h + h.T)
    w = np.linalg.eigvalsh(h)
    if not (np.all(np.isfinite(w)) and w.min() > 0):
        raise RuntimeError("forecast: the likelihood's curvature at its maximum is not positive definite (the data "
                           "do not determine eta, N0 and the scatter); forecast later in the run or with more runs")
    cov = np.zeros((k, k))
    inv = np.linalg.inv(h)
    cov[np.ix_(free, free)] = 0.5 * (inv + inv.T)
    return cov
