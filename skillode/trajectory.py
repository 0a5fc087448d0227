r"""The one data format shared by theory and experiment: a *trajectory* ``xarray.Dataset``.

A Resource-model solve, a Geometry-model simulation and a trained network all return the same thing:

| variable | dims | meaning |
| --- | --- | --- |
| ``skill_level`` | ``(*sweep, skill, t)`` | $s_i(t)$; 1 = learned (MSE models may overshoot) |
| ``loss`` | ``(*sweep, t)`` | total loss $\sum_i p_i \ell_i$ (optional) |
| ``skill_loss`` | ``(*sweep, skill, t)`` | per-skill loss $\ell_i$ (optional) |
| anything else | any of the above dims | e.g. ``n_aligned``, ``accuracy``, ``learning_time`` ``(*sweep, skill)`` |

A trajectory holds at least one of ``skill_level``, ``skill_loss`` or ``loss``: a Geometry or training sweep keeps
the loss curve of every run and per-skill curves only where asked (`skillode._summary`).

Coordinates: ``t`` (optimizer steps, float64, strictly increasing), ``skill`` (1-based integers as in the
paper, or names), optionally ``p`` along ``skill``, and one coordinate per named sweep axis. ``attrs`` hold the
parameters that made the data (``model``, ``method``, ``eta``, ``N0`` …) in a netCDF-safe form.

Learning times (`skillode.learning_times`), fits and plots read this format, so comparing theory with a trained
network is a subtraction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

__all__ = [
    "FORMAT_VERSION",
    "check_output_path",
    "load",
    "make_trajectory",
    "netcdf_attrs",
    "save",
    "trajectory_dataset",
    "validate_trajectory",
]

SKILL, TIME = "skill", "t"
FORMAT_VERSION = 1
"""Version of the trajectory format, stored as ``attrs["skillode_format"]`` by `make_trajectory`."""


def netcdf_attrs(attrs: Mapping) -> dict:
    """Return ``attrs`` converted to types netCDF can store (numbers, strings, 1-D numeric arrays).

    Booleans become ``0``/``1``, ``None`` becomes ``"none"``, arrays of two or more dimensions and mappings
    become JSON strings. Keys are kept.
    """
    out = {}
    for key, value in attrs.items():
        if value is None:
            out[key] = "none"
        elif isinstance(value, (bool, np.bool_)):
            out[key] = int(value)
        elif isinstance(value, (int, float, str, np.integer, np.floating)):
            out[key] = value
        elif isinstance(value, Mapping):
            out[key] = json.dumps({str(k): _jsonable(v) for k, v in value.items()})
        else:
            arr = np.asarray(value)
            if arr.dtype.kind in "biuf" and arr.ndim <= 1:
                out[key] = arr.astype(np.int64 if arr.dtype.kind in "bi" else arr.dtype)
            else:
                out[key] = json.dumps(_jsonable(value))
    return out


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def make_trajectory(
    t,
    skill_level,
    *,
    loss=None,
    skill_loss=None,
    p=None,
    skill=None,
    skill_name=None,
    sweep: Mapping[str, object] | None = None,
    extra: Mapping[str, tuple[tuple[str, ...], object]] | None = None,
    attrs: Mapping | None = None,
) -> xr.Dataset:
    """Build a trajectory Dataset from arrays already in the format's order (``(..., skill, t)``).

    For curves logged during training (losses or accuracies, in ``(steps, skills)`` order) use
    `skillode.from_curves`: it converts them to skill levels and refuses to guess the axes of a square array.

    **Arguments:**

    - `t`: times in optimizer steps, shape ``(T,)``, strictly increasing.
    - `skill_level`: shape ``(*sweep_shape, n, T)``.
    - `loss`: total loss, shape ``(*sweep_shape, T)`` (optional).
    - `skill_loss`: per-skill loss, shape ``(*sweep_shape, n, T)`` (optional).
    - `p`: skill frequencies, shape ``(n,)``, stored as a coordinate along ``skill`` (optional).
    - `skill`: skill labels, shape ``(n,)``; default ``1..n``. Keep the default so that theory and experiment
      align when subtracted, and put names in `skill_name`.
    - `skill_name`: skill names, shape ``(n,)``, stored as a coordinate along ``skill`` (optional).
    - `sweep`: ordered mapping ``axis name -> coordinate values`` for the leading dims.
    - `extra`: more variables, ``name -> (dims, values)``.
    - `attrs`: parameters that produced the data; converted with `netcdf_attrs`.
    """
    t = np.asarray(t, dtype=np.float64)
    if skill_level is None:
        raise ValueError("skill_level is required: for a run's logged per-skill losses or accuracies use "
                         "skillode.from_curves, which converts them to skill levels and says which axis is which")
    skill_level = np.asarray(skill_level)
    sweep = dict(sweep or {})
    axes = tuple(sweep)
    lead = skill_level.shape[: len(axes)]
    if skill_level.ndim != len(axes) + 2:
        raise ValueError(
            f"skill_level must have shape (*sweep, skill, t) with {len(axes)} sweep axes {axes}, "
            f"got shape {skill_level.shape}"
        )
    n = skill_level.shape[-2]
    if t.shape != skill_level.shape[-1:]:
        raise ValueError(f"t must have shape (T,) with T = {skill_level.shape[-1]} (the last axis of skill_level, "
                         f"shape {skill_level.shape}), got shape {t.shape}")
    want = {"p": (n,), "skill": (n,), "skill_name": (n,), "loss": (*lead, t.shape[0]),
            "skill_loss": skill_level.shape}
    given = {"p": p, "skill": skill, "skill_name": skill_name, "loss": loss, "skill_loss": skill_loss}
    for name, value in given.items():
        if value is not None and np.shape(value) != want[name]:
            rule = {"loss": "(*sweep, T)", "skill_loss": "(*sweep, n, T), as skill_level"}.get(
                name, "(n,), n = skill_level.shape[-2]")
            raise ValueError(f"{name} must have shape {rule} = {want[name]}, got shape {np.shape(value)}")
    for axis, values in sweep.items():
        if np.ndim(values) != 1 or len(values) != lead[axes.index(axis)]:
            raise ValueError(f"sweep axis {axis!r} must have {lead[axes.index(axis)]} values (axis "
                             f"{axes.index(axis)} of skill_level, shape {skill_level.shape}), got shape "
                             f"{np.shape(values)}")
    coords: dict[str, object] = {TIME: t, SKILL: np.arange(1, n + 1) if skill is None else np.asarray(skill)}
    for axis, values in sweep.items():
        coords[axis] = np.asarray(values)
    if p is not None:
        coords["p"] = ((SKILL,), np.asarray(p, dtype=np.float64))
    if skill_name is not None:
        coords["skill_name"] = ((SKILL,), np.asarray(skill_name, dtype=str))
    data = {"skill_level": ((*axes, SKILL, TIME), skill_level)}
    if loss is not None:
        data["loss"] = ((*axes, TIME), np.asarray(loss))
    if skill_loss is not None:
        data["skill_loss"] = ((*axes, SKILL, TIME), np.asarray(skill_loss))
    sizes = {TIME: t.shape[0], SKILL: n, **dict(zip(axes, lead))}
    for name, (dims, values) in (extra or {}).items():
        dims, values = tuple(dims), np.asarray(values)
        if len(dims) != values.ndim or any(sizes.get(d, s) != s for d, s in zip(dims, values.shape)):
            want = tuple(sizes.get(d, "any") for d in dims)
            raise ValueError(f"extra variable {name!r} with dims {dims} must have shape {want}, got shape "
                             f"{values.shape}")
        data[name] = (dims, values)
    ds = trajectory_dataset(data, coords, attrs)
    if lead != tuple(ds.sizes[a] for a in axes):
        raise ValueError(f"sweep coordinates {dict(ds.sizes)} do not match skill_level shape {skill_level.shape}")
    return ds


def trajectory_dataset(data: Mapping[str, tuple], coords: Mapping, attrs: Mapping | None = None) -> xr.Dataset:
    """A trajectory Dataset from variables that already have their dims: ``name -> (dims, array)``.

    The arrays (NumPy or Dask) are not read, so a sweep's store can be laid out, or opened, lazily. Adds the
    format version to ``attrs`` (made netCDF-safe) and checks the result with `validate_trajectory`.
    """
    ds = xr.Dataset(dict(data), coords=coords, attrs=netcdf_attrs({**(attrs or {}), "skillode_format": FORMAT_VERSION}))
    return validate_trajectory(ds)


def validate_trajectory(ds: xr.Dataset) -> xr.Dataset:
    """Check that ``ds`` follows the trajectory format; return it unchanged or raise ``ValueError``."""
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"a trajectory must be an xarray.Dataset, got {type(ds).__name__}")
    if not any(name in ds for name in ("skill_level", "skill_loss", "loss")):
        raise ValueError("a trajectory needs a 'skill_level', 'skill_loss' or 'loss' variable")
    if TIME not in ds.coords:
        raise ValueError("a trajectory needs a 't' coordinate (optimizer steps)")
    t = np.asarray(ds[TIME].values, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)):
        raise ValueError("coordinate 't' must be a non-empty, finite 1-D array")
    if np.any(np.diff(t) <= 0):
        k = int(np.argmax(np.diff(t) <= 0)) + 1
        raise ValueError(f"coordinate 't' must be strictly increasing, but t[{k}] = {t[k]:g} follows t[{k - 1}] = "
                         f"{t[k - 1]:g}")
    for name in ("skill_level", "skill_loss"):
        if name in ds and ds[name].dims[-2:] != (SKILL, TIME):
            raise ValueError(f"variable {name!r} must end with dims ('skill', 't'), got {ds[name].dims}")
    if "loss" in ds and ds["loss"].dims[-1:] != (TIME,):
        raise ValueError(f"variable 'loss' must end with dim 't', got {ds['loss'].dims}")
    return ds


SUFFIXES = (".nc", ".zarr")


def check_output_path(path) -> Path:
    """``path`` as a `Path` if `save` can write there: suffix ``.nc`` or ``.zarr``, an existing parent folder.

    Call it before long work, so that a bad path fails at once rather than after the run.
    """
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise ValueError(f"the output path must end in {' or '.join(SUFFIXES)} (netCDF or zarr), got {str(path)!r}")
    if not path.parent.is_dir():
        raise ValueError(f"the output folder {str(path.parent)!r} does not exist")
    if path.suffix == ".zarr":
        try:
            import zarr  # noqa: F401
        except ImportError:
            raise ValueError("writing .zarr needs the zarr package (pip install zarr); or write .nc") from None
    return path


def save(ds: xr.Dataset, path) -> Path:
    """Write a trajectory (or sweep) Dataset to netCDF (``.nc``, zlib-compressed) or zarr (``.zarr``).

    The suffix decides the format; anything else raises ``ValueError`` (`check_output_path`).
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"ds must be an xarray.Dataset (a trajectory or a sweep's Dataset), got {type(ds).__name__}")
    path = check_output_path(path)
    ds = ds.copy()
    ds.attrs = netcdf_attrs(ds.attrs)
    for var in ds.variables.values():
        var.attrs = netcdf_attrs(var.attrs)
    if path.suffix == ".zarr":  # zarr's default codecs compress; no consolidated metadata (not in zarr v3's spec)
        _strings_as_objects(ds).to_zarr(path, mode="w", consolidated=False)
    else:
        encoding = {name: {"zlib": True, "complevel": 4} for name, v in ds.data_vars.items() if v.dtype.kind in "fiub"}
        ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path


