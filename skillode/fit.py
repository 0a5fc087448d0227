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

**The Chinchilla form.** `fit_chinchilla` fits ``L(N, S) = E + A N^-a + B S^-b`` (Hoffmann et al. 2022) to a grid
of losses by Levenberg–Marquardt on the log-loss residuals, with percentile-bootstrap confidence intervals over
resampled points or whole runs; `CHINCHILLA_PARAMS` holds the published fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import xarray as xr

from ._validate import check_choice, check_int
from .closed_form import CHINCHILLA
from .solvers import AbstractSolver
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = [
    "CHINCHILLA_PARAMS",
    "ChinchillaFit",
    "FITTABLE",
    "PowerLawFit",
    "ResourceFit",
    "fit_chinchilla",
    "fit_power_law",
    "fit_resource",
]

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


# ----------------------------------------------------------------------------------------------------------------
# The Chinchilla form L(N, S) = E + A N^-a + B S^-b

_CHINCHILLA_NAMES = ("E", "A", "a", "B", "b")

CHINCHILLA_PARAMS = {"E": 1.69, "A": 406.4, "a": CHINCHILLA["alpha_N"], "B": 410.7, "b": CHINCHILLA["alpha_S"]}
"""Chinchilla's published fit (Hoffmann et al. 2022, approach 3): ``L = 1.69 + 406.4 N^-0.34 + 410.7 D^-0.28``
with ``N`` parameters and ``D`` training tokens, keyed as `ChinchillaFit.params`. The exponents are those of
`skillode.closed_form.CHINCHILLA`."""

_CHINCHILLA_WEIGHTING = "least squares in log L (relative errors)"
_EXPONENT_STARTS = (0.1, 0.3, 0.6, 1.0)  # the grid of starting exponents (a, b), 16 starts
_BOOT_ENTRIES = 2**20  # (resample, point) entries per vectorised bootstrap batch


class ChinchillaFit(eqx.Module):
    """``L(N, S) = E + A * N^(-a) + B * S^(-b)`` fitted by `fit_chinchilla` (immutable).

    - `E`, `A`, `a`, `B`, `b`: the fitted parameters (``A, B > 0``, ``E >= 0``: ``E = 0`` exactly when the
      best fit lies on that boundary, see `fit_chinchilla`).
    - `ci`: ``{name: (low, high)}``, the percentile-bootstrap interval of each parameter at confidence `level`
      (of the parameter itself, e.g. of ``E``, not of ``log E``).
    - `level`: the confidence level of `ci`.
    - `rms`: root-mean-square of the log-residuals ``log L_fit - log L`` over the fitted points (a relative error).
    - `n_points`: number of ``(N, S, L)`` points fitted.
    - `n_boot`: bootstrap resamples that converged and were used for `ci`; resamples that did not converge, or
      that hold fewer than three distinct ``N`` or ``S`` values (the form is then not identifiable), are
      discarded, so this is at most the requested number.
    - `seed`: the seed of the resampling.
    - `weighting`: a one-line description of the objective.

    Calling the fit, ``fit(N, S)``, evaluates the form with NumPy broadcasting (JAX arrays in, JAX arrays out):
    ``fit(N[:, None], S[None, :])`` has shape ``(len(N), len(S))``.
    """

    E: float
    A: float
    a: float
    B: float
    b: float
    ci: dict
    level: float
    rms: float
    n_points: int
    n_boot: int
    seed: int
    weighting: str

    @property
    def params(self) -> dict:
        """``{"E": E, "A": A, "a": a, "B": B, "b": b}``."""
        return {k: getattr(self, k) for k in _CHINCHILLA_NAMES}

    def __getitem__(self, name: str) -> float:
        if name not in _CHINCHILLA_NAMES:
            raise KeyError(f"{name!r} is not a Chinchilla parameter {_CHINCHILLA_NAMES}")
        return getattr(self, name)

    def __call__(self, N, S):
        xp = jnp if isinstance(N, jax.Array) or isinstance(S, jax.Array) else np
        N = xp.asarray(N, dtype=xp.float64)
        S = xp.asarray(S, dtype=xp.float64)
        return self.E + self.A * N ** (-self.a) + self.B * S ** (-self.b)


