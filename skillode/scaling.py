r"""Neural-scaling analyses: loss against model size ``N`` and against steps ``S``, and their exponents.

The paper measures ``L(N) ∝ N^{-alpha_N}`` (final loss against the Geometry model's dimension) and
``L(S) ∝ S^{-alpha_S}`` (loss against optimizer steps), and compares them with (arXiv:2501.12391, Figs. 10 and 18;
`skillode.closed_form.reference_exponents`):

| reference | $\alpha_N$ | $\alpha_S$ |
| --- | --- | --- |
| quanta model (Michaud et al.) | $\alpha - 1$ | $(\alpha - 1) / \alpha$ |
| Domino model | $\alpha - 1$ | $\alpha - 1$ |
| Chinchilla (Hoffmann et al.) | 0.34 | 0.28 |

where ``alpha`` is the Zipf exponent of the skill frequencies. The paper's own estimate is a *two-point* log–log
slope (``N = 40 → 220`` for ``alpha_N``; steps ``80 → 200`` for ``alpha_S``); `scaling_exponent` returns it together
with the least-squares slope over the window and a bootstrap CI.

For one-hot ("modular") task vectors the final CE loss is exact: tasks beyond ``N`` are never learned, so
``L(N) = log 2 · sum_{i > N} p_i`` (`skillode.closed_form.modular_ce_loss`).
"""

from __future__ import annotations

import math

import equinox as eqx
import numpy as np
import xarray as xr

from .fit import fit_power_law

__all__ = ["ScalingExponent", "final_loss", "scaling_exponent", "two_point_exponent"]


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
    if reduce not in ("median", "mean"):
        raise ValueError(f"reduce must be 'median' or 'mean', got {reduce!r}")
    last = ds[var].isel(t=-1)
    if over is None:
        return last
    if over not in last.dims:
        raise ValueError(f"over={over!r} is not a dimension of {var!r} {last.dims}")
    return getattr(last, reduce)(over)