def load(path) -> xr.Dataset:
    """Read a trajectory written by `save` (fully loaded into memory, file closed) and check it.

    Raises ``ValueError`` if the file is not a skillode trajectory: no ``skillode_format`` attribute, a format
    version this skillode does not read, or dims / variables that `validate_trajectory` refuses.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no trajectory file at {path}")
    kind = "zarr store" if path.suffix == ".zarr" else "netCDF file"
    try:
        if path.suffix == ".zarr":
            ds = _strings_as_str(xr.open_zarr(path, consolidated=False).load())  # save(): no consolidated metadata
        else:
            with xr.open_dataset(path, engine="netcdf4") as opened:
                ds = opened.load()
    except Exception as err:  # noqa: BLE001 - any failure to read: not a trajectory file this skillode can read
        raise ValueError(f"cannot read {path} as a skillode trajectory ({kind}; `save` writes .nc or .zarr): "
                         f"{type(err).__name__}: {_first_line(err)}") from None
    version = ds.attrs.get("skillode_format")
    if version is None:
        raise ValueError(f"{path} is not a skillode trajectory (it has no 'skillode_format' attribute)")
    if int(version) != FORMAT_VERSION:
        raise ValueError(f"{path} has trajectory format version {version}; this skillode reads {FORMAT_VERSION}")
    try:
        return validate_trajectory(ds)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path} is not a valid skillode trajectory: {err}") from None


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _strings_as_objects(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with fixed-width string variables (NumPy ``<U``) as objects, for zarr: zarr v3 writes objects as its
    specified variable-length string type, but fixed-width strings with an ``UnstableSpecificationWarning``."""
    strings = [name for name, v in ds.variables.items() if v.dtype.kind == "U"]
    if not strings:
        return ds
    return ds.assign_coords({n: ds[n].astype(object) for n in strings if n in ds.coords}).assign(
        {n: ds[n].astype(object) for n in strings if n not in ds.coords})


def _strings_as_str(ds: xr.Dataset) -> xr.Dataset:
    """The inverse of `_strings_as_objects` on reading: zarr's variable-length strings back to NumPy ``<U``."""
    strings = [name for name, v in ds.variables.items() if v.dtype.kind in "OT"]
    if not strings:
        return ds
    as_str = {n: (ds[n].dims, np.asarray(np.asarray(ds[n].values).tolist(), dtype=str), ds[n].attrs)
              for n in strings}
    return ds.assign_coords({n: v for n, v in as_str.items() if n in ds.coords}).assign(
        {n: v for n, v in as_str.items() if n not in ds.coords})
