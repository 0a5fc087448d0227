r"""Parameter sweeps of the Resource model over named axes: a stacked batch of models, one trajectory Dataset.

A `Sweep` is a grid of `skillode.ResourceModel`\ s: a few named *axes* varied over given values, everything else
fixed. Each chunk of the grid is a batch of models stacked along a leading axis, solved by one compiled function
that takes the models, the solver and the times (or the `skillode.Threshold`) as arguments: a second sweep whose
models have the same structure, or a new threshold level, reuses the compiled code.

`Sweep.run` returns ONE ``xarray.Dataset`` in the shared trajectory format with dims ``(*axes, skill, t)``;
`Sweep.learning_times` returns the learning times of the whole grid, dims ``(*axes, skill)``.

Axes are model fields that may vary, plus the Zipf exponent and the static loss choice:

| axis | values | in the Dataset |
|---|---|---|
| ``"N0"``, ``"eta"`` | scalars | a coordinate of the values |
| ``"alpha"`` | Zipf exponents $\ge 0$: $p = \mathrm{zipf}(n, \alpha)$ | coordinate ``p`` with dims ``(alpha, skill)`` |
| ``"p"``, ``"l0"`` | arrays of shape ``(n,)`` | dim ``p_index`` / ``l0_index``, coordinate of the arrays |
| ``"C"`` | matrices of shape ``(n, n)`` | dim ``C_index``, coordinate ``C`` ``(C_index, skill, skill_j)`` |
| ``"loss_kind"`` | ``"mse"`` and/or ``"ce"`` | a static choice: each value compiles its own solve |

Every axis value is validated up front by building its model with `ResourceModel`'s own checks (errors name
the axis). The grid is cut into rectangular blocks of about ``block_size`` points (`skillode._grid`; padded, so
one compilation serves all), vmapped in batches of 64 inside the compiled function (``jax.lax.map``) and split over
the local devices. `skillode.distributed.execute` runs the blocks: in process or on a Dask cluster
(``client=``), into memory or into a resumable zarr store (``store=``).

Examples:
    >>> import numpy as np
    >>> from skillode.sweeps import Sweep
    >>> sweep = Sweep(axes={"N0": [0.0, 0.01, 0.1], "alpha": [1.0, 2.0]}, n=10, eta=0.019)
    >>> ds = sweep.run(np.linspace(0, 1000, 101), progress=False)
    >>> ds.skill_level.dims
    ('N0', 'alpha', 'skill', 't')
    >>> sweep.learning_times(0.9).sel(N0=0.0, alpha=2.0).values.round(1)[:3]
    array([104.2, 211.2, 297.7])
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .._shard import n_devices, over_devices
from .._validate import LOSS_KINDS, check_int, check_times
from ..closed_form import psd_problem
from ..frequencies import zipf
from ..resource import ResourceModel
from ..solvers import Diffrax, Exact, as_solver, solver_or_method
from ..timing import as_threshold, time_grid, with_learned
from ..timing import learning_times as _learning_times
from ..trajectory import SKILL, TIME, trajectory_dataset
from . import axes as ax
from .axes import REQUIRED, Axes, Axis
from .base import AbstractSweep
from .execute import execute
from .grid import AbstractGridPlan, Grid

__all__ = ["Sweep", "AXES", "sweep_learning_times", "run_sweep"]

def _vector(name: str, rank: int):
    """A check: an array of rank ``rank`` with finite entries, as nested tuples of floats (hashable, exact)."""
    def check(value):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric, got {value!r}") from None
        if arr.ndim != rank or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be a finite array of rank {rank}, got {arr}")
        return tuple(arr.tolist()) if rank == 1 else tuple(tuple(row) for row in arr.tolist())

    return check


def _gram(name: str):
    """A check: `_vector` of rank 2, and symmetric positive semi-definite (`skillode.closed_form.psd_problem`)."""
    matrix = _vector(name, 2)

    def check(value):
        out = matrix(value)
        problem = psd_problem(out) if len(out) == len(out[0]) else f"{name} must be a square matrix"
        if problem is not None:
            raise ValueError(problem)
        return out

    return check


AXES = Axes("sweep", [
    Axis("N0", ax.finite("N0"), default=0.0, rank=0, doc="wasted resources N0 >= 0"),
    Axis("eta", ax.finite("eta"), default=REQUIRED, rank=0, doc="effective learning rate eta > 0"),
    Axis("p", _vector("p", 1), rank=1, doc="skill frequencies, shape (n,)"),
    Axis("C", _gram("C"), rank=2, doc="skill-overlap matrix, shape (n, n)"),
    Axis("l0", _vector("l0", 1), rank=1, doc="initial skill losses, shape (n,)"),
    Axis("alpha", ax.finite("alpha"), rank=0, doc="Zipf exponent >= 0 of p = zipf(n, alpha)"),
    Axis("loss_kind", ax.choice("loss_kind", LOSS_KINDS), static=True, default="mse", doc="loss variant"),
])
"""The Resource sweep's parameters (`skillode.sweeps.axes`); each value is checked again by building its model."""
FIELD_AXES = ("N0", "eta", "p", "C", "l0")
"""Numeric `ResourceModel` fields that may be sweep axes."""
_VARIABLES = ("skill_level", "skill_loss", "loss")
_MAP_BATCH = 64  # grid points vmapped together inside a chunk
_OUTPUT_BUDGET = 2**23  # float64 numbers per variable per chunk (64 MiB) when chunk_size is automatic


