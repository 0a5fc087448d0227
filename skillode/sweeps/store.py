r"""A sweep's zarr store: one region per block, a write count per block, the sweep's fingerprint in its attrs.

`SweepStore` is what ``sweep.run(..., store="path.zarr")`` writes into (through `skillode.sweeps.execute`):
each finished block goes to its region of the store (xarray ``to_zarr(region=...)``) and is then marked done, so
an interrupted run resumes at its first unfinished block and a store made by a different sweep is refused.
`open_store` reads a store back without its sweep (a study reading what it has so far).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from ..trajectory import _strings_as_objects, _strings_as_str
from .grid import AbstractGridPlan

__all__ = ["LOAD_BELOW", "SweepStore", "open_store"]

LOAD_BELOW = 256 * 2**20
"""Datasets read back from a store smaller than this (bytes, uncompressed) are loaded into memory."""

_META = "skillode"  # the store's bookkeeping group: the block-write counts
_EVERY_CHUNK = "skillode_every_chunk"  # attr of stores that write every chunk, all-NaN ones too (see `_damage`)


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
        existed = self.path.exists()
        if not existed:
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
        except Exception:  # noqa: BLE001 - a store made before creation was atomic, cut short, or damaged
            raise ValueError(f"{self.path} has no block record ({_META}/writes; its creation was interrupted or "
                             "the store is damaged): delete it and rerun") from None
        if existed:  # resuming: blocks marked done whose data is missing or unreadable are computed again
            writes = self.writes()
            damage = _damage(self.path, list(self.plan.variables()), writes, _EVERY_CHUNK in found)
            for index in damage:
                self._writes[index] = 0
            if damage:
                warnings.warn(f"{_describe(self.path, damage)}; this run computes {'them' if len(damage) > 1 else 'it'}"
                              " again", stacklevel=2)

    def _create(self, fingerprint: str, attrs: dict) -> None:
        import zarr

        grid = self.plan.grid
        template = _template(self.plan)
        template.attrs.update(attrs)
        template.attrs["skillode_sweep"] = fingerprint
        template.attrs["skillode_spec"] = json.dumps(self.plan.spec(), sort_keys=True, default=str)
        template.attrs[_EVERY_CHUNK] = 1
        template = _strings_as_objects(template)  # zarr v3 specifies variable-length strings, not fixed-width ones
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
        # every chunk is written, all-NaN ones too, so that a missing chunk file means a damaged store (`_damage`)
        xr.Dataset(data).to_zarr(self.path, region=region, mode="r+", consolidated=False, write_empty_chunks=True)
        self._writes[index] = self._writes[index] + 1

    def open(self, load_below: int = LOAD_BELOW) -> xr.Dataset:
        """The sweep's Dataset from the store: loaded when smaller than ``load_below`` bytes, else lazy."""
        ds = xr.open_zarr(self.path, consolidated=False)[list(self.plan.variables())]  # the plan's order
        ds.attrs.pop("skillode_spec", None)
        return _read(self.path, ds, self.writes(), load_below)


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
        attrs = dict(zarr.open_group(str(path), mode="r", use_consolidated=False).attrs)
    except Exception as err:  # noqa: BLE001 - any failure to read means: not a store we made
        raise ValueError(f"{path} is not a readable zarr store ({type(err).__name__}: {err})") from None
    if "skillode_sweep" not in attrs:
        raise ValueError(f"{path} is a zarr store but not a skillode sweep store")
    try:
        writes = np.asarray(zarr.open_array(str(path / _META / "writes"), mode="r")[...])
    except Exception:  # noqa: BLE001 - cut short or damaged
        raise ValueError(f"{path} has no block record ({_META}/writes; its creation was interrupted or the store "
                         "is damaged): delete it and rerun the sweep") from None
    done, total = int((writes > 0).sum()), int(writes.size)
    if complete and done < total:
        return None
    ds = xr.open_zarr(path, consolidated=False)
    ds.attrs.pop("skillode_spec", None)
    ds.attrs.update(blocks_done=done, blocks_total=total)
    return _read(path, ds, writes, load_below)


def _read(path: Path, ds: xr.Dataset, writes: np.ndarray, load_below: int) -> xr.Dataset:
    """``ds`` (opened lazily from the store at ``path``) loaded when smaller than ``load_below`` bytes, after
    checking that every block marked done has its data: raises ``ValueError`` naming the damaged blocks.

    Chunk files are checked for every store (cheap); their contents are decoded where the Dataset is loaded (a
    lazy Dataset's chunks are read, and fail, when computed).
    """
    import zarr

    every_chunk = _EVERY_CHUNK in zarr.open_group(str(path), mode="r", use_consolidated=False).attrs
    ds.attrs.pop(_EVERY_CHUNK, None)  # the store's bookkeeping, not the sweep's
    names = list(ds.data_vars)
    damage = _damage(path, names, writes, every_chunk, decode=False)
    if not damage and ds.nbytes < load_below:
        try:
            # read here, not on a Dask cluster that happens to be the default client: its workers may be busy
            # with a study's blocks for hours, and reading a few files needs none of them
            return _strings_as_str(ds.load(scheduler="synchronous"))
        except Exception:  # noqa: BLE001 - find the block(s) that do not decode, and name them
            damage = _damage(path, names, writes, every_chunk)
            if not damage:
                raise
    if damage:
        raise ValueError(f"{_describe(path, damage)}; rerun the sweep (or study) that wrote this store to compute "
                         f"{'them' if len(damage) > 1 else 'it'} again")
    return _strings_as_str(ds)


def _damage(path: Path, names, writes: np.ndarray, every_chunk: bool, *, decode: bool = True) -> dict:
    """The blocks marked done in ``writes`` whose data is missing or unreadable: ``{block index: problem}``.

    A variable's chunks are the blocks along its leading (grid) dims. A chunk file that is absent is damage when
    the store writes every chunk (``every_chunk``; older stores skipped all-NaN chunks); with ``decode``, each
    chunk is also read (a truncated or overwritten file fails to decompress).
    """
    import zarr

    done = [tuple(int(i) for i in ix) for ix in np.argwhere(writes > 0)]
    found = {}
    for name in names:
        arr = zarr.open_array(str(path / name), mode="r")
        lead = writes.ndim
        tail = [range(math.ceil(s / c)) for s, c in zip(arr.shape[lead:], arr.chunks[lead:])]
        for index in done:
            for rest in itertools.product(*tail):
                if index in found:
                    break
                coords = (*index, *rest)
                key = arr.metadata.encode_chunk_key(coords)
                if every_chunk and not (path / name / key).is_file():
                    found[index] = f"its chunk file {name}/{key} is missing"
                elif decode:
                    try:
                        arr.get_block_selection(coords)
                    except Exception as err:  # noqa: BLE001 - any failure to decode is damage
                        found[index] = f"its chunk {name}/{key} cannot be read ({type(err).__name__}: {err})"
    return dict(sorted(found.items()))


def _describe(path: Path, damage: dict) -> str:
    blocks = "; ".join(f"block {index}: {problem}" for index, problem in damage.items())
    return (f"store {path}: {len(damage)} block(s) marked done have missing or corrupt data ({blocks})")


def _template(plan: AbstractGridPlan) -> xr.Dataset:
    """The plan's Dataset around lazy NaN arrays chunked by block: the store's layout, and a check of the
    coordinates before any block runs."""
    import dask.array as da

    grid = plan.grid
    return plan.dataset({
        name: da.full((*grid.shape, *shape), np.nan, chunks=(*grid.block, *shape), dtype=np.float64)
        for name, (_, shape) in plan.variables().items()
    })
