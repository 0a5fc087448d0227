r"""Fit theory to measurement: Resource-model parameters to skill curves, and power laws with bootstrap CIs.

**Resource-model fits.** Given a measured trajectory ``s_i(t)`` (a Geometry-model simulation, a trained network, …)
and a `ResourceModel` template, `fit_resource` finds the parameters ``theta`` (``N0``, optionally ``eta``) that
minimise

    sum_{runs, i, t} ( s_i^model(t; theta) - s_i^data(t) )^2

by Levenberg–Marquardt (or Gauss–Newton) *through the solver*: the model's ``skill_levels`` is differentiated with
JAX, so no grid over ``N0`` is needed. Positive parameters are optimised as ``log theta``. The paper instead picked
the best ``N0`` from the grid ``10^linspace(-4, 2, 601)`` (arXiv:2501.12391, Figs. 6–7); both minimise the same
objective.

**Power laws.** `fit_power_law` fits ``y = prefactor * x^exponent`` by least squares in log–log space, with a
percentile-bootstrap confidence interval from an explicit seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import xarray as xr

from ._validate import check_choice, check_int
from .solvers import AbstractSolver
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = ["FITTABLE", "PowerLawFit", "ResourceFit", "fit_power_law", "fit_resource"]

FITTABLE = ("N0", "eta")


class ResourceFit(eqx.Module):
    """The result of `fit_resource` (immutable).

    - `model`: the template `ResourceModel` with the fitted parameters substituted.
    - `params`: ``{name: fitted value}``.
    - `rms`: root-mean-square residual over the fitted points.
    - `r2`: coefficient of determination ``1 - SS_res / SS_tot`` (``SS_tot`` about the data mean).
    - `converged`: whether the least-squares solver reported success.
    - `num_steps`: solver iterations used (of the best start).
    - `n_points`: number of data points fitted (NaNs are skipped).
    - `solver`: the Resource-model solver used inside the fit (a `skillode.solvers` object).
    """

    model: eqx.Module
    params: dict
    rms: float
    r2: float
    converged: bool
    num_steps: int
    n_points: int
    solver: AbstractSolver

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self, ts) -> xr.Dataset:
        """The fitted model's trajectory Dataset at times ``ts`` (solved with the fit's solver)."""
        return self.model.solve(np.asarray(ts, dtype=np.float64), self.solver)


def _data_array(ds, var: str) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(ds, xr.Dataset):
        validate_trajectory(ds)
        if var not in ds:
            raise ValueError(f"the trajectory has no variable {var!r} (has {sorted(ds.data_vars)})")
        da = ds[var]
    elif isinstance(ds, xr.DataArray):
        da = ds
    else:
        raise ValueError(f"ds must be a trajectory xarray.Dataset or DataArray, got {type(ds).__name__}")
    if da.dims[-2:] != (SKILL, TIME):
        raise ValueError(f"{var!r} must end with dims ('skill', 't'), got {da.dims}")
    return np.asarray(da[TIME].values, dtype=np.float64), np.asarray(da.values, dtype=np.float64)


@eqx.filter_jit
def _least_squares(y0, template, data, mask, ts, names, model_solver, solver, max_steps):
    ts = np.asarray(ts)  # static: the discrete map needs concrete integer steps

    def residuals(y, args):
        template, data, mask = args
        model = eqx.tree_at(lambda m: [getattr(m, k) for k in names], template, [jnp.exp(y[k]) for k in names])
        s = model.skill_levels(ts, model_solver)
        return jnp.where(mask, s - jnp.where(mask, data, 0.0), 0.0)

    sol = optx.least_squares(residuals, solver, y0, args=(template, data, mask), max_steps=max_steps, throw=False)
    r = residuals(sol.value, (template, data, mask))
    return sol.value, sol.result == optx.RESULTS.successful, sol.stats["num_steps"], jnp.sum(r**2)


def fit_resource(
    ds,
    model,
    *,
    params: Sequence[str] = ("N0",),
    solver="discrete",
    var: str = "skill_level",
    init: Mapping[str, float] | None = None,
    starts: Sequence[float] | None = None,
    least_squares: str = "levenberg_marquardt",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    max_steps: int = 200,
    throw: bool = True,
) -> ResourceFit:
    r"""Fit Resource-model parameters to a measured trajectory by least squares through the solver.

    **Arguments:**

    - `ds`: a trajectory Dataset (or a DataArray) whose `var` has dims ``(*runs, skill, t)``; all runs (e.g.
      seeds) are fitted jointly with one parameter set. NaNs are ignored.
    - `model`: a `skillode.ResourceModel` template. Its ``p``, ``C``, ``loss`` … are kept; its values of the
      fitted parameters are the starting point (unless `init`/`starts` say otherwise).
    - `params`: names to fit, a subset of ``("N0", "eta")``; both are positive and fitted as logarithms.
    - `solver`: the Resource-model solver, a `skillode.solvers` object or name (default ``"discrete"``, the
      paper's map `skillode.DiscreteMap`, which needs integer times; `Exact()` / `Diffrax()` take any times).
    - `init`: starting values ``{name: value > 0}`` overriding the template's.
    - `starts`: several starting values of ``N0`` (multi-start; the lowest residual wins). Default: the template's
      (or `init`'s) ``N0`` only, or ``(1e-3, 1e-1)`` if that is 0.
    - `least_squares`: ``"levenberg_marquardt"`` or ``"gauss_newton"`` (optimistix).
    - `rtol`, `atol`, `max_steps`: solver tolerances and iteration cap.
    - `throw`: raise ``RuntimeError`` when no start converges (default); otherwise return with
      ``converged=False``.

    **Returns:** a `ResourceFit`.

    Examples:
        >>> import skillode as sk
        >>> p = sk.zipf(5)
        >>> truth = sk.ResourceModel(p=p, eta=0.02, N0=0.03).solve(np.arange(0.0, 601.0, 10.0), "discrete")
        >>> fit = fit_resource(truth, sk.ResourceModel(p=p, eta=0.02, N0=0.3))  # N0 from 0.3 back to 0.03
        >>> round(fit["N0"], 6), fit.converged
        (0.03, True)
    """
    params = tuple(params)
    if not params or any(k not in FITTABLE for k in params) or len(set(params)) != len(params):
        raise ValueError(f"params must be distinct names from {FITTABLE}, got {params}")
    check_choice(least_squares, "least_squares", ("levenberg_marquardt", "gauss_newton"))
    max_steps = check_int(max_steps, "max_steps")
    model_solver = model.numeric_solver(solver)
    t, data = _data_array(ds, var)
    if data.shape[-2] != model.n:
        raise ValueError(f"the data has {data.shape[-2]} skills but the model has {model.n}")
    if model_solver.integer_steps and not np.all(t == np.round(t)):
        raise ValueError(f"{type(model_solver).__name__}() needs integer times (optimizer steps) in the data")
    if not model_solver.traceable:
        raise ValueError(f"fit_resource differentiates through the solver; {type(model_solver).__name__}() cannot")
    mask = np.isfinite(data)
    n_points = int(mask.sum())
    if n_points < len(params) + 1:
        raise ValueError(f"need more finite data points than fitted parameters, got {n_points}")

    start = {k: float(getattr(model, k)) for k in params}
    for k, v in (init or {}).items():
        if k not in params:
            raise ValueError(f"init names {k!r}, which is not a fitted parameter {params}")
        start[k] = float(v)
    if starts is not None:
        if "N0" not in params:
            raise ValueError("starts are starting values of N0, but N0 is not fitted")
        n0_starts = [float(v) for v in starts]
    elif "N0" in params and start["N0"] == 0.0:
        n0_starts = [1e-3, 1e-1]
    else:
        n0_starts = [start["N0"]] if "N0" in params else [None]
    for k, v in start.items():
        if k != "N0" and not (np.isfinite(v) and v > 0):
            raise ValueError(f"starting value of {k} must be finite and > 0, got {v}")
    if any(v is not None and not (np.isfinite(v) and v > 0) for v in n0_starts):
        raise ValueError(f"starting values of N0 must be finite and > 0 to fit log N0, got {n0_starts}")

    lsq_class = optx.LevenbergMarquardt if least_squares == "levenberg_marquardt" else optx.GaussNewton
    lsq = lsq_class(rtol=rtol, atol=atol)
    ts = tuple(float(x) for x in t)
    data_j, mask_j = jnp.asarray(data), jnp.asarray(mask)
    best = None
    for n0 in n0_starts:
        y0 = {k: jnp.log(jnp.asarray(n0 if k == "N0" else start[k], dtype=jnp.float64)) for k in params}
        y, ok, steps, ss = _least_squares(y0, model, data_j, mask_j, ts, params, model_solver, lsq, max_steps)
        ss = float(ss)
        if np.isfinite(ss) and (best is None or (bool(ok), -ss) > (best[1], -best[3])):
            best = (y, bool(ok), int(steps), ss)
    if best is None:
        raise RuntimeError("fit_resource: the residual is not finite at any start; check the data and the template")
    y, ok, steps, ss = best
    if not ok and throw:
        raise RuntimeError(
            f"fit_resource did not converge in {max_steps} steps from N0 starts {n0_starts}; "
            "raise max_steps, change starts, or pass throw=False to inspect the last iterate"
        )
    values = {k: float(jnp.exp(y[k])) for k in params}
    fitted = eqx.tree_at(lambda m: [getattr(m, k) for k in params], model, [jnp.asarray(values[k]) for k in params])
    d = data[mask]
    ss_tot = float(np.sum((d - d.mean()) ** 2))
    return ResourceFit(
        model=fitted,
        params=values,
        rms=float(np.sqrt(ss / n_points)),
        r2=float(1.0 - ss / ss_tot) if ss_tot > 0 else float("nan"),
        converged=ok,
        num_steps=steps,
        n_points=n_points,
        solver=model_solver,
    )


# ----------------------------------------------------------------------------------------------------------------
# Power laws


class PowerLawFit(eqx.Module):
    """``y = prefactor * x^exponent`` fitted in log–log space (immutable).

    - `exponent`, `prefactor`: the least-squares fit to ``log y = log prefactor + exponent log x``.
    - `ci`: ``(low, high)`` percentile-bootstrap interval of the exponent at confidence `level`
      (NaN when ``n_boot = 0``).
    - `prefactor_ci`: the same for the prefactor.
    - `n_boot`, `seed`, `level`: how the interval was made.
    - `r2`: coefficient of determination in log space.
    """

    exponent: float
    prefactor: float
    ci: tuple[float, float]
    prefactor_ci: tuple[float, float]
    r2: float
    n_boot: int
    seed: int
    level: float

    def __call__(self, x):
        return self.prefactor * np.asarray(x, dtype=np.float64) ** self.exponent


def _loglog_fit(lx, ly):
    slope, intercept = np.polyfit(lx, ly, 1)
    return slope, intercept


def fit_power_law(x, y, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> PowerLawFit:
    r"""Fit ``y = prefactor * x^exponent`` by least squares on ``(log x, log y)``, with a bootstrap CI.

    **Arguments:**

    - `x`, `y`: positive, finite arrays of the same shape ``(m,)``, ``m >= 2`` with at least two distinct ``x``.
    - `n_boot`: bootstrap resamples of the ``(x, y)`` pairs (0 disables the interval).
    - `seed`: integer seed of the resampling (``numpy.random.default_rng``): same seed, same interval.
    - `level`: confidence level in ``(0, 1)``.

    For a decaying law ``L ∝ N^{-alpha_N}`` the exponent is ``-alpha_N``.

    Examples:
        >>> fit = fit_power_law([1, 10, 100], [2.0, 0.2, 0.02])
        >>> round(fit.exponent, 6), round(fit.prefactor, 6)
        (-1.0, 2.0)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of the same shape, got {x.shape} and {y.shape}")
    if x.size < 2 or np.unique(x).size < 2:
        raise ValueError(f"need at least two distinct x values, got {x.size} points")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be > 0 for a log-log power-law fit")
    n_boot = int(n_boot)
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    level = float(level)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    lx, ly = np.log(x), np.log(y)
    slope, intercept = _loglog_fit(lx, ly)
    resid = ly - (intercept + slope * lx)
    ss_tot = np.sum((ly - ly.mean()) ** 2)
    r2 = float(1 - np.sum(resid**2) / ss_tot) if ss_tot > 0 else float("nan")
    ci = pci = (float("nan"), float("nan"))
    if n_boot:
        rng = np.random.default_rng(int(seed))
        slopes, intercepts = [], []
        for _ in range(n_boot):
            idx = rng.integers(0, x.size, x.size)
            if np.unique(lx[idx]).size < 2:
                continue  # a resample with one distinct x has no slope
            s, c = _loglog_fit(lx[idx], ly[idx])
            slopes.append(s)
            intercepts.append(c)
        q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
        ci = tuple(float(v) for v in np.percentile(slopes, q))
        pci = tuple(float(v) for v in np.exp(np.percentile(intercepts, q)))
    return PowerLawFit(
        exponent=float(slope),
        prefactor=float(np.exp(intercept)),
        ci=ci,
        prefactor_ci=pci,
        r2=r2,
        n_boot=n_boot,
        seed=int(seed),
        level=level,
    )