def _chinchilla_log_model(y, e_free, e_scale, log_n, log_s):
    # log(E + A N^-a + B S^-b) = log P + log1p(E / P), P = A N^-a + B S^-b as a log-sum-exp, E = e_scale * y[0].
    # With e_free false, E = 0 (the boundary of E >= 0). An iterate with E <= -P (a loss <= 0) is clamped to a
    # residual of about -21, which the solver's trust region rejects.
    log_p = jnp.logaddexp(y[1] - y[2] * log_n, y[3] - y[4] * log_s)
    x = jnp.where(e_free, e_scale * y[0], 0.0) * jnp.exp(-log_p)
    return log_p + jnp.log1p(jnp.maximum(x, -1.0 + 1e-9))


def _chinchilla_residuals(y, args):
    e_free, sqrt_w, e_scale, log_n, log_s, log_l = args
    return sqrt_w * (_chinchilla_log_model(y, e_free, e_scale, log_n, log_s) - log_l)


@eqx.filter_jit
def _chinchilla_solve(y0, e_free, sqrt_w, e_scale, log_n, log_s, log_l, solver, max_steps):
    """One least-squares solve per row: starts ``y0`` ``(k, 5)`` of ``(E / e_scale, log A, a, log B, b)``,
    ``e_free`` ``(k,)`` (false: ``E = 0``), point weights ``sqrt_w**2`` ``(k, n)``. Returns the solutions, whether
    each converged, and each weighted residual sum of squares."""

    def one(y0, e_free, sqrt_w):
        args = (e_free, sqrt_w, e_scale, log_n, log_s, log_l)
        sol = optx.least_squares(_chinchilla_residuals, solver, y0, args=args, max_steps=max_steps, throw=False)
        r = _chinchilla_residuals(sol.value, args)
        return sol.value, sol.result == optx.RESULTS.successful, jnp.sum(r**2)

    return jax.vmap(one)(y0, e_free, sqrt_w)


def _chinchilla_values(y, e_free, e_scale: float) -> np.ndarray:
    """Solver coordinates ``(..., 5)`` ``(E / e_scale, log A, a, log B, b)`` -> ``(..., 5)`` ``(E, A, a, B, b)``."""
    y = np.asarray(y, dtype=np.float64)
    v = y.copy()
    v[..., 0] = np.where(e_free, e_scale * y[..., 0], 0.0)
    v[..., 1] = np.exp(y[..., 1])
    v[..., 3] = np.exp(y[..., 3])
    return v


def _chinchilla_starts(N, S, L) -> np.ndarray:
    """Deterministic starts: for each ``(a, b)`` of a grid, ``(E, A, B)`` by linear least squares in relative error."""
    l_min, l_med = float(L.min()), float(np.median(L))
    starts = []
    for a0 in _EXPONENT_STARTS:
        for b0 in _EXPONENT_STARTS:
            X = np.stack([np.ones_like(N), N**-a0, S**-b0], axis=1) / L[:, None]
            coef = np.linalg.lstsq(X, np.ones_like(L), rcond=None)[0]
            fallback = 0.01 * np.array([l_min, l_med * float(np.median(N)) ** a0, l_med * float(np.median(S)) ** b0])
            e0 = coef[0] if coef[0] > 0 else 0.0
            coef = np.where(coef > 0, coef, fallback)  # a negative (or NaN) coefficient: a small positive one
            starts.append([e0 / l_min, np.log(coef[1]), a0, np.log(coef[2]), b0])
    return np.asarray(starts, dtype=np.float64)


def _chinchilla_init(init, e_scale: float) -> np.ndarray:
    if not isinstance(init, Mapping) or set(init) != set(_CHINCHILLA_NAMES):
        got = sorted(init) if isinstance(init, Mapping) else type(init).__name__
        raise ValueError(f"init must be a dict with exactly the keys {_CHINCHILLA_NAMES}, got {got}")
    v = {}
    for k in _CHINCHILLA_NAMES:
        try:
            v[k] = float(init[k])
        except (TypeError, ValueError) as err:
            raise ValueError(f"init[{k!r}] must be a real number, got {init[k]!r}") from err
        bound = {"E": " and >= 0", "A": " and > 0", "B": " and > 0"}.get(k, "")
        if not np.isfinite(v[k]) or (k == "E" and v[k] < 0) or (k in ("A", "B") and v[k] <= 0):
            raise ValueError(f"init[{k!r}] must be finite{bound}, got {init[k]!r}")
    return np.array([[v["E"] / e_scale, np.log(v["A"]), v["a"], np.log(v["B"]), v["b"]]], dtype=np.float64)