class _HostArray:
    """A NumPy array passed to a compiled function as a static (hashable) argument: the times of a sweep.

    The discrete map needs its steps on the host; hashing by content lets equal times reuse the compiled code.
    """

    def __init__(self, values: np.ndarray):
        self.values = values
        self._key = hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, _HostArray) and self._key == other._key


@eqx.filter_jit
def _solve_chunk(models, solver, ts: _HostArray, variables: tuple[str, ...]):
    """Solve a stacked batch of models (leading axis) at ``ts``: a tuple of arrays ``(batch, ...)`` per variable."""

    def one(model, solver):
        l = solver.states(model, ts.values)
        skill_loss = model.skill_loss_of(l)
        out = {
            "skill_level": model.skill_level_of(l),
            "skill_loss": skill_loss,
            "loss": jnp.sum(model.p[:, None] * skill_loss, axis=0),
        }
        return tuple(out[v] for v in variables)

    # vmap in batches of 64 inside the compiled block: a bare vmap over the whole block streams
    # (block, n, T) intermediates through memory and runs ~2.5x slower on CPU. The block's points are split over
    # the local devices first (skillode._shard).
    def local(models, solver):
        return jax.lax.map(lambda m: one(m, solver), models, batch_size=_MAP_BATCH)

    return over_devices(local, (True, False))(models, solver)


def _closed_form_chunk(models, threshold):
    """Closed-form learning times of a stacked batch of models, shape ``(batch, n)`` (the threshold is traced).

    The arrays and the static rest of the models and the threshold go to ``jax.jit`` separately (the static rest
    as hashable static arguments): the same compiled code as ``eqx.filter_jit``, with JAX's fast dispatch, which
    matters here because the work itself is a fraction of a millisecond.
    """
    model_arrays, model_static = eqx.partition(models, eqx.is_array)
    threshold_arrays, threshold_static = eqx.partition(threshold, eqx.is_array)
    return _closed_form_jit(model_arrays, threshold_arrays, model_static, threshold_static)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _closed_form_jit(model_arrays, threshold_arrays, model_static, threshold_static):
    def local(models, threshold):
        return jax.lax.map(lambda m: m.closed_form_learning_times(threshold), models, batch_size=_MAP_BATCH)

    models = eqx.combine(model_arrays, model_static)
    threshold = eqx.combine(threshold_arrays, threshold_static)
    return over_devices(local, (True, False))(models, threshold)


