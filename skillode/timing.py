r"""Learning times in one room: one `Threshold`, one crossing rule, one time grid, one `learning_times`.

The *learning time* of skill $i$ is the first time its skill level reaches a threshold,
$t_i = \inf\{t : s_i(t) \ge s^*\}$ (arXiv:2501.12391 uses $s^* = 0.9$), or, with ``on="loss"``, the first time
its per-skill loss falls to the threshold, $t_i = \inf\{t : \ell_i(t) \le \ell^*\}$.

- `Threshold` is the one description of that condition, and `Threshold.reached` the one rule that decides it
  (NumPy or JAX arrays alike). It is applied by `first_crossing` to trajectories and, during a run, by
  `skillode.sweeps.summary.LearningTimeTracker` (the learning times of `skillode.GeometrySweep` and
  `skillode.networks.TrainingSweep`).
- `time_grid` is the one rule for the times at which a model without a closed form is solved for its learning
  times: every integer step for a solver that steps in integers (``AbstractSolver.integer_steps``, the discrete
  map), else 4001 evenly spaced points. `learning_times`, `skillode.Sweep.learning_times` and the command line
  use it.
- `learning_times` applies the threshold to

  - a **model** (`skillode.ResourceModel`, `skillode.DominoModel`; `model_learning_times`): its closed form where
    it has one (gate-free, $C = I$), else the model is solved on `time_grid` up to ``t_max`` and the crossing is
    extracted as for data;
  - a **trajectory** (`xarray.Dataset` in the shared format, theory or experiment; `trajectory_learning_times`):
    between saved points the crossing is linearly interpolated (``interpolate=True``) or taken at the first saved
    point that satisfies it (``interpolate=False``, the paper's "first step" convention).

A skill that never crosses is *censored*: its time is NaN and the ``learned`` coordinate (`with_learned`, the one
place it is built) is False. Results record their threshold in ``attrs`` with one spelling, `Threshold.attrs`
(``threshold``, ``on``, ``interpolate``), read back by `Threshold.from_attrs`.

`learning_times` dispatches on the type of its source (`functools.singledispatch`): trajectories are registered
here, skill models by `skillode._model`, which imports this module (this module imports no model: no cycle).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from ._validate import check_int, is_concrete
from .solvers import AbstractSolver, solver_or_method
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = [
    "Threshold",
    "as_threshold",
    "first_crossing",
    "learning_times",
    "model_learning_times",
    "time_grid",
    "trajectory_learning_times",
    "with_learned",
]

N_GRID = 4001
"""Saved points when a model without a closed form is solved for its learning times (`time_grid`)."""


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
    - `interpolate`: interpolate linearly between saved points of a trajectory (True) or take the first saved
      point that satisfies the condition (False). Closed forms are exact either way; times counted in steps (the
      discrete map, the learning times tracked during a scan sweep's runs) are the first step that satisfies it.

    Examples:
        >>> Threshold(0.9).rising, Threshold(0.01, on="loss").rising
        (True, False)
        >>> Threshold(0.9).reached(np.array([0.5, 0.9, np.nan]))
        array([False,  True, False])
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

    def reached(self, values):
        """Whether ``values`` satisfy the condition, elementwise: ``values >= level`` (rising variables) or
        ``values <= level`` (losses); NaN never does. The one crossing rule: NumPy in, NumPy out; JAX in (also
        traced, inside a compiled run), JAX out."""
        level = float(self.level) if is_concrete(self.level) else self.level  # a Python float keeps the dtype
        return values >= level if self.rising else values <= level

    def step_exact(self) -> Threshold:
        """The same condition with ``interpolate=False``: what times counted in steps use (see `interpolate`)."""
        return Threshold(self.level, on=self.on, interpolate=False)

    def attrs(self) -> dict:
        """netCDF-safe ``attrs``: ``on``, ``interpolate`` and, when concrete, ``threshold`` (the level). The one
        spelling every result uses; `from_attrs` reads it back."""
        out = {"on": self.on, "interpolate": int(self.interpolate)}
        if is_concrete(self.level):
            out["threshold"] = float(self.level)
        return out

    @classmethod
    def from_attrs(cls, attrs: Mapping) -> Threshold | None:
        """The `Threshold` that `attrs` wrote into ``attrs`` (``None`` where they record no ``threshold``).

        Stores and files written before the spelling was unified said ``threshold_on``; it is read too.
        """
        if "threshold" not in attrs:
            return None
        on = attrs.get("on", attrs.get("threshold_on", "skill_level"))
        return cls(float(attrs["threshold"]), on=str(on), interpolate=bool(int(attrs.get("interpolate", 1))))


def as_threshold(threshold) -> Threshold:
    """A `Threshold` from a `Threshold` or a number (a skill level, ``on="skill_level"``)."""
    if isinstance(threshold, Threshold):
        return threshold
    if isinstance(threshold, (bool, str)) or threshold is None:
        raise ValueError(f"threshold must be a number or a skillode.Threshold, got {threshold!r}")
    return Threshold(threshold)


def time_grid(solver: AbstractSolver | None, t_max: float, *, num: int = N_GRID) -> np.ndarray:
    """The times ``[0, t_max]`` at which a model is solved for its learning times (the one rule).

    Every integer step ``0, 1, …, ceil(t_max)`` for a solver with ``integer_steps`` (the discrete map: its
    learning times are exact steps), else ``num`` evenly spaced points (default 4001). ``solver=None`` (a model
    that takes no solver) counts as continuous.

    Examples:
        >>> from skillode.solvers import DiscreteMap, Exact
        >>> time_grid(DiscreteMap(), 2.5), time_grid(Exact(), 1.0, num=3)
        (array([0., 1., 2., 3.]), array([0. , 0.5, 1. ]))
    """
    if solver is not None and not isinstance(solver, AbstractSolver):
        raise ValueError(f"solver must be a skillode.solvers.AbstractSolver or None, got {type(solver).__name__}")
    t_max = float(t_max)
    if not (np.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_max must be finite and > 0, got {t_max}")
    if solver is not None and solver.integer_steps:
        return np.arange(0.0, np.ceil(t_max) + 1.0)
    return np.linspace(0.0, t_max, check_int(num, "num (saved points)", 2))


def first_crossing(values, t, threshold, *, rising: bool | None = None, interpolate: bool | None = None) -> np.ndarray:
    """First time at which ``values`` satisfy ``threshold`` along the last axis (`Threshold.reached`).

    **Arguments:**

    - `values`: array of shape ``(..., T)``.
    - `t`: times, shape ``(T,)``, strictly increasing.
    - `threshold`: a `Threshold` (its rule and its ``interpolate``); or a number, with `rising` (default True:
      ``values >= level``; False: ``values <= level``, which needs a level ``> 0``, as a loss) and `interpolate`
      (default True), which mean ``Threshold(level, on="value" if rising else "loss", interpolate=interpolate)``.
    - `interpolate`: linearly interpolate between the saved point before and the first one that crosses.

    **Returns:** array of shape ``(...)``; NaN where the level is never reached.
    """
    if isinstance(threshold, Threshold):
        if rising is not None or interpolate is not None:
            raise ValueError("rising= and interpolate= go with a number level; a Threshold carries its own")
    else:
        if isinstance(threshold, (bool, str)) or threshold is None:
            raise ValueError(f"threshold must be a number or a skillode.Threshold, got {threshold!r}")
        rising = True if rising is None else bool(rising)
        threshold = Threshold(threshold, on="value" if rising else "loss",
                              interpolate=True if interpolate is None else bool(interpolate))
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if v.shape[-1] != t.shape[0]:
        raise ValueError(f"values has {v.shape[-1]} time points but t has {t.shape[0]}")
    hit = np.asarray(threshold.reached(v))
    any_hit = hit.any(axis=-1)
    k = np.argmax(hit, axis=-1)
    t_hit = t[k]
    if threshold.interpolate:
        sign = 1.0 if threshold.rising else -1.0  # rising orientation: the crossing goes from below to above
        level = sign * float(threshold.level)
        km1 = np.maximum(k - 1, 0)
        v_hi = sign * np.take_along_axis(v, k[..., None], axis=-1)[..., 0]
        v_lo = sign * np.take_along_axis(v, km1[..., None], axis=-1)[..., 0]
        t_lo = t[km1]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(v_hi > v_lo, (level - v_lo) / (v_hi - v_lo), 1.0)
        t_hit = np.where(k > 0, t_lo + np.clip(frac, 0.0, 1.0) * (t_hit - t_lo), t_hit)
    return np.where(any_hit, t_hit, np.nan)


def with_learned(times):
    """``times`` (a ``learning_time`` DataArray, or a Dataset holding one) with the boolean ``learned``
    coordinate: True where the time is finite. The one place it is built; lazy (Dask) times stay lazy."""
    lt = times["learning_time"] if isinstance(times, xr.Dataset) else times
    return times.assign_coords(learned=(lt.dims, np.isfinite(lt.data)))


@functools.singledispatch
def learning_times(source, threshold=0.9, *, solver=None, method: str | None = None,
                   t_max: float | None = None) -> xr.DataArray:
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
      model is saved at `time_grid` (4001 points, every integer step on the discrete map).

    **Returns:** ``xarray.DataArray`` named ``learning_time`` with dims ``(*sweep, skill)``, NaN for skills
    never learned, a boolean ``learned`` coordinate, and ``attrs`` recording the threshold (`Threshold.attrs`)
    and the method.

    Examples:
        >>> import numpy as np, skillode as sk
        >>> model = sk.ResourceModel(p=sk.zipf(3), eta=0.01, N0=0.0)
        >>> sk.learning_times(model, 0.9).values.round(1)  # the closed form
        array([156.3, 254.1, 289.4])
        >>> ds = model.solve(np.linspace(0.0, 400.0, 4001))
        >>> sk.learning_times(ds, sk.Threshold(0.9)).values.round(1)  # the same definition on a trajectory
        array([156.3, 254.1, 289.4])
    """
    as_threshold(threshold)
    solver_or_method(solver, method)
    raise ValueError(f"source must be a trajectory Dataset or a skill model, got {type(source).__name__}")


