r"""Parameter sweeps of the Resource model over named axes, as one trajectory Dataset.

A `Sweep` is a grid of `skillode.resource.ResourceModel`\ s: a few named *axes* (e.g. ``N0 × alpha``) varied
over given values, everything else fixed. `Sweep.run` solves every grid point and returns ONE
``xarray.Dataset`` in the shared trajectory format (`skillode.trajectory`), with dims ``(*axes, skill, t)``;
`Sweep.learning_times` returns the learning times of the whole grid, dims ``(*axes, skill)``.

Axes (each a 1-D sequence of distinct values):

===============  ======================================================================================
``"N0"``         wasted resources, ``>= 0``
``"eta"``        effective learning rate, ``> 0``
``"alpha"``      Zipf exponent, ``>= 0``: ``p = zipf(n, alpha)`` (needs ``n``; ``p`` becomes a coordinate
                 with dims ``(alpha, skill)``)
``"loss_kind"``  ``"mse"`` and/or ``"ce"``, the model's ``loss`` (named apart from the ``loss`` variable);
                 a static choice, each value is a separate compiled solve
===============  ======================================================================================

Compiled kernels are cached per (fixed parameters, axis names, times, method): running an equal sweep again, or
one over other values of the same axes with the same chunk shape, reuses the compiled code. Float64 throughout
(skillode enables ``jax_enable_x64``). On one machine the chunks run one after another; across machines a sweep is
embarrassingly parallel — split the axis values, run each part anywhere (e.g. a Dask cluster), and
``xarray.concat`` the Datasets.

How it runs: the grid is flattened, cut into chunks of ``chunk_size`` points (the last one padded, so one
compilation serves all), and each chunk goes through ``jax.jit`` of ``solve_one_point`` vmapped over batches of 64
points (``jax.lax.map(..., batch_size=64)``); the
`ResourceModel` is built *inside* the vmapped function, where its constructor skips validation of traced values
— so all axis values are validated up front, with errors that name the axis. With ``path=`` finished chunks are
written to a directory and skipped when the same sweep is run again (checkpoint / resume).

Example:
    >>> import numpy as np
    >>> from skillode.sweep import Sweep
    >>> sweep = Sweep(axes={"N0": [0.0, 0.01, 0.1], "alpha": [1.0, 2.0]}, n=10, eta=0.019)
    >>> ds = sweep.run(np.linspace(0, 1000, 101), progress=False)
    >>> ds.skill_level.dims
    ('N0', 'alpha', 'skill', 't')
    >>> sweep.learning_times(0.9).sel(N0=0.0, alpha=2.0).values.round(1)[:3]
    array([104.2, 211.2, 297.7])
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from . import solve as _solve
from .resource import METHODS, ResourceModel
from .timing import learning_times as _extract_learning_times
from .trajectory import make_trajectory

__all__ = ["Sweep", "AXES", "sweep_learning_times", "run_sweep"]

AXES = ("N0", "eta", "alpha", "loss_kind")
_NUMERIC = ("N0", "eta", "alpha")
_VARIABLES = ("skill_level", "skill_loss", "loss")
_MAP_BATCH = 64  # grid points vmapped together inside a chunk
_OUTPUT_BUDGET = 2**23  # float64 numbers per variable per chunk (64 MiB) when chunk_size is automatic


def _zipf_traced(n: int, alpha):
    """``zipf(n, alpha)`` for a traced ``alpha`` (same formula as `skillode.frequencies.zipf`)."""
    w = jnp.arange(1, n + 1, dtype=jnp.float64) ** (-alpha)
    return w / jnp.sum(w)


def _check_axis(name: str, values) -> np.ndarray:
    if name not in AXES:
        raise ValueError(f"unknown sweep axis {name!r}; axes must be among {AXES}")
    if name == "loss_kind":
        arr = np.asarray(values, dtype=object).ravel()
        bad = [v for v in arr if v not in ("mse", "ce")]
        if arr.size == 0 or bad:
            raise ValueError(f"axis 'loss_kind': values must be 'mse' or 'ce', got {list(arr)}")
        arr = np.asarray([str(v) for v in arr])
    else:
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"axis {name!r}: values must be numbers, got {values!r}") from err
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"axis {name!r}: values must be a non-empty 1-D sequence, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"axis {name!r}: values must be finite, got {arr}")
        rule = {
            "N0": (arr >= 0, ">= 0 (wasted resources)"),
            "eta": (arr > 0, "> 0 (effective learning rate)"),
            "alpha": (arr >= 0, ">= 0 (Zipf exponent)"),
        }[name]
        if not np.all(rule[0]):
            raise ValueError(f"axis {name!r}: every value must be {rule[1]}, got {arr[~rule[0]]}")
    if len(set(arr.tolist())) != arr.size:
        raise ValueError(f"axis {name!r}: values must be distinct, got {arr}")
    return arr


class Sweep(eqx.Module):
    """A grid of Resource models over named axes (see the module docstring).

    **Arguments (keyword-only):**

    - `axes`: ordered mapping ``axis name -> 1-D values``; names from `AXES` (``"N0"``, ``"eta"``, ``"alpha"``,
      ``"loss"``). The output dims follow this order.
    - `n`: number of skills, for Zipf frequencies ``p = zipf(n, alpha)`` (with a fixed ``alpha`` or an
      ``"alpha"`` axis). Give either ``n`` or ``p``.
    - `alpha`: fixed Zipf exponent (default 2.0, the paper's) when ``"alpha"`` is not an axis.
    - `p`: fixed skill frequencies, shape ``(n,)`` (instead of ``n``/``alpha``).
    - `eta`, `N0`: fixed effective learning rate and wasted resources, unless they are axes (``N0`` default 0).
    - `loss`, `C`, `gates`, `l0`, `normalized`: as for `ResourceModel` (``loss`` may instead be the
      ``"loss_kind"`` axis).

    A parameter given both as an axis and as a fixed value raises ``ValueError``.
    """

    axes: tuple[tuple[str, np.ndarray], ...]
    fixed: dict
    n: int = eqx.field(static=True)

    def __init__(
        self,
        *,
        axes: Mapping[str, Sequence],
        n: int | None = None,
        alpha: float | None = None,
        p=None,
        eta=None,
        N0=None,
        loss: str | None = None,
        C=None,
        gates=None,
        l0=None,
        normalized: bool = True,
    ):
        if not isinstance(axes, Mapping) or len(axes) == 0:
            raise ValueError("axes must be a non-empty mapping 'axis name -> values', e.g. {'N0': [0.0, 0.01]}")
        self.axes = tuple((str(k), _check_axis(str(k), v)) for k, v in axes.items())
        names = [k for k, _ in self.axes]
        given = {"alpha": alpha, "eta": eta, "N0": N0, "loss_kind": loss}
        for name in names:
            if given.get(name) is not None:
                fixed_name = "loss" if name == "loss_kind" else name
                raise ValueError(f"{name!r} is a sweep axis; do not also pass a fixed {fixed_name}=")
        if "alpha" in names or p is None:
            if p is not None:
                raise ValueError("an 'alpha' axis makes p = zipf(n, alpha); do not also pass p=")
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"n (number of skills) must be an integer >= 1 for Zipf frequencies, got {n!r}")
            if "alpha" not in names:
                alpha = 2.0 if alpha is None else float(alpha)
                if not (np.isfinite(alpha) and alpha >= 0):
                    raise ValueError(f"alpha (Zipf exponent) must be finite and >= 0, got {alpha!r}")
            n = int(n)
        else:
            if alpha is not None:
                raise ValueError("give either p= or alpha= (Zipf), not both")
            p = np.asarray(p, dtype=np.float64)
            if n is not None and p.shape != (n,):
                raise ValueError(f"p has shape {p.shape} but n={n}")
            n = int(p.shape[-1]) if p.ndim == 1 else 0
        if "eta" not in names and eta is None:
            raise ValueError("eta (effective learning rate) is required, as a fixed value or an axis")
        self.n = n
        self.fixed = {
            "alpha": alpha,
            "p": p,
            "eta": eta,
            "N0": 0.0 if ("N0" not in names and N0 is None) else N0,
            "loss": "mse" if ("loss_kind" not in names and loss is None) else loss,
            "C": C,
            "gates": gates,
            "l0": l0,
            "normalized": normalized,
        }
        # Build the model at every corner of the grid: validates the fixed parameters (C, l0, gates, p ...) with
        # ResourceModel's own checks, which are skipped for the traced values inside the vmapped solve.
        for corner in itertools.product(*[(v[0], v[-1]) for _, v in self.axes]):
            self.model(**dict(zip(names, corner)))

    # ------------------------------------------------------------------ grid bookkeeping
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape, one entry per axis."""
        return tuple(v.size for _, v in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def model(self, **point) -> ResourceModel:
        """The `ResourceModel` at one grid point, e.g. ``sweep.model(N0=0.01, alpha=2.0)`` (also traced values)."""
        params = {**self.fixed, **point}
        if "loss_kind" in params:
            params["loss"] = params.pop("loss_kind")
        p = params["p"]
        if p is None:
            alpha = params["alpha"]
            p = _zipf_traced(self.n, alpha) if isinstance(alpha, jax.core.Tracer) else _zipf_np(self.n, alpha)
        normalized = params["normalized"] and params["p"] is not None
        return ResourceModel(
            p=p,
            eta=params["eta"],
            N0=params["N0"],
            C=params["C"],
            loss=str(params["loss"]),
            gates=params["gates"],
            l0=params["l0"],
            normalized=normalized,
        )

    def _numeric_names(self):
        return tuple(k for k in self.names if k in _NUMERIC)

    def _static_combos(self):
        static = [(k, v) for k, v in self.axes if k not in _NUMERIC]
        keys = [k for k, _ in static]
        return [dict(zip(keys, combo)) for combo in itertools.product(*[v for _, v in static])], keys

    def _flat_numeric(self) -> dict[str, np.ndarray]:
        num = [(k, v) for k, v in self.axes if k in _NUMERIC]
        if not num:
            return {}
        mesh = np.meshgrid(*[v for _, v in num], indexing="ij")
        return {k: m.ravel() for (k, _), m in zip(num, mesh)}

    def _to_axes_order(self, arr, static_keys, tail):
        """``arr`` of shape ``(*static, *numeric, *tail)`` -> ``(*axes, *tail)`` in the user's axis order."""
        num_keys = self._numeric_names()
        sizes = dict((k, v.size) for k, v in self.axes)
        arr = arr.reshape(*[sizes[k] for k in static_keys], *[sizes[k] for k in num_keys], *tail)
        current = [*static_keys, *num_keys]
        perm = [current.index(k) for k in self.names] + list(range(len(current), len(current) + len(tail)))
        return np.transpose(arr, perm)

    def _chunked(self, fn, tail_shapes, *, chunk_size, desc, progress, store=None):
        """Apply ``fn(static, batch) -> tuple of arrays (chunk, *tail)`` over the grid; arrays ``(*axes, *tail)``."""
        combos, static_keys = self._static_combos()
        flat = self._flat_numeric()
        m = next(iter(flat.values())).size if flat else 1
        chunk_size = max(1, min(int(chunk_size), m))
        n_chunks = -(-m // chunk_size)
        outs = [np.empty((len(combos), m, *shape)) for shape in tail_shapes]
        bar = tqdm(total=len(combos) * n_chunks, desc=desc, unit="chunk", disable=not progress, leave=False)
        for ci, static in enumerate(combos):
            for k in range(n_chunks):
                lo, hi = k * chunk_size, min((k + 1) * chunk_size, m)
                cached = None if store is None else store.read(ci, k)
                if cached is None:
                    idx = np.minimum(np.arange(lo, lo + chunk_size), m - 1)  # pad the last chunk: one compile
                    batch = {name: values[idx] for name, values in flat.items()}
                    res = [np.asarray(r)[: hi - lo] for r in fn(static, batch)]
                    if store is not None:
                        store.write(ci, k, res)
                else:
                    res = cached
                for out, r in zip(outs, res):
                    out[ci, lo:hi] = r
                bar.update(1)
        bar.close()
        return [self._to_axes_order(o, static_keys, shape) for o, shape in zip(outs, tail_shapes)]

    def _auto_chunk(self, per_point: int) -> int:
        return max(1, _OUTPUT_BUDGET // max(per_point, 1))

    def _coords(self) -> dict:
        return {k: v for k, v in self.axes}

    def _p_values(self):
        """The ``p`` coordinate: dims ``(skill,)`` if fixed, ``(alpha, skill)`` on an alpha axis."""
        if "alpha" in self.names:
            alphas = dict(self.axes)["alpha"]
            return ("alpha", "skill"), np.stack([_zipf_np(self.n, a) for a in alphas])
        if self.fixed["p"] is not None:
            return ("skill",), np.asarray(self.fixed["p"], dtype=np.float64)
        return ("skill",), _zipf_np(self.n, self.fixed["alpha"])

    def _p_coord(self, obj):
        return obj.assign_coords(p=self._p_values())

    def _first_point(self):
        return {k: v[0] for k, v in self.axes}

    def attrs(self, **extra) -> dict:
        """The fixed parameters and axis names as netCDF-safe ``attrs``."""
        fx = self.fixed
        return {
            "model": "resource",
            "sweep_axes": ",".join(self.names),
            **{k: float(fx[k]) for k in ("eta", "N0", "alpha") if k not in self.names and fx[k] is not None},
            "loss_kind": fx["loss"] if "loss_kind" not in self.names else "axis",
            "C": "identity" if fx["C"] is None else np.asarray(fx["C"]),
            "gates": "none" if fx["gates"] is None else fx["gates"].describe(),
            **extra,
        }

    # ------------------------------------------------------------------ trajectories
    def run(
        self,
        ts,
        method: str = "exact",
        *,
        chunk_size: int | None = None,
        path=None,
        progress: bool = True,
        variables: Sequence[str] = _VARIABLES,
        **options,
    ) -> xr.Dataset:
        """Solve every grid point at times ``ts`` and return one trajectory Dataset.

        **Arguments:**

        - `ts`: times in optimizer steps, shape ``(T,)``, strictly increasing, ``>= 0`` (integers for
          ``method="discrete"``).
        - `method`: ``"exact"`` (default, tau-time closed form), ``"diffrax"`` or ``"discrete"`` (the paper's
          map); see `ResourceModel.states`. ``options`` go to the backend (``clip``, ``rtol``, ...).
        - `chunk_size`: grid points per vmapped chunk (default: about 64 MiB of output per variable).
        - `path`: a directory for checkpoints; finished chunks are written there and reused on restart.
        - `progress`: show a tqdm progress bar over chunks.
        - `variables`: which of ``"skill_level"``, ``"skill_loss"``, ``"loss"`` to keep.

        **Returns:** Dataset with ``skill_level`` / ``skill_loss`` of dims ``(*axes, skill, t)`` and ``loss`` of
        dims ``(*axes, t)``; coordinates for every axis and ``p``.
        """
        if method not in METHODS or method == "scipy":
            raise ValueError(f"method must be one of ('exact', 'diffrax', 'discrete') for a sweep, got {method!r}")
        variables = tuple(variables)
        if "skill_level" not in variables or any(v not in _VARIABLES for v in variables):
            raise ValueError(f"variables must be a subset of {_VARIABLES} holding 'skill_level', got {variables}")
        ts = np.asarray(ts, dtype=np.float64)
        if ts.ndim != 1 or ts.size == 0 or not np.all(np.isfinite(ts)) or ts[0] < 0 or np.any(np.diff(ts) <= 0):
            raise ValueError("ts must be a non-empty 1-D array of finite times >= 0, strictly increasing")
        if method == "discrete" and not np.all(ts == np.round(ts)):
            raise ValueError("method='discrete' needs integer steps ts (the paper's map has dt = 1)")
        if method == "exact":
            for combo in self._static_combos()[0]:
                reason = _solve.exact_supported(self.model(**{**self._first_point(), **combo}))
                if reason is not None:
                    raise ValueError(f"method='exact' does not apply to this sweep: {reason}")
        n, T = self.n, ts.size
        tails = {"skill_level": (n, T), "skill_loss": (n, T), "loss": (T,)}
        ts_hash = hashlib.sha256(np.ascontiguousarray(ts).tobytes()).hexdigest()

        def fn(static, batch):
            key = self._kernel_key("run", static, method, ts_hash, variables, sorted(options.items()))

            def make():
                def one(point):
                    model = self.model(**static, **point)
                    l = model.states(ts, method, **options)  # ts: host array, so the discrete map sees steps
                    skill_loss = model.skill_loss_of(l)
                    out = {
                        "skill_level": model.skill_level_of(l),
                        "skill_loss": skill_loss,
                        "loss": jnp.sum(model.p[:, None] * skill_loss, axis=0),
                    }
                    return tuple(out[v] for v in variables)

                # vmap in batches of 64 points inside the compiled chunk: a bare vmap over the whole chunk
                # streams (chunk, n, T) intermediates through memory and runs ~2.5x slower on CPU.
                return jax.jit(lambda b: jax.lax.map(one, b, batch_size=_MAP_BATCH))

            return _kernel(key, make)(batch)

        chunk_size = self._auto_chunk(n * T) if chunk_size is None else _check_chunk(chunk_size)
        store = None
        if path is not None:
            store = _ChunkStore(path, self._fingerprint(ts, method, chunk_size, variables, options))
        arrays = self._chunked(
            fn,
            [tails[v] for v in variables],
            chunk_size=chunk_size,
            desc=f"sweep ({method})",
            progress=progress,
            store=store,
        )
        data = dict(zip(variables, arrays))
        ds = make_trajectory(
            ts,
            data["skill_level"],
            loss=data.get("loss"),
            skill_loss=data.get("skill_loss"),
            skill=None if self.fixed["gates"] is None else list(self.fixed["gates"].skills),
            sweep=self._coords(),
            attrs=self.attrs(method=method, **{k: v for k, v in options.items() if np.isscalar(v)}),
        )
        return self._p_coord(ds)

    # ------------------------------------------------------------------ learning times
    def learning_times(
        self,
        threshold: float = 0.9,
        *,
        method: str | None = None,
        t_max: float | None = None,
        chunk_size: int | None = None,
        progress: bool = False,
    ) -> xr.DataArray:
        """Learning times of every grid point, dims ``(*axes, skill)`` (NaN where never learned).

        Gate-free models with ``C = I`` and ``method=None`` use the closed form (PAPER §6.1)
        ``t_i = (1/eta)[sum_j (1 - eps^(p_j/p_i)) + N0 ln(1/eps)/p_i]`` (`skillode.solve.closed_form_learning_times`),
        vmapped over the grid: no trajectory is computed. Otherwise the grid is solved up to ``t_max`` (default:
        the largest `skillode.solve.default_horizon` over the grid's corners) with ``method`` (default
        ``"exact"`` if it applies, else ``"diffrax"``) and times are extracted with `skillode.learning_times`
        (``"discrete"``: the paper's first step with ``s >= threshold``).
        """
        threshold = float(threshold)
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie in the open interval (0, 1), got {threshold}")
        closed = method is None and self.fixed["C"] is None and self.fixed["gates"] is None
        if closed:

            def fn(static, batch):
                def make():
                    def one(point):
                        return (_solve.closed_form_learning_times(self.model(**static, **point), threshold),)

                    return jax.jit(jax.vmap(one))

                return _kernel(self._kernel_key("closed_form", static, threshold), make)(batch)

            chunk = self._auto_chunk(self.n) if chunk_size is None else _check_chunk(chunk_size)
            (times,) = self._chunked(fn, [(self.n,)], chunk_size=chunk, desc="learning times", progress=progress)
            skill = None if self.fixed["gates"] is None else list(self.fixed["gates"].skills)
            dims = (*self.names, "skill")
            coords = {
                **self._coords(),
                "skill": np.arange(1, self.n + 1) if skill is None else skill,
                "p": self._p_values(),
                "learned": (dims, np.isfinite(times)),
            }
            attrs = {"threshold": threshold, "on": "skill_level", "method": "closed_form", "units": "steps"}
            return xr.DataArray(times, dims=dims, coords=coords, name="learning_time", attrs=attrs)
        if method is None:
            method = "exact" if _solve.exact_supported(self.model(**self._first_point())) is None else "diffrax"
        if t_max is None:
            corners = itertools.product(*[(v[0], v[-1]) for _, v in self.axes])
            t_max = max(_solve.default_horizon(self.model(**dict(zip(self.names, c))), threshold) for c in corners)
        if method == "discrete":
            ts, interpolate = np.arange(0.0, np.ceil(t_max) + 1.0), False
        else:
            ts, interpolate = np.linspace(0.0, t_max, 4001), True
        ds = self.run(ts, method, chunk_size=chunk_size, progress=progress, variables=("skill_level",))
        out = _extract_learning_times(ds, threshold, interpolate=interpolate)
        out.attrs["method"] = method
        return out

    def _kernel_key(self, *parts) -> str:
        """What a compiled kernel depends on: the fixed parameters, n, the axis names, and ``parts``."""
        spec = {
            "fixed": {k: _json_safe(v) for k, v in self.fixed.items()},
            "n": self.n,
            "names": list(self.names),
            "parts": [_json_safe_deep(p) for p in parts],
        }
        return json.dumps(spec, sort_keys=True)

    def _fingerprint(self, ts, method, chunk_size, variables, options) -> str:
        spec = {
            "axes": [[k, v.tolist()] for k, v in self.axes],
            "fixed": {k: _json_safe(v) for k, v in self.fixed.items()},
            "n": self.n,
            "ts": hashlib.sha256(np.ascontiguousarray(ts).tobytes()).hexdigest(),
            "method": method,
            "chunk_size": chunk_size,
            "variables": list(variables),
            "options": {k: _json_safe(v) for k, v in sorted(options.items())},
        }
        return json.dumps(spec, sort_keys=True)


_KERNELS: dict[str, object] = {}
_MAX_KERNELS = 32


def _kernel(key: str, make):
    """A compiled ``jit(vmap(...))`` kernel, cached so repeated runs of an equal sweep do not re-trace."""
    if key not in _KERNELS:
        if len(_KERNELS) >= _MAX_KERNELS:
            _KERNELS.pop(next(iter(_KERNELS)))  # oldest first
        _KERNELS[key] = make()
    return _KERNELS[key]


def _json_safe_deep(value):
    if isinstance(value, dict):
        return {str(k): _json_safe_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe_deep(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return _json_safe(value) if not isinstance(value, str) else value


def _zipf_np(n, alpha):
    from .frequencies import zipf

    return zipf(n, float(alpha))


def _check_chunk(chunk_size) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    return int(chunk_size)


def _json_safe(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "describe"):
        return value.describe() + f"; a={value.a}"
    return np.asarray(value, dtype=np.float64).tolist()


class _ChunkStore:
    """Finished chunks of one sweep in a directory: ``sweep.json`` (the sweep's fingerprint) + ``chunk_*.npz``."""

    def __init__(self, path, fingerprint: str):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        spec = self.path / "sweep.json"
        if spec.exists():
            if spec.read_text() != fingerprint:
                raise ValueError(
                    f"checkpoint directory {self.path} holds a different sweep (axes, parameters, ts, method or "
                    "chunk_size differ); use a new path or delete it"
                )
        else:
            spec.write_text(fingerprint)

    def _file(self, combo: int, chunk: int) -> Path:
        return self.path / f"chunk_{combo:04d}_{chunk:06d}.npz"

    def read(self, combo: int, chunk: int):
        f = self._file(combo, chunk)
        if not f.exists():
            return None
        with np.load(f) as z:
            return [z[f"a{i}"] for i in range(len(z.files))]

    def write(self, combo: int, chunk: int, arrays) -> None:
        f = self._file(combo, chunk)
        tmp = f.with_suffix(".tmp.npz")
        np.savez(tmp, **{f"a{i}": a for i, a in enumerate(arrays)})
        os.replace(tmp, f)  # atomic: a killed run never leaves a half-written chunk behind


def run_sweep(axes: Mapping[str, Sequence], ts, method: str = "exact", **kwargs) -> xr.Dataset:
    """``Sweep(axes=axes, **model_kwargs).run(ts, method, **run_kwargs)`` in one call.

    Keyword arguments of `Sweep.run` (``chunk_size``, ``path``, ``progress``, ``variables``) go to ``run``;
    the rest define the sweep.
    """
    run_keys = ("chunk_size", "path", "progress", "variables")
    run_kw = {k: kwargs.pop(k) for k in run_keys if k in kwargs}
    return Sweep(axes=axes, **kwargs).run(ts, method, **run_kw)


def sweep_learning_times(axes: Mapping[str, Sequence], threshold: float = 0.9, **kwargs) -> xr.DataArray:
    """Learning times of a whole grid, dims ``(*axes, skill)``: ``Sweep(axes=axes, ...).learning_times(threshold)``.

    Keyword arguments of `Sweep.learning_times` (``method``, ``t_max``, ``chunk_size``, ``progress``) go there;
    the rest define the sweep.

    Example:
        >>> times = sweep_learning_times({"N0": [0.0, 0.1]}, 0.9, n=10, alpha=2.0, eta=0.019)
        >>> times.dims
        ('N0', 'skill')
    """
    lt_keys = ("method", "t_max", "chunk_size", "progress")
    lt_kw = {k: kwargs.pop(k) for k in lt_keys if k in kwargs}
    return Sweep(axes=axes, **kwargs).learning_times(threshold, **lt_kw)
