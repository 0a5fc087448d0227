r"""Learning times: one `Threshold` and one `learning_times(source, threshold)` for models and data alike.

The *learning time* of skill $i$ is the first time its skill level reaches a threshold,
$t_i = \inf\{t : s_i(t) \ge s^*\}$ (arXiv:2501.12391 uses $s^* = 0.9$), or, with ``on="loss"``, the first time
its per-skill loss falls to the threshold, $t_i = \inf\{t : \ell_i(t) \le \ell^*\}$.

`Threshold` is the one description of that condition; `learning_times` applies it to

- a **model** (`skillode.ResourceModel`, `skillode.DominoModel`): its closed form where it has one (gate-free,
  $C = I$), else the model is solved on a grid up to ``t_max`` and the crossing is extracted as for data;
- a **trajectory** (`xarray.Dataset` in the shared format, theory or experiment): between saved points the
  crossing is linearly interpolated (``interpolate=True``) or taken at the first saved point that satisfies it
  (``interpolate=False``, the paper's "first step" convention).

A skill that never crosses is *censored*: its time is NaN and the ``learned`` coordinate is False.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from ._model import AbstractTimeModel
from ._validate import is_concrete
from .solvers import solver_or_method
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = ["Threshold", "as_threshold", "learning_times", "first_crossing"]

_N_GRID = 4001  # saved points when a model without a closed form is solved for its learning times


def _as_level(level):
    """The level as a float64 array: an array leaf, so compiled kernels take a new level without recompiling."""
    if not is_concrete(level):
        return level
    if isinstance(level, (bool, str)):
        raise ValueError(f"threshold level must be a number, got {level!r}")
    try:
        return jnp.asarray(level, dtype=jnp.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"threshold level must be a number, got {level!r}") from err


class Threshold(eqx.Module):
    r"""When a skill counts as learned.

    **Arguments (keyword-only except `level`):**

    - `level`: for ``on="skill_level"`` a skill level $s^*$ in the open interval $(0, 1)$ (default 0.9); for
      ``on="loss"`` a per-skill loss $\ell^* > 0$; for another per-skill variable (e.g. ``"accuracy"``) the
      value it must reach from below. A traced value is allowed (sweeps vmap over it, no recompilation).
    - `on`: ``"skill_level"``, ``"loss"`` (the ``skill_loss`` variable) or another per-skill variable's name.
    - `interpolate`: interpolate linearly between saved points (True) or take the first saved point that
      satisfies the condition (False). Closed forms are exact either way; the discrete map's times are the
      first step that satisfies it.

    Examples:
        >>> Threshold(0.9).rising, Threshold(0.01, on="loss").rising
        (True, False)
    """

    level: jax.Array = eqx.field(default=0.9, converter=lambda x: _as_level(x))
    on: str = eqx.field(static=True, default="skill_level", kw_only=True)
    interpolate: bool = eqx.field(static=True, default=True, kw_only=True)

    def __check_init__(self):
        if not isinstance(self.on, str) or not self.on:
            raise ValueError(f"on must be 'skill_level', 'loss' or a per-skill variable name, got {self.on!r}")
        if not isinstance(self.interpolate, bool):
            raise ValueError(f"interpolate must be True or False, got {self.interpolate!r}")
        if np.ndim(self.level) != 0:
            raise ValueError(f"threshold level must be a scalar, got shape {np.shape(self.level)}")
        if is_concrete(self.level):
            v = float(self.level)
            if self.on == "skill_level" and not 0.0 < v < 1.0:
                raise ValueError(f"threshold level must lie in the open interval (0, 1) for on='skill_level', got {v}")
            if self.on == "loss" and not (np.isfinite(v) and v > 0):
                raise ValueError(f"threshold level must be a finite loss > 0 for on='loss', got {v}")
            if not np.isfinite(v):
                raise ValueError(f"threshold level must be finite, got {v}")

    @property
    def rising(self) -> bool:
        """True when the variable must rise to the level (skill levels, accuracies), False for losses."""
        return self.on != "loss"

    @property
    def variable(self) -> str:
        """The trajectory variable the condition is on."""
        return "skill_loss" if self.on == "loss" else self.on

    def attrs(self) -> dict:
        """netCDF-safe ``attrs`` (the level only when concrete)."""
        out = {"on": self.on, "interpolate": int(self.interpolate)}
        if is_concrete(self.level):
            out["threshold"] = float(self.level)
        return out


def as_threshold(threshold) -> Threshold:
    """A `Threshold` from a `Threshold` or a number (a skill level, ``on="skill_level"``)."""
    if isinstance(threshold, Threshold):
        return threshold
    if isinstance(threshold, (bool, str)) or threshold is None:
        raise ValueError(f"threshold must be a number or a skillode.Threshold, got {threshold!r}")
    return Threshold(threshold)


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
    source, threshold=0.9, *, solver=None, method: str | None = None, t_max: float | None = None
) -> xr.DataArray:
    """Learning time of every skill of a model or a trajectory (theory or experiment alike).

    **Arguments:**

    - `source`: a trajectory Dataset (dims ``(*sweep, skill, t)``, see `skillode.trajectory`) or a model
      (`skillode.ResourceModel`, `skillode.DominoModel`).
    - `threshold`: a `Threshold`, or a number meaning ``Threshold(level)`` on the skill level.
    - `solver` (models only): solve the model with this solver (a `skillode.solvers` object or name) instead of
      using its closed form. Without it the closed form is used where the model has one, else the model's
      default solver (`skillode.solvers.default_solver`). ``method="discrete"`` etc. is the shorthand for
      ``solver=`` with a name.
    - `t_max` (models only, numeric path): the horizon of the solve (default: the model's `horizon`); the
      model is saved at 4001 points (every integer step on the discrete map).

    **Returns:** ``xarray.DataArray`` named ``learning_time`` with dims ``(*sweep, skill)``, NaN for skills
    never learned, a boolean ``learned`` coordinate, and ``attrs`` recording the threshold and the method.

    Examples:
        >>> import numpy as np, skillode as sk
        >>> model = sk.ResourceModel(p=sk.zipf(3), eta=0.01, N0=0.0)
        >>> sk.learning_times(model, 0.9).values.round(1)  # the closed form
        array([156.3, 254.1, 289.4])
        >>> ds = model.solve(np.linspace(0.0, 400.0, 4001))
        >>> sk.learning_times(ds, sk.Threshold(0.9)).values.round(1)  # the same definition on a trajectory
        array([156.3, 254.1, 289.4])
    """
    threshold = as_threshold(threshold)
    solver = solver_or_method(solver, method)
    if isinstance(source, AbstractTimeModel):
        return _model_learning_times(source, threshold, solver, t_max)
    if not isinstance(source, xr.Dataset):
        raise ValueError(f"source must be a trajectory Dataset or a skill model, got {type(source).__name__}")
    if solver is not None or t_max is not None:
        raise ValueError("solver= and t_max= apply to a model source, not to a trajectory")
    return _dataset_learning_times(source, threshold)


def _dataset_learning_times(ds: xr.Dataset, threshold: Threshold) -> xr.DataArray:
    validate_trajectory(ds)
    name = threshold.variable
    if name not in ds or SKILL not in ds[name].dims:
        per_skill = [k for k, v in ds.data_vars.items() if SKILL in v.dims]
        raise ValueError(f"threshold on={threshold.on!r} needs a per-skill variable {name!r}; the trajectory has "
                         f"{per_skill}")
    var = ds[name].transpose(..., TIME)
    interpolate = threshold.interpolate and ds.attrs.get("solver") != "DiscreteMap"
    times = first_crossing(var.values, ds[TIME].values, float(threshold.level), rising=threshold.rising,
                           interpolate=interpolate)
    out = xr.DataArray(
        times,
        dims=var.dims[:-1],
        coords={k: c for k, c in var.coords.items() if TIME not in c.dims},
        name="learning_time",
        attrs={**threshold.attrs(), "units": "steps"},
    )
    return out.assign_coords(learned=(out.dims, np.isfinite(times)))


@eqx.filter_jit
def _closed_form(model, threshold):  # compiled once per model structure; a new level or new parameters reuse it
    return model.closed_form_learning_times(threshold)


def _model_learning_times(model, threshold: Threshold, solver, t_max) -> xr.DataArray:
    if solver is None and model.has_closed_form_learning_times(threshold):
        times = np.asarray(_closed_form(model, threshold), dtype=np.float64)
        out = xr.DataArray(
            times,
            dims=(SKILL,),
            coords={SKILL: np.arange(1, model.n + 1), "p": (SKILL, np.asarray(model.p))},
            name="learning_time",
            attrs={**threshold.attrs(), "method": "closed_form", "units": "steps"},
        )
        return out.assign_coords(learned=(SKILL, np.isfinite(times)))
    solver = model.numeric_solver(solver)
    t_max = model.horizon(threshold) if t_max is None else float(t_max)
    if not (np.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_max must be finite and > 0, got {t_max}")
    if getattr(solver, "integer_steps", False):
        ts = np.arange(0.0, np.ceil(t_max) + 1.0)
    else:
        ts = np.linspace(0.0, t_max, _N_GRID)
    out = _dataset_learning_times(model.solve(ts, solver), threshold)
    out.attrs["method"] = "solve" if solver is None else type(solver).__name__
    return out