@learning_times.register(xr.Dataset)
def _(source, threshold=0.9, *, solver=None, method=None, t_max=None) -> xr.DataArray:
    threshold = as_threshold(threshold)
    if solver_or_method(solver, method) is not None or t_max is not None:
        raise ValueError("solver=, method= and t_max= apply to a model source, not to a trajectory")
    return trajectory_learning_times(source, threshold)


def trajectory_learning_times(ds: xr.Dataset, threshold) -> xr.DataArray:
    """`learning_times` of a trajectory Dataset: `first_crossing` of the threshold's variable along ``t``
    (first steps, never interpolated, for the discrete map's trajectories)."""
    threshold = as_threshold(threshold)
    validate_trajectory(ds)
    name = threshold.variable
    if name not in ds or SKILL not in ds[name].dims:
        per_skill = [k for k, v in ds.data_vars.items() if SKILL in v.dims]
        raise ValueError(f"threshold on={threshold.on!r} needs a per-skill variable {name!r}; the trajectory has "
                         f"{per_skill}")
    var = ds[name].transpose(..., TIME)
    if ds.attrs.get("solver") == "DiscreteMap":
        threshold = threshold.step_exact()
    times = first_crossing(var.values, ds[TIME].values, threshold)
    out = xr.DataArray(
        times,
        dims=var.dims[:-1],
        coords={k: c for k, c in var.coords.items() if TIME not in c.dims},
        name="learning_time",
        attrs={**threshold.attrs(), "units": "steps"},
    )
    return with_learned(out)


