r"""A sweep's zarr store: one region per block, a write count per block, the sweep's fingerprint in its attrs.

`SweepStore` is what ``sweep.run(..., store="path.zarr")`` writes into (through `skillode.sweeps.execute`):
each finished block goes to its region of the store (xarray ``to_zarr(region=...)``) and is then marked done, so
an interrupted run resumes at its first unfinished block and a store made by a different sweep is refused.
`open_store` reads a store back without its sweep (a study reading what it has so far).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from .grid import AbstractGridPlan

__all__ = ["LOAD_BELOW", "SweepStore", "open_store"]

LOAD_BELOW = 256 * 2**20
"""Datasets read back from a store smaller than this (bytes, uncompressed) are loaded into memory."""

_META = "skillode"  # the store's bookkeeping group: the block-write counts


class SweepStore:
    """A zarr store that holds one sweep's results, block by block.

    **Arguments:**

    - `path`: a directory path ending in ``.zarr``. If it does not exist, the store is created with every output
      variable's full shape (zarr chunks = the sweep's blocks, filled with NaN) and the sweep's fingerprint in
      its ``attrs``; if it exists, it must hold the same sweep (same fingerprint) or ``ValueError`` is raised.
    - `plan`: the sweep's plan (`skillode._grid.AbstractGridPlan`).
    - `attrs`: more string ``attrs`` written when the store is created (a study's ``skillode_part``: the part's
      coordinates); an existing store keeps its own.

    Next to the Dataset, the store keeps ``skillode/writes``: how many times each block was written (0 = not done).
    A new store is made in a hidden folder beside `path` and renamed into place once complete, so a run killed
    while creating it leaves no half-made store behind.
    """

    def __init__(self, path, plan: AbstractGridPlan, attrs: Mapping[str, str] | None = None):
        import zarr

        self.path = Path(path)
        self.plan = plan
        if self.path.suffix != ".zarr":
            raise ValueError(f"store must be a path ending in .zarr, got {str(path)!r}")
        fingerprint = plan.fingerprint()
        if not self.path.exists():
            if not self.path.parent.is_dir():
                raise ValueError(f"the store's folder {str(self.path.parent)!r} does not exist")
            self._create(fingerprint, dict(attrs or {}))
        try:
            found = dict(zarr.open_group(str(self.path), mode="r", use_consolidated=False).attrs)
        except Exception as err:  # noqa: BLE001 - any failure to read means: not a store we made
            raise ValueError(f"{self.path} exists and is not a zarr store; use a new path") from err
        if "skillode_sweep" not in found:
            raise ValueError(f"{self.path} is a zarr store but not a skillode sweep store; use a new path")
        if found["skillode_sweep"] != fingerprint:
            raise ValueError(
                f"store {self.path} holds a different sweep (fingerprint {found['skillode_sweep']}, this sweep "
                f"{fingerprint}: axes, parameters, times or block size differ); use a new path or delete it"
            )
        try:
            self._writes = zarr.open_array(str(self.path / _META / "writes"), mode="r+")
        except Exception as err:  # noqa: BLE001 - a store made before creation was atomic, cut short
            raise ValueError(f"{self.path} has no block record (its creation was interrupted); delete it") from err

    def _create(self, fingerprint: str, attrs: dict) -> None:
        import zarr

        grid = self.plan.grid
        template = _template(self.plan)
        template.attrs.update(attrs)
        template.attrs["skillode_sweep"] = fingerprint
        template.attrs["skillode_spec"] = json.dumps(self.plan.spec(), sort_keys=True, default=str)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.creating")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            template.to_zarr(tmp, mode="w-", compute=False, consolidated=False)
            meta = zarr.open_group(str(tmp), mode="r+", use_consolidated=False).require_group(_META)
            meta.create_array("writes", shape=grid.blocks_shape, chunks=(1,) * len(grid.blocks_shape),
                              dtype="int32", fill_value=0)
            os.rename(tmp, self.path)
        except OSError:
            if not self.path.exists():  # not another process creating the same store first
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def writes(self) -> np.ndarray:
        """How many times each block was written, shape ``grid.blocks_shape``."""
        return np.asarray(self._writes[...])

    def done(self, index: tuple[int, ...]) -> bool:
        return bool(self._writes[index] > 0)

    def write(self, index: tuple[int, ...], arrays: dict[str, np.ndarray]) -> None:
        """Write block ``index`` to its region, then mark it done (a crash in between only redoes the block)."""
        grid = self.plan.grid
        region = dict(zip(grid.dims, grid.region(index)))
        data = {}
        for name, (tail_dims, _) in self.plan.variables().items():
            data[name] = ((*grid.dims, *tail_dims), np.asarray(arrays[name], dtype=np.float64))
            region.update({d: slice(None) for d in tail_dims})
        xr.Dataset(data).to_zarr(self.path, region=region, mode="r+", consolidated=False)
        self._writes[index] = self._writes[index] + 1

    def open(self, load_below: int = LOAD_BELOW) -> xr.Dataset:
        """The sweep's Dataset from the store: loaded when smaller than ``load_below`` bytes, else lazy."""
        ds = xr.open_zarr(self.path, consolidated=False)[list(self.plan.variables())]  # the plan's order
        ds.attrs.pop("skillode_spec", None)
        return ds.load() if ds.nbytes < load_below else ds


def open_store(path, *, complete: bool = True, load_below: int = LOAD_BELOW) -> xr.Dataset | None:
    """Read a sweep store without its sweep: what a study has computed so far.

    **Arguments:**

    - `path`: a store written by `execute` (``sweep.run(..., store=path)``).
    - `complete`: if True (default), return ``None`` unless every block has been written (an interrupted or
      still-running sweep); if False, return the Dataset as it is, NaN where a block is missing.
    - `load_below`: loaded into memory when smaller than this many bytes, else lazy (Dask arrays).

    **Returns:** the Dataset, with ``attrs["blocks_done"]`` and ``attrs["blocks_total"]``; ``None`` (see
    `complete`). Raises ``ValueError`` if `path` is not a skillode sweep store.
    """
    import zarr

    path = Path(path)
    try:
        group = zarr.open_group(str(path), mode="r", use_consolidated=False)
        attrs = dict(group.attrs)
        writes = np.asarray(zarr.open_array(str(path / _META / "writes"), mode="r")[...])
    except Exception as err:  # noqa: BLE001 - any failure to read means: not a store we made
        raise ValueError(f"{path} is not a readable zarr store") from err
    if "skillode_sweep" not in attrs:
        raise ValueError(f"{path} is a zarr store but not a skillode sweep store")
    done, total = int((writes > 0).sum()), int(writes.size)
    if complete and done < total:
        return None
    ds = xr.open_zarr(path, consolidated=False)
    ds.attrs.pop("skillode_spec", None)
    ds.attrs.update(blocks_done=done, blocks_total=total)
    return ds.load() if ds.nbytes < load_below else ds


def _template(plan: AbstractGridPlan) -> xr.Dataset:
    """The plan's Dataset around lazy NaN arrays chunked by block: the store's layout, and a check of the
    coordinates before any block runs."""
    import dask.array as da

    grid = plan.grid
    return plan.dataset({
        name: da.full((*grid.shape, *shape), np.nan, chunks=(*grid.block, *shape), dtype=np.float64)
        for name, (_, shape) in plan.variables().items()
    })
