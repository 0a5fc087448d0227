"""Learning times from any trajectory: one definition, named and explicit.

The *learning time* of skill ``i`` is the first time its skill level reaches a threshold,

    t_i = inf { t : s_i(t) >= threshold },

(PAPER §2 uses ``threshold = 0.9``), or, with ``on="loss"``, the first time its loss falls to the threshold,

    t_i = inf { t : ell_i(t) <= threshold }.

Between saved points the crossing is linearly interpolated (``interpolate=True``, the default) or taken at the
first saved point that satisfies the condition (``interpolate=False``, the paper's "first step" convention).
A skill that never crosses inside the trajectory is *censored*: its time is NaN, and the returned DataArray's
``learned`` coordinate is False for it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .trajectory import SKILL, TIME, validate_trajectory

__all__ = ["learning_times", "first_crossing"]


def first_crossing(values, t, level: float, *, rising: bool = True, interpolate: bool = True) -> np.ndarray:
    """First time at which ``values`` reaches ``level`` along the last axis.

    **Arguments:**

    - `values`: array of shape ``(..., T)``.
    - `t`: times, shape ``(T,)``, strictly increasing.
    - `level`: the threshold.
    - `rising`: True for ``values >= level`` (skill levels), False for ``values <= level`` (losses).
    - `interpolate`: linearly interpolate between the saved point before and the first one that crosses.

    **Returns:** array of shape ``(...)``; NaN where the level is never reached.
    """
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if v.shape[-1] != t.shape[0]:
        raise ValueError(f"values has {v.shape[-1]} time points but t has {t.shape[0]}")
    if not rising:
        v, level = -v, -level
    hit = v >= level
    any_hit = hit.any(axis=-1)
    k = np.argmax(hit, axis=-1)
    t_hit = t[k]
    if interpolate:
        km1 = np.maximum(k - 1, 0)
        v_hi = np.take_along_axis(v, k[..., None], axis=-1)[..., 0]
        v_lo = np.take_along_axis(v, km1[..., None], axis=-1)[..., 0]
        t_lo = t[km1]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(v_hi > v_lo, (level - v_lo) / (v_hi - v_lo), 1.0)
        t_hit = np.where(k > 0, t_lo + np.clip(frac, 0.0, 1.0) * (t_hit - t_lo), t_hit)
    return np.where(any_hit, t_hit, np.nan)


def learning_times(
    ds: xr.Dataset,
    threshold: float = 0.9,
    *,
    on: str = "skill_level",
    interpolate: bool = True,
) -> xr.DataArray:
    """Learning time of every skill in a trajectory (theory or experiment alike).

    **Arguments:**

    - `ds`: a trajectory Dataset (see `skillode.trajectory`), dims ``(*sweep, skill, t)``.
    - `threshold`: for ``on="skill_level"`` a skill level in the open interval ``(0, 1)``; for
      ``on="loss"`` a per-skill loss ``> 0``; for any other variable name, the level that variable must
      *reach from below*.
    - `on`: ``"skill_level"`` (default), ``"loss"`` (uses ``skill_loss``), or the name of another
      per-skill variable such as ``"accuracy"``.
    - `interpolate`: see the module docstring.

    **Returns:** ``xarray.DataArray`` named ``learning_time`` with dims ``(*sweep, skill)``, NaN for skills
    never learned, a boolean ``learned`` coordinate, and ``attrs`` recording ``threshold``, ``on``,
    ``interpolate``.

    Example:
        >>> import skillode as sk
        >>> model = sk.ResourceModel(p=sk.zipf(3), eta=0.01, N0=0.0)
        >>> ds = model.solve(np.linspace(0, 400, 401))
        >>> sk.learning_times(ds, 0.9).values.round(1)  # doctest: +SKIP
    """
    validate_trajectory(ds)
    threshold = float(threshold)
    if on == "skill_level":
        if not (0.0 < threshold < 1.0):
            raise ValueError(f"threshold must lie in the open interval (0, 1) for on='skill_level', got {threshold}")
        var, rising = ds["skill_level"], True
    elif on == "loss":
        if "skill_loss" not in ds:
            raise ValueError("on='loss' needs a 'skill_loss' variable in the trajectory")
        if not (threshold > 0.0 and np.isfinite(threshold)):
            raise ValueError(f"threshold must be a finite loss > 0 for on='loss', got {threshold}")
        var, rising = ds["skill_loss"], False
    elif on in ds and SKILL in ds[on].dims:
        if not np.isfinite(threshold):
            raise ValueError(f"threshold must be finite, got {threshold}")
        var, rising = ds[on], True
    else:
        per_skill = [name for name, v in ds.data_vars.items() if SKILL in v.dims]
        raise ValueError(f"on must be 'skill_level', 'loss' or a per-skill variable {per_skill}, got {on!r}")
    var = var.transpose(..., TIME)
    times = first_crossing(var.values, ds[TIME].values, threshold, rising=rising, interpolate=interpolate)
    out = xr.DataArray(
        times,
        dims=var.dims[:-1],
        coords={k: c for k, c in var.coords.items() if TIME not in c.dims},
        name="learning_time",
        attrs={"threshold": threshold, "on": on, "interpolate": int(interpolate), "units": "steps"},
    )
    return out.assign_coords(learned=(out.dims, np.isfinite(times)))