class Sweep(AbstractSweep):
    """A grid of Resource models over named axes (see the module docstring).

    **Arguments (keyword-only):**

    - `axes`: ordered mapping ``axis name -> values``; names from `AXES`. The output dims follow this order.
    - `n`: number of skills, for Zipf frequencies ``p = zipf(n, alpha)`` (with a fixed ``alpha`` or an
      ``"alpha"`` axis). Give either ``n`` or ``p``.
    - `alpha`: fixed Zipf exponent (default 2.0, the paper's) when neither ``"alpha"`` nor ``"p"`` is an axis.
    - `p`: fixed skill frequencies, shape ``(n,)`` (instead of ``n``/``alpha``).
    - `eta`, `N0`, `C`, `l0`: fixed values of those fields unless they are axes (``N0`` default 0).
    - `loss_kind`, `gates`, `normalized`: as for `ResourceModel` (``loss_kind`` may instead be an axis).

    A parameter given both as an axis and as a fixed value raises ``ValueError``.
    """

    AXES: ClassVar[Axes] = AXES
    axes: tuple[tuple[str, tuple], ...]
    fixed: tuple[tuple[str, object], ...]
    n: int = eqx.field(static=True)
    gates: object
    normalized: bool

    def __init__(
        self,
        *,
        axes: Mapping[str, Sequence],
        n: int | None = None,
        alpha: float | None = None,
        p=None,
        eta=None,
        N0=None,
        loss_kind: str | None = None,
        C=None,
        gates=None,
        l0=None,
        normalized: bool = True,
    ):
        given = {"alpha": alpha, "p": p, "eta": eta, "N0": N0, "loss_kind": loss_kind, "C": C, "l0": l0}
        # Model values are kept as given: `ResourceModel` checks them (and the spec, hence the store fingerprint,
        # sees them as the user wrote them).
        self.axes, fixed = AXES.parse(axes, given, canonical_fixed=False)
        names = self.names
        if "alpha" in names and ("p" in names or p is not None):
            raise ValueError("an 'alpha' axis makes p = zipf(n, alpha); do not also pass p= or a 'p' axis")
        if "p" in names or p is not None:
            if alpha is not None:
                raise ValueError("give either p= (or a 'p' axis) or alpha= (Zipf), not both")
            shape = np.shape(dict(self.axes)["p"][0] if "p" in names else p)
            if len(shape) != 1:
                raise ValueError(f"p must have shape (n,), got {shape}")
            if n is not None and shape != (n,):
                raise ValueError(f"p has shape {shape} but n={n}")
            n = shape[0]
        else:
            n = check_int(n, "n (number of skills)")
            if "alpha" not in names and alpha is None:
                fixed = tuple((k, 2.0 if k == "alpha" else v) for k, v in fixed)
        self.n = int(n)
        for name, values in self.axes:
            rank = AXES[name].rank
            if rank and np.shape(values[0]) != (self.n,) * rank:
                raise ValueError(f"axis {name!r}: each value must have shape {(self.n,) * rank}, "
                                 f"got {np.shape(values[0])}")
        self.fixed = fixed
        self.gates = gates
        self.normalized = normalized
        # Build one model per axis value (the other axes at their first value): ResourceModel's own checks, with
        # the axis named in the error.
        first = self._first_point()
        try:
            self.model(**first)
        except ValueError as err:  # the fixed values' fault unless another axis value mends it
            if not any(self._builds({**first, name: v}) for name, values in self.axes for v in values[1:]):
                raise ValueError(f"the sweep's fixed parameters: {err}") from None
        for name, values in self.axes:
            for i, v in enumerate(values):
                try:
                    self.model(**{**first, name: v})
                except ValueError as err:
                    raise ValueError(f"axis {name!r}, {_which(name, i, v)}: {err}") from None

    def _builds(self, point: dict) -> bool:
        try:
            self.model(**point)
        except ValueError:
            return False
        return True

    # ------------------------------------------------------------------ grid bookkeeping
    def _first_point(self) -> dict:
        return {k: v[0] for k, v in self.axes}

    def _array(self, name: str) -> np.ndarray:
        """The values of axis ``name`` as one NumPy array (float64, or str for ``loss_kind``)."""
        return self._arrays[name]

    # Host-side data computed once per sweep (not fields: they do not define the sweep, its axes and fixed
    # values do). Every block reads them, so that the API costs little more than the compiled work.
    @functools.cached_property
    def _arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) if k == "loss_kind" else np.asarray(v, dtype=np.float64) for k, v in self.axes}

    @functools.cached_property
    def _zipf_rows(self) -> np.ndarray:
        """``p = zipf(n, alpha)`` for every value of the ``alpha`` axis, shape ``(len(alpha), n)``."""
        return np.stack([zipf(self.n, float(a)) for a in self.values("alpha")])

    @functools.cached_property
    def _first_model(self) -> ResourceModel:
        return self.model(**self._first_point())

    @functools.cached_property
    def _templates(self) -> dict:
        return {}  # static values -> the leaves of a model at the first grid point, as NumPy arrays

    def _template(self, static: dict):
        key = tuple(sorted(static.items()))
        if key not in self._templates:
            first = {k: v for k, v in self._first_point().items() if not AXES[k].static}
            model = self.model(**first, **static)
            self._templates[key] = jax.tree.map(np.asarray, model)
        return self._templates[key]

    def model(self, **point) -> ResourceModel:
        """The `ResourceModel` at one grid point, e.g. ``sweep.model(N0=0.01, alpha=2.0)``."""
        params = {**dict(self.fixed), "gates": self.gates, "normalized": self.normalized, **point}
        params["loss_kind"] = str(params["loss_kind"])  # a NumPy string from the axis values is not a static str
        for k in ("p", "C", "l0"):
            if isinstance(params.get(k), tuple):
                params[k] = np.asarray(params[k], dtype=np.float64)
        alpha = params.pop("alpha", None)
        if params.get("p") is None:
            params["p"], params["normalized"] = zipf(self.n, float(alpha)), True
        return ResourceModel(**params)

    def _static_values(self) -> list[dict]:
        return [{"loss_kind": v} for v in self.values("loss_kind")] if "loss_kind" in self.names else [{}]

    def block_models(self, grid: Grid, index: tuple[int, ...]) -> ResourceModel:
        """The models of block ``index`` as one stacked `ResourceModel` (padded to `Grid.points`' size)."""
        points = grid.points(index, multiple=n_devices())
        static = {k: self.values(k)[points[k][0]] for k in self.names if AXES[k].static}
        batch = {k: self._array(k)[i] for k, i in points.items() if not AXES[k].static}
        return self._stack(self._template(static), batch, next(iter(points.values())).size)

    def stacked_models(self, static: dict, batch: dict[str, np.ndarray], size: int | None = None) -> ResourceModel:
        """The models at a batch of grid points as one `ResourceModel` whose array fields have a leading axis.

        ``static`` holds the values of the static axes, ``batch`` ``name -> values (size,)`` those of the others (a
        value outside the sweep's axes is checked by building its model).
        """
        if size is None:
            size = next(iter(batch.values())).shape[0] if batch else 1
        template = self.model(**static, **{k: v[0] for k, v in batch.items()})
        return self._stack(jax.tree.map(np.asarray, template), batch, size)

    def _stack(self, template: ResourceModel, batch: dict[str, np.ndarray], size: int) -> ResourceModel:
        fields = {}
        for name, values in batch.items():
            values = np.asarray(values, dtype=np.float64)
            if name == "alpha":  # one zipf row per distinct exponent, not per grid point
                distinct, index = np.unique(values, return_inverse=True)
                axis = self._array("alpha")
                rows = [np.flatnonzero(axis == a) for a in distinct]
                table = np.stack([self._zipf_rows[r[0]] if r.size else zipf(self.n, float(a))
                                  for a, r in zip(distinct, rows)])
                fields["p"] = table[index.ravel()]
            else:
                fields[name] = values

        def broadcast(x):
            return np.broadcast_to(x, (size, *np.shape(x)))

        stacked = jax.tree.map(broadcast, template)
        if fields:
            names = tuple(fields)
            stacked = eqx.tree_at(lambda m: tuple(getattr(m, k) for k in names), stacked, tuple(fields.values()))
        return stacked

    def coords(self) -> dict:
        """Coordinates of the axes (array-valued axes get an index dim ``<name>_index`` and a coordinate of their
        values), and ``p`` (dims ``(skill,)`` or along its axis)."""
        return dict(self._coords)

    @functools.cached_property
    def _coords(self) -> dict:
        out = {AXES[k].dim: (np.arange(len(v)) if AXES[k].rank else self._array(k)) for k, v in self.axes}
        fixed = dict(self.fixed)
        if "alpha" in self.names:
            out["p"] = (("alpha", SKILL), self._zipf_rows)
        elif "p" in self.names:
            out["p"] = (("p_index", SKILL), self._array("p"))
        elif fixed["p"] is not None:
            out["p"] = ((SKILL,), np.asarray(fixed["p"], dtype=np.float64))
        else:
            out["p"] = ((SKILL,), zipf(self.n, float(fixed["alpha"])))
        if "l0" in self.names:
            out["l0"] = (("l0_index", SKILL), self._array("l0"))
        if "C" in self.names:
            out["C"] = (("C_index", SKILL, "skill_j"), self._array("C"))
        return out

    def attrs(self, **extra) -> dict:
        """The fixed parameters and axis names as netCDF-safe ``attrs``."""
        fx = dict(self.fixed)
        return {
            "model": "resource",
            "sweep_axes": ",".join(self.names),
            **{k: float(fx[k]) for k in ("eta", "N0", "alpha") if k in fx and fx[k] is not None},
            "loss_kind": fx["loss_kind"] if "loss_kind" in fx else "axis",
            "C": "axis" if "C" in self.names else ("identity" if fx["C"] is None else np.asarray(fx["C"])),
            "gates": "none" if self.gates is None else self.gates.describe(),
            **extra,
        }

    def _skill_labels(self):
        return None if self.gates is None else list(self.gates.skills)

    def _solver(self, solver, method):
        solver = solver_or_method(solver, method)
        if solver is None:  # Exact() where it applies to every grid point, else Diffrax()
            try:
                return self._checked(Exact())
            except ValueError:
                return self._checked(Diffrax())
        solver = as_solver(solver)
        if not solver.traceable:
            raise ValueError(f"a sweep vmaps its solver; {type(solver).__name__}() runs on the host (use Diffrax())")
        return self._checked(solver)

    def _checked(self, solver):
        """``solver`` after checking it against every axis value (Exact() and C, l0, loss_kind ...)."""
        first = self._first_point()
        has_C = "C" in self.names or dict(self.fixed).get("C") is not None
        for static in self._static_values():
            for name, values in self.axes:
                # Applicability depends on C and l0, and on p only through C's modal weights: check each value of
                # those axes, the first value of the others.
                if name in ("N0", "eta", "loss_kind") or (name in ("p", "alpha") and not has_C):
                    values = values[:1]
                for i, v in enumerate(values):
                    try:
                        solver.check(self.model(**{**first, **static, name: v}))
                    except ValueError as err:
                        raise ValueError(f"this sweep (axis {name!r}, {_which(name, i, v)}): {err}") from None
        return solver

    def spec(self) -> dict:
        """A JSON-able description of the sweep (part of a store's fingerprint)."""
        fixed = dict(self.fixed)
        described = {k: fixed.get(k) for k in ("alpha", "p", "eta", "N0", "loss_kind", "C", "l0")}
        described["gates"] = None if self.gates is None else f"{self.gates.describe()}; a={self.gates.a}"
        described["normalized"] = self.normalized
        return {
            "model": "resource",
            "axes": [[k, self._array(k).tolist()] for k in self.names],
            "fixed": {k: _json_safe(v) for k, v in described.items()},
            "n": self.n,
        }

    # ------------------------------------------------------------------ trajectories
    def run(
        self,
        ts,
        solver=None,
        *,
        method: str | None = None,
        block_size: int | None = None,
        store=None,
        client=None,
        progress: bool = True,
        variables: Sequence[str] = _VARIABLES,
    ) -> xr.Dataset:
        """Solve every grid point at times ``ts`` and return one trajectory Dataset.

        **Arguments:**

        - `ts`: times in optimizer steps, shape ``(T,)``, strictly increasing, ``>= 0`` (integers for
          `skillode.DiscreteMap`).
        - `solver`: a `skillode.solvers` object or name (``method=`` is its shorthand); default `Exact()` where it
          applies, else `Diffrax()`. `Scipy` runs on the host and cannot be vmapped.
        - `block_size`: grid points per compiled block (default: about 64 MiB of output per variable).
        - `store`: ``None``, or a path ending in ``.zarr``: finished blocks are written there, and a rerun of the
          same sweep resumes from them (`skillode.sweeps.SweepStore`).
        - `client`: ``None`` (in process) or a ``dask.distributed.Client`` whose workers run the blocks.
        - `progress`: show a tqdm progress bar over grid points.
        - `variables`: which of ``"skill_level"``, ``"skill_loss"``, ``"loss"`` to keep.

        **Returns:** Dataset with ``skill_level`` / ``skill_loss`` of dims ``(*axes, skill, t)`` and ``loss`` of
        dims ``(*axes, t)``; coordinates for every axis and ``p``. With a store it is read back from the store
        (lazily when large, see `skillode.sweeps.execute`).
        """
        return super().run(ts, solver, method=method, block_size=block_size, variables=variables, store=store,
                           client=client, progress=progress)

    def plan(self, ts, solver=None, *, method=None, block_size=None, variables=_VARIABLES) -> _TrajectoryPlan:
        """The plan `run` executes (`skillode.sweeps.execute`, `skillode.sweeps.dry_run`)."""
        solver = self._solver(solver, method)
        variables = tuple(variables)
        if "skill_level" not in variables or any(v not in _VARIABLES for v in variables):
            raise ValueError(f"variables must be a subset of {_VARIABLES} holding 'skill_level', got {variables}")
        ts = check_times(ts, strict=True)  # the trajectory's t coordinate
        if solver.integer_steps and not np.all(ts == np.round(ts)):
            raise ValueError(f"{type(solver).__name__}() needs integer steps ts (the paper's map has dt = 1)")
        if block_size is None:
            block_size = max(1, _OUTPUT_BUDGET // (self.n * ts.size))
        grid = self.grid(_check_block(block_size))
        return _TrajectoryPlan(self, grid, _HostArray(ts), solver, variables)

    def trajectory_plan(self, ts, solver=None, **kwargs) -> _TrajectoryPlan:
        """Deprecated: the plan is `plan` (one name for every sweep)."""
        warnings.warn("Sweep.trajectory_plan is deprecated; use Sweep.plan", DeprecationWarning, stacklevel=2)
        return self.plan(ts, solver, **kwargs)

    # ------------------------------------------------------------------ learning times
    def learning_times(
        self,
        threshold=0.9,
        *,
        solver=None,
        method: str | None = None,
        t_max: float | None = None,
        block_size: int | None = None,
        progress: bool = False,
    ) -> xr.DataArray:
        """Learning times of every grid point, dims ``(*axes, skill)`` (NaN where never learned).

        Gate-free models with ``C = I`` and no ``solver`` use the closed form
        (`skillode.ResourceModel.closed_form_learning_times`), vmapped over the grid with the threshold level as a
        traced argument (a new level does not recompile): no trajectory is computed. Otherwise the grid is solved
        up to ``t_max`` (default: the largest `ResourceModel.horizon` over the grid's corners) at
        `skillode.timing.time_grid` and times are extracted with `skillode.learning_times` (`DiscreteMap`: the
        first step that reaches the level).
        """
        threshold = as_threshold(threshold)
        solver = solver_or_method(solver, method)
        probe = self._first_model
        closed = solver is None and "C" not in self.names and probe.has_closed_form_learning_times(threshold)
        if closed:
            size = max(1, _OUTPUT_BUDGET // self.n) if block_size is None else _check_block(block_size)
            plan = _ClosedFormPlan(self, self.grid(size), threshold)
            return execute(plan, progress=progress, desc="learning times").learning_time
        solver = self._solver(solver, None)
        if t_max is None:
            corners = itertools.product(*[(v[0], v[-1]) for _, v in self.axes])
            t_max = max(self.model(**dict(zip(self.names, c))).horizon(threshold) for c in corners)
        ts = time_grid(solver, t_max)  # the one rule (skillode.timing): integer steps or 4001 points
        variables = ("skill_level",) if threshold.on == "skill_level" else ("skill_level", "skill_loss")
        ds = self.run(ts, solver, block_size=block_size, progress=progress, variables=variables)
        out = _learning_times(ds, threshold)
        out.attrs["method"] = type(solver).__name__
        return out


def _which(name: str, i: int, value) -> str:
    return f"value number {i}" if AXES[name].rank else f"value {value!r}"


def _check_block(block_size) -> int:
    return check_int(block_size, "block_size (grid points per block)")


def _json_safe(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return np.asarray(value, dtype=np.float64).tolist()


@dataclasses.dataclass(frozen=True)
class _TrajectoryPlan(AbstractGridPlan):
    """`Sweep.run` as a plan: block ``b`` is ``_solve_chunk`` of the block's stacked models."""

    sweep: Sweep
    grid: Grid
    ts: _HostArray
    solver: object
    names: tuple[str, ...]

    @property
    def solver_name(self) -> str:
        return type(self.solver).__name__

    def variables(self):
        n, T = self.sweep.n, self.ts.values.size
        tails = {"skill_level": ((SKILL, TIME), (n, T)), "skill_loss": ((SKILL, TIME), (n, T)), "loss": ((TIME,), (T,))}
        return {v: tails[v] for v in self.names}

    def compute(self, index):
        models = self.sweep.block_models(self.grid, index)
        try:
            results = jax.block_until_ready(_solve_chunk(models, self.solver, self.ts, self.names))
        except eqx.EquinoxRuntimeError as err:  # a failed diffrax solve: its one-paragraph error, not Equinox's
            if not isinstance(self.solver, Diffrax):
                raise
            raise self.solver.failure(err) from None
        extent = self.grid.extent(index)
        m = math.prod(extent)
        return {v: np.asarray(r)[:m].reshape(*extent, *np.shape(r)[1:]) for v, r in zip(self.names, results)}

    def dataset(self, data):
        sw = self.sweep
        dims = tuple(AXES[k].dim for k in sw.names)
        variables = {v: ((*dims, *tail), data[v]) for v, (tail, _) in self.variables().items()}
        skill = sw._skill_labels()
        coords = {TIME: self.ts.values, SKILL: np.arange(1, sw.n + 1) if skill is None else np.asarray(skill),
                  **sw.coords()}
        return trajectory_dataset(variables, coords, sw.attrs(**self.solver.attrs()))

    def spec(self):
        return {**self.sweep.spec(), "ts": self.ts._key, "solver": repr(self.solver), "block": self.grid.block,
                "variables": list(self.names)}


@dataclasses.dataclass(frozen=True)
class _ClosedFormPlan(AbstractGridPlan):
    """`Sweep.learning_times` in closed form as a plan: one ``(n,)`` row of times per grid point."""

    sweep: Sweep
    grid: Grid
    threshold: object

    def variables(self):
        return {"learning_time": ((SKILL,), (self.sweep.n,))}

    def compute(self, index):
        times = np.asarray(_closed_form_chunk(self.sweep.block_models(self.grid, index), self.threshold))
        extent = self.grid.extent(index)
        return {"learning_time": times[: math.prod(extent)].reshape(*extent, self.sweep.n)}

    def dataset(self, data):
        sw = self.sweep
        dims = (*(AXES[k].dim for k in sw.names), SKILL)
        times = data["learning_time"]
        skill = sw._skill_labels()
        coords = {
            SKILL: np.arange(1, sw.n + 1) if skill is None else skill,
            **sw.coords(),
        }
        attrs = {**self.threshold.attrs(), "method": "closed_form", "units": "steps"}
        return with_learned(xr.Dataset({"learning_time": (dims, times, attrs)}, coords=coords))

    def spec(self):
        return {**self.sweep.spec(), "threshold": self.threshold.attrs(), "block": self.grid.block}


def run_sweep(axes: Mapping[str, Sequence], ts, solver=None, **kwargs) -> xr.Dataset:
    """Deprecated: ``Sweep(axes=axes, **model_kwargs).run(ts, solver, **run_kwargs)`` (one way to run a sweep)."""
    warnings.warn("run_sweep is deprecated; use Sweep(axes=..., ...).run(ts, ...)", DeprecationWarning, stacklevel=2)
    run_keys = ("method", "block_size", "store", "client", "progress", "variables")
    run_kw = {k: kwargs.pop(k) for k in run_keys if k in kwargs}
    return Sweep(axes=axes, **kwargs).run(ts, solver, **run_kw)


def sweep_learning_times(axes: Mapping[str, Sequence], threshold=0.9, **kwargs) -> xr.DataArray:
    """Deprecated: ``Sweep(axes=axes, **model_kwargs).learning_times(threshold, **kwargs)``."""
    warnings.warn("sweep_learning_times is deprecated; use Sweep(axes=..., ...).learning_times(threshold)",
                  DeprecationWarning, stacklevel=2)
    lt_keys = ("solver", "method", "t_max", "block_size", "progress")
    lt_kw = {k: kwargs.pop(k) for k in lt_keys if k in kwargs}
    return Sweep(axes=axes, **kwargs).learning_times(threshold, **lt_kw)