@eqx.filter_jit
def _closed_form(model, threshold):  # compiled once per model structure; a new level or new parameters reuse it
    return model.closed_form_learning_times(threshold)


def model_learning_times(model, threshold=0.9, *, solver=None, method: str | None = None,
                         t_max: float | None = None) -> xr.DataArray:
    """`learning_times` of a skill model (`skillode.AbstractTimeModel`, which registers it): the closed form where
    the model has one for ``threshold`` and no solver is given, else the model solved on `time_grid` up to
    ``t_max`` (default `AbstractTimeModel.horizon`) and `trajectory_learning_times` of that solve."""
    threshold = as_threshold(threshold)
    solver = solver_or_method(solver, method)
    if solver is None and model.has_closed_form_learning_times(threshold):
        times = np.asarray(_closed_form(model, threshold), dtype=np.float64)
        out = xr.DataArray(
            times,
            dims=(SKILL,),
            coords={SKILL: np.arange(1, model.n + 1), "p": (SKILL, np.asarray(model.p))},
            name="learning_time",
            attrs={**threshold.attrs(), "method": "closed_form", "units": "steps"},
        )
        return with_learned(out)
    numeric = model.numeric_solver(solver)
    ts = time_grid(numeric, model.horizon(threshold) if t_max is None else t_max)
    out = trajectory_learning_times(model.solve(ts, numeric), threshold)
    out.attrs["method"] = "solve" if numeric is None else type(numeric).__name__
    return out
