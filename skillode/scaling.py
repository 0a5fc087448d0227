r"""Neural-scaling statistics: power laws, the Chinchilla form, scaling exponents and their reference values.

The paper measures ``L(N) ∝ N^{-alpha_N}`` (final loss against the Geometry model's dimension) and
``L(S) ∝ S^{-alpha_S}`` (loss against optimizer steps), and compares them with (arXiv:2501.12391, Figs. 10 and 18;
`reference_exponents`):

| reference | $\alpha_N$ | $\alpha_S$ |
| --- | --- | --- |
| quanta model (Michaud et al.) | $\alpha - 1$ | $(\alpha - 1) / \alpha$ |
| Domino model | $\alpha - 1$ | $\alpha - 1$ |
| Chinchilla (Hoffmann et al.) | 0.34 | 0.28 |

where ``alpha`` is the Zipf exponent of the skill frequencies. The paper's own estimate is a *two-point* log–log
slope (``N = 40 → 220`` for ``alpha_N``; steps ``80 → 200`` for ``alpha_S``); `scaling_exponent` returns it together
with the least-squares slope over the window and a bootstrap CI.

**Power laws.** `fit_power_law` fits ``y = prefactor * x^exponent`` by least squares in log–log space, with a
percentile-bootstrap confidence interval from an explicit seed.

**The Chinchilla form.** `fit_chinchilla` fits ``L(N, S) = E + A N^-a + B S^-b`` (Hoffmann et al. 2022) to a grid
of losses by Levenberg–Marquardt on the log-loss residuals, with percentile-bootstrap confidence intervals over
resampled points or whole runs.

**Reference values** live here and only here: `CHINCHILLA` (the published exponents), `CHINCHILLA_PARAMS` (the
published fit) and `reference_exponents` (the table above). `skillode.closed_form` and `skillode.fit` re-export
the names they used to hold.

For one-hot ("modular") task vectors the final CE loss is exact: tasks beyond ``N`` are never learned, so
``L(N) = log 2 · sum_{i > N} p_i`` (`skillode.closed_form.modular_ce_loss`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import xarray as xr

from ._validate import check_choice, check_int, check_level, check_scalar

__all__ = [
    "CHINCHILLA",
    "CHINCHILLA_PARAMS",
    "ChinchillaFit",
    "PowerLawFit",
    "ScalingExponent",
    "final_loss",
    "fit_chinchilla",
    "fit_power_law",
    "reference_exponents",
    "scaling_exponent",
    "two_point_exponent",
]

# ----------------------------------------------------------------------------------------------------------------
# Reference values

CHINCHILLA = {"alpha_N": 0.34, "alpha_S": 0.28}
"""Chinchilla exponents (Hoffmann et al. 2022, $L = 406.4/N^{0.34} + 410.7/D^{0.28} + 1.69$)."""

CHINCHILLA_PARAMS = {"E": 1.69, "A": 406.4, "a": CHINCHILLA["alpha_N"], "B": 410.7, "b": CHINCHILLA["alpha_S"]}
"""Chinchilla's published fit (Hoffmann et al. 2022, approach 3): ``L = 1.69 + 406.4 N^-0.34 + 410.7 D^-0.28``
with ``N`` parameters and ``D`` training tokens, keyed as `ChinchillaFit.params`. The exponents are those of
`CHINCHILLA`."""


def reference_exponents(alpha) -> dict[str, float]:
    r"""Reference scaling exponents for Zipf exponent $\alpha > 0$ (as compared in arXiv:2501.12391, Fig. 10).

    | reference | $\alpha_N$ | $\alpha_S$ |
    |---|---|---|
    | quanta model (Michaud et al.) | $\alpha - 1$ | $(\alpha - 1)/\alpha$ |
    | Domino model | $\alpha - 1$ | $\alpha - 1$ |
    | Chinchilla (Hoffmann et al.) | 0.34 | 0.28 |

    Returns ``{"quanta_N", "quanta_S", "domino_N", "domino_S", "chinchilla_N", "chinchilla_S"}``.
    """
    alpha = check_scalar(alpha, "alpha (Zipf exponent)", low=0.0, strict=True)
    return {
        "quanta_N": alpha - 1.0,
        "quanta_S": (alpha - 1.0) / alpha,
        "domino_N": alpha - 1.0,
        "domino_S": alpha - 1.0,
        "chinchilla_N": CHINCHILLA["alpha_N"],
        "chinchilla_S": CHINCHILLA["alpha_S"],
    }


# ----------------------------------------------------------------------------------------------------------------
# Scaling exponents


def _loglog_interp(x, y, x0):
    lx, ly = np.log(x), np.log(y)
    if not lx.min() <= math.log(x0) <= lx.max():
        raise ValueError(f"x = {x0} lies outside the data range [{x.min()}, {x.max()}]")
    return float(np.exp(np.interp(math.log(x0), lx, ly)))


def two_point_exponent(x, y, x1: float, x2: float) -> float:
    r"""The paper's two-point estimate ``alpha = -log(y(x2)/y(x1)) / log(x2/x1)`` (log–log interpolation).

    `x` increasing and positive, `y` positive, shapes ``(m,)``; ``x1 < x2`` inside the data range.
    """
    x, y = _check_xy(x, y)
    if not x1 < x2:
        raise ValueError(f"need x1 < x2, got {x1} and {x2}")
    return -math.log(_loglog_interp(x, y, x2) / _loglog_interp(x, y, x1)) / math.log(x2 / x1)


def _check_xy(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y must be 1-D of the same length >= 2, got {x.shape} and {y.shape}")
    if np.any(np.diff(x) <= 0) or np.any(x <= 0):
        raise ValueError("x must be positive and strictly increasing")
    if not np.all(np.isfinite(y)) or np.any(y <= 0):
        raise ValueError("y must be finite and > 0 (a loss on a log scale)")
    return x, y


class ScalingExponent(eqx.Module):
    """A decay exponent ``alpha`` of ``y ∝ x^{-alpha}`` over a window ``[lo, hi]`` (immutable).

    - `two_point`: the paper's estimate from the window's end points.
    - `lsq`: least-squares log–log slope over the points in the window (sign flipped), with `ci` its bootstrap
      interval (``alpha`` units) and `n_points` the points used.
    """

    two_point: float
    lsq: float
    ci: tuple[float, float]
    window: tuple[float, float]
    n_points: int


def scaling_exponent(x, y, window: tuple[float, float], *, n_boot: int = 1000, seed: int = 0) -> ScalingExponent:
    """Estimate ``alpha`` in ``y ∝ x^{-alpha}`` on ``window = (lo, hi)`` two ways (see `ScalingExponent`).

    Examples:
        >>> x = np.arange(20, 1001, 20.0)
        >>> round(scaling_exponent(x, 5 * x**-0.5, (40, 220)).two_point, 6)
        0.5
    """
    x, y = _check_xy(x, y)
    lo, hi = (float(v) for v in window)
    inside = (x >= lo) & (x <= hi)
    if inside.sum() < 2:
        raise ValueError(f"window {window} holds {int(inside.sum())} data points; need >= 2")
    fit = fit_power_law(x[inside], y[inside], n_boot=n_boot, seed=seed)
    return ScalingExponent(
        two_point=two_point_exponent(x, y, lo, hi),
        lsq=-fit.exponent,
        ci=(-fit.ci[1], -fit.ci[0]),
        window=(lo, hi),
        n_points=int(inside.sum()),
    )


def final_loss(ds: xr.Dataset, *, over: str | None = "seed", reduce: str = "median", var: str = "loss") -> xr.DataArray:
    """Loss at the last recorded step, reduced over the `over` axis (the paper takes the median over seeds).

    Returns a DataArray over the remaining sweep axes (e.g. ``(alpha, N)``).
    """
    if var not in ds:
        raise ValueError(f"the Dataset has no variable {var!r}")
    check_choice(reduce, "reduce", ("median", "mean"))
    last = ds[var].isel(t=-1)
    if over is None:
        return last
    if over not in last.dims:
        raise ValueError(f"over={over!r} is not a dimension of {var!r} {last.dims}")
    return getattr(last, reduce)(over)


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
    n_boot = check_int(n_boot, "n_boot", low=0)
    seed = check_int(seed, "seed", low=0)
    level = check_level(level, "level")
    lx, ly = np.log(x), np.log(y)
    slope, intercept = _loglog_fit(lx, ly)
    resid = ly - (intercept + slope * lx)
    ss_tot = np.sum((ly - ly.mean()) ** 2)
    r2 = float(1 - np.sum(resid**2) / ss_tot) if ss_tot > 0 else float("nan")
    ci = pci = (float("nan"), float("nan"))
    if n_boot:
        rng = np.random.default_rng(seed)
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
        seed=seed,
        level=level,
    )


# ----------------------------------------------------------------------------------------------------------------
# The Chinchilla form L(N, S) = E + A N^-a + B S^-b

_CHINCHILLA_NAMES = ("E", "A", "a", "B", "b")

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
    level = check_level(level, "level")
    max_steps = check_int(max_steps, "max_steps")
    rtol = check_scalar(rtol, "rtol", low=0.0, strict=True)
    atol = check_scalar(atol, "atol", low=0.0, strict=True)
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