def _positive_data(x, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array, got {type(x).__name__}") from err
    try:
        x = np.broadcast_to(x, shape)
    except ValueError as err:
        raise ValueError(f"{name} must have (or broadcast to) L's shape {shape}, got shape {x.shape}") from err
    bad = ~(np.isfinite(x) & (x > 0))
    if bad.any():
        raise ValueError(
            f"{name} must be finite and > 0 everywhere, but {int(bad.sum())} of {x.size} entries are not "
            f"(the first: {x[bad][0]!r}); nothing is dropped silently, remove them first"
        )
    return x.ravel()


def _row_counts(codes, k: int, weights=None, n_rows: int | None = None) -> np.ndarray:
    """Per-row ``bincount``: ``codes`` ``(rows, m)`` (or ``(m,)`` shared by all rows) -> counts ``(rows, k)``."""
    rows = n_rows if n_rows is not None else codes.shape[0]
    codes = np.broadcast_to(codes, (rows, codes.shape[-1]))
    flat = (codes + k * np.arange(rows)[:, None]).ravel()
    w = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    return np.bincount(flat, weights=w, minlength=rows * k).reshape(rows, k)


def fit_chinchilla(
    N,
    S,
    L,
    *,
    groups=None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    init: Mapping[str, float] | None = None,
    max_steps: int = 500,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> ChinchillaFit:
    r"""Fit the Chinchilla form ``L(N, S) = E + A * N^(-a) + B * S^(-b)`` with percentile-bootstrap CIs.

    ``N`` is the model size, ``S`` the training steps (or data), ``L`` the loss; Hoffmann et al. (2022, *Training
    compute-optimal large language models*) fitted this form with ``S`` the number of training tokens.

    **Arguments:**

    - `N`, `S`, `L`: positive, finite arrays. `L` fixes the shape of the data (one entry per measured loss);
      `N` and `S` must have that shape or broadcast to it, e.g. a grid of runs ``L`` of shape ``(n_N, n_S)`` with
      ``N[:, None]`` and ``S[None, :]``. Everything is then flattened to ``n`` points, ``n >= 6`` (five
      parameters) with at least three distinct ``N`` and three distinct ``S`` values. Non-finite or
      non-positive entries raise ``ValueError`` (nothing is dropped silently).
    - `groups`: ``None`` (resample points) or integer labels of `L`'s shape (or broadcasting to it), e.g. one
      label per training run; the bootstrap then resamples whole groups. At least two distinct labels.
    - `n_boot`: bootstrap resamples, ``>= 1``.
    - `seed`: integer seed ``>= 0`` of the resampling (``numpy.random.default_rng``): same seed, same numbers.
    - `level`: confidence level of the intervals, in ``(0, 1)``.
    - `init`: starting values ``{"E", "A", "a", "B", "b"}`` (``E >= 0``, ``A, B > 0``), replacing the built-in
      grid of starts.
    - `max_steps`, `rtol`, `atol`: iteration cap and tolerances of the Levenberg–Marquardt solver (optimistix).

    **Objective.** The fit minimises

        sum_points ( log(E + A N^-a + B S^-b) - log L )^2 ,

    least squares on the log-loss residuals. The losses of a scaling grid span orders of magnitude (small models
    early in training against large models late), so plain squares in ``L`` would be dominated by the few
    high-loss points; log residuals give every point the same weight in *relative* error, as Hoffmann et al. did.
    They minimised a Huber loss (``delta = 1e-3``) of the same log residuals, which is more robust to outliers;
    this fit uses plain squares (the maximum-likelihood fit under multiplicative log-normal noise).

    **Parametrisation and solver.** ``A, B > 0`` are optimised as logarithms and the exponents ``a, b`` are free
    (any sign). ``E >= 0`` is optimised linearly (in units of ``min(L)``) and its bound is handled as an active
    set: every start is solved twice, with ``E`` free and with ``E = 0`` fixed, and the lower converged residual
    with ``E >= 0`` wins. ``E`` may legitimately be 0 (a loss that goes to 0); a log-parametrised ``E`` would then
    drift towards ``-inf`` without converging, because its gradient vanishes with ``E``. The model is evaluated as
    ``log P + log1p(E / P)`` with ``P = A N^-a + B S^-b`` a log-sum-exp, so it stays finite however small any term
    gets. Levenberg–Marquardt (optimistix, float64) runs from 16 starts (exponents ``a, b`` on the grid
    ``(0.1, 0.3, 0.6, 1.0)``, ``E, A, B`` from a linear least-squares fit in relative error at those exponents) or
    from `init`; the lowest-residual converged start wins. If no start converges, ``RuntimeError``.

    **Bootstrap.** Each resample draws ``n`` points (or, with `groups`, as many groups as there are) with
    replacement; a point drawn ``c`` times enters the objective with weight ``c``. All resamples are solved at
    once (``jax.vmap``), each starting from the full-data fit, with ``E`` free and, where that does not converge
    to ``E >= 0``, again with ``E = 0``; the interval of each parameter is the central `level` percentile range of
    its resampled values. Resamples that do not converge, or that hold fewer than three distinct ``N`` or ``S``
    (the form is then not identifiable), are discarded (`ChinchillaFit.n_boot` counts those kept); if more than
    half are discarded the intervals are not trustworthy and ``RuntimeError`` is raised.

    Resampling points treats every loss as an independent measurement. On a grid of training runs it is not: the
    losses of one run along ``S`` share the run's initialisation and data order, so their errors are correlated,
    and a point bootstrap, which breaks up the runs, understates the uncertainty. Resampling whole runs
    (``groups`` = the run of each point) keeps each loss curve intact and so reflects the run-to-run variation;
    that is the honest interval for such a grid (it needs enough runs: with few, it is wide or refused).

    **Returns:** a `ChinchillaFit`.

    Examples:
        >>> N, S = np.logspace(1, 3, 10), np.logspace(1, 5, 15)
        >>> L = 0.5 + 4.0 * N[:, None] ** -0.4 + 9.0 * S[None, :] ** -0.3
        >>> fit = fit_chinchilla(N[:, None], S[None, :], L, n_boot=20)
        >>> {k: round(v, 6) for k, v in fit.params.items()}
        {'E': 0.5, 'A': 4.0, 'a': 0.4, 'B': 9.0, 'b': 0.3}
    """
    try:
        L = np.asarray(L, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"L must be a numeric array, got {type(L).__name__}") from err
    shape = L.shape
    N = _positive_data(N, "N", shape)
    S = _positive_data(S, "S", shape)
    L = _positive_data(L, "L", shape)
    n = L.size
    if n < 6:
        raise ValueError(f"L must hold at least 6 points to fit 5 parameters, got {n}")
    for name, x in (("N", N), ("S", S)):
        if np.unique(x).size < 3:
            raise ValueError(f"{name} must take at least 3 distinct values to fit its power law, got {np.unique(x)}")
    n_boot = check_int(n_boot, "n_boot")
    seed = check_int(seed, "seed", low=0)
    try:
        level = float(level)
    except (TypeError, ValueError) as err:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}") from err
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    max_steps = check_int(max_steps, "max_steps")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(tol, (int, float, np.floating)) and np.isfinite(tol) and tol > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {tol!r}")
    if groups is not None:
        g = np.asarray(groups)
        if g.dtype == bool or not np.issubdtype(g.dtype, np.integer):
            raise ValueError(f"groups must be an integer array of group labels, got dtype {g.dtype}")
        try:
            g = np.broadcast_to(g, shape).ravel()
        except ValueError as err:
            raise ValueError(f"groups must have (or broadcast to) L's shape {shape}, got shape {g.shape}") from err
        labels, group_of = np.unique(g, return_inverse=True)
        if labels.size < 2:
            raise ValueError(f"groups must hold at least 2 distinct labels to resample, got {labels.size}")
    l_min = float(L.min())
    y0 = _chinchilla_starts(N, S, L) if init is None else _chinchilla_init(init, l_min)

    solver = optx.LevenbergMarquardt(rtol=float(rtol), atol=float(atol))
    log_n, log_s, log_l = (jnp.asarray(np.log(x), dtype=jnp.float64) for x in (N, S, L))
    e_scale = jnp.asarray(l_min, dtype=jnp.float64)  # E is optimised in units of min(L)

    def solve(y0, e_free, sqrt_w):
        # One solve per row; returns (E, A, a, B, b), whether it converged to a feasible (E >= 0) finite point, and
        # the weighted residual sum of squares (inf where not).
        y, ok, ss = _chinchilla_solve(
            jnp.asarray(y0), jnp.asarray(e_free), jnp.asarray(sqrt_w), e_scale, log_n, log_s, log_l, solver, max_steps
        )
        values, ss = _chinchilla_values(y, e_free, l_min), np.asarray(ss)
        ok = np.asarray(ok) & np.isfinite(ss) & np.all(np.isfinite(values), axis=-1) & (values[:, 0] >= 0)
        return values, ok, np.where(ok, ss, np.inf)

    # Every start twice, E free and E = 0; the lowest converged residual wins.
    k = y0.shape[0]
    values_all, ok, ss = solve(np.concatenate([y0, y0]), np.repeat([True, False], k), np.ones((2 * k, n)))
    if not ok.any():
        raise RuntimeError(
            f"fit_chinchilla: no start of {k} converged in {max_steps} steps; "
            "raise max_steps or pass init= closer to the data"
        )
    best = int(np.argmin(ss))
    values = values_all[best]
    y_best = np.array([values[0] / l_min, np.log(values[1]), values[2], np.log(values[3]), values[4]])

    # Bootstrap, in batches of `chunk` resamples: counts (chunk, n) of each point in each resample. Each resample
    # is solved with E free; those that do not reach a feasible E >= 0 are solved again with E = 0 (the active
    # set), in a second pass over the batch in which the other rows have zero weights and so converge at once.
    rng = np.random.default_rng(seed)
    codes = [np.unique(x, return_inverse=True)[1] for x in (N, S)]
    chunk = max(1, min(n_boot, _BOOT_ENTRIES // n))
    starts = np.tile(y_best, (chunk, 1))
    boot, keep = [], []
    for first in range(0, n_boot, chunk):
        m = min(chunk, n_boot - first)
        if groups is None:
            counts = _row_counts(rng.integers(0, n, size=(m, n)), n)
        else:
            counts = _row_counts(rng.integers(0, labels.size, size=(m, labels.size)), labels.size)[:, group_of]
        usable = np.ones(m, dtype=bool)
        for c in codes:  # >= 3 distinct N and S drawn
            usable &= (_row_counts(c, int(c.max()) + 1, weights=counts, n_rows=m) > 0).sum(axis=1) >= 3
        sqrt_w = np.zeros((chunk, n))  # padding rows of the last batch: zero weights, converged at once
        sqrt_w[:m] = np.sqrt(counts)
        vb, okb, _ = solve(starts, np.ones(chunk, dtype=bool), sqrt_w)
        retry = ~okb[:m] & usable
        if retry.any():
            sqrt_w[:m][~retry] = 0.0
            v0, ok0, _ = solve(starts, np.zeros(chunk, dtype=bool), sqrt_w)
            vb[:m][retry], okb[:m][retry] = v0[:m][retry], ok0[:m][retry]
        boot.append(vb[:m])
        keep.append(okb[:m] & usable)
    keep = np.concatenate(keep)
    boot = np.concatenate(boot)[keep]
    n_kept = int(keep.sum())
    if 2 * n_kept < n_boot:
        raise RuntimeError(
            f"fit_chinchilla: only {n_kept} of {n_boot} bootstrap resamples converged with an identifiable design "
            f"(>= 3 distinct N and S); the intervals would not be trustworthy. Raise max_steps, or use more "
            f"{'groups' if groups is not None else 'points'}"
        )
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    lo, hi = np.percentile(boot, q, axis=0)
    return ChinchillaFit(
        **{k: float(values[i]) for i, k in enumerate(_CHINCHILLA_NAMES)},
        ci={k: (float(lo[i]), float(hi[i])) for i, k in enumerate(_CHINCHILLA_NAMES)},
        level=level,
        rms=float(np.sqrt(ss[best] / n)),
        n_points=n,
        n_boot=n_kept,
        seed=seed,
        weighting=_CHINCHILLA_WEIGHTING,
    )
